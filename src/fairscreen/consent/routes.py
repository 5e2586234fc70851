"""Consent online over HTTP (mounted at ``/api/v1``).

Staff: ``POST /invitations`` (invite a person to a check for a position), ``GET /invitations``
(``?client_reference=``), ``GET /invitations/{id}``.

The link, for whoever holds it (``public_router``; the path says ``invitation``):
``GET /invitation/{token}`` (what will be checked, why, for whom, for how long, in plain
words), ``POST /invitation/{token}/code`` (a one-time code to the invited contact),
``POST /invitation/{token}/accept`` (with the code: the candidate's account and session).

The candidate, signed in: ``GET /invitations[/{id}]``, ``POST /invitations/{id}/sign`` (identity,
claims, the items signed; the check runs), ``GET /consents[/{id}]`` (with the receipt's ledger
index), ``POST /consents/{id}/revoke``.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from fairscreen.accounts import service as accounts
from fairscreen.accounts import throttle
from fairscreen.accounts.auth import Require, client_address, set_session_cookie
from fairscreen.accounts.policy import Actor
from fairscreen.accounts.service import CONTACT_PATTERN
from fairscreen.consent import invitations
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.http import SessionDep
from fairscreen.kit.ids import ID_PATTERN
from fairscreen.organisations.service import REFERENCE_PATTERN
from fairscreen.vault.lazy import app_vault
from fairscreen.world import model

log = logging.getLogger(__name__)
router = APIRouter(tags=["consent"])
public_router = APIRouter(tags=["consent"])
_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewInvitation(_Body):
    position_id: str = Field(pattern=ID_PATTERN)
    contact: str = Field(
        min_length=3,
        max_length=320,
        pattern=CONTACT_PATTERN,
        description="e-mail or +E.164 phone",
    )
    client_reference: str = Field(
        pattern=REFERENCE_PATTERN, description="the employer's reference for the candidate"
    )
    known_name: str | None = Field(
        default=None, max_length=100, description="the name the employer knows them by"
    )


class CodeIn(_Body):
    code: str = Field(min_length=6, max_length=8, pattern=r"^\s*[0-9]{6,8}\s*$")


# The kinds of ID document the world format knows (the sandbox's records are found by them).
DOCUMENT_KINDS: tuple[str, ...] = get_args(model.IdDocument.model_fields["kind"].annotation)


class IdDocumentIn(_Body):
    kind: str = Field(
        pattern=f"^({'|'.join(DOCUMENT_KINDS)})$",
        description=f"one of {', '.join(DOCUMENT_KINDS)}",
    )
    number: str = Field(min_length=5, max_length=32)


class IdentityIn(_Body):
    name: str = Field(min_length=1, max_length=100)
    id_document: IdDocumentIn
    birth_date: date


class SignIn(_Body):
    identity: IdentityIn
    claims: dict[str, Any] = Field(
        default_factory=dict,
        description="education, employment and licences claimed (the world format's claims)",
    )
    items: list[str] = Field(min_length=1, max_length=20, description="the items you consent to")
    separate_items: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="sensitive items you give a separate consent for (PIPL art. 29)",
    )


@router.post("/invitations", status_code=201, responses={**_AUTH, 404: {}, 422: {}})
def create_invitation(
    body: NewInvitation,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("invitation.create"))],
) -> dict[str, Any]:
    """Invite a person to a check for a position. The link (``token``) is sent to the contact
    through the outbox and shown here once, for an organisation that delivers it itself."""
    vault = app_vault(request)
    with session.begin():
        made = invitations.create_invitation(
            session,
            vault,
            actor,
            position_id=body.position_id,
            contact=body.contact,
            client_reference=body.client_reference,
            known_name=body.known_name,
            now=utcnow(),
        )
    return {**made.view, "token": made.token}


@router.get("/invitations", responses=_AUTH)
def list_invitations(
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("invitation.read"))],
    client_reference: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    """Invitations, newest first: the organisation's (optionally for one client reference), or
    a candidate's own."""
    return invitations.list_invitations(
        session, app_vault(request), actor, client_reference=client_reference, now=utcnow()
    )


@router.get("/invitations/{invitation_id}", responses={**_AUTH, 404: {}})
def get_invitation(
    invitation_id: str,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("invitation.read"))],
) -> dict[str, Any]:
    invitation = invitations.get_for(session, actor, invitation_id, "invitation.read")
    if actor.kind == "candidate":
        return invitations.candidate_view(session, invitation, now=utcnow())
    return invitations.staff_view(session, app_vault(request), invitation, now=utcnow())


@router.post(
    "/invitations/{invitation_id}/sign",
    status_code=201,
    responses={**_AUTH, 404: {}, 409: {}, 422: {}},
)
def sign(
    invitation_id: str,
    body: SignIn,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("consent.sign"))],
) -> dict[str, Any]:
    """Give one's identity and claims and sign, item by item (sensitive items need their
    separate consent in ``separate_items``). The answer holds the consent with its receipt (the
    ledger index of ``consent.signed``) and the check, which runs at once when the sandbox is
    set (else it waits, and the server's scheduler runs it)."""
    from fairscreen.feedback.jobs import run_check

    vault = app_vault(request)
    now = utcnow()
    with session.begin():
        signed = invitations.sign(
            session,
            vault,
            actor,
            invitation_id,
            identity=body.identity.model_dump(mode="json"),
            claims=body.claims,
            items=body.items,
            separate_items=body.separate_items,
            now=now,
        )
    check: dict[str, Any]
    try:
        run = run_check(request.app.state.sessions, vault, invitation_id, now=utcnow())
        check = {"id": run.request_id, "status": run.status}
    except FairscreenError as exc:
        log.warning("invitation %s: check not run yet: %s", invitation_id, type(exc).__name__)
        check = {"id": None, "status": "pending", "detail": str(exc)}
    with session.begin():
        consent = invitations.get_consent(session, actor, signed.consent_id, "consent.read")
        return {"consent": invitations.consent_view(session, consent), "check": check}


@router.get("/consents", responses=_AUTH)
def list_consents(
    session: SessionDep, actor: Annotated[Actor, Depends(Require("consent.read"))]
) -> list[dict[str, Any]]:
    """One's consents, newest first, each with its receipt (``/ledger/receipt/{index}``)."""
    return invitations.list_consents(session, actor)


@router.get("/consents/{consent_id}", responses={**_AUTH, 404: {}})
def get_consent(
    consent_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("consent.read"))],
) -> dict[str, Any]:
    return invitations.consent_view(
        session, invitations.get_consent(session, actor, consent_id, "consent.read")
    )


@router.post("/consents/{consent_id}/revoke", responses={**_AUTH, 404: {}, 409: {}})
def revoke_consent(
    consent_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("consent.revoke"))],
) -> dict[str, Any]:
    """Revoke a consent, at any time: a check that has not run stops before any source is
    asked; the revocation is a ledger entry of its own."""
    with session.begin():
        return invitations.revoke(session, actor, consent_id, now=utcnow())


# -- the link (public) -------------------------------------------------------------------------


@public_router.get("/invitation/{token}", responses={404: {}})
def read_invitation(token: str, session: SessionDep) -> dict[str, Any]:
    """What the invitation asks, in plain words, for whoever holds the link: what will be
    checked and why, for whom, for how long, what is never collected, and one's rights."""
    return invitations.public_view(session, token, now=utcnow())


@public_router.post("/invitation/{token}/code", status_code=202, responses={404: {}, 429: {}})
def invitation_code(token: str, request: Request, session: SessionDep) -> dict[str, str]:
    """Send a one-time code to the contact the invitation was sent to (only there)."""
    throttle.hit(throttle.CODES_PER_ADDRESS, "code-ip", client_address(request))
    throttle.hit(throttle.CODES_PER_CONTACT, "invitation-code", token[:64])
    with session.begin():
        invitations.send_invitation_code(session, app_vault(request), token, now=utcnow())
    return {"status": "a code is on its way to the contact you were invited at"}


@public_router.post("/invitation/{token}/accept", responses={401: {}, 404: {}, 422: {}, 429: {}})
def accept_invitation(
    token: str, body: CodeIn, request: Request, response: Response, session: SessionDep
) -> dict[str, Any]:
    """Accept with the one-time code: the candidate's own account (made on first use) and a
    session (the cookie, and the CSRF token to send with every POST)."""
    throttle.hit(throttle.LOGIN_PER_ADDRESS, "login-ip", client_address(request))
    vault = app_vault(request)
    now = utcnow()

    def work() -> tuple[str, str, accounts.NewSession]:
        account, invitation_id = invitations.accept(session, vault, token, body.code, now=now)
        return account, invitation_id, accounts.candidate_session(session, account, now=now)

    account, invitation_id, made = accounts.committed(session, work)
    set_session_cookie(response, made.token)
    return {
        "kind": "candidate",
        "id": account,
        "role": "candidate",
        "organisation_id": None,
        "csrf_token": made.csrf_token,
        "second_factor_required": False,
        "invitation_id": invitation_id,
    }
