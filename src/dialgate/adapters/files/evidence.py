"""Evidence files, stored content-addressed: the path is the SHA-256, so a file cannot change unseen."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from dialgate.errors import InputError, StoreError

_CHUNK = 1 << 20


class FileEvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put_file(self, path: Path) -> str:
        if not path.is_file():
            raise InputError(f"evidence file '{path}' does not exist or is not a file").at(field="evidence")
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        try:
            with path.open("rb") as src, tempfile.NamedTemporaryFile(dir=self.root, delete=False) as tmp:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
        except PermissionError:
            raise InputError(f"evidence file '{path}' cannot be read (permission denied)").at(
                field="evidence"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot store evidence in {self.root}: {exc.strerror}") from None
        sha = digest.hexdigest()
        target = self._path(sha)
        if target.exists():
            Path(tmp.name).unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(tmp.name, target)
        return sha

    def path_of(self, sha256: str) -> Path | None:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            return None
        target = self._path(sha256)
        return target if target.is_file() else None
