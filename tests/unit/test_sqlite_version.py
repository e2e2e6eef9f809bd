"""An SQLite older than the decision log's JSON operators is refused at start, by name."""

from __future__ import annotations

import sqlite3

import pytest

from dialgate.adapters.db import engine as db_engine
from dialgate.errors import StoreError


def test_an_sqlite_without_the_json_operators_is_refused_with_both_versions(monkeypatch, tmp_path):
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 37, 2))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.37.2")
    with pytest.raises(StoreError, match=r"SQLite is 3\.37\.2; dialgate needs 3\.38\.0 or newer"):
        db_engine.make_engine(f"sqlite:///{tmp_path / 'dialgate.db'}")
    assert not (tmp_path / "dialgate.db").exists()


def test_this_sqlite_has_them(tmp_path):
    engine = db_engine.make_engine(f"sqlite:///{tmp_path / 'dialgate.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("""SELECT '[1, "a"]' ->> 1""").scalar() == "a"
    engine.dispose()
