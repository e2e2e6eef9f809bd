"""Staff users' names, passwords and roles; the rate buckets behind lock-outs and the public limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialgate.domain.staff import (
    Bucket,
    Policy,
    Role,
    Viewer,
    address_key,
    check_password,
    check_username,
    hit,
    role_for,
    unhit,
)
from dialgate.errors import InputError

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FIVE_IN_15 = Policy(limit=5, window=timedelta(minutes=15), block=timedelta(minutes=15))


def test_usernames_are_lowercased_and_checked():
    assert check_username("  Alice.Officer@Enercom ") == "alice.officer@enercom"
    for bad in ("", "a b", "-alice", "x" * 65, "alice!"):
        with pytest.raises(InputError):
            check_username(bad)


def test_passwords_need_twelve_characters_and_no_padding():
    assert check_password("correct horse battery") == "correct horse battery"
    for bad in ("short", " padded password ", "x" * 1025):
        with pytest.raises(InputError) as caught:
            check_password(bad)
        assert caught.value.location.field == "password"


def test_a_vendor_viewer_belongs_to_a_vendor_and_only_it_does():
    assert role_for("vendor-viewer", "callco") is Role.VENDOR_VIEWER
    assert role_for("Vendor", "callco") is Role.VENDOR_VIEWER
    assert role_for("officer", None) is Role.OFFICER
    with pytest.raises(InputError):
        role_for("vendor-viewer", None)
    with pytest.raises(InputError):
        role_for("admin", "callco")
    with pytest.raises(InputError):
        role_for("root", None)


def test_a_vendor_viewer_sees_only_its_vendor():
    vendor = Viewer("u1", "v", "enercom", Role.VENDOR_VIEWER, "callco")
    officer = Viewer("u2", "o", "enercom", Role.OFFICER, None)
    assert (
        vendor.sees_vendor("callco") and not vendor.sees_vendor("dialfast") and not vendor.sees_vendor(None)
    )
    assert officer.sees_vendor("dialfast") and officer.sees_vendor(None)


def test_the_fifth_failure_in_the_window_blocks_for_the_block_time():
    bucket = None
    for i in range(4):
        bucket = hit(bucket, T0 + timedelta(minutes=i), FIVE_IN_15)
        assert bucket.retry_after(T0 + timedelta(minutes=i)) is None
    bucket = hit(bucket, T0 + timedelta(minutes=4), FIVE_IN_15)
    assert bucket.retry_after(T0 + timedelta(minutes=4)) == timedelta(minutes=15)
    assert bucket.retry_after(T0 + timedelta(minutes=19)) is None


def test_failures_spread_beyond_the_window_never_block():
    bucket = None
    for i in range(10):
        bucket = hit(bucket, T0 + timedelta(minutes=4 * i), FIVE_IN_15)
        assert bucket.retry_after(T0 + timedelta(minutes=4 * i)) is None


def test_a_hit_counted_in_advance_can_be_taken_back():
    bucket = Bucket(4, T0)
    counted = hit(bucket, T0, FIVE_IN_15)
    assert counted.blocked_until is not None
    back = unhit(counted, FIVE_IN_15)
    assert back == Bucket(4, T0, None)


def test_a_bucket_is_forgotten_once_its_window_and_block_are_over():
    bucket = Bucket(5, T0, T0 + timedelta(minutes=30))
    assert bucket.expires_at(FIVE_IN_15) == T0 + timedelta(minutes=30)
    assert Bucket(1, T0).expires_at(FIVE_IN_15) == T0 + timedelta(minutes=15)


def test_ipv6_clients_are_counted_by_their_64_and_ipv4_by_address():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_key("192.0.2.7") == "192.0.2.7"
    assert address_key(None) == "unknown"
