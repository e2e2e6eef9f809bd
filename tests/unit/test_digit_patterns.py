"""The digit-pattern automaton answers what Python's re would, for every string we can enumerate."""

import itertools
import re

import pytest
from phonenumbers import PhoneMetadata

from dialgate.domain.digit_patterns import (
    UnsupportedPatternError,
    compile_digits,
    literal_alternatives,
)

PATTERNS = [
    r"\d{2}(?:\d{2})?",
    r"[2-9]\d{2}|3\d",
    r"(?:0|90)(?:(1[245])(\d{1,2}))?",
    r"([457]\d{2})$|1",
    r"1(?:2[0-3]|[3-9]\d)?\d",
    r"0?(?:1|2\d)",
    r"(?:00|[1-9]\d)\d",
    r"9\d*",
    r"[13-5]+0",
    PhoneMetadata.metadata_for_region("GB").general_desc.national_number_pattern,
]


def _strings(max_len: int) -> list[str]:
    return ["".join(p) for n in range(max_len + 1) for p in itertools.product("0123456789", repeat=n)]


def _run(pattern, text):
    """The state set after `text`, and whether some prefix of `text` (before its end) matched."""
    p = compile_digits(pattern)
    states, matched = p.start, False
    for ch in text:
        matched = matched or p.accepts_now(states)
        states = p.step(states, int(ch))
    return p, states, matched


@pytest.mark.parametrize("pattern", PATTERNS[:-1])
def test_full_and_prefix_matches_agree_with_re_on_every_short_string(pattern):
    compiled = re.compile(pattern)
    for text in _strings(4):
        p, states, earlier = _run(pattern, text)
        assert p.accepts_at_end(states) == bool(compiled.fullmatch(text)), text
        assert (earlier or p.accepts_now(states) or p.accepts_at_end(states)) == bool(compiled.match(text)), (
            text
        )


@pytest.mark.parametrize("pattern", PATTERNS[:-1])
def test_completion_questions_agree_with_enumerating_the_completions(pattern):
    compiled = re.compile(pattern)
    for prefix in _strings(2):
        p, states, earlier = _run(pattern, prefix)
        for remaining in range(3):
            tails = _strings(remaining)[-(10**remaining) :]
            full = [bool(compiled.fullmatch(prefix + t)) for t in tails]
            assert p.some_complete(states, remaining) == any(full), (prefix, remaining)
            assert p.all_complete(states, remaining) == all(full), (prefix, remaining)
            part = [bool(compiled.match(prefix + t)) for t in tails]
            # A match already made on the way stays made (the table builder carries that flag).
            assert (earlier or p.some_prefix(states, remaining)) == any(part), (prefix, remaining)
            assert (earlier or p.all_prefix(states, remaining)) == all(part), (prefix, remaining)


def test_a_real_metadata_pattern_compiles_and_matches_its_example():
    gb = PhoneMetadata.metadata_for_region("GB")
    _, states, _earlier = _run(PATTERNS[-1], gb.fixed_line.example_number)
    assert compile_digits(PATTERNS[-1]).accepts_at_end(states)


def test_literal_alternatives_come_in_the_order_re_match_tries_them():
    assert literal_alternatives("0|180020") == ("0", "180020")
    assert literal_alternatives("(183[12])|0") == ("1831", "1832", "0")
    assert literal_alternatives("00(?:1[245]|31)") == ("0012", "0014", "0015", "0031")
    assert literal_alternatives(r"0\d?") is None  # a quantifier: not a finite list of literals


def test_syntax_outside_the_subset_is_refused():
    for pattern in (r"\w", "a", "[^1]", "1*?", "(?=1)"):
        with pytest.raises(UnsupportedPatternError):
            compile_digits(pattern)
