"""The prefix tables for bulk number parsing, cached on disk.

Building them takes seconds (number_tables.build_tables); they depend only on phonenumbers' version and
dialgate's numbering overlays, so the arrays are kept in one .npz file per fingerprint and shared by
every process and worker (each loads them once).
"""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import numpy as np

from dialgate.adapters.files.durable import write_whole
from dialgate.domain.number_tables import NumberTables, build_tables, fingerprint

_LOADED: dict[Path, NumberTables] = {}
_LOCK = threading.Lock()


class CachedNumberTables:
    """ports.NumberTablesSource over a cache directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._loaded: NumberTables | None = None

    def path(self) -> Path:
        return self.directory / f"number-tables-{fingerprint()}.npz"

    def load(self) -> NumberTables:
        path = self.path()
        with _LOCK:
            tables = _LOADED.get(path)
            if tables is None:
                tables = self._read(path)
                if tables is None:
                    tables = build_tables()
                    self._write(path, tables)
                _LOADED[path] = tables
            self._loaded = tables
            return tables

    def loaded(self) -> NumberTables | None:
        return self._loaded

    def _read(self, path: Path) -> NumberTables | None:
        try:
            with np.load(path, allow_pickle=False) as archive:
                return NumberTables.from_arrays({name: archive[name] for name in archive.files})
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            return None  # missing or damaged: build again

    def _write(self, path: Path, tables: NumberTables) -> None:
        arrays = tables.to_arrays()
        try:  # numpy's stub types **kwds as allow_pickle
            write_whole(path, lambda out: np.savez(out, **arrays))  # type: ignore[arg-type]
        except OSError:
            return  # a cache that cannot be written only costs time
