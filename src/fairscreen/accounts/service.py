"""Accounts as plain functions over a session: organisations, staff, passwords, login sessions,
second factors, API tokens, candidate accounts and their one-time codes, and the access log.

Nothing here commits: callers own the transaction. Secrets are created here and returned once
(a password-setup link, an API token, a session cookie); the database keeps their hashes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from fairscreen.accounts import secrets
from fairscreen.accounts.models import (
    CONTACT_KIND,
    AccessLog,
    ApiToken,
    CandidateAccount,
    LoginSession,
    OneTimeCode,
    PasswordSetup,
    StaffAccount,
)
from fairscreen.accounts.policy import CANDIDATE_ROLE, ORGANISATION_KINDS, Actor, policy
from fairscreen.kit.db import table_of
from fairscreen.kit.errors import (
    ConflictError,
    FairscreenError,
    InputError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
)
from fairscreen.kit.ids import new_id
from fairscreen.notify.outbox import Channel, enqueue
from fairscreen.organisations.models import Organisation
from fairscreen.vault import Vault

SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=12)
SETUP_LIFE = timedelta(hours=72)
CODE_LIFE = timedelta(minutes=10)
CODE_ATTEMPTS = 5
LOCK_AFTER = 5  # consecutive failed logins lock the account ...
LOCK_FOR = timedelta(minutes=15)  # ... for this long
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}")
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
# The same rules as JSON Schema patterns, so the API's description says what is accepted: an
# e-mail address, or a + and 7 to 15 digits (the first not 0) with spaces, dashes, dots or
# brackets between them; spaces around either are ignored. Control characters and the few
# whose "whitespace" differs between regex dialects (Python, ECMA-262, Rust) are left out.
_ADDR = r"[^@\s\x00-\x1f\x7f-\x9f\ufeff]"
_EMAIL_SCHEMA = rf"{_ADDR}{{1,64}}@{_ADDR}{{1,190}}\.[^@\s.\x00-\x1f\x7f-\x9f\ufeff]{{2,63}}"
_SEP = r"[ \-().]*"
EMAIL_PATTERN = rf"^ *{_EMAIL_SCHEMA} *$"
CONTACT_PATTERN = rf"^ *(?:{_EMAIL_SCHEMA}|\+{_SEP}[1-9](?:{_SEP}[0-9]){{6,14}}{_SEP}) *$"

T = TypeVar("T")

_STAFF = table_of(StaffAccount)
_SESSIONS = table_of(LoginSession)
_TOKENS = table_of(ApiToken)
_CODES = table_of(OneTimeCode)


class CountedFailure(Exception):  # noqa: N818 (a carrier, not an error of its own)
    """A refusal whose counting must be kept: a failed login, a wrong second factor or code.
    The service has recorded the attempt in the session; the caller commits the transaction
    anyway and then raises ``error`` (see ``committed``)."""

    def __init__(self, error: FairscreenError) -> None:
        super().__init__(str(error))
        self.error = error


def committed(session: Session, work: Callable[[], T]) -> T:
    """Run ``work`` in a transaction of ``session`` that commits even when ``work`` refuses with
    a ``CountedFailure`` (whose error is raised after the commit)."""
    failure: CountedFailure | None = None
    with session.begin():
        try:
            return work()
        except CountedFailure as exc:
            failure = exc
    assert failure is not None
    raise failure.error


# -- organisations and staff -------------------------------------------------------------------


def create_organisation(
    session: Session, *, name: str, kind: str, jurisdiction: str, now: datetime
) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InputError("name", "1 to 200 characters")
    if kind not in ORGANISATION_KINDS:
        raise InputError("kind", f"one of {', '.join(ORGANISATION_KINDS)}")
    if not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", jurisdiction):
        raise InputError("jurisdiction", "an ISO 3166 code such as CN or US-CA")
    org_id = new_id()
    session.execute(
        insert(table_of(Organisation)),
        [
            {
                "id": org_id,
                "external_ref": f"org:{org_id}",
                "kind": kind,
                "name": name,
                "jurisdiction": jurisdiction,
                "created_at": now,
                "totp_required": False,
            }
        ],
    )
    return org_id


def organisation(session: Session, org_id: str) -> Organisation:
    found = session.get(Organisation, org_id)
    if found is None:
        raise NotFoundError(f"organisation {org_id}: no such resource")
    return found


def normal_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise InputError("email", "an e-mail address")
    return email


@dataclass(frozen=True, slots=True)
class NewStaff:
    id: str
    setup_token: str  # shown once: the link to set the password


def add_staff(
    session: Session,
    *,
    organisation_id: str,
    email: str,
    display_name: str,
    role: str,
    now: datetime,
) -> NewStaff:
    org = organisation(session, organisation_id)
    known = policy()
    if role not in known.roles or not known.roles[role].organisation_kind:
        raise InputError(
            "role", f"one of {', '.join(known.staff_roles(org.kind))} for a {org.kind}"
        )
    if known.roles[role].organisation_kind != org.kind:
        # a role of staff, but of another kind of organisation: refused for this one
        raise ConflictError(
            f"role: one of {', '.join(known.staff_roles(org.kind))} for a {org.kind}"
        )
    display_name = display_name.strip()
    if not display_name or len(display_name) > 120:
        raise InputError("display_name", "1 to 120 characters")
    email = normal_email(email)
    if session.scalar(select(StaffAccount.id).where(StaffAccount.email == email)):
        raise ConflictError("email: an account with this address exists")
    staff_id = new_id()
    session.execute(
        insert(_STAFF),
        [
            {
                "id": staff_id,
                "organisation_id": organisation_id,
                "email": email,
                "display_name": display_name,
                "role": role,
                "password_hash": None,
                "data_key_id": None,
                "totp_ct": None,
                "totp_confirmed_at": None,
                "failed_logins": 0,
                "locked_until": None,
                "created_at": now,
                "disabled_at": None,
            }
        ],
    )
    return NewStaff(staff_id, password_setup(session, staff_id, now=now))


def password_setup(session: Session, staff_id: str, *, now: datetime) -> str:
    """A one-time token to set the password (new account or reset); earlier ones stop working."""
    session.execute(delete(table_of(PasswordSetup)).where(PasswordSetup.staff_id == staff_id))
    token = secrets.new_token("fsp_")
    session.execute(
        insert(table_of(PasswordSetup)),
        [
            {
                "token_hash": secrets.token_hash(token),
                "staff_id": staff_id,
                "expires_at": now + SETUP_LIFE,
                "used_at": None,
            }
        ],
    )
    return token


def set_password(session: Session, *, token: str, password: str, now: datetime) -> str:
    """Use a setup token; returns the staff id. Every existing session of the account ends."""
    secrets.check_password_rules(password)
    row = session.get(PasswordSetup, secrets.token_hash(token), with_for_update=True)
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise NotFoundError("password setup: the link is unknown, used or expired")
    session.execute(
        update(_STAFF)
        .where(StaffAccount.id == row.staff_id)
        .values(password_hash=secrets.hash_password(password), failed_logins=0, locked_until=None)
    )
    row.used_at = now
    session.execute(delete(_SESSIONS).where(LoginSession.staff_id == row.staff_id))
    return row.staff_id


# -- login sessions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str  # the cookie value, shown once
    csrf_token: str
    second_factor_required: bool


def _new_session(
    session: Session,
    *,
    now: datetime,
    staff_id: str | None = None,
    candidate_account_id: str | None = None,
    second_factor_done: bool,
) -> NewSession:
    token = secrets.new_token("fss_")
    csrf = secrets.new_token("")
    session.execute(
        insert(_SESSIONS),
        [
            {
                "id": secrets.token_hash(token),
                "staff_id": staff_id,
                "candidate_account_id": candidate_account_id,
                "csrf_token": csrf,
                "created_at": now,
                "last_seen_at": now,
                "expires_at": now + SESSION_MAX,
                "second_factor_at": now if second_factor_done else None,
            }
        ],
    )
    return NewSession(token, csrf, not second_factor_done)


_BAD_LOGIN = "e-mail address or password is wrong"


def login(session: Session, *, email: str, password: str, now: datetime) -> NewSession:
    """Check a staff member's e-mail address and password. Every failure says the same thing,
    takes the same time (argon2 runs either way) and counts against the account (run it with
    ``committed``, so the count is kept); after ``LOCK_AFTER`` in a row the account is locked
    for ``LOCK_FOR`` (answered as too many attempts, as the per-address throttle answers
    unknown addresses)."""
    try:
        email = normal_email(email)
    except InputError:
        secrets.verify_password(None, password)
        raise UnauthenticatedError(_BAD_LOGIN) from None
    staff = session.scalars(
        select(StaffAccount).where(StaffAccount.email == email).with_for_update()
    ).first()
    if staff is not None and staff.locked_until is not None and staff.locked_until > now:
        secrets.verify_password(None, password)
        wait = int((staff.locked_until - now).total_seconds()) + 1
        raise RateLimitedError("too many failed logins; try again later", retry_after=wait)
    ok = secrets.verify_password(staff.password_hash if staff else None, password)
    if staff is None or not ok or staff.disabled_at is not None:
        if staff is None:
            raise UnauthenticatedError(_BAD_LOGIN)
        staff.failed_logins += 1
        if staff.failed_logins >= LOCK_AFTER:
            staff.locked_until, staff.failed_logins = now + LOCK_FOR, 0
        raise CountedFailure(UnauthenticatedError(_BAD_LOGIN))
    staff.failed_logins, staff.locked_until = 0, None
    if staff.password_hash and secrets.needs_rehash(staff.password_hash):
        staff.password_hash = secrets.hash_password(password)
    org = organisation(session, staff.organisation_id)
    needs_second = staff.totp_confirmed_at is not None or bool(org.totp_required)
    return _new_session(session, now=now, staff_id=staff.id, second_factor_done=not needs_second)


def logout(session: Session, session_id: str) -> None:
    session.execute(delete(_SESSIONS).where(LoginSession.id == session_id))


@dataclass(frozen=True, slots=True)
class Resolved:
    """A request's session, resolved: the actor, the session's CSRF token, and whether the
    second factor is still owed (then only the second-factor routes may be used)."""

    actor: Actor
    csrf_token: str
    second_factor_pending: bool


def resolve_session(session: Session, token: str, *, now: datetime) -> Resolved | None:
    row = session.get(LoginSession, secrets.token_hash(token))
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at + SESSION_IDLE <= now:
        session.delete(row)
        return None
    if (now - row.last_seen_at).total_seconds() > 60:
        row.last_seen_at = now  # touched at most once a minute
    if row.candidate_account_id is not None:
        actor = Actor("candidate", row.candidate_account_id, CANDIDATE_ROLE, session_id=row.id)
        return Resolved(actor, row.csrf_token, second_factor_pending=False)
    staff = session.get(StaffAccount, row.staff_id)
    if staff is None or staff.disabled_at is not None:
        return None
    actor = Actor("staff", staff.id, staff.role, staff.organisation_id, session_id=row.id)
    return Resolved(actor, row.csrf_token, second_factor_pending=row.second_factor_at is None)


# -- the second factor -------------------------------------------------------------------------


def _staff_sealer(session: Session, vault: Vault, staff: StaffAccount, now: datetime) -> Any:
    from fairscreen.vault.models import DataKey

    if staff.data_key_id is None:
        key = vault.new_data_key(now)
        session.execute(insert(table_of(DataKey)), [key.row])
        staff.data_key_id = key.sealer.data_key_id
        return key.sealer
    row = session.get(DataKey, staff.data_key_id)
    if row is None:
        raise NotFoundError(f"staff account {staff.id}: its data key is missing")
    return vault.sealer(row.id, row.kek_version, bytes(row.wrapped))


def enroll_totp(session: Session, vault: Vault, staff_id: str, *, now: datetime) -> tuple[str, str]:
    """Start (or restart) TOTP enrolment: the secret and its otpauth:// URI, shown once; the
    factor counts once ``confirm_totp`` saw a code from it."""
    staff = session.get(StaffAccount, staff_id, with_for_update=True)
    if staff is None:
        raise NotFoundError("staff account: no such resource")
    secret = secrets.new_totp_secret()
    sealer = _staff_sealer(session, vault, staff, now)
    staff.totp_ct = sealer.seal("staff_accounts", "totp_ct", staff.id, secret.encode())
    staff.totp_confirmed_at = None
    return secret, secrets.totp_uri(secret, staff.email)


def _totp_secret(session: Session, vault: Vault, staff: StaffAccount, now: datetime) -> str | None:
    if staff.totp_ct is None:
        return None
    sealer = _staff_sealer(session, vault, staff, now)
    return str(sealer.open("staff_accounts", "totp_ct", staff.id, bytes(staff.totp_ct)).decode())


def confirm_totp(
    session: Session, vault: Vault, staff_id: str, code: str, *, now: datetime, session_id: str
) -> None:
    staff = session.get(StaffAccount, staff_id, with_for_update=True)
    if staff is None:
        raise NotFoundError("staff account: no such resource")
    secret = _totp_secret(session, vault, staff, now)
    if secret is None:
        raise ConflictError("second factor: not enrolled (POST /api/v1/auth/totp/enroll)")
    if not secrets.totp_ok(secret, code):
        raise UnauthenticatedError("second factor: the code is wrong")
    staff.totp_confirmed_at = now
    session.execute(
        update(_SESSIONS).where(LoginSession.id == session_id).values(second_factor_at=now)
    )


def pass_second_factor(
    session: Session, vault: Vault, resolved: Resolved, code: str, *, now: datetime
) -> None:
    """The second step of a login for a staff member with TOTP (or whose organisation requires
    it: then an account that has not enrolled yet may only enrol and confirm)."""
    staff = session.get(StaffAccount, resolved.actor.id, with_for_update=True)
    if staff is None or resolved.actor.session_id is None:
        raise UnauthenticatedError("no session")
    secret = _totp_secret(session, vault, staff, now)
    if secret is None or staff.totp_confirmed_at is None:
        raise ConflictError("second factor: not enrolled yet; enrol and confirm it first")
    if not secrets.totp_ok(secret, code):
        staff.failed_logins += 1
        if staff.failed_logins >= LOCK_AFTER:
            staff.locked_until, staff.failed_logins = now + LOCK_FOR, 0
            logout(session, resolved.actor.session_id)
        raise CountedFailure(UnauthenticatedError("second factor: the code is wrong"))
    staff.failed_logins = 0
    session.execute(
        update(_SESSIONS)
        .where(LoginSession.id == resolved.actor.session_id)
        .values(second_factor_at=now)
    )


# -- API tokens --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenView:
    id: str
    name: str
    role: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "scopes": self.scopes,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
        }


def create_token(
    session: Session,
    actor: Actor,
    *,
    name: str,
    scopes: list[str],
    expires_in_days: int | None,
    now: datetime,
) -> tuple[str, TokenView]:
    """A token for the actor's organisation, with the actor's role, limited to ``scopes`` (which
    must be actions the role may perform). Returns the token (shown once) and its view."""
    if actor.kind != "staff" or actor.organisation_id is None:
        raise ConflictError("tokens are created by staff members for their organisation")
    name = name.strip()
    if not name or len(name) > 80:
        raise InputError("name", "1 to 80 characters")
    role = policy().roles[actor.role]
    unknown = sorted(set(scopes) - set(role.grants))
    if not scopes or unknown:
        raise InputError(
            "scopes", f"actions a {actor.role} may perform (not {', '.join(unknown) or 'none'})"
        )
    if expires_in_days is not None and not 1 <= expires_in_days <= 366:
        raise InputError("expires_in_days", "1 to 366")
    token = secrets.new_token()
    view = TokenView(
        new_id(),
        name,
        actor.role,
        sorted(set(scopes)),
        now,
        now + timedelta(days=expires_in_days) if expires_in_days else None,
        None,
        None,
    )
    session.execute(
        insert(_TOKENS),
        [
            {
                "id": view.id,
                "organisation_id": actor.organisation_id,
                "created_by": actor.id,
                "name": view.name,
                "token_hash": secrets.token_hash(token),
                "role": view.role,
                "scopes": view.scopes,
                "created_at": now,
                "expires_at": view.expires_at,
                "revoked_at": None,
                "last_used_at": None,
            }
        ],
    )
    return token, view


def list_tokens(session: Session, organisation_id: str) -> list[TokenView]:
    rows = session.scalars(
        select(ApiToken)
        .where(ApiToken.organisation_id == organisation_id)
        .order_by(ApiToken.created_at)
    )
    return [
        TokenView(
            r.id,
            r.name,
            r.role,
            list(r.scopes),
            r.created_at,
            r.expires_at,
            r.revoked_at,
            r.last_used_at,
        )
        for r in rows
    ]


def revoke_token(session: Session, organisation_id: str, token_id: str, *, now: datetime) -> None:
    row = session.get(ApiToken, token_id, with_for_update=True)
    if row is None or row.organisation_id != organisation_id:
        raise NotFoundError(f"token {token_id}: no such resource")
    if row.revoked_at is None:
        row.revoked_at = now


def resolve_token(session: Session, token: str, *, now: datetime) -> Actor | None:
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == secrets.token_hash(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
    return Actor("token", row.id, row.role, row.organisation_id, scopes=frozenset(row.scopes))


# -- candidate accounts and one-time codes -----------------------------------------------------


def normal_contact(contact: str) -> tuple[Channel, str]:
    """``(channel, contact)``: an e-mail address (lower-cased) or a phone number in E.164."""
    value = contact.strip()
    if value.startswith("+"):
        digits = "+" + re.sub(r"[\s\-().]", "", value[1:])
        if _PHONE.fullmatch(digits):
            return "sms", digits
        raise InputError("contact", "an e-mail address or a phone number such as +8613800000000")
    try:
        return "email", normal_email(value)
    except InputError:
        raise InputError(
            "contact", "an e-mail address or a phone number such as +8613800000000"
        ) from None


def find_candidate_account(session: Session, vault: Vault, contact: str) -> str | None:
    """The candidate account of ``contact``, if there is one (its blind index is looked up
    under every index secret in use, so a rotation in progress does not hide it)."""
    _, value = normal_contact(contact)
    found = session.scalar(
        select(CandidateAccount.id).where(
            CandidateAccount.contact_index.in_(
                vault.lookup_indexes(CONTACT_KIND, value, canonical=False)
            )
        )
    )
    return None if found is None else str(found)


def candidate_account(session: Session, vault: Vault, contact: str, *, now: datetime) -> str:
    """The candidate account of ``contact``, created on first use."""
    _, value = normal_contact(contact)
    found = find_candidate_account(session, vault, value)
    if found is not None:
        return found
    from fairscreen.vault.models import DataKey

    key = vault.new_data_key(now)
    session.execute(insert(table_of(DataKey)), [key.row])
    account_id = new_id()
    version = vault.index_version()
    session.execute(
        insert(table_of(CandidateAccount)),
        [
            {
                "id": account_id,
                "data_key_id": key.sealer.data_key_id,
                "contact_index": vault.blind_index(
                    CONTACT_KIND, value, canonical=False, version=version
                ),
                "blind_index_version": version,
                "contact_ct": key.sealer.seal(
                    "candidate_accounts", "contact_ct", account_id, value.encode()
                ),
                "created_at": now,
            }
        ],
    )
    return account_id


def send_code(session: Session, contact: str, *, vault: Vault, purpose: str, now: datetime) -> None:
    """Send a one-time code to ``contact`` for ``purpose`` (``login:<account>``,
    ``invitation:<id>``), through the outbox. Earlier codes for the same purpose stop working.
    The caller decides whether the contact may receive one (an invitation's contact, a known
    candidate); the answer to whoever asked is the same either way."""
    channel, value = normal_contact(contact)
    session.execute(delete(_CODES).where(OneTimeCode.purpose == purpose))
    code = secrets.new_code()
    session.execute(
        insert(_CODES),
        [
            {
                "id": new_id(),
                "purpose": purpose,
                "code_hash": secrets.token_hash(f"{purpose}:{code}"),
                "expires_at": now + CODE_LIFE,
                "attempts": 0,
                "used_at": None,
            }
        ],
    )
    enqueue(
        session,
        vault=vault,
        channel=channel,
        recipient=value,
        template="one_time_code",
        params={"code": code, "minutes": int(CODE_LIFE.total_seconds() // 60)},
        now=now,
    )


def use_code(session: Session, code: str, *, purpose: str, now: datetime) -> None:
    """Accept a one-time code for ``purpose`` once; a wrong code counts (run it with
    ``committed``), and after ``CODE_ATTEMPTS`` the code is spent. Every failure says the same
    thing."""
    row = session.scalars(
        select(OneTimeCode)
        .where(OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None))
        .with_for_update()
    ).first()
    bad = UnauthenticatedError("the code is wrong or expired; ask for a new one")
    if row is None or row.expires_at <= now or row.attempts >= CODE_ATTEMPTS:
        raise bad
    if not secrets.same(row.code_hash, secrets.token_hash(f"{purpose}:{code.strip()}")):
        row.attempts += 1
        raise CountedFailure(bad)
    row.used_at = now


def candidate_session(session: Session, account_id: str, *, now: datetime) -> NewSession:
    return _new_session(session, now=now, candidate_account_id=account_id, second_factor_done=True)


# -- the access log ----------------------------------------------------------------------------


def log_access(
    session: Session,
    actor: Actor,
    *,
    candidate_id: str,
    request_id: str | None,
    action: str,
    purpose: str,
    now: datetime,
) -> None:
    """Record that ``actor`` read a candidate's report or personal data (PIPL art. 45)."""
    session.execute(
        insert(table_of(AccessLog)),
        [
            {
                "id": new_id(),
                "candidate_id": candidate_id,
                "request_id": request_id,
                "at": now,
                "actor": actor.label,
                "organisation_id": actor.organisation_id,
                "role": actor.role,
                "action": action,
                "purpose": purpose[:64],
            }
        ],
    )


def accesses(session: Session, candidate_ids: list[str]) -> list[dict[str, Any]]:
    """Who read these candidate records, newest first: organisation name, role, action,
    purpose, time (never a staff member's name: the organisation answers for its staff)."""
    rows = session.execute(
        select(
            AccessLog.at,
            AccessLog.role,
            AccessLog.action,
            AccessLog.purpose,
            AccessLog.request_id,
            Organisation.name,
        )
        .outerjoin(Organisation, Organisation.id == AccessLog.organisation_id)
        .where(AccessLog.candidate_id.in_(candidate_ids))
        .order_by(AccessLog.at.desc())
    )
    return [
        {
            "at": r.at.isoformat(),
            "organisation": r.name,
            "role": r.role,
            "action": r.action,
            "purpose": r.purpose,
            "check": r.request_id,
        }
        for r in rows
    ]


def count_staff(session: Session, organisation_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(StaffAccount)
            .where(StaffAccount.organisation_id == organisation_id)
        )
        or 0
    )
