"""Files dialgate writes for people to take away (an access request's export), under the data directory."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from dialgate.adapters.files.durable import write_whole
from dialgate.errors import StoreError
from dialgate.services.ports import StoredExport


class FileExportStore:
    def __init__(self, data_dir: Path, folder: str = "exports") -> None:
        self.data_dir, self.folder = data_dir, folder

    def write(self, name: str, data: bytes) -> StoredExport:
        relative = PurePosixPath(self.folder) / name
        if ".." in relative.parts or relative.is_absolute():
            raise ValueError(f"export name escapes the data directory: {name}")
        target = self.data_dir / relative
        try:  # personal data: readable by the service account only
            write_whole(target, lambda out: out.write(data), mode=0o600)
        except OSError as exc:
            raise StoreError(f"cannot write the export {target}: {exc.strerror}") from None
        return StoredExport(path=str(relative), sha256=hashlib.sha256(data).hexdigest())

    def path_of(self, relative: str) -> Path | None:
        path = (self.data_dir / relative).resolve()
        root = (self.data_dir / self.folder).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path
