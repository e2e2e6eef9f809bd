"""Staff of a brand who use the dashboard: their roles, what each role may see, and rate buckets.

A staff user belongs to one brand, like an API key, and never sees another brand's data. A vendor viewer
also belongs to one vendor of that brand and sees only what concerns that vendor.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from dialgate.errors import InputError

_USERNAME = re.compile(r"^[a-z0-9](?:[a-z0-9._@-]{0,62}[a-z0-9])?$")
MIN_PASSWORD = 12  # NIST SP 800-63B asks for at least 8; people choose passphrases when told 12
MAX_PASSWORD = 1024  # a bound on the work one login may cost the server


class Role(StrEnum):
    ADMIN = "admin"  # everything of the brand, and the list of its users
    OFFICER = "officer"  # everything of the brand: decisions, consents, requests, vendors
    VENDOR_VIEWER = "vendor-viewer"  # one vendor's view: its decisions, its requests, its webhook

    @property
    def closes_requests(self) -> bool:
        return self is not Role.VENDOR_VIEWER


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: str
    brand: str
    username: str
    role: Role
    vendor: str | None
    password_hash: str
    created_at: datetime
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking at a page: every dashboard query is scoped by this."""

    user_id: str
    username: str
    brand: str
    role: Role
    vendor: str | None  # set for vendor viewers only

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def sees_vendor(self, vendor: str | None) -> bool:
        """Whether a record made by (or for) `vendor` concerns this viewer."""
        return self.vendor is None or vendor == self.vendor


def check_username(raw: str) -> str:
    name = (raw or "").strip().lower()
    if not _USERNAME.match(name):
        raise InputError(
            f"'{raw}' is not a username: 1-64 lowercase letters, digits, '.', '_', '-' or '@'"
        ).at(field="username")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"must be at least {MIN_PASSWORD} characters long").at(field="password")
    if len(password) > MAX_PASSWORD:
        raise InputError(f"must be at most {MAX_PASSWORD} characters long").at(field="password")
    if password.strip() != password:
        raise InputError("must not start or end with spaces (they are easy to lose)").at(field="password")
    return password


def role_for(raw: str, vendor: str | None) -> Role:
    text = (raw or "").strip().lower().replace("_", "-").replace(" ", "-")
    if text == "vendor":
        text = Role.VENDOR_VIEWER.value
    try:
        role = Role(text)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InputError(f"'{raw}' is not a role; choose one of {choices}").at(field="role") from None
    if role is Role.VENDOR_VIEWER and not vendor:
        raise InputError("a vendor viewer belongs to a vendor: give --vendor").at(field="vendor")
    if role is not Role.VENDOR_VIEWER and vendor:
        raise InputError(f"only vendor viewers belong to a vendor, not the {role} role").at(field="vendor")
    return role


# --- rate buckets: lock-out after failed logins, rate limits on the public page ------------------------


@dataclass(frozen=True, slots=True)
class Policy:
    """At most `limit` hits in `window`; the hit that reaches the limit blocks the key for `block`."""

    limit: int
    window: timedelta
    block: timedelta


@dataclass(frozen=True, slots=True)
class Bucket:
    count: int
    window_start: datetime
    blocked_until: datetime | None = None

    def retry_after(self, now: datetime) -> timedelta | None:
        """How long the key stays blocked; None when it is not blocked now."""
        if self.blocked_until is None or now >= self.blocked_until:
            return None
        return self.blocked_until - now

    def expires_at(self, policy: Policy) -> datetime:
        """After this instant the bucket no longer matters and may be forgotten."""
        end = self.window_start + policy.window
        return max(end, self.blocked_until) if self.blocked_until else end


def hit(bucket: Bucket | None, now: datetime, policy: Policy) -> Bucket:
    """Count one more hit (a failed login, a submitted form) in a fixed window."""
    if bucket is None or now >= bucket.window_start + policy.window:
        if bucket is not None and bucket.retry_after(now) is not None:
            bucket = Bucket(bucket.count + 1, bucket.window_start, bucket.blocked_until)
        else:
            bucket = Bucket(1, now)
    else:
        bucket = Bucket(bucket.count + 1, bucket.window_start, bucket.blocked_until)
    if bucket.count >= policy.limit:
        until = now + policy.block
        blocked = until if bucket.blocked_until is None else max(until, bucket.blocked_until)
        bucket = Bucket(bucket.count, bucket.window_start, blocked)
    return bucket


def address_key(host: str | None) -> str:
    """The key a client address is counted under: IPv6 by its /64, which one subscriber usually holds."""
    if not host:
        return "unknown"
    if ":" in host:
        try:
            net = ipaddress.ip_network(f"{host}/64", strict=False)
        except ValueError:
            return host[:64]
        return str(net)
    return host[:64]


def unhit(bucket: Bucket, policy: Policy) -> Bucket:
    """Take back one hit counted in advance (a login that turned out to be right)."""
    count = max(0, bucket.count - 1)
    blocked = bucket.blocked_until if count >= policy.limit else None
    return Bucket(count, bucket.window_start, blocked)
