"""Signed webhooks: a body signed with the secret verifies; another body, another secret, an old
signature or a malformed header does not."""

from __future__ import annotations

import pytest

from fairscreen.kit.webhooks import SignatureError, signature, verify

SECRET = b"s3cret"
BODY = b'{"id":"q1","status":"done"}'


def test_a_signed_body_verifies_and_gives_its_time() -> None:
    header = signature(SECRET, 1_800_000_000, BODY)
    assert header.startswith("t=1800000000,v1=")
    assert verify(SECRET, header, BODY, now=1_800_000_010) == 1_800_000_000


@pytest.mark.parametrize(
    ("secret", "body", "now", "words"),
    [
        (b"other", BODY, 1_800_000_000, "does not match"),
        (SECRET, BODY + b" ", 1_800_000_000, "does not match"),
        (SECRET, BODY, 1_800_000_000 + 301, "outside"),
        (SECRET, BODY, 1_800_000_000 - 301, "outside"),
    ],
)
def test_a_wrong_or_stale_signature_is_refused(
    secret: bytes, body: bytes, now: float, words: str
) -> None:
    header = signature(SECRET, 1_800_000_000, BODY)
    with pytest.raises(SignatureError, match=words):
        verify(secret, header, body, now=now)


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=x,v1=abc", "garbage"])
def test_a_malformed_header_is_refused(header: str | None) -> None:
    with pytest.raises(SignatureError):
        verify(SECRET, header, BODY, now=1_800_000_000)
