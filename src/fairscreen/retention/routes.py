"""The right to deletion and the destruction certificates over HTTP (mounted at
``/api/v1/retention``), for the platform's operators and the agencies' reviewers. Every route
requires a session or token whose role grants its action (``permissions.toml``).

Deletion requests, as a candidate's client or the operator's console drives them:

- ``POST /deletion-requests``: record a request (201), with its deadline;
- ``POST /deletion-requests/{id}/verify``: the requester's ID number and name; 200 when they
  match a record, 422 when they do not (the body says how many attempts are left), 409 when the
  request is not waiting for verification;
- ``POST /deletion-requests/{id}/process``: destroy and certify, or refuse with the legal
  reason (an active legal hold); 409 unless verified. It answers once the destruction is out of
  the database's files (``retention.erasure``); ``durability`` says what it left: ``clean``,
  ``wal_pending`` (SQLite: a reader kept the checkpoint from completing; retried by the
  scheduler and at shutdown), ``compact_pending`` (PostgreSQL: see docs/retention.md), or
  null when nothing was destroyed;
- ``GET /deletion-requests[?overdue=true&status=...]``, ``GET /deletion-requests/{id}``.

Legal holds: ``POST /legal-holds``, ``POST /legal-holds/{id}/release``, ``GET /legal-holds``,
``GET /hold-reasons`` (the approved reason codes and their texts).
Certificates: ``GET /certificates`` (newest first; no personal data in any of them).

A candidate's own (``me_router``, mounted at ``/api/v1/me``): ``POST /deletion-requests`` (from
their session: no ID number needed, every candidate record of the account is linked),
``GET /deletion-requests[/{id}]`` to follow it, ``GET /legal-holds`` (the approved reason text
of each hold on their records, never the staff's reference).

The ID number and name are taken as secrets (never in a ``repr`` or a log line) and are not
stored; the request keeps only which candidate records they proved to be the requester's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, Target, authorize, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.http import SessionDep
from fairscreen.policy.pack import load_pack
from fairscreen.retention import deletion
from fairscreen.retention.holds import LANGUAGES, hold_reasons
from fairscreen.retention.sweep import recent_certificates
from fairscreen.vault.lazy import app_vault
from fairscreen.web.problems import problem

router = APIRouter(tags=["retention"])
me_router = APIRouter(tags=["retention"])


class NewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(default="api", description="cli, api or portal")


class IdentityProof(BaseModel):
    """What the requester gives to prove who they are; checked, then forgotten."""

    model_config = ConfigDict(extra="forbid")

    id_kind: str = Field(default="cn_resident_id", max_length=32)
    id_number: SecretStr = Field(min_length=1, max_length=64)
    name: SecretStr = Field(min_length=1, max_length=200)


class NewHold(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate: str = Field(
        min_length=1,
        max_length=64,
        description="the candidate's id, the client's reference for them, or a check's id",
    )
    reason_code: str = Field(
        min_length=1,
        max_length=40,
        description="an approved reason (GET /retention/hold-reasons); the candidate sees its "
        "approved text, never free text",
    )
    reference: str | None = Field(
        default=None, max_length=200, description="the proceeding's reference, staff only"
    )


def _json(view: deletion.RequestView) -> dict[str, Any]:
    return view.as_json(utcnow().date())


_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}


@router.post("/deletion-requests", status_code=201, responses={**_AUTH, 422: {}})
def create_request(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("deletion.process"))],
    body: NewRequest | None = None,
) -> dict[str, Any]:
    """Record a deletion request taken by an operator (a letter, a call); a candidate asks from
    their own account instead."""
    channel = body.channel if body else "api"
    with session.begin():
        view = deletion.receive(session, now=utcnow(), pack=load_pack(), channel=channel)
    return _json(view)


@router.get("/deletion-requests", responses=_AUTH)
def list_requests(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("deletion.read"))],
    overdue: Annotated[bool, Query(description="only open requests past their deadline")] = False,
    status: Annotated[str | None, Query(description="received, verified, done, refused")] = None,
) -> list[dict[str, Any]]:
    today = utcnow().date()
    views = deletion.list_requests(session, today=today, overdue=overdue, status=status)
    return [v.as_json(today) for v in views]


@router.get("/deletion-requests/{request_id}", responses={**_AUTH, 404: {}})
def get_request(
    request_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("deletion.read"))],
) -> dict[str, Any]:
    return _json(deletion.get_request(session, request_id))


@router.post(
    "/deletion-requests/{request_id}/verify", responses={**_AUTH, 404: {}, 409: {}, 422: {}}
)
def verify_request(
    request_id: str,
    proof: IdentityProof,
    session: SessionDep,
    request: Request,
    actor: Annotated[Actor, Depends(Require("deletion.process"))],
) -> Any:
    """The operator checks the requester's ID number and name against the sealed records."""
    vault = app_vault(request)
    with session.begin():
        result = deletion.verify(
            session,
            vault,
            request_id,
            id_number=proof.id_number.get_secret_value(),
            name=proof.name.get_secret_value(),
            id_kind=proof.id_kind,
            now=utcnow(),
        )
    if result.verified:
        return {"verified": True, "request": _json(result.request)}
    refused = result.request.status == deletion.REFUSED
    return problem(
        422,
        "identity not verified",
        "the request is refused: identity not verified"
        if refused
        else "the ID number and name do not match a record",
        attempts_left=max(0, deletion.MAX_FAILED_ATTEMPTS - result.request.failed_attempts),
        request=_json(result.request),
    )


@router.post("/deletion-requests/{request_id}/process", responses={**_AUTH, 404: {}, 409: {}})
def process_request(
    request_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(Require("deletion.process"))],
) -> dict[str, Any]:
    """Destroy and certify (or refuse for a legal hold); the answer says whether the destroyed
    pages are already out of every file of the database (``durability``)."""
    processed = deletion.process_request(
        request.app.state.sessions, request_id, now=utcnow(), pack=load_pack()
    )
    return {**_json(processed.requests[0]), "durability": processed.durability}


@router.get("/legal-holds", responses=_AUTH)
def list_holds(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("hold.read"))],
    active: Annotated[bool, Query(description="only holds not lifted")] = False,
) -> list[dict[str, Any]]:
    scope = reach(actor, "hold.read")
    if scope.reach == "self":  # a candidate: the holds on their own records, as they see them
        holds = deletion.account_holds(session, actor.id)
        return [h.for_candidate() for h in holds if h.active or not active]
    return [
        h.as_json()
        for h in deletion.list_holds(
            session, active_only=active, organisation_id=scope.organisation_id
        )
    ]


@router.post("/legal-holds", status_code=201, responses={**_AUTH, 404: {}, 422: {}})
def place_hold(
    body: NewHold,
    session: SessionDep,
    request: Request,
    actor: Annotated[Actor, Depends(Require("hold.manage"))],
) -> dict[str, Any]:
    vault = app_vault(request)
    with session.begin():
        candidate_id = deletion.find_candidate(session, vault, body.candidate, lock=True)
        authorize(
            actor,
            "hold.manage",
            Target.of(*deletion.candidate_organisations(session, candidate_id)),
            what=f"candidate {body.candidate}",
        )
        hold = deletion.place_hold(
            session,
            vault,
            candidate_id,
            reason_code=body.reason_code,
            reference=body.reference,
            now=utcnow(),
        )
    return hold.as_json()


@router.post("/legal-holds/{hold_id}/release", responses={**_AUTH, 404: {}, 409: {}})
def release_hold(
    hold_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("hold.manage"))],
) -> dict[str, Any]:
    with session.begin():
        candidate_id = deletion.hold_candidate(session, hold_id)
        authorize(
            actor,
            "hold.manage",
            Target.of(*deletion.candidate_organisations(session, candidate_id)),
            what=f"legal hold {hold_id}",
        )
        hold = deletion.release_hold(session, hold_id, now=utcnow())
    return hold.as_json()


@router.get("/certificates", responses=_AUTH)
def list_certificates(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("tally.read"))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Destruction certificates, newest first (no personal data: classes, counts, rules)."""
    return recent_certificates(session, limit)


@router.get("/hold-reasons", responses=_AUTH)
def list_hold_reasons(
    actor: Annotated[Actor, Depends(Require("hold.read"))],
) -> list[dict[str, Any]]:
    """The approved reasons a legal hold may give, with the text the candidate is shown for
    each (zh-Hant, zh-Hans, en) and its legal basis."""
    return [reason.as_json() for reason in hold_reasons().values()]


# -- a candidate's own -------------------------------------------------------------------------


@me_router.post("/deletion-requests", status_code=201, responses={**_AUTH, 422: {}})
def request_own_deletion(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("deletion.request"))],
) -> dict[str, Any]:
    """Ask for one's own data to be deleted (PIPL art. 47): every candidate record of the
    account, found through the account (no ID number needed). It is processed by the scheduled
    run (or an operator) and refused only for an active legal hold, whose approved reason the
    candidate sees."""
    with session.begin():
        view = deletion.receive_own(session, actor.id, now=utcnow(), pack=load_pack())
    return _json(view)


@me_router.get("/deletion-requests", responses=_AUTH)
def list_own_requests(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("deletion.request"))],
) -> list[dict[str, Any]]:
    """The account's own deletion requests, to follow them."""
    today = utcnow().date()
    return [v.as_json(today) for v in deletion.account_requests(session, actor.id)]


@me_router.get("/deletion-requests/{request_id}", responses={**_AUTH, 404: {}})
def get_own_request(
    request_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("deletion.request"))],
) -> dict[str, Any]:
    return _json(deletion.account_request(session, actor.id, request_id))


@me_router.get("/legal-holds", responses={**_AUTH, 422: {}})
def list_own_holds(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("hold.read"))],
    lang: Annotated[
        str | None, Query(description="zh-Hant, zh-Hans or en (default: all three)")
    ] = None,
) -> list[dict[str, Any]]:
    """The legal holds on the candidate's records: the approved text of each reason code and
    when it was placed or lifted; never the reference staff gave the proceeding."""
    if lang is not None and lang not in LANGUAGES:
        from fairscreen.kit.errors import InputError

        raise InputError("lang", f"one of {', '.join(LANGUAGES)}")
    reach(actor, "hold.read")
    return [h.for_candidate(lang) for h in deletion.account_holds(session, actor.id)]
