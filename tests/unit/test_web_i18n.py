"""The consumer page's languages: complete, consistent, chosen as the browser asks."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime

import pytest

from dialgate.web import i18n


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_message_with_the_same_placeholders():
    english = i18n.MESSAGES["en"]
    assert set(i18n.MESSAGES) == set(i18n.LANGUAGES)
    for lang, messages in i18n.MESSAGES.items():
        assert set(messages) == set(english), lang
        for key, text in messages.items():
            assert text.strip(), (lang, key)
            assert _placeholders(text) == _placeholders(english[key]), (lang, key)
        assert len(messages["months"].split()) == 12, lang


def test_the_nine_languages_are_the_ones_the_issue_names():
    assert set(i18n.LANGUAGES) == {"en", "it", "de", "tr", "pl", "pt", "fr", "es", "ro"}


def test_no_language_but_english_reuses_the_english_sentences():
    english = i18n.MESSAGES["en"]
    for lang in i18n.LANGUAGES[1:]:
        copied = [k for k, v in i18n.MESSAGES[lang].items() if v == english[k] and len(v) > 12]
        assert copied == [], (lang, copied)


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        (None, "tr-TR,tr;q=0.9,en;q=0.8", "tr"),
        (None, "en;q=0.5, pt-BR;q=0.9", "pt"),
        (None, "ja, ro;q=0.3", "ro"),
        (None, "ja, zh", "en"),
        (None, None, "en"),
        (None, "de;q=0, fr", "fr"),
        ("pl", "tr-TR", "pl"),
        ("xx", "it-IT", "it"),
        ("DE", None, "de"),
    ],
)
def test_the_language_comes_from_the_query_then_accept_language_then_english(query, header, expected):
    assert i18n.pick(query, header) == expected


def test_dates_read_in_the_numbers_zone_and_a_midnight_deadline_reads_as_the_end_of_the_day_before():
    due = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)  # 00:00 on the 24th in Istanbul
    assert i18n.Text("tr").instant(due, "Europe/Istanbul") == "23 Kasım 2026 saat 23:59"
    assert i18n.Text("de").instant(datetime(2026, 3, 5, 13, 30, tzinfo=UTC), "Europe/Berlin") == (
        "5. März 2026, 14:30 Uhr"
    )
    assert i18n.Text("pl").instant(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), "Europe/Warsaw") == (
        "2 listopada 2026, godz. 10:00"
    )


def test_country_names_are_sorted_in_the_readers_language():
    names = [name for _, name in i18n.Text("fr").countries()]
    assert names == sorted(names)
    assert ("GB", "Royaume-Uni") in i18n.Text("fr").countries()


def test_messages_are_plain_text_without_markup():
    for messages in i18n.MESSAGES.values():
        for text in messages.values():
            assert not re.search(r"<[a-z/]", text)
