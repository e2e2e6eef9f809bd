"""Brazil: Não Me Perturbe and state lists (a listing counts from 30 days after its date), state
calling-hour laws by area code, and the 0303 caller-ID prefix while it was mandatory."""

from __future__ import annotations

from datetime import date

from dialgate.domain.rules.base import COMMERCIAL, Pack, Rule, validate_pack
from dialgate.domain.rules.common import (
    caller_id_rule,
    internal_dnc,
    number_subdivision,
    register_rule,
    revoked,
    window_rule,
)
from dialgate.domain.rules.frame import Group
from dialgate.domain.vocabulary import Purpose
from dialgate.domain.windows import WeeklyWindows, parse_weekly

WEEKDAYS_8_18 = parse_weekly({"mon-fri": "08:00-18:00"}, "BR.hours")
PE_HOURS = parse_weekly({"mon-fri": "08:00-20:00", "sat": "09:00-15:00"}, "BR.hours-pe")
ES_HOURS = parse_weekly({"mon-fri": "08:00-19:00"}, "BR.hours-es")
# CE's and ES's laws name debt-collection calls as well as offers (research/rules.md; jornalfato.com.br).
WITH_COLLECTIONS = COMMERCIAL | {Purpose.COLLECTIONS}


def _state(uf: str, weekly: WeeklyWindows):  # type: ignore[no-untyped-def]
    def windows(group: Group) -> WeeklyWindows | None:
        return weekly if group.subdivision == uf else None

    return windows


def _state_rule(
    rule_id: str,
    uf: str,
    law: str,
    weekly: WeeklyWindows,
    holidays: bool,
    summary: str,
    purposes: frozenset[Purpose] = COMMERCIAL,
) -> Rule:
    return window_rule(rule_id, law, summary, windows=_state(uf, weekly), holidays=holidays, country="BR",
                       subdiv=number_subdivision, firmness="S", purposes=purposes)  # fmt: skip


PACK = validate_pack(
    Pack(
        country="BR",
        name="Brazil",
        version="2026.11.2",
        legal_zone="America/Sao_Paulo",
        rules=(
            revoked("LGPD art. 8 § 5 (consent may be revoked at any time); CDC art. 39"),
            internal_dnc("LGPD art. 18; CDC art. 39"),
            register_rule(
                "nmp",
                "BR-NMP",
                "Não Me Perturbe (Anatel-backed self-regulation: a block takes effect within 30 days)",
                "Numbers on Não Me Perturbe are not called, counting each listing from 30 days after its date.",
                binding_after_days=30,
                label="Não Me Perturbe",
                firmness="S",
            ),
            register_rule(
                "nao-me-ligue",
                "BR-SP-NAOMELIGUE",
                "São Paulo Lei 13.226/2008; Decreto 53.921/2008",
                "Numbers on São Paulo's Não Me Ligue list are not called from the 30th day after registration (when loaded).",
                binding_after_days=30,
                optional=True,
                label="São Paulo's Não Me Ligue list",
                firmness="S",
            ),
            _state_rule(
                "hours-rj",
                "RJ",
                "Rio de Janeiro Lei 7.853/2018",
                WEEKDAYS_8_18,
                True,
                "RJ (DDD 21, 22, 24): Mon-Fri 08:00-18:00, never on weekends or public holidays.",
            ),
            _state_rule(
                "hours-ce",
                "CE",
                "Ceará Lei 16.836/2019",
                WEEKDAYS_8_18,
                True,
                "CE (DDD 85, 88): Mon-Fri 08:00-18:00, never on weekends or public holidays; offers and "
                "debt collection alike.",
                WITH_COLLECTIONS,
            ),
            _state_rule(
                "hours-ms",
                "MS",
                "Mato Grosso do Sul state telemarketing law",
                WEEKDAYS_8_18,
                True,
                "MS (DDD 67): Mon-Fri 08:00-18:00, never on weekends or public holidays.",
            ),
            _state_rule(
                "hours-pe",
                "PE",
                "Pernambuco Lei 16.361/2018",
                PE_HOURS,
                False,
                "PE (DDD 81, 87): Mon-Fri 08:00-20:00, Saturday 09:00-15:00.",
            ),
            _state_rule(
                "hours-es",
                "ES",
                "Espírito Santo Lei 10.626/2017",
                ES_HOURS,
                True,
                "ES (DDD 27, 28): Mon-Fri 08:00-19:00, never on Saturdays, Sundays or public holidays; offers "
                "and debt collection alike.",
                WITH_COLLECTIONS,
            ),
            caller_id_rule(
                "caller-id-0303",
                "Anatel Ato n° 10.413/2021 (0303 prefix for active telemarketing; obligation revoked 7 Aug 2025)",
                "From 10 Mar 2022 to 6 Aug 2025, telemarketing calls present a 0303 number.",
                present=False,
                permitted=lambda e164, _c: e164.startswith("+55303"),
                withheld_not_permitted=True,
                not_permitted_text="active telemarketing had to present a 0303 number from 10 Mar 2022 to 6 Aug 2025.",
                firmness="S",
                effective_from=date(2022, 3, 10),
                effective_until=date(2025, 8, 6),
            ),
        ),
        notes=("States not listed have no calling-hour law in this pack.",),
    )
)
