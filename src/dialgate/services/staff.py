"""Staff users of the dashboard: create them, sign them in and out, and know who holds a session.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended profile).
Failed logins are counted per account and per client address in the store, so a lock-out holds on every
worker. A login attempt is counted before the password is checked and taken back when it was right:
many attempts sent at once cannot slip past the limit while the slow hash runs.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dialgate.domain.staff import (
    Policy,
    Role,
    StaffUser,
    Viewer,
    check_password,
    check_username,
    role_for,
    unhit,
)
from dialgate.errors import AuthenticationError, InputError, NotFoundError
from dialgate.services.brands import require_brand
from dialgate.services.ports import WebSession
from dialgate.services.runtime import Runtime
from dialgate.services.throttle import ThrottledError, take_in

_hasher = PasswordHasher()
TOUCH_EVERY = timedelta(minutes=1)  # how stale a session's last-seen time may get (saves a write per page)


@dataclass(frozen=True)
class LoginPolicy:
    per_account: Policy
    per_address: Policy
    idle: timedelta  # a session unused this long ends
    lifetime: timedelta  # a session ends this long after sign-in, used or not


DEFAULT_POLICY = LoginPolicy(
    per_account=Policy(limit=5, window=timedelta(minutes=15), block=timedelta(minutes=15)),
    per_address=Policy(limit=20, window=timedelta(minutes=15), block=timedelta(minutes=15)),
    idle=timedelta(hours=1),
    lifetime=timedelta(hours=12),
)


class LockedOutError(ThrottledError):
    """Too many failed logins for this account or from this address."""

    code = "locked_out"
    title = "Too many failed sign-ins"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- users ----------------------------------------------------------------------------------------------


def create_user(
    rt: Runtime, *, brand: str, username: str, role: str, password: str, vendor: str | None = None
) -> StaffUser:
    name = check_username(username)
    parsed_role = role_for(role, vendor)
    check_password(password)
    user = StaffUser(
        id=rt.ids.new_id(),
        brand=brand,
        username=name,
        role=parsed_role,
        vendor=vendor,
        password_hash=_hasher.hash(password),
        created_at=rt.clock.now(),
    )
    with rt.uow(write=True) as uow:
        require_brand(uow, brand)
        if vendor is not None and uow.vendors.get(brand, vendor) is None:
            raise NotFoundError(f"unknown vendor '{vendor}' for brand '{brand}'").at(field="vendor")
        uow.users.add(user)
        uow.commit()
    return user


def set_password(rt: Runtime, username: str, password: str) -> StaffUser:
    """A new password; every session of the user ends (whoever held one must sign in again)."""
    name = check_username(username)
    check_password(password)
    digest = _hasher.hash(password)
    with rt.uow(write=True) as uow:
        user = uow.users.by_username(name)
        if user is None:
            raise NotFoundError(f"no user '{name}'").at(field="username")
        uow.users.set_password(user.id, digest, rt.clock.now())
        uow.sessions.remove_user(user.id)
        uow.rate_buckets.remove(_account_key(name))
        uow.commit()
    return replace(user, password_hash=digest)


def list_users(rt: Runtime, brand: str) -> list[StaffUser]:
    with rt.uow() as uow:
        require_brand(uow, brand)
        return uow.users.list(brand)


def get_user(rt: Runtime, username: str) -> StaffUser | None:
    with rt.uow() as uow:
        return uow.users.by_username(check_username(username))


# --- signing in and out ---------------------------------------------------------------------------------


def _account_key(username: str) -> str:
    return f"login:account:{username[:100]}"


def _address_key(address: str) -> str:
    return f"login:address:{address[:100]}"


def login(
    rt: Runtime, username: str, password: str, *, address: str, policy: LoginPolicy = DEFAULT_POLICY
) -> tuple[str, StaffUser]:
    """Check a username and password. Returns a new session token (for the cookie) and the user.

    Every failure says the same thing, whether the user exists or not.
    """
    name = (username or "").strip().lower()[:64]
    if not name or not password:
        raise InputError("give a username and a password").at(field="username" if not name else "password")
    password = password[:4096]  # argon2 hashes any length; a bound keeps one request cheap
    now = rt.clock.now()
    account, client = _account_key(name), _address_key(address)
    with rt.uow(write=True) as uow:
        for key, rule in ((client, policy.per_address), (account, policy.per_account)):
            wait = take_in(uow, key, rule, now)
            if wait is not None:
                raise LockedOutError(
                    "too many failed sign-ins: try again in "
                    f"{max(1, round(wait.total_seconds() / 60))} minute(s)",
                    wait,
                )
        uow.commit()
    user = _verify(rt, name, password)
    if user is None:
        raise AuthenticationError("wrong username or password")
    token = secrets.token_urlsafe(32)
    with rt.uow(write=True) as uow:
        uow.rate_buckets.remove(account)
        counted = uow.rate_buckets.lock(client)
        if counted is not None:
            back = unhit(counted, policy.per_address)
            uow.rate_buckets.put(client, back, back.expires_at(policy.per_address))
        uow.sessions.purge(now, now - policy.idle)
        uow.sessions.add(WebSession(hash_token(token), user.id, now, now, now + policy.lifetime))
        uow.commit()
    return token, user


@functools.cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so an unknown name costs the time a wrong password does."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(rt: Runtime, name: str, password: str) -> StaffUser | None:
    with rt.uow() as uow:
        user = uow.users.by_username(name)
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):  # the hasher's parameters were raised since
        with rt.uow(write=True) as uow:
            uow.users.set_password(user.id, _hasher.hash(password), rt.clock.now())
            uow.commit()
    return user


def viewer_for(rt: Runtime, token: str, policy: LoginPolicy = DEFAULT_POLICY) -> Viewer | None:
    """Who holds this session token; None when it is unknown, expired, idle too long, or the user is gone."""
    if not token or len(token) > 200:
        return None
    key = hash_token(token)
    now = rt.clock.now()
    with rt.uow() as uow:
        session = uow.sessions.get(key)
        if session is None or _expired(session, now, policy):
            return None
        user = uow.users.get(session.user_id)
    if user is None or user.disabled:
        return None
    if now - session.seen_at >= TOUCH_EVERY:
        with rt.uow(write=True) as uow:
            uow.sessions.touch(key, now)
            uow.commit()
    return Viewer(user.id, user.username, user.brand, user.role, user.vendor)


def _expired(session: WebSession, now: datetime, policy: LoginPolicy) -> bool:
    return now >= session.expires_at or now - session.seen_at >= policy.idle


def logout(rt: Runtime, token: str) -> None:
    with rt.uow(write=True) as uow:
        uow.sessions.remove(hash_token(token))
        uow.commit()


__all__ = [
    "DEFAULT_POLICY",
    "LockedOutError",
    "LoginPolicy",
    "Role",
    "create_user",
    "list_users",
    "login",
    "logout",
    "set_password",
    "viewer_for",
]
