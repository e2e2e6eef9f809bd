"""Sign and verify dialgate webhook deliveries. Standard library only: receivers may copy this file.

Every delivery is a POST whose body is JSON (``{"events": [...]}``) with these headers:

    Dialgate-Timestamp: 1795435200            (Unix seconds when this attempt was sent)
    Dialgate-Signature: v1=<hex>              (HMAC-SHA256 of "<timestamp>.<raw body>" with the secret)
    Dialgate-Delivery: <id of this attempt>

To accept a delivery, a receiver:
1. recomputes the HMAC over the timestamp header, a dot, and the raw body bytes exactly as received;
2. compares it in constant time with each ``v1=`` value of the signature header;
3. rejects timestamps more than `tolerance` seconds from its own clock (an old, replayed delivery carries
   an old timestamp, and the timestamp cannot be changed without breaking the signature);
4. deduplicates events on their ``id``: delivery is at least once, so an event may arrive twice.

    from dialgate.webhook_signature import verify, SignatureError
    try:
        verify(secret, raw_body, headers["Dialgate-Timestamp"], headers["Dialgate-Signature"])
    except SignatureError:
        return 400
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "Dialgate-Timestamp"
SIGNATURE_HEADER = "Dialgate-Signature"
DELIVERY_HEADER = "Dialgate-Delivery"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The delivery is not authentic, or too old to accept."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def signed_headers(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: str,
    body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Return the delivery's timestamp when it is authentic and fresh; raise SignatureError otherwise."""
    if not timestamp_header or not signature_header:
        raise SignatureError("missing Dialgate-Timestamp or Dialgate-Signature header")
    try:
        timestamp = int(timestamp_header.strip())
    except ValueError:
        raise SignatureError("Dialgate-Timestamp is not a Unix time in seconds") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError(
            f"timestamp is {int(current - timestamp)} s away from now (tolerance {tolerance} s)"
        )
    expected = signature(secret, timestamp, body)
    offered = [part.strip() for part in signature_header.split(",")]
    if not any(hmac.compare_digest(expected, candidate) for candidate in offered):
        raise SignatureError("signature does not match the body and timestamp")
    return timestamp
