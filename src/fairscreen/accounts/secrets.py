"""Secrets of accounts, with well-kept libraries: argon2id password hashes (argon2-cffi),
random tokens and one-time codes (``secrets``), TOTP (pyotp). Tokens and codes are stored as
SHA-256 hashes only; they are long and random (or short-lived and attempt-limited), so a plain
hash is the right tool (a password is not, hence argon2id)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fairscreen.kit.errors import InputError

MIN_PASSWORD = 12
MAX_PASSWORD = 256
TOKEN_PREFIX = "fst_"  # noqa: S105 (a prefix that marks tokens in logs and scanners)
_hasher = PasswordHasher()  # argon2id, the library's RFC 9106 low-memory profile
# Verified against when the account does not exist, so that a wrong e-mail address costs as
# much time as a wrong password and the two cannot be told apart.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError("password", f"at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InputError("password", f"at most {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored`` (None: no such account, or no password set:
    the dummy hash is checked anyway, for equal time)."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def new_token(prefix: str = TOKEN_PREFIX) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str, issuer: str = "fairscreen") -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def totp_ok(secret: str, code: str) -> bool:
    """A current TOTP code (one step of clock drift either way)."""
    return pyotp.TOTP(secret).verify(code.strip(), valid_window=1)
