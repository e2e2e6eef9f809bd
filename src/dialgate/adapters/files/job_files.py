"""Files of background scrubs: one directory per job, holding the upload and then the result."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from dialgate.adapters.files.durable import PARTIAL_GLOB
from dialgate.errors import NotFoundError, StoreError

_ID = re.compile(r"^[0-9A-Z]{10,32}$")


class DirectoryJobFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, job_id: str) -> Path:
        if not _ID.match(job_id):
            raise NotFoundError(f"no scrub job '{job_id}'")
        return self.root / job_id

    def save_input(self, job_id: str, chunks: Iterable[bytes]) -> int:
        directory = self._dir(job_id)
        size = 0
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with (directory / "input.csv").open("wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise StoreError(f"cannot store the upload in {directory}: {exc.strerror or exc}") from None
        return size

    def input_path(self, job_id: str) -> Path:
        return self._dir(job_id) / "input.csv"

    def result_path(self, job_id: str) -> Path:
        return self._dir(job_id) / "result.csv"

    def discard_input(self, job_id: str) -> None:
        self.input_path(job_id).unlink(missing_ok=True)

    def discard(self, job_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):  # already deleted (another worker's sweep): done
            shutil.rmtree(self._dir(job_id))

    def discard_partial(self, job_id: str) -> None:
        for leftover in self._dir(job_id).glob(PARTIAL_GLOB):  # scrub_csv's temporary output
            leftover.unlink(missing_ok=True)
