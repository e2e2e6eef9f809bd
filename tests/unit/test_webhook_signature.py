"""Webhook signatures (HMAC-SHA256 over timestamp + "." + body) and the retry schedule."""

from __future__ import annotations

import pytest

from dialgate.domain.webhooks import backoff_seconds
from dialgate.webhook_signature import SignatureError, signature, signed_headers, verify

SECRET = "whsec_test-secret"
BODY = b'{"events":[{"id":"evt_1"}]}'
NOW = 1_795_435_200


def test_a_signed_delivery_verifies():
    headers = signed_headers(SECRET, BODY, NOW)
    assert (
        verify(SECRET, BODY, headers["Dialgate-Timestamp"], headers["Dialgate-Signature"], now=NOW + 3) == NOW
    )


@pytest.mark.parametrize(
    ("secret", "body", "timestamp"),
    [
        ("whsec_other", BODY, NOW),  # wrong secret
        (SECRET, BODY + b" ", NOW),  # body changed by one byte
        (SECRET, BODY, NOW + 1),  # timestamp changed: the signature covers it
    ],
)
def test_a_changed_secret_body_or_timestamp_fails(secret, body, timestamp):
    sig = signature(SECRET, NOW, BODY)
    with pytest.raises(SignatureError, match="does not match"):
        verify(secret, body, str(timestamp), sig, now=NOW)


def test_an_old_delivery_is_refused_even_with_a_valid_signature():
    headers = signed_headers(SECRET, BODY, NOW)
    with pytest.raises(SignatureError, match="tolerance"):
        verify(SECRET, BODY, headers["Dialgate-Timestamp"], headers["Dialgate-Signature"], now=NOW + 301)


def test_missing_or_malformed_headers_are_refused():
    with pytest.raises(SignatureError, match="missing"):
        verify(SECRET, BODY, None, "v1=00", now=NOW)
    with pytest.raises(SignatureError, match="Unix time"):
        verify(SECRET, BODY, "yesterday", "v1=00", now=NOW)


def test_any_of_several_signatures_may_match_during_a_secret_rotation():
    both = f"{signature('whsec_old', NOW, BODY)}, {signature(SECRET, NOW, BODY)}"
    assert verify(SECRET, BODY, str(NOW), both, now=NOW) == NOW


def test_backoff_grows_exponentially_up_to_the_cap_with_full_jitter():
    ceilings = [backoff_seconds(n, base=1.0, cap=60.0, draw=0.999999) for n in range(1, 10)]
    assert ceilings[:6] == pytest.approx([1, 2, 4, 8, 16, 32], rel=1e-5)
    assert max(ceilings) == pytest.approx(60.0, rel=1e-5)
    assert backoff_seconds(5, base=1.0, cap=60.0, draw=0.0) == 0.0  # full jitter reaches down to zero
    assert backoff_seconds(0, base=1.0, cap=60.0, draw=0.5) == 0.0
    assert backoff_seconds(200, base=1.0, cap=60.0, draw=0.5) == 30.0
