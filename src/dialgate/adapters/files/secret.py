"""A per-installation secret in the data directory: created once, at random, readable by its owner only.

It keys the dashboard's CSRF tokens. There is no default secret anywhere in the code: a fresh data
directory gets a fresh one, and every worker of one installation reads the same file.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from dialgate.errors import StoreError

SIZE = 32


def load_or_create(path: Path) -> bytes:
    """The secret in `path`, created (mode 0600) when missing. Concurrent first calls agree on one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _read(path)
        try:
            os.write(fd, secrets.token_bytes(SIZE).hex().encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return _read(path)
    except OSError as exc:
        raise StoreError(f"cannot read or create the secret {path}: {exc.strerror}") from None


def _read(path: Path) -> bytes:
    for _ in range(50):  # another worker may have created the file and not yet written it
        text = path.read_text(encoding="ascii").strip()
        if len(text) == 2 * SIZE:
            return bytes.fromhex(text)
        time.sleep(0.02)
    raise StoreError(f"the secret {path} is damaged: delete it and restart (sessions stay valid)")
