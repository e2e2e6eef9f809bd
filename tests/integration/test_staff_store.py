"""Staff users, sign-in, sessions and lock-outs, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dialgate.domain.staff import Policy, Role
from dialgate.errors import AuthenticationError, ConflictError, InputError, NotFoundError
from dialgate.services import brands, staff, vendors
from dialgate.services.consumer import check_rate
from dialgate.services.throttle import ThrottledError

PASSWORD = "correct horse battery"
POLICY = staff.LoginPolicy(
    per_account=Policy(limit=3, window=timedelta(minutes=15), block=timedelta(minutes=15)),
    per_address=Policy(limit=5, window=timedelta(minutes=15), block=timedelta(minutes=15)),
    idle=timedelta(hours=1),
    lifetime=timedelta(hours=12),
)


@pytest.fixture
def enercom(rt):
    brands.add_brand(rt, "enercom", "Enercom")
    brands.add_brand(rt, "othertel", "Othertel")
    vendors.apply_vendor(rt, brand="enercom", vendor_id="callco")
    staff.create_user(rt, brand="enercom", username="alice", role="officer", password=PASSWORD)
    return rt


def test_a_user_signs_in_and_the_session_names_the_user_brand_and_role(enercom, clock):
    token, user = staff.login(enercom, "Alice", PASSWORD, address="192.0.2.1", policy=POLICY)
    viewer = staff.viewer_for(enercom, token, POLICY)
    assert viewer is not None and (viewer.username, viewer.brand, viewer.role) == (
        "alice",
        "enercom",
        Role.OFFICER,
    )
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_a_wrong_password_and_an_unknown_user_fail_alike(enercom):
    with pytest.raises(AuthenticationError) as wrong:
        staff.login(enercom, "alice", "not the password", address="192.0.2.1", policy=POLICY)
    with pytest.raises(AuthenticationError) as unknown:
        staff.login(enercom, "mallory", PASSWORD, address="192.0.2.2", policy=POLICY)
    assert wrong.value.message == unknown.value.message


def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(enercom, clock):
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            staff.login(enercom, "alice", "guess", address="192.0.2.9", policy=POLICY)
    with pytest.raises(staff.LockedOutError) as locked:
        staff.login(enercom, "alice", PASSWORD, address="198.51.100.4", policy=POLICY)
    assert locked.value.retry_after == timedelta(minutes=15)
    clock.advance(minutes=16)
    token, _ = staff.login(enercom, "alice", PASSWORD, address="198.51.100.4", policy=POLICY)
    assert staff.viewer_for(enercom, token, POLICY) is not None


def test_an_address_is_locked_out_after_failures_on_many_accounts(enercom, clock):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        with pytest.raises(AuthenticationError):
            staff.login(enercom, name, "guess", address="203.0.113.5", policy=POLICY)
    with pytest.raises(staff.LockedOutError):
        staff.login(enercom, "alice", PASSWORD, address="203.0.113.5", policy=POLICY)
    token, _ = staff.login(enercom, "alice", PASSWORD, address="203.0.113.6", policy=POLICY)
    assert token


def test_a_right_password_does_not_count_against_the_address(enercom):
    for _ in range(8):
        staff.login(enercom, "alice", PASSWORD, address="192.0.2.77", policy=POLICY)


def test_sessions_end_when_idle_when_old_on_logout_and_on_a_new_password(enercom, clock):
    idle, _ = staff.login(enercom, "alice", PASSWORD, address="192.0.2.1", policy=POLICY)
    clock.advance(minutes=61)
    assert staff.viewer_for(enercom, idle, POLICY) is None

    old, _ = staff.login(enercom, "alice", PASSWORD, address="192.0.2.1", policy=POLICY)
    for _ in range(13):  # used every 59 minutes, but older than its 12-hour lifetime at the end
        clock.advance(minutes=59)
        staff.viewer_for(enercom, old, POLICY)
    assert staff.viewer_for(enercom, old, POLICY) is None

    out, _ = staff.login(enercom, "alice", PASSWORD, address="192.0.2.1", policy=POLICY)
    staff.logout(enercom, out)
    assert staff.viewer_for(enercom, out, POLICY) is None

    kept, _ = staff.login(enercom, "alice", PASSWORD, address="192.0.2.1", policy=POLICY)
    staff.set_password(enercom, "alice", "another long passphrase")
    assert staff.viewer_for(enercom, kept, POLICY) is None
    with pytest.raises(AuthenticationError):
        staff.login(enercom, "alice", PASSWORD, address="192.0.2.1", policy=POLICY)


def test_usernames_are_unique_across_brands_and_vendor_viewers_need_a_known_vendor(enercom):
    with pytest.raises(ConflictError):
        staff.create_user(enercom, brand="othertel", username="ALICE", role="admin", password=PASSWORD)
    with pytest.raises(NotFoundError):
        staff.create_user(
            enercom, brand="enercom", username="v", role="vendor-viewer", vendor="nobody", password=PASSWORD
        )
    with pytest.raises(NotFoundError):
        staff.create_user(enercom, brand="nobrand", username="x", role="admin", password=PASSWORD)
    with pytest.raises(InputError):
        staff.create_user(enercom, brand="enercom", username="y", role="admin", password="short")
    viewer = staff.create_user(
        enercom, brand="enercom", username="cc", role="vendor", vendor="callco", password=PASSWORD
    )
    assert (viewer.role, viewer.vendor) == (Role.VENDOR_VIEWER, "callco")
    assert [u.username for u in staff.list_users(enercom, "enercom")] == ["alice", "cc"]
    assert staff.list_users(enercom, "othertel") == []


def test_the_public_page_limit_counts_per_address_and_says_when_to_come_back(enercom, clock):
    policy = Policy(limit=2, window=timedelta(minutes=10), block=timedelta(minutes=10))
    check_rate(enercom, "192.0.2.50", policy)
    check_rate(enercom, "192.0.2.50", policy)
    with pytest.raises(ThrottledError) as limited:
        check_rate(enercom, "192.0.2.50", policy)
    assert limited.value.retry_after_seconds == 600
    check_rate(enercom, "192.0.2.51", policy)
    clock.advance(minutes=11)
    check_rate(enercom, "192.0.2.50", policy)
