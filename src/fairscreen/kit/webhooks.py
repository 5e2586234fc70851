"""Signed webhooks: HMAC-SHA256 over ``timestamp.body``, the scheme Stripe and Standard Webhooks
use, so that a receiver can check who sent a body and refuse an old one replayed.

The header is ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``. A receiver
calls ``verify`` with the raw body it received (never a re-serialised one) and its clock; a
signature older (or newer) than ``tolerance`` seconds is refused, so a captured request cannot
be played again later.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Fairscreen-Signature"
TOLERANCE = 300.0


class SignatureError(ValueError):
    """A webhook whose signature is missing, malformed, wrong or too old."""


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(
    secret: bytes, header: str | None, body: bytes, *, now: float, tolerance: float = TOLERANCE
) -> int:
    """Check ``header`` against ``body``; return its timestamp or raise ``SignatureError``."""
    if not header:
        raise SignatureError(f"no {HEADER} header")
    parts: dict[str, list[str]] = {}
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"{HEADER}: {part.strip()!r} is not key=value")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError(f"{HEADER}: no integer t=") from None
    if abs(now - timestamp) > tolerance:
        raise SignatureError(
            f"{HEADER}: signed {now - timestamp:.0f} s from now, outside ±{tolerance:.0f} s"
        )
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise SignatureError(f"{HEADER}: the signature does not match the body")
    return timestamp
