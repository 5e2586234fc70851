"""Webhook signatures: HMAC-SHA256 over ``timestamp + "." + body``, in the style of Stripe's
``Stripe-Signature`` and of Standard Webhooks. The one implementation of the scheme: the
notification webhooks fairscreen sends to organisations (``notify.delivery``) and the provider
callbacks fairscreen receives (``provider.app`` signs them, ``jobs.callbacks`` checks them) both
use it.

Every delivery carries ``Fairscreen-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` where the
HMAC's key is the shared secret (for an organisation's endpoint the whole ``whsec_…`` string,
UTF-8) and its message the timestamp, a full stop and the exact bytes of the body. A receiver
recomputes it over the raw body (before any JSON parsing), compares in constant time with every
``v1`` in the header, and refuses a timestamp more than ``TOLERANCE`` seconds from its own clock
(the replay window): a delivery captured on the wire cannot be replayed later, and its body's
``id`` (also sent as ``Fairscreen-Id``) lets the receiver drop a redelivery it already processed
(deliveries are at least once). ``verify`` is that check; ``fairscreen notify verify`` runs it
from a shell.

Standard library only, so receivers may use this module on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Fairscreen-Signature"
ID_HEADER = "Fairscreen-Id"
EVENT_HEADER = "Fairscreen-Event"
SCHEME = "v1"
TOLERANCE = 300  # seconds: the replay window receivers should apply
SECRET_PREFIX = "whsec_"  # noqa: S105 (marks webhook secrets in logs and scanners)


class SignatureError(ValueError):
    """A delivery whose signature does not verify: malformed, outside the replay window, or
    made with another secret or over another body."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp.body`` under ``secret``."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The ``Fairscreen-Signature`` header value for ``body``, signed now (or at
    ``timestamp``)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},{SCHEME}={signature(secret, t, body)}"


def parse(header: str) -> tuple[int, list[str]]:
    """``(timestamp, [v1 signatures])`` of a header value; other schemes are ignored."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isdigit() or timestamp is not None:
                raise SignatureError("the signature header's t= is not one whole number")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError(f"the signature header needs t= and {SCHEME}= (got {header[:80]!r})")
    return timestamp, signatures


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE,
) -> int:
    """Check a delivery: ``header`` is its ``Fairscreen-Signature``, ``body`` its raw bytes.
    Returns the signed timestamp; raises ``SignatureError`` if the signature does not match or
    the timestamp is more than ``tolerance`` seconds away from ``now`` (default: the clock)."""
    timestamp, signatures = parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError(
            f"the timestamp is {int(current - timestamp)} s from now, outside the "
            f"{tolerance} s replay window"
        )
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("no signature matches this body under this secret")
    return timestamp
