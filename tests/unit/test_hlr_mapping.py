"""Provider answers are read through configuration: two presets, any override, no code per vendor."""

from datetime import UTC, datetime

import orjson
import pytest

from dialgate.adapters.hlr.countries import resolve_country
from dialgate.adapters.hlr.http import retry_after_seconds
from dialgate.adapters.hlr.mapping import ResponseReader, as_bool, compile_path, pick
from dialgate.config import HlrFieldMap, HlrSettings
from dialgate.domain.hlr_errors import (
    HlrMalformedResponseError,
    HlrUnknownCountryError,
    HlrUnknownNumberError,
    HlrWrongNumberError,
)
from dialgate.domain.roaming import HlrStatus, Roaming

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NUMBER = "+48451000120"


def reader(shape: str, **overrides: object) -> ResponseReader:
    return ResponseReader(HlrSettings(shape=shape, mapping=overrides).field_map())  # type: ignore[arg-type]


def hlr_lookups_answer(**changes: object) -> bytes:
    doc = {
        "id": "f94ef092cb53",
        "msisdn": NUMBER,
        "connectivity_status": "CONNECTED",
        "mccmnc": "26099",
        "mcc": "260",
        "mnc": "99",
        "original_network_name": "Fictional Mobile PL",
        "original_country_code": "PL",
        "is_ported": False,
        "ported_network_name": None,
        "is_roaming": True,
        "roaming_network_name": "Fictional Roaming US",
        "roaming_country_name": "United States",
        "roaming_country_code": "US",
        "roaming_country_prefix": "+1",
        "data_source": "LIVE_HLR",
    }
    doc.update(changes)
    return orjson.dumps(doc)


def infobip_answer(**changes: object) -> bytes:
    result = {
        "to": NUMBER[1:],
        "mccMnc": "26099",
        "originalNetwork": {
            "networkName": "Fictional Mobile PL",
            "countryName": "Poland",
            "countryPrefix": "48",
        },
        "ported": False,
        "roaming": True,
        "roamingNetwork": {
            "networkName": "Fictional Roaming US",
            "countryName": "United States",
            "countryPrefix": "1",
        },
        "status": {"groupName": "DELIVERED", "name": "DELIVERED_TO_HANDSET"},
        "error": {"groupName": "OK", "name": "NO_ERROR", "permanent": False},
    }
    result.update(changes)
    return orjson.dumps({"results": [result]})


@pytest.mark.parametrize(
    ("shape", "body"), [("hlr-lookups", hlr_lookups_answer()), ("infobip", infobip_answer())]
)
def test_both_presets_read_a_roaming_answer_the_same_way(shape: str, body: bytes) -> None:
    result = reader(shape).read(NUMBER, body, provider=shape, at=AT)
    assert (result.number, result.status, result.roaming, result.roaming_country) == (
        NUMBER,
        HlrStatus.ACTIVE,
        Roaming.YES,
        "US",
    )
    assert (result.mcc, result.mnc, result.ported) == ("260", "99", False)
    assert result.original_network == result.current_network == "Fictional Mobile PL"
    assert (result.provider, result.looked_up_at) == (shape, AT)


def test_a_ported_number_reports_its_current_network() -> None:
    body = hlr_lookups_answer(
        is_ported=True, ported_network_name="Other Fictional Mobile PL", is_roaming=False
    )
    result = reader("hlr-lookups").read(NUMBER, body, provider="x", at=AT)
    assert result.ported is True
    assert result.current_network == "Other Fictional Mobile PL"
    assert result.roaming is Roaming.NO and result.roaming_country is None


def test_legacy_yes_no_flags_are_understood() -> None:
    body = hlr_lookups_answer(is_roaming="Yes", is_ported="No")
    result = reader("hlr-lookups").read(NUMBER, body, provider="x", at=AT)
    assert (result.roaming, result.ported) == (Roaming.YES, False)


def test_a_missing_roaming_flag_is_unknown_not_false() -> None:
    body = hlr_lookups_answer(is_roaming=None)
    assert reader("hlr-lookups").read(NUMBER, body, provider="x", at=AT).roaming is Roaming.UNKNOWN


def test_an_absent_subscriber_is_absent() -> None:
    body = infobip_answer(error={"groupName": "HANDSET_ERRORS", "name": "EC_ABSENT_SUBSCRIBER"})
    assert reader("infobip").read(NUMBER, body, provider="x", at=AT).status is HlrStatus.ABSENT


def test_an_unlisted_status_value_means_unknown() -> None:
    body = hlr_lookups_answer(connectivity_status="SOMETHING_NEW")
    assert reader("hlr-lookups").read(NUMBER, body, provider="x", at=AT).status is HlrStatus.UNKNOWN


@pytest.mark.parametrize(
    ("shape", "body"),
    [
        ("hlr-lookups", hlr_lookups_answer(connectivity_status="INVALID_MSISDN")),
        ("infobip", infobip_answer(error={"name": "EC_UNKNOWN_SUBSCRIBER", "permanent": True})),
    ],
)
def test_an_unknown_subscriber_is_an_unknown_number_error(shape: str, body: bytes) -> None:
    with pytest.raises(HlrUnknownNumberError):
        reader(shape).read(NUMBER, body, provider="x", at=AT)


@pytest.mark.parametrize(
    ("shape", "body"),
    [
        ("hlr-lookups", hlr_lookups_answer(msisdn="+48451000999")),
        ("infobip", infobip_answer(to="48451000999")),
    ],
)
def test_an_answer_about_another_number_is_refused(shape: str, body: bytes) -> None:
    with pytest.raises(HlrWrongNumberError, match="48451000999"):
        reader(shape).read(NUMBER, body, provider="x", at=AT)


@pytest.mark.parametrize(
    "body",
    [
        b'{"msisdn": "+48451000120", "connectivity_',
        b"<html>502 Bad Gateway</html>",
        b"[]",
        b'{"results": []}',
    ],
)
def test_bodies_without_a_readable_result_are_malformed(body: bytes) -> None:
    with pytest.raises(HlrMalformedResponseError):
        reader("infobip").read(NUMBER, body, provider="x", at=AT)


def test_an_answer_that_does_not_name_its_number_is_malformed() -> None:
    body = orjson.dumps({"connectivity_status": "CONNECTED", "is_roaming": False})
    with pytest.raises(HlrMalformedResponseError, match="which number"):
        reader("hlr-lookups").read(NUMBER, body, provider="x", at=AT)


def test_an_unplaceable_roaming_country_is_an_unknown_country_error() -> None:
    with pytest.raises(HlrUnknownCountryError):
        reader("hlr-lookups").read(NUMBER, hlr_lookups_answer(roaming_country_code="XX"), provider="x", at=AT)
    network = {"networkName": "?", "countryName": "Nowhere", "countryPrefix": "999"}
    with pytest.raises(HlrUnknownCountryError):
        reader("infobip").read(NUMBER, infobip_answer(roamingNetwork=network), provider="x", at=AT)


def test_request_bodies_follow_the_template() -> None:
    assert orjson.loads(reader("hlr-lookups").request_body(NUMBER)) == {"msisdn": NUMBER}
    assert orjson.loads(reader("infobip").request_body(NUMBER)) == {"to": [NUMBER[1:]]}


def test_a_third_vendor_is_configuration() -> None:
    fields = HlrFieldMap(
        path="/hlr/sync",
        request_body='{"numbers": ["$e164"]}',
        auth_header="X-Api-Key",
        result="result.0",
        number="phone",
        status="state",
        status_values={"ok": "active", "absent": "absent"},
        roaming="roaming",
        roaming_country_iso="roaming_network.country",
        current_network="current_network",
    )
    body = orjson.dumps(
        {"result": [{"phone": NUMBER, "state": "ok", "roaming": True, "roaming_network": {"country": "tr"}}]}
    )
    result = ResponseReader(fields).read(NUMBER, body, provider="messente-like", at=AT)
    assert (result.status, result.roaming, result.roaming_country) == (HlrStatus.ACTIVE, Roaming.YES, "TR")


def test_mapping_overrides_replace_single_fields_of_a_preset() -> None:
    fields = HlrSettings(shape="infobip", mapping={"path": "/number/2/query"}).field_map()
    assert fields.path == "/number/2/query"
    assert fields.result == "results.0"


def test_paths_take_the_first_present_alternative() -> None:
    doc = {"a": None, "b": {"c": [10, 20]}}
    assert pick(doc, compile_path("a|b.c.1")) == 20
    assert pick(doc, compile_path("x.y|z")) is None
    assert pick(doc, compile_path("")) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), ("No", False), ("true", True), (0, False), ("maybe", None), (None, None)],
)
def test_flags_are_read_leniently(raw: object, expected: bool | None) -> None:
    assert as_bool(raw) is expected


def test_a_calling_code_shared_across_the_eea_line_needs_the_countrys_name() -> None:
    assert resolve_country(prefix="39", name="Vatican") == "VA"
    assert resolve_country(prefix="39", name="Italy") == "IT"
    with pytest.raises(HlrUnknownCountryError, match="shared"):
        resolve_country(prefix="39")


def test_a_calling_code_shared_on_one_side_of_the_line_is_enough() -> None:
    assert resolve_country(prefix="+44") == "GB"
    assert resolve_country(prefix="1", name="United States") == "US"


def test_country_names_alone_are_understood() -> None:
    assert resolve_country(name="Germany") == "DE"
    assert resolve_country() is None


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Mon, 23 Nov 2026 10:00:07 GMT", now=now) == 7.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_an_api_key_with_a_line_break_is_refused() -> None:
    from dialgate.adapters.hlr.http import HttpHlrProvider
    from dialgate.errors import InputError

    with pytest.raises(InputError, match="line break"):
        HttpHlrProvider(
            url="http://127.0.0.1:9",
            fields=HlrSettings().field_map(),
            name="x",
            clock=None,  # type: ignore[arg-type]
            api_key="key\r\nX-Injected: 1",
        )
