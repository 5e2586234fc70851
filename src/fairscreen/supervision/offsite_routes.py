"""The regulator's off-site checks and the inspection codes over HTTP (mounted at
``/api/v1/supervision``).

For the labour inspector (``regulator_inspector``) and, for their own organisation, the firms'
administrators (``permissions.toml``):

- ``GET /signals[?org=&rule=&severity=&open=&limit=&offset=]``: the signals queue, newest first
  (a firm sees its own only);
- ``GET /signals/{id}``: one signal with its evidence: the entries and their inclusion proofs in
  a signed checkpoint's tree (``fairscreen supervision verify-signal`` checks the answer);
- ``POST /offsite/run``: run the checks now (``GET /offsite`` says where the last run stopped);
- ``POST /visits``: a visit's signed inspection code (short code, token, QR code as SVG);
- ``POST /codes/{code}/findings``: after the visit, what was found (each with a 普法碼);
- ``POST /codes/{code}/feedback``: the visited firm's feedback.

Public, for anyone holding a code: ``GET /codes/{code}`` (a short code or the QR code's token:
the visit if genuine, 422 if forged or altered, 404 if unknown), ``GET /codes/key`` (the
inspectorate's public key, to check codes offline) and ``GET /guidance/{code}`` (普法碼).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import InputError
from fairscreen.kit.http import MAX_OFFSET, SessionDep
from fairscreen.supervision.codes import service as codes
from fairscreen.supervision.codes.guidance import LANGUAGES, guidance
from fairscreen.supervision.offsite import evidence, service
from fairscreen.supervision.signals import BACKGROUND_SCREENING, Severity

router = APIRouter(tags=["supervision"])

_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}


@router.get("/signals", responses={**_AUTH, 422: {}})
def list_signals(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("signal.read"))],
    org: Annotated[str | None, Query(max_length=64)] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    severity: Annotated[Severity | None, Query()] = None,
    open: Annotated[bool, Query(description="only signals still open")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    scope = reach(actor, "signal.read")
    if scope.reach != "all":
        org = scope.organisation_id or "-"
    total, rows = service.list_signals(
        session, org=org, rule=rule, severity=severity, open_only=open, limit=limit, offset=offset
    )
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "signals": [service.signal_json(r) for r in rows],
    }


@router.get("/signals/{signal_id}", responses={**_AUTH, 404: {}, 409: {}})
def get_signal(
    signal_id: str,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("signal.read"))],
) -> dict[str, Any]:
    """The signal with its evidence: each entry (base64) and its inclusion proof in the tree of
    the smallest signed checkpoint that holds them (409 until one does)."""
    scope = reach(actor, "signal.read")
    org = None if scope.reach == "all" else (scope.organisation_id or "-")
    return evidence.bundle(session, service.get_signal(session, signal_id, org=org))


@router.get("/offsite", responses=_AUTH)
def offsite_state(
    session: SessionDep, actor: Annotated[Actor, Depends(Require("offsite.run"))]
) -> dict[str, Any]:
    return service.cursor_state(session)


@router.post("/offsite/run", responses=_AUTH)
def offsite_run(
    request: Request, actor: Annotated[Actor, Depends(Require("offsite.run"))]
) -> dict[str, Any]:
    """Check the entries appended since the last run and the deadlines due now."""
    return service.run_all(request.app.state.sessions, now=utcnow()).as_json()


class TeamMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=80)


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=32, description="the plan's visit id")
    org: str = Field(min_length=1, max_length=64)
    scenarios: list[str] = Field(default=[BACKGROUND_SCREENING], min_length=1, max_length=16)
    team: list[TeamMember] = Field(min_length=1, max_length=10)
    start: datetime
    end: datetime


@router.post("/visits", status_code=201, responses={**_AUTH, 422: {}})
def issue_code(
    body: VisitIn,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("inspection.manage"))],
) -> dict[str, Any]:
    if body.start.tzinfo is None or body.end.tzinfo is None:
        raise InputError("start", "times need a zone (e.g. 2026-12-07T09:00:00+08:00)")
    visit = codes.Visit(
        body.id,
        body.org,
        tuple(body.scenarios),
        tuple((m.id, m.name) for m in body.team),
        (body.start, body.end),
    )
    with session.begin():
        return codes.issue(session, visit, now=utcnow())


@router.get("/codes/key", responses={404: {}})
def code_key(session: SessionDep) -> dict[str, str]:
    """The inspectorate's public key (C2SP signed-note verifier key)."""
    return {"key": codes.code_verifier(session).text()}


@router.get("/codes/{code}", responses={404: {}, 422: {}})
def check_code(code: str, session: SessionDep) -> dict[str, Any]:
    """Is this visit real, who comes, for what, when; after it, the findings with 普法碼."""
    return codes.check(session, code)


class FindingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(min_length=1, max_length=64)
    guidance: str = Field(min_length=1, max_length=40)
    note: str = Field(min_length=1, max_length=2000)


class FindingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    findings: list[FindingIn] = Field(default=[], max_length=50)


@router.post("/codes/{code}/findings", responses={**_AUTH, 404: {}, 422: {}})
def record_findings(
    code: str,
    body: FindingsIn,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("inspection.manage"))],
) -> dict[str, Any]:
    with session.begin():
        return codes.record_findings(
            session, code, [f.model_dump() for f in body.findings], now=utcnow()
        )


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5)
    text: str = Field(default="", max_length=2000)


@router.post("/codes/{code}/feedback", status_code=201, responses={**_AUTH, 404: {}, 422: {}})
def give_feedback(
    code: str,
    body: FeedbackIn,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("inspection.feedback"))],
) -> dict[str, Any]:
    with session.begin():
        return codes.give_feedback(
            session,
            code,
            org=actor.organisation_id or "-",
            rating=body.rating,
            text=body.text,
            by=actor.label,
            now=utcnow(),
        )


@router.get("/guidance/{code}", responses={404: {}})
def get_guidance(
    code: str, lang: Annotated[str | None, Query(pattern="^(zh-Hant|zh-Hans|en)$")] = None
) -> dict[str, Any]:
    """普法碼: plain-language guidance on how to fix a finding, in zh-Hant, zh-Hans and en."""
    g = guidance(code)
    langs = (lang,) if lang else LANGUAGES
    return {"code": g.code, "statute": g.statute, "text": {k: g.text[k] for k in langs}}
