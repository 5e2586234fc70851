"""The right to deletion and the destruction certificates over HTTP (mounted at ``/retention``).

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

Legal holds: ``POST /legal-holds``, ``POST /legal-holds/{id}/release``, ``GET /legal-holds``.
Certificates: ``GET /certificates`` (newest first; no personal data in any of them).

The ID number and name are taken as secrets (never in a ``repr`` or a log line) and are not
stored; the request keeps only which candidate records they proved to be the requester's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import FairscreenError, InputError
from fairscreen.kit.http import SessionDep
from fairscreen.policy.pack import load_pack
from fairscreen.retention import deletion
from fairscreen.retention.sweep import recent_certificates
from fairscreen.vault import Vault
from fairscreen.vault.lazy import LazyVault

router = APIRouter(tags=["retention"])
T = TypeVar("T")
_vault_lock = threading.Lock()


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

    candidate: str = Field(min_length=1, max_length=64, description="id or external reference")
    reason: str = Field(min_length=1, max_length=200, description="legal basis and proceeding")


def app_vault(request: Request) -> Vault:
    """The app's vault: ``app.state.vault`` if the app has one, else opened on first use."""
    state = request.app.state
    vault = getattr(state, "vault", None)
    if isinstance(vault, Vault):
        return vault
    with _vault_lock:
        lazy = getattr(state, "retention_vault", None)
        if not isinstance(lazy, LazyVault):
            lazy = state.retention_vault = LazyVault(state.sessions)
    return lazy()


def _call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except deletion.NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except deletion.WrongStateError as exc:
        raise HTTPException(409, str(exc)) from None
    except InputError as exc:
        raise HTTPException(422, {"field": exc.where, "message": exc.message}) from None
    except FairscreenError as exc:
        raise HTTPException(409, str(exc)) from None


def _json(view: deletion.RequestView) -> dict[str, Any]:
    return view.as_json(utcnow().date())


@router.post("/deletion-requests", status_code=201)
def create_request(session: SessionDep, body: NewRequest | None = None) -> dict[str, Any]:
    channel = body.channel if body else "api"

    def work() -> deletion.RequestView:
        with session.begin():
            return deletion.receive(session, now=utcnow(), pack=load_pack(), channel=channel)

    return _json(_call(work))


@router.get("/deletion-requests")
def list_requests(
    session: SessionDep,
    overdue: Annotated[bool, Query(description="only open requests past their deadline")] = False,
    status: Annotated[str | None, Query(description="received, verified, done, refused")] = None,
) -> list[dict[str, Any]]:
    today = utcnow().date()
    views = _call(
        lambda: deletion.list_requests(session, today=today, overdue=overdue, status=status)
    )
    return [v.as_json(today) for v in views]


@router.get("/deletion-requests/{request_id}")
def get_request(request_id: str, session: SessionDep) -> dict[str, Any]:
    return _json(_call(lambda: deletion.get_request(session, request_id)))


@router.post("/deletion-requests/{request_id}/verify")
def verify_request(
    request_id: str, proof: IdentityProof, session: SessionDep, request: Request
) -> dict[str, Any]:
    def work() -> deletion.Verification:
        vault = app_vault(request)
        with session.begin():
            return deletion.verify(
                session,
                vault,
                request_id,
                id_number=proof.id_number.get_secret_value(),
                name=proof.name.get_secret_value(),
                id_kind=proof.id_kind,
                now=utcnow(),
            )

    result = _call(work)
    body = {"verified": result.verified, "request": _json(result.request)}
    if not result.verified:
        body["attempts_left"] = max(
            0, deletion.MAX_FAILED_ATTEMPTS - result.request.failed_attempts
        )
        body["message"] = (
            "the request is refused: identity not verified"
            if result.request.status == deletion.REFUSED
            else "the ID number and name do not match a record"
        )
        raise HTTPException(422, body)
    return body


@router.post("/deletion-requests/{request_id}/process")
def process_request(request_id: str, request: Request) -> dict[str, Any]:
    processed = _call(
        lambda: deletion.process_request(
            request.app.state.sessions, request_id, now=utcnow(), pack=load_pack()
        )
    )
    return {**_json(processed.requests[0]), "durability": processed.durability}


@router.get("/legal-holds")
def list_holds(
    session: SessionDep, active: Annotated[bool, Query(description="only holds not lifted")] = False
) -> list[dict[str, Any]]:
    return [h.as_json() for h in deletion.list_holds(session, active_only=active)]


@router.post("/legal-holds", status_code=201)
def place_hold(body: NewHold, session: SessionDep, request: Request) -> dict[str, Any]:
    vault = app_vault(request)

    def work() -> deletion.HoldView:
        with session.begin():
            return deletion.place_hold(
                session, vault, body.candidate, reason=body.reason, now=utcnow()
            )

    return _call(work).as_json()


@router.post("/legal-holds/{hold_id}/release")
def release_hold(hold_id: str, session: SessionDep) -> dict[str, Any]:
    def work() -> deletion.HoldView:
        with session.begin():
            return deletion.release_hold(session, hold_id, now=utcnow())

    return _call(work).as_json()


@router.get("/certificates")
def list_certificates(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    return recent_certificates(session, limit)
