"""Protocol numbers: short, readable on the phone, with a check character that catches slips."""

from __future__ import annotations

import random

from dialgate.domain import protocol


def test_a_protocol_number_is_two_groups_of_four_from_an_unambiguous_alphabet():
    code = protocol.encode(123_456_789)
    assert len(code) == 9 and code[4] == "-"
    assert not set(code.replace("-", "")) & set("ILOUZ")
    assert protocol.normalise(code) == code


def test_typed_variants_read_back_to_the_same_number():
    code = protocol.encode(987_654_321)
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert protocol.normalise(typed) == code


def test_every_single_wrong_character_is_caught():
    rng = random.Random(7)
    for _ in range(200):
        code = protocol.encode(rng.randrange(protocol.SPACE)).replace("-", "")
        for i in range(len(code)):
            for other in protocol.ALPHABET:
                if other != code[i]:
                    assert not protocol.is_protocol(code[:i] + other + code[i + 1 :])


def test_every_swap_of_two_different_characters_is_caught():
    rng = random.Random(11)
    for _ in range(500):
        code = list(protocol.encode(rng.randrange(protocol.SPACE)).replace("-", ""))
        for i in range(len(code)):
            for j in range(i + 1, len(code)):
                if code[i] != code[j]:
                    swapped = code.copy()
                    swapped[i], swapped[j] = swapped[j], swapped[i]
                    assert not protocol.is_protocol("".join(swapped))


def test_text_that_is_not_a_protocol_number_is_refused():
    for text in ("", "ABCD", "ABCD-EFGH-J", "01M81W70NR7MJDBX85PD3V2FJK", "ZZZZ-ZZZZ"):
        assert protocol.normalise(text) is None
