"""Shared shapes for bulk imports: rows in, a report out. A bad row is reported and kept, never lost."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class InputRow:
    line: int
    fields: Mapping[str, str | None]
    problem: str | None = None  # set by the reader when the row could not be read at all


@dataclass
class RowError:
    line: int
    message: str
    fields: Mapping[str, str | None] = field(default_factory=dict)


@dataclass
class ImportReport:
    accepted: int = 0
    rejected: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected
