"""Accounts over HTTP (mounted at ``/api/v1``): signing in and out, the second factor, password
setup, candidates' one-time codes, organisations, their staff, and API tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from fairscreen.accounts import service, throttle
from fairscreen.accounts.auth import (
    Require,
    clear_session_cookie,
    client_address,
    resolve,
    set_session_cookie,
)
from fairscreen.accounts.models import StaffAccount
from fairscreen.accounts.policy import Actor, Target, authorize, policy
from fairscreen.accounts.secrets import MAX_PASSWORD, MIN_PASSWORD
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import UnauthenticatedError
from fairscreen.kit.http import SessionDep
from fairscreen.vault.lazy import app_vault

router = APIRouter(tags=["accounts"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Login(_Body):
    email: str = Field(min_length=3, max_length=254, pattern=service.EMAIL_PATTERN)
    password: SecretStr = Field(min_length=1, max_length=256)


class SessionOut(BaseModel):
    kind: str
    id: str
    role: str
    organisation_id: str | None
    csrf_token: str | None = Field(description="send it as X-CSRF-Token on every POST")
    second_factor_required: bool


class Code(_Body):
    code: str = Field(min_length=6, max_length=8, pattern=r"^\s*[0-9]{6,8}\s*$")


class PasswordSet(_Body):
    token: SecretStr = Field(min_length=10, max_length=200)
    password: SecretStr = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)


class ContactIn(_Body):
    contact: str = Field(
        min_length=3,
        max_length=320,
        pattern=service.CONTACT_PATTERN,
        description="e-mail or +E.164 phone",
    )


class CandidateLogin(ContactIn):
    code: str = Field(min_length=6, max_length=8, pattern=r"^\s*[0-9]{6,8}\s*$")


class TotpEnrolment(BaseModel):
    secret: str
    uri: str


class NewOrganisation(_Body):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(pattern=r"^(employer|agency|regulator|platform)$")
    jurisdiction: str = Field(min_length=2, max_length=8)


class OrganisationOut(BaseModel):
    id: str
    name: str
    kind: str
    jurisdiction: str
    totp_required: bool


class OrganisationPatch(_Body):
    totp_required: bool


class NewStaff(_Body):
    email: str = Field(min_length=3, max_length=254, pattern=service.EMAIL_PATTERN)
    display_name: str = Field(min_length=1, max_length=120)
    role: str = Field(
        pattern="^("
        + "|".join(sorted(r for r, v in policy().roles.items() if v.organisation_kind))
        + ")$",
        description="a staff role of the organisation's kind (GET /auth/actions lists them)",
    )


class StaffOut(BaseModel):
    id: str
    email: str
    display_name: str
    role: str
    disabled: bool
    second_factor: bool


class StaffCreated(StaffOut):
    password_setup_token: str = Field(description="shown once: the link to set the password")


class NewToken(_Body):
    name: str = Field(min_length=1, max_length=80)
    scopes: list[str] = Field(min_length=1, max_length=64)
    expires_in_days: int | None = Field(default=90, ge=1, le=366)


class TokenOut(BaseModel):
    id: str
    name: str
    role: str
    scopes: list[str]
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    last_used_at: str | None


class TokenCreated(TokenOut):
    token: str = Field(description="shown once")


def _session_out(actor: Actor, csrf: str | None, pending: bool) -> SessionOut:
    return SessionOut(
        kind=actor.kind,
        id=actor.id,
        role=actor.role,
        organisation_id=actor.organisation_id,
        csrf_token=csrf,
        second_factor_required=pending,
    )


# -- signing in --------------------------------------------------------------------------------


@router.post("/auth/login", responses={401: {}, 429: {}})
def login(body: Login, request: Request, response: Response, session: SessionDep) -> SessionOut:
    """Sign a staff member in with e-mail address and password: sets the session cookie and
    returns the CSRF token to send with every POST. A staff member with a second factor (or of
    an organisation that requires one) must then pass ``POST /auth/totp``."""
    throttle.hit(throttle.LOGIN_PER_ADDRESS, "login-ip", client_address(request))
    throttle.hit(throttle.LOGIN_PER_ACCOUNT, "login-email", body.email.strip().lower())
    now = utcnow()

    def work() -> tuple[service.NewSession, service.Resolved | None]:
        made = service.login(
            session, email=body.email, password=body.password.get_secret_value(), now=now
        )
        return made, service.resolve_session(session, made.token, now=now)

    made, resolved = service.committed(session, work)
    assert resolved is not None
    set_session_cookie(response, made.token)
    return _session_out(resolved.actor, made.csrf_token, made.second_factor_required)


@router.get("/auth/session", responses={401: {}})
def current_session(
    request: Request, actor: Annotated[Actor, Depends(Require(None, pending_ok=True))]
) -> SessionOut:
    """Who is signed in (or which token is used), and whether a second factor is still owed."""
    caller = resolve(request)
    assert caller is not None
    return _session_out(actor, caller.csrf_token, caller.second_factor_pending)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses={401: {}, 403: {}})
def logout(
    response: Response,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require(None, pending_ok=True))],
) -> None:
    if actor.session_id is None:
        raise UnauthenticatedError("an API token has no session to end; revoke the token")
    with session.begin():
        service.logout(session, actor.session_id)
    clear_session_cookie(response)


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT, responses={404: {}})
def set_password(body: PasswordSet, session: SessionDep) -> None:
    """Set a staff account's password with the one-time link it was given."""
    with session.begin():
        service.set_password(
            session,
            token=body.token.get_secret_value(),
            password=body.password.get_secret_value(),
            now=utcnow(),
        )


@router.post("/auth/totp/enroll", responses={401: {}, 403: {}})
def enroll_totp(
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require(None, pending_ok=True))],
) -> TotpEnrolment:
    """Start TOTP enrolment: the secret and its otpauth:// URI, shown once. It counts from
    ``POST /auth/totp/confirm``. Staff sessions only."""
    _staff_session(actor)
    with session.begin():
        secret, uri = service.enroll_totp(session, app_vault(request), actor.id, now=utcnow())
    return TotpEnrolment(secret=secret, uri=uri)


@router.post("/auth/totp/confirm", status_code=204, responses={401: {}, 403: {}, 409: {}})
def confirm_totp(
    body: Code,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require(None, pending_ok=True))],
) -> None:
    _staff_session(actor)
    assert actor.session_id is not None
    with session.begin():
        service.confirm_totp(
            session,
            app_vault(request),
            actor.id,
            body.code,
            now=utcnow(),
            session_id=actor.session_id,
        )


@router.post("/auth/totp", status_code=204, responses={401: {}, 403: {}, 409: {}, 429: {}})
def second_factor(
    body: Code,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require(None, pending_ok=True))],
) -> None:
    """The second step of signing in: a current TOTP code."""
    _staff_session(actor)
    caller = resolve(request)
    assert caller is not None
    throttle.hit(throttle.LOGIN_PER_ACCOUNT, "totp", actor.id)
    resolved = service.Resolved(actor, caller.csrf_token or "", caller.second_factor_pending)
    vault = app_vault(request)
    service.committed(
        session,
        lambda: service.pass_second_factor(session, vault, resolved, body.code, now=utcnow()),
    )


def _staff_session(actor: Actor) -> None:
    if actor.kind != "staff" or actor.session_id is None:
        raise UnauthenticatedError("a staff member's session is needed for this")


@router.post("/auth/candidate/code", status_code=status.HTTP_202_ACCEPTED, responses={429: {}})
def candidate_code(body: ContactIn, request: Request, session: SessionDep) -> dict[str, str]:
    """Ask for a one-time code to sign in as a candidate. The answer is the same whether or not
    the contact has an account (only known contacts are sent a code)."""
    throttle.hit(throttle.CODES_PER_ADDRESS, "code-ip", client_address(request))
    vault = app_vault(request)
    _, contact = service.normal_contact(body.contact)
    throttle.hit(throttle.CODES_PER_CONTACT, "code", contact)
    with session.begin():
        known = service.find_candidate_account(session, vault, contact)
        if known is not None:
            service.send_code(session, contact, vault=vault, purpose=f"login:{known}", now=utcnow())
    return {"status": "if this contact has an account, a code is on its way"}


@router.post("/auth/candidate/login", responses={401: {}, 429: {}})
def candidate_login(
    body: CandidateLogin, request: Request, response: Response, session: SessionDep
) -> SessionOut:
    throttle.hit(throttle.LOGIN_PER_ADDRESS, "login-ip", client_address(request))
    vault = app_vault(request)
    now = utcnow()

    def work() -> tuple[str, service.NewSession]:
        account = service.find_candidate_account(session, vault, body.contact)
        # an unknown contact is refused exactly like a wrong code
        service.use_code(session, body.code, purpose=f"login:{account or '-'}", now=now)
        assert account is not None
        return account, service.candidate_session(session, account, now=now)

    account, made = service.committed(session, work)
    set_session_cookie(response, made.token)
    return SessionOut(
        kind="candidate",
        id=account,
        role="candidate",
        organisation_id=None,
        csrf_token=made.csrf_token,
        second_factor_required=False,
    )


# -- organisations and staff -------------------------------------------------------------------


def _org_out(org: Any) -> OrganisationOut:
    return OrganisationOut(
        id=org.id,
        name=org.name,
        kind=org.kind,
        jurisdiction=org.jurisdiction,
        totp_required=bool(org.totp_required),
    )


@router.post("/organisations", status_code=201, responses={401: {}, 403: {}, 422: {}})
def create_organisation(
    body: NewOrganisation,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("org.create"))],
) -> OrganisationOut:
    with session.begin():
        org_id = service.create_organisation(
            session, name=body.name, kind=body.kind, jurisdiction=body.jurisdiction, now=utcnow()
        )
        return _org_out(service.organisation(session, org_id))


@router.get("/organisations/{organisation_id}", responses={401: {}, 403: {}, 404: {}})
def read_organisation(
    organisation_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("org.read"))],
) -> OrganisationOut:
    authorize(actor, "org.read", Target.of(organisation_id), what=f"organisation {organisation_id}")
    return _org_out(service.organisation(session, organisation_id))


@router.patch("/organisations/{organisation_id}", responses={401: {}, 403: {}, 404: {}})
def change_organisation(
    organisation_id: str,
    body: OrganisationPatch,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("org.manage"))],
) -> OrganisationOut:
    authorize(
        actor, "org.manage", Target.of(organisation_id), what=f"organisation {organisation_id}"
    )
    with session.begin():
        org = service.organisation(session, organisation_id)
        org.totp_required = body.totp_required
        return _org_out(org)


def _staff_out(row: StaffAccount) -> StaffOut:
    return StaffOut(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        role=row.role,
        disabled=row.disabled_at is not None,
        second_factor=row.totp_confirmed_at is not None,
    )


@router.post(
    "/organisations/{organisation_id}/staff",
    status_code=201,
    responses={401: {}, 403: {}, 404: {}, 409: {}, 422: {}},
)
def add_staff(
    organisation_id: str,
    body: NewStaff,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("user.manage"))],
) -> StaffCreated:
    """Add a staff member; the answer holds their one-time password-setup token (to send them
    as a link, ``POST /auth/password``)."""
    authorize(
        actor, "user.manage", Target.of(organisation_id), what=f"organisation {organisation_id}"
    )
    with session.begin():
        made = service.add_staff(
            session,
            organisation_id=organisation_id,
            email=body.email,
            display_name=body.display_name,
            role=body.role,
            now=utcnow(),
        )
        row = session.get(StaffAccount, made.id)
        assert row is not None
        return StaffCreated(**_staff_out(row).model_dump(), password_setup_token=made.setup_token)


@router.get("/organisations/{organisation_id}/staff", responses={401: {}, 403: {}, 404: {}})
def list_staff(
    organisation_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("user.manage"))],
) -> list[StaffOut]:
    from sqlalchemy import select

    authorize(
        actor, "user.manage", Target.of(organisation_id), what=f"organisation {organisation_id}"
    )
    rows = session.scalars(
        select(StaffAccount)
        .where(StaffAccount.organisation_id == organisation_id)
        .order_by(StaffAccount.created_at, StaffAccount.id)
    )
    return [_staff_out(r) for r in rows]


@router.post(
    "/organisations/{organisation_id}/staff/{staff_id}/disable",
    responses={401: {}, 403: {}, 404: {}},
)
def disable_staff(
    organisation_id: str,
    staff_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("user.manage"))],
) -> StaffOut:
    """Disable a staff account: its sessions end and it can no longer sign in."""
    from sqlalchemy import delete

    from fairscreen.accounts.models import LoginSession
    from fairscreen.kit.errors import NotFoundError

    authorize(
        actor, "user.manage", Target.of(organisation_id), what=f"organisation {organisation_id}"
    )
    with session.begin():
        row = session.get(StaffAccount, staff_id, with_for_update=True)
        if row is None or row.organisation_id != organisation_id:
            raise NotFoundError(f"staff account {staff_id}: no such resource")
        row.disabled_at = row.disabled_at or utcnow()
        session.execute(delete(LoginSession).where(LoginSession.staff_id == staff_id))
        return _staff_out(row)


# -- API tokens --------------------------------------------------------------------------------


def _token_out(view: service.TokenView) -> TokenOut:
    return TokenOut(**view.as_json())


@router.post("/tokens", status_code=201, responses={401: {}, 403: {}, 409: {}, 422: {}})
def create_token(
    body: NewToken,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("token.manage"))],
) -> TokenCreated:
    """A token for the caller's organisation, acting with the caller's role, limited to
    ``scopes`` (actions of that role, ``GET /auth/actions``). Shown once."""
    with session.begin():
        token, view = service.create_token(
            session,
            actor,
            name=body.name,
            scopes=body.scopes,
            expires_in_days=body.expires_in_days,
            now=utcnow(),
        )
    return TokenCreated(**_token_out(view).model_dump(), token=token)


@router.get("/tokens", responses={401: {}, 403: {}})
def list_tokens(
    session: SessionDep, actor: Annotated[Actor, Depends(Require("token.manage"))]
) -> list[TokenOut]:
    assert actor.organisation_id is not None
    return [_token_out(v) for v in service.list_tokens(session, actor.organisation_id)]


@router.post("/tokens/{token_id}/revoke", status_code=204, responses={401: {}, 403: {}, 404: {}})
def revoke_token(
    token_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("token.manage"))],
) -> None:
    assert actor.organisation_id is not None
    with session.begin():
        service.revoke_token(session, actor.organisation_id, token_id, now=utcnow())


@router.get("/auth/actions", responses={401: {}})
def actions(actor: Annotated[Actor, Depends(Require(None))]) -> dict[str, Any]:
    """The actions the caller's role may perform and their reach (what a token may be scoped
    to), with what each means."""
    known = policy()
    grants = known.roles[actor.role].grants
    if actor.scopes is not None:
        grants = {a: r for a, r in grants.items() if a in actor.scopes}
    return {
        "role": actor.role,
        "actions": {a: {"reach": r, "means": known.actions[a]} for a, r in sorted(grants.items())},
    }
