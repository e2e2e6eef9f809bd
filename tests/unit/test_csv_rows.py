"""Reading import files: a row whose bytes are not text in the file's encoding is reported by its field and
line; rows around it, non-ASCII text included, are read as they are."""

from __future__ import annotations

from dialgate.adapters.files.csvrows import read_rows


def test_an_undecodable_field_is_named_and_its_neighbours_are_kept(tmp_path):
    path = tmp_path / "consents.csv"
    path.write_bytes(
        b"number,status,note\n"
        b"+447700900123,granted,plain\n"
        b"+447700900124,granted,caf\xe9 in latin-1\n"
        b"+447700900125,revoked,caf\xc3\xa9 \xe2\x80\x94 in UTF-8\n"
    )
    rows = list(read_rows(path, known=("number", "status", "note"), required=("number",)))
    assert [(r.line, r.problem) for r in rows] == [
        (2, None),
        (3, "field 'note' is not valid utf-8-sig text (try --encoding)"),
        (4, None),
    ]
    assert rows[0].fields["note"] == "plain" and rows[2].fields["note"] == "café — in UTF-8"
