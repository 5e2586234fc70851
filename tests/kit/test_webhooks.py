"""Webhook signatures as a receiver checks them: the format (recomputed here with nothing but
the standard library), the replay window, tampering, other secrets, key rotation."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from fairscreen.kit.webhooks import SignatureError, parse, sign, signature, verify

SECRET = "whsec_test-secret"
BODY = b'{"data":{"check_id":"0193aa"},"id":"0193bb","type":"report.issued"}'


def test_the_header_is_t_and_v1_over_timestamp_dot_body() -> None:
    header = sign(SECRET, BODY, timestamp=1_700_000_000)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify(SECRET, header, BODY, now=1_700_000_100) == 1_700_000_000


def test_outside_the_replay_window_is_refused_either_way() -> None:
    header = sign(SECRET, BODY, timestamp=1_700_000_000)
    assert verify(SECRET, header, BODY, now=1_700_000_300) == 1_700_000_000
    with pytest.raises(SignatureError, match="replay window"):
        verify(SECRET, header, BODY, now=1_700_000_301)
    with pytest.raises(SignatureError, match="replay window"):
        verify(SECRET, header, BODY, now=1_699_999_000)
    assert verify(SECRET, header, BODY, now=1_700_000_900, tolerance=900)


def test_another_body_secret_or_timestamp_does_not_verify() -> None:
    header = sign(SECRET, BODY, timestamp=1_700_000_000)
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(SECRET, header, BODY.replace(b"0193aa", b"0193ab"), now=1_700_000_000)
    with pytest.raises(SignatureError, match="no signature matches"):
        verify("whsec_other", header, BODY, now=1_700_000_000)
    moved = header.replace("t=1700000000", "t=1700000001")
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(SECRET, moved, BODY, now=1_700_000_000)


def test_any_one_of_several_v1_signatures_may_match() -> None:
    good = signature(SECRET, 1_700_000_000, BODY)
    header = f"t=1700000000,v1={'0' * 64},v0=legacy,v1={good}"
    assert verify(SECRET, header, BODY, now=1_700_000_000) == 1_700_000_000


@pytest.mark.parametrize(
    "header", ["", "v1=abc", "t=1700000000", "t=abc,v1=00", "t=1,t=2,v1=00", "garbage"]
)
def test_malformed_headers_are_refused(header: str) -> None:
    with pytest.raises(SignatureError):
        parse(header)
