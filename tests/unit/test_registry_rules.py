"""Known registers, staleness arithmetic, and İYS's own validation rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dialgate.domain.iys import IYS_EPOCH, IysState, check_movement, parse_iys_time, parse_movement
from dialgate.domain.registry import (
    KNOWN_REGISTERS,
    SnapshotInfo,
    check_register_name,
    days_left,
    is_stale,
    max_age_days,
)
from dialgate.domain.vocabulary import Channel, ConsentStatus, Party
from dialgate.errors import InputError

AS_OF = date(2026, 11, 1)


def snapshot(name: str) -> SnapshotInfo:
    return SnapshotInfo(name, "01SNAP", AS_OF, 10, datetime(2026, 11, 1, tzinfo=UTC), False)


def test_every_register_the_brief_names_is_known_with_its_maximum_age():
    ages = {name: r.max_age_days for name, r in KNOWN_REGISTERS.items()}
    assert ages == {
        "US-DNC": 31, "UK-TPS": 28, "UK-CTPS": 28, "IT-RPO": 15, "FR-BLOCTEL": 30,
        "BR-NMP": 30, "BR-SP-NAOMELIGUE": 30, "ES-ROBINSON": 30,
    }  # fmt: skip
    assert all(r.citation and r.description for r in KNOWN_REGISTERS.values())
    assert KNOWN_REGISTERS["UK-CTPS"].party == "business"


def test_a_private_list_has_no_maximum_age_unless_given():
    assert max_age_days("ACME-OPTOUT") is None
    assert max_age_days("ACME-OPTOUT", default=7) == 7
    assert max_age_days("us-dnc") == 31


@pytest.mark.parametrize(
    ("name", "age", "stale"),
    [("IT-RPO", 15, False), ("IT-RPO", 16, True), ("US-DNC", 31, False), ("US-DNC", 32, True)],
)
def test_a_snapshot_is_fresh_through_its_maximum_age_and_stale_the_day_after(name, age, stale):
    info = snapshot(name)
    today = AS_OF + timedelta(days=age)
    assert info.age_days(today) == age
    assert is_stale(info, today, max_age_days(name)) is stale
    assert days_left(info, today, max_age_days(name)) == max_age_days(name) - age


def test_register_names_are_tokens():
    assert check_register_name(" us-dnc ") == "US-DNC"
    for bad in ("", "../etc", "A B", "-X"):
        with pytest.raises(InputError):
            check_register_name(bad)


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def movement(status="ONAY", consent="2026-11-20 09:00:00", source="HS_WEB", **fields):
    row = {
        "creationdate": "2026-11-20 09:05:00", "transactionid": "T1", "recipient": "+905100000100",
        "recipienttype": "BIREYSEL", "type": "ARAMA", "status": status, "consentdate": consent,
        "source": source, **fields,
    }  # fmt: skip
    return parse_movement(row)


def test_iys_fields_map_to_the_ledger_vocabulary_in_turkish_time():
    m = movement(type="MESAJ", recipienttype="TACIR")
    assert (m.channel, m.party, m.status) == (Channel.SMS, Party.BUSINESS, ConsentStatus.GRANTED)
    assert m.consent_at == datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 09:00 in Istanbul is 06:00 UTC
    assert movement(type="EPOSTA").is_phone is False


def test_a_trader_record_may_omit_its_consent_date_but_a_person_may_not():
    assert movement(recipienttype="TACIR", consent="").consent_at == parse_iys_time(
        "2026-11-20 09:05:00", "x"
    )
    with pytest.raises(InputError, match="consentDate is empty"):
        movement(consent="")


def test_a_refusal_is_taken_even_when_the_consent_it_refuses_is_not_held():
    # a movement file covers recent days: the ONAY may predate dialgate's history, and the RET must count
    check_movement(movement(status="RET"), None, NOW)
    check_movement(movement(status="ONAY"), None, NOW)


def test_iys_rule_consent_date_must_be_later_than_the_existing_record():
    held = IysState(ConsentStatus.GRANTED, movement().consent_at)
    with pytest.raises(InputError, match="not later"):
        check_movement(movement(status="RET"), held, NOW)
    check_movement(movement(status="RET", consent="2026-11-20 09:00:01"), held, NOW)


@pytest.mark.parametrize("status", ["ONAY", "RET"])
def test_iys_rule_no_transition_to_the_same_status(status):
    held = IysState(ConsentStatus.GRANTED if status == "ONAY" else ConsentStatus.REVOKED, IYS_EPOCH)
    with pytest.raises(InputError, match=f"{status} after {status}"):
        check_movement(movement(status=status), held, NOW)


def test_iys_rule_no_consent_before_may_2015():
    with pytest.raises(InputError, match="before 2015-05-01"):
        check_movement(movement(consent="2015-04-30 23:59:59"), None, NOW)
    check_movement(movement(consent="2015-05-01 00:00:00"), None, NOW)


def test_iys_rule_hs_2015_means_exactly_the_first_of_may_2015():
    check_movement(movement(source="HS_2015", consent="2015-05-01 00:00:00"), None, NOW)
    with pytest.raises(InputError, match="HS_2015"):
        check_movement(movement(source="HS_2015", consent="2015-05-02 00:00:00"), None, NOW)


def test_iys_rule_no_future_consent_date():
    with pytest.raises(InputError, match="future"):
        check_movement(movement(consent="2026-11-23 13:00:01"), None, NOW)  # 10:00:01 UTC
    check_movement(movement(consent="2026-11-23 13:00:00"), None, NOW)


def test_the_rules_in_force_leave_out_a_campaign_register_as_the_engine_does():
    """A campaign's own list applies everywhere; a national register it names applies only in its country,
    and where the pack already reads it, the pack's own rule (with the law's delays) is the one listed."""
    from dialgate.domain.campaign import Campaign
    from dialgate.domain.rules.engine import rules_in_force
    from dialgate.domain.rules.packs import PACKS
    from dialgate.domain.vocabulary import Purpose

    campaign = Campaign(id="c1", brand="acme", purpose=Purpose.MARKETING, caller_id="+33162000000",
                        countries=("FR", "US"), registries=("ACME-OPTOUT", "US-DNC", "FR-BLOCTEL"))  # fmt: skip
    at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    listed = {
        country: {f"{prefix}.{rule.id}" for prefix, rule in rules_in_force(campaign, PACKS[country], at)}
        for country in ("FR", "DE")
    }
    assert "campaign.register-ACME-OPTOUT" in listed["FR"] and "campaign.register-ACME-OPTOUT" in listed["DE"]
    assert not {"campaign.register-US-DNC", "campaign.register-FR-BLOCTEL"} & (listed["FR"] | listed["DE"])
