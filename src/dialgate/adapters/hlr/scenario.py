"""Scenario files: what the fake provider and `dialgate hlr-sim` answer for which numbers.

One file (TOML or JSON, by extension) drives both, so the contract tests can run the same expectations
against the fake and against the HTTP adapter talking to the simulator:

    [default]                      # every number not listed below
    status = "active"              # active | absent | unknown
    roaming = false                # true | false | "unknown"
    original_network = "Fictional Mobile PL"
    mcc = "260"
    mnc = "99"

    [[numbers]]
    prefix = "+4845100012"         # or number = "+48451000120"; exact beats prefix, longer prefix wins
    roaming = true
    roaming_country = "US"         # ISO 3166 alpha-2
    roaming_network = "Fictional Roaming US"
    ported = true
    current_network = "Other Fictional Mobile PL"
    failure = "server"             # a kind from domain/hlr_errors.py (FAILURES below)
    failures = 1                   # fail only the first N lookups of each number, then answer
    retry_after = 1                # seconds, for failure = "rate-limited"
    latency_ms = 50                # extra time this number takes
    note = "anything"              # ignored: say what the entry is for
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from dialgate.adapters.hlr.countries import resolve_country
from dialgate.domain.hlr_errors import (
    HlrAuthError,
    HlrError,
    HlrMalformedResponseError,
    HlrRateLimitedError,
    HlrServerError,
    HlrTimeoutError,
    HlrUnknownCountryError,
    HlrUnknownNumberError,
    HlrWrongNumberError,
)
from dialgate.domain.roaming import HlrResult, HlrStatus, Roaming
from dialgate.errors import InputError

# The failures a scenario can ask for, keyed by the error kind the client must end up with.
FAILURES: dict[str, type[HlrError]] = {
    e.kind: e
    for e in (
        HlrTimeoutError,
        HlrServerError,
        HlrRateLimitedError,
        HlrMalformedResponseError,
        HlrWrongNumberError,
        HlrUnknownCountryError,
        HlrAuthError,
        HlrUnknownNumberError,
    )
}
WRONG_NUMBER = "+48451000999"  # what a mixed-up answer is about
BUNDLED = "hlr_scenario.toml"

_ENTRY_FIELDS = {
    "status", "roaming", "roaming_country", "roaming_network", "ported", "original_network",
    "current_network", "mcc", "mnc", "failure", "failures", "retry_after", "latency_ms",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entry:
    """What the network says about one number (or one prefix)."""

    status: HlrStatus = HlrStatus.ACTIVE
    roaming: Roaming = Roaming.NO
    roaming_country: str | None = None
    roaming_network: str | None = None
    ported: bool = False
    original_network: str | None = None
    current_network: str | None = None
    mcc: str | None = None
    mnc: str | None = None
    failure: str | None = None
    failures: int | None = None
    retry_after: float | None = None
    latency_ms: float = 0.0

    def fails(self, attempt: int) -> bool:
        """Whether the attempt-th lookup (1-based) of a number fails."""
        return self.failure is not None and (self.failures is None or attempt <= self.failures)

    def error(self, number: str) -> HlrError:
        """The error a client ends up with when this entry fails (the fake raises it directly)."""
        kind = self.failure or "server"
        message = {
            "timeout": "no answer in time (simulated)",
            "server": "HTTP 503 from the provider (simulated)",
            "rate-limited": "HTTP 429 from the provider (simulated)",
            "malformed": "the answer is not valid JSON (simulated)",
            "wrong-number": f"asked about {number}, the answer is about {WRONG_NUMBER} (simulated)",
            "unknown-country": "roaming country 'XX' is not an ISO 3166 country code (simulated)",
            "auth": "HTTP 401: the API key was refused (simulated)",
            "unknown-number": f"the network does not know {number} (simulated)",
        }[kind]
        retry_after = (self.retry_after or 1.0) if kind == "rate-limited" else None
        return FAILURES[kind](message, retry_after=retry_after)

    def result(self, number: str, *, provider: str, at: datetime) -> HlrResult:
        country = resolve_country(iso=self.roaming_country) if self.roaming is Roaming.YES else None
        current = self.current_network or self.original_network
        return HlrResult(
            number=number,
            status=self.status,
            roaming=self.roaming,
            roaming_country=country,
            ported=self.ported,
            original_network=self.original_network,
            current_network=current,
            mcc=self.mcc,
            mnc=self.mnc,
            looked_up_at=at,
            provider=provider,
        )


@dataclass(frozen=True)
class Scenario:
    default: Entry = field(default_factory=Entry)
    exact: Mapping[str, Entry] = field(default_factory=dict)
    prefixes: Mapping[str, Entry] = field(default_factory=dict)
    source: str = "<memory>"

    def entry_for(self, number: str) -> Entry:
        found = self.exact.get(number)
        if found is not None:
            return found
        for length in range(len(number) - 1, 1, -1):
            found = self.prefixes.get(number[:length])
            if found is not None:
                return found
        return self.default

    @classmethod
    def load(cls, path: Path | None = None) -> Scenario:
        """Read a scenario file; None reads the bundled one (dialgate/data/hlr_scenario.toml)."""
        if path is None:
            text = resources.files("dialgate").joinpath("data", BUNDLED).read_text(encoding="utf-8")
            return cls.parse(tomllib.loads(text), source=BUNDLED)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the HLR scenario file: {exc.strerror}").at(
                file=str(path)
            ) from None
        try:
            data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}").at(
                file=str(path)
            ) from None
        return cls.parse(data, source=str(path))

    @classmethod
    def parse(cls, data: Mapping[str, Any], *, source: str = "<memory>") -> Scenario:
        unknown = set(data) - {"default", "numbers"}
        if unknown:
            raise InputError(f"unknown section(s) {sorted(unknown)}; expected [default] and [[numbers]]").at(
                file=source
            )
        default = _entry(Entry(), data.get("default", {}), source, "default")
        exact: dict[str, Entry] = {}
        prefixes: dict[str, Entry] = {}
        for i, raw in enumerate(data.get("numbers", []), start=1):
            where = f"numbers[{i}]"
            if not isinstance(raw, Mapping):
                raise InputError("must be a table").at(file=source, field=where)
            spec = {k: v for k, v in raw.items() if k not in ("number", "prefix", "note")}
            entry = _entry(default, spec, source, where)
            if ("number" in raw) == ("prefix" in raw):
                raise InputError("give exactly one of 'number' and 'prefix'").at(file=source, field=where)
            key = str(raw.get("number") or raw.get("prefix"))
            if not key.startswith("+") or not key[1:].isdigit():
                raise InputError(f"'{key}' is not in E.164 form (+ and digits)").at(file=source, field=where)
            (exact if "number" in raw else prefixes)[key] = entry
        return cls(default=default, exact=exact, prefixes=prefixes, source=source)


def _entry(base: Entry, spec: Mapping[str, Any], source: str, where: str) -> Entry:
    if not isinstance(spec, Mapping):
        raise InputError("must be a table").at(file=source, field=where)
    unknown = set(spec) - _ENTRY_FIELDS
    if unknown:
        raise InputError(f"unknown field(s) {sorted(unknown)}").at(file=source, field=where)
    changes: dict[str, Any] = {}
    try:
        for key, value in spec.items():
            changes[key] = _coerce(key, value)
    except (ValueError, TypeError) as exc:
        raise InputError(str(exc)).at(file=source, field=where) from None
    return replace(base, **changes)


def _coerce(key: str, value: Any) -> Any:
    if key == "status":
        return HlrStatus(value)
    if key == "roaming":
        return (
            {True: Roaming.YES, False: Roaming.NO}.get(value) if isinstance(value, bool) else Roaming(value)
        )
    if key == "failure":
        if value not in FAILURES:
            raise ValueError(f"failure '{value}' is not one of {sorted(FAILURES)}")
        return value
    if key == "roaming_country":
        code = str(value).upper()
        if len(code) != 2 or not code.isalpha():
            raise ValueError(f"roaming_country '{value}' is not an ISO 3166 alpha-2 code")
        return code
    if key == "ported":
        if not isinstance(value, bool):
            raise ValueError("ported must be true or false")
        return value
    if key == "failures":
        return int(value)
    if key in ("retry_after", "latency_ms"):
        return float(value)
    return None if value is None else str(value)
