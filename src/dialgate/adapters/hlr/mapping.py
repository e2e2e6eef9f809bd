"""Read a provider's JSON answer into an HlrResult, following an HlrFieldMap (config.py).

Paths are dotted keys with list indices (`results.0.roamingNetwork.countryPrefix`); `a|b` takes the
first that is present and not null. Everything vendor-specific lives in the map, none of it here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from dialgate.adapters.hlr.countries import resolve_country
from dialgate.config import HlrFieldMap
from dialgate.domain.hlr_errors import (
    HlrMalformedResponseError,
    HlrUnknownNumberError,
    HlrWrongNumberError,
)
from dialgate.domain.roaming import HlrResult, HlrStatus, Roaming

Path = tuple[tuple[str | int, ...], ...]  # alternatives, each a sequence of keys
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_STATUS = {"active": HlrStatus.ACTIVE, "absent": HlrStatus.ABSENT, "unknown": HlrStatus.UNKNOWN}


def compile_path(text: str) -> Path:
    alternatives = []
    for alternative in text.split("|"):
        alternative = alternative.strip()
        if alternative:
            alternatives.append(tuple(int(k) if k.isdigit() else k for k in alternative.split(".")))
    return tuple(alternatives)


def pick(document: Any, path: Path) -> Any:
    """The first alternative's value that is present and not null; None when none is."""
    for keys in path:
        node = document
        for key in keys:
            if isinstance(key, int) and isinstance(node, list):
                node = node[key] if -len(node) <= key < len(node) else None
            elif isinstance(node, dict):
                node = node.get(str(key))
            else:
                node = None
            if node is None:
                break
        if node is not None:
            return node
    return None


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str):
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def digits_of(value: Any) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit())


class ResponseReader:
    """One field map, compiled once: builds request bodies and reads answers."""

    def __init__(self, fields: HlrFieldMap) -> None:
        self.fields = fields
        self._template = fields.request_body
        self._result = compile_path(fields.result)
        compiled = {
            name: compile_path(getattr(fields, name))
            for name in (
                "number", "status", "roaming", "roaming_country_iso", "roaming_country_prefix",
                "roaming_country_name", "ported", "original_network", "current_network", "mcc", "mnc",
                "mccmnc", "error_message",
            )
        }  # fmt: skip
        self._paths = compiled

    def request_body(self, number: str) -> bytes:
        quoted = orjson.dumps(number).decode()[1:-1]
        digits = quoted.removeprefix("+")
        return self._template.replace("$e164", quoted).replace("$digits", digits).encode()

    def error_text(self, body: bytes) -> str | None:
        """The provider's own words about a failure, when its body says any."""
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        found = pick(document, self._paths["error_message"])
        return None if found is None else str(found)[:200]

    def read(self, number: str, body: bytes, *, provider: str, at: datetime) -> HlrResult:
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise HlrMalformedResponseError(f"the answer is not valid JSON ({exc})") from None
        record = pick(document, self._result) if self._result else document
        if not isinstance(record, dict):
            raise HlrMalformedResponseError(f"the answer has no lookup result at '{self.fields.result}'")
        p = self._paths
        answered = pick(record, p["number"])
        if answered is None:
            raise HlrMalformedResponseError(
                f"the answer does not say which number it is about ('{self.fields.number}')"
            )
        if digits_of(answered) != digits_of(number):
            raise HlrWrongNumberError(f"asked about {number}, the answer is about {answered}")
        raw_status = pick(record, p["status"])
        meaning = self.fields.status_values.get(str(raw_status)) if raw_status is not None else None
        if meaning == "unknown-number":
            raise HlrUnknownNumberError(f"the network does not know {number} ({raw_status})")
        status = _STATUS.get(meaning or "unknown", HlrStatus.UNKNOWN)
        roaming_flag = as_bool(pick(record, p["roaming"]))
        roaming = Roaming.UNKNOWN if roaming_flag is None else (Roaming.YES if roaming_flag else Roaming.NO)
        country = None
        if roaming is Roaming.YES:
            country = resolve_country(
                iso=pick(record, p["roaming_country_iso"]),
                prefix=pick(record, p["roaming_country_prefix"]),
                name=pick(record, p["roaming_country_name"]),
            )
        mcc, mnc = _text(pick(record, p["mcc"])), _text(pick(record, p["mnc"]))
        mccmnc = _text(pick(record, p["mccmnc"]))
        if mccmnc and len(mccmnc) >= 5 and mccmnc.isdigit():
            mcc, mnc = mcc or mccmnc[:3], mnc or mccmnc[3:]
        original = _text(pick(record, p["original_network"]))
        return HlrResult(
            number=number,
            status=status,
            roaming=roaming,
            roaming_country=country,
            ported=as_bool(pick(record, p["ported"])),
            original_network=original,
            current_network=_text(pick(record, p["current_network"])) or original,
            mcc=mcc,
            mnc=mnc,
            looked_up_at=at,
            provider=provider,
        )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None
