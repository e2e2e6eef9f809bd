"""write_whole: readers see a file complete or not at all."""

from __future__ import annotations

import stat

import pytest

from dialgate.adapters.files.durable import write_whole


def test_a_file_is_written_whole_with_its_mode(tmp_path):
    target = tmp_path / "new" / "table.json"  # its folder is made
    write_whole(target, lambda out: out.write(b"{}"), mode=0o600)
    assert target.read_bytes() == b"{}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["table.json"]


def test_a_failed_write_leaves_the_previous_file_and_no_partial_one(tmp_path):
    target = tmp_path / "table.json"
    target.write_bytes(b"before")

    def half(out):  # type: ignore[no-untyped-def]
        out.write(b"hal")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_whole(target, half)
    assert target.read_bytes() == b"before"
    assert [p.name for p in tmp_path.iterdir()] == ["table.json"]
