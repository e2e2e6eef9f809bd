"""Structured logs: one JSON object per line, a fixed event name, and phone numbers masked.

log = logging.getLogger("dialgate.scrub")
log.info("scrub.finished", extra={"fields": {"rows": 10_000_000, "number": "+33639980012"}})
-> {"ts": "...", "level": "info", "logger": "dialgate.scrub", "event": "scrub.finished",
    "rows": 10000000, "number": "+3363******12"}
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

_NUMBER = re.compile(r"\+\d{7,15}")


def mask(text: str) -> str:
    """Keep a number's country code and last two digits: enough to tell numbers apart in a log."""
    return _NUMBER.sub(lambda m: m.group(0)[:4] + "*" * (len(m.group(0)) - 6) + m.group(0)[-2:], text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": mask(record.getMessage()),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(_clean(fields))
        if record.exc_info:
            out["error"] = mask(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


def configure(level: str = "INFO") -> None:
    """Route the `dialgate` loggers to stderr as JSON lines (idempotent)."""
    root = logging.getLogger("dialgate")
    root.setLevel(level.upper())
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.propagate = False
