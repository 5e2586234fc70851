"""Accounts: staff of organisations, candidates, login sessions, API tokens, invitations, and the
log of who read a candidate's data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, BlindIndex, Sealed, UTCDateTime
from fairscreen.vault.blind import BlindIndexed, IndexedValue, register

CONTACT_KIND = "contact"  # the blind index's kind for a candidate's contact


class StaffAccount(Base):
    """A person working for an organisation, with one role (``permissions.toml``). The e-mail
    address is the login name. The password is an argon2id hash; the TOTP secret, once enrolled,
    is sealed under the account's own data key."""

    __tablename__ = "staff_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    data_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("data_keys.id"), nullable=True, index=True
    )
    totp_ct: Mapped[bytes | None] = mapped_column(Sealed, nullable=True)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the portals' language this person chose (zh-Hant, zh-Hans, en), None before they chose
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)


class PasswordSetup(Base):
    """A one-time link to set a staff account's password (new account, or a reset)."""

    __tablename__ = "password_setups"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CandidateAccount(Base):
    """A candidate's own account, reached by an invitation link and one-time codes sent to their
    contact (an e-mail address or a phone number), never by a password an employer knows. The
    contact is sealed under the account's data key and found through its blind index."""

    __tablename__ = "candidate_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"), index=True)
    contact_index: Mapped[bytes] = mapped_column(BlindIndex(32), unique=True)
    contact_ct: Mapped[bytes] = mapped_column(Sealed)
    blind_index_version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the portals' language this person chose (zh-Hant, zh-Hans, en), None before they chose
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)


def _contact(opened: Mapping[str, bytes]) -> IndexedValue:
    return IndexedValue(CONTACT_KIND, opened["contact_ct"].decode(), canonical=False)


register(
    BlindIndexed(
        CandidateAccount,
        version_column="blind_index_version",
        data_key_column="data_key_id",
        sealed=("contact_ct",),
        columns={"contact_index": _contact},
    )
)


class LoginSession(Base):
    """A browser session. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    candidate_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("candidate_accounts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ApiToken(Base):
    """A scoped API token of an organisation: it acts with ``role``, limited to ``scopes``
    (actions). Only its SHA-256 is stored; the token is shown once, when created."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("staff_accounts.id"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OneTimeCode(Base):
    """A one-time code sent to a candidate's contact (to accept an invitation or to sign in),
    keyed by what it opens (``purpose``: ``login:<account id>`` or ``invitation:<id>``): only its
    hash is kept, with a short life and a few attempts."""

    __tablename__ = "one_time_codes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(80), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AccessLog(Base):
    """One read of a candidate's report or personal data: who (actor, organisation, role), when,
    which action and for what purpose (PIPL art. 45: the candidate may see it). Deleted with the
    candidate's data."""

    __tablename__ = "access_log"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(48))  # Actor.label
    organisation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(64))
