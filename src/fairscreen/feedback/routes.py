"""Step 4 over HTTP (mounted at ``/api/v1``): checks and their reports for both sides,
pre-adverse notices, disputes with documents and their reinvestigation, decisions, who read
one's data, and the anonymous tallies.

Every route declares its action (``Require``); the service then checks the resource against the
policy, so another tenant's check, dispute or document (or another candidate's) answers 404
exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor
from fairscreen.accounts.service import accesses
from fairscreen.candidates.models import Candidate
from fairscreen.feedback import service
from fairscreen.feedback.rerate import OUTCOMES
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import InputError
from fairscreen.kit.http import MAX_OFFSET, SessionDep
from fairscreen.vault.lazy import app_vault

# past any table's size; larger numbers do not fit the databases' 64-bit OFFSET

router = APIRouter(tags=["feedback"])
_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}
_FOUND: dict[int | str, dict[str, Any]] = {**_AUTH, 404: {}}
Purpose = Literal[
    "hiring_decision",
    "pre_adverse_notice",
    "dispute_reinvestigation",
    "compliance_review",
    "candidate_support",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoticeIn(_Body):
    reasons: list[str] = Field(
        min_length=1, max_length=20, description="rule ids of the latest version's reasons"
    )


class DisputeIn(_Body):
    finding: str = Field(min_length=1, max_length=200, description="the finding's ref")
    text: str = Field(min_length=1, max_length=service.MAX_DISPUTE_TEXT, pattern=r"\S")


class ResolveIn(_Body):
    outcome: Literal["corrected", "confirmed", "deleted"]
    correction: dict[str, Any] | None = Field(
        default=None, description="for corrected: the finding's fields that change"
    )
    note: str | None = Field(default=None, max_length=2000, description="for the candidate")


class DecisionIn(_Body):
    outcome: Literal["hire", "not_hire"]
    reasons: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="rule ids of the latest report version's reasons",
    )
    insist: bool = Field(
        default=False,
        description="record it even if it breaks a rule, with a compliance flag the "
        "regulator sees (a role with decision.insist)",
    )


assert set(OUTCOMES) == {"corrected", "confirmed", "deleted"}


# -- checks and reports ------------------------------------------------------------------------


@router.get("/checks", responses=_AUTH)
def list_checks(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("check.read"))],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[dict[str, Any]]:
    """Checks, newest first: the organisation's (as employer or agency), or one's own. States
    and dates only; what they found is in the report."""
    return service.list_checks(session, actor, limit=limit, offset=offset)


@router.get("/checks/{check_id}", responses=_FOUND)
def get_check(
    check_id: str,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("check.read"))],
) -> dict[str, Any]:
    check = service.load_check(session, app_vault(request), actor, check_id, "check.read")
    return service.check_summary(session, check.request)


@router.get("/checks/{check_id}/report", responses={**_FOUND, 422: {}})
def read_report(
    check_id: str,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("report.read"))],
    purpose: Annotated[
        Purpose | None, Query(description="why you read it (staff: required, logged)")
    ] = None,
) -> dict[str, Any]:
    """Every version of the report, with the notices and the decision. The candidate reads
    everything: every finding with its source and the rule it triggered, and what was excluded
    and why. Staff read the light, the reasons and the verified findings, never anything
    excluded; each staff read is logged with its purpose, and the candidate sees it."""
    with session.begin():
        return service.read_report(
            session, app_vault(request), actor, check_id, purpose=purpose, now=utcnow()
        )


@router.get("/checks/{check_id}/decision", responses=_FOUND)
def read_decision(
    check_id: str,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("decision.read"))],
) -> dict[str, Any] | None:
    """The check's decision (outcome, reasons, flags), or null before there is one."""
    with session.begin():
        return service.read_decision(session, app_vault(request), actor, check_id, now=utcnow())


@router.post("/checks/{check_id}/notices", status_code=201, responses={**_FOUND, 409: {}, 422: {}})
def send_notice(
    check_id: str,
    body: NoticeIn,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("notice.send"))],
) -> dict[str, Any]:
    """A pre-adverse notice citing reasons of the latest report version; no adverse decision
    before its waiting period ends (the pack's ``pre_adverse_notice_days``)."""
    with session.begin():
        return service.send_notice(
            session, app_vault(request), actor, check_id, reasons=body.reasons, now=utcnow()
        )


@router.post("/checks/{check_id}/decision", status_code=201, responses={**_FOUND, 409: {}, 422: {}})
def record_decision(
    check_id: str,
    body: DecisionIn,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("decision.record"))],
) -> dict[str, Any]:
    """Hire or not hire, with reasons picked from the latest report version. Refused (409, with
    the ``rule`` it breaks and every rule in ``rules``) when it breaks one; with ``insist`` (a
    role allowed to), recorded with a compliance flag the regulator sees."""
    with session.begin():
        return service.record_decision(
            session,
            app_vault(request),
            actor,
            check_id,
            outcome=body.outcome,
            reasons=body.reasons,
            insist=body.insist,
            now=utcnow(),
        )


# -- disputes ----------------------------------------------------------------------------------


@router.post("/checks/{check_id}/disputes", status_code=201, responses={**_FOUND, 409: {}, 422: {}})
def open_dispute(
    check_id: str,
    body: DisputeIn,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("dispute.create"))],
) -> dict[str, Any]:
    """Dispute a verified finding of one's report, with what is wrong and why (documents follow
    with ``POST /disputes/{id}/documents``). Any decision waits until it is resolved."""
    with session.begin():
        return service.open_dispute(
            session,
            app_vault(request),
            actor,
            check_id,
            finding=body.finding,
            text=body.text,
            now=utcnow(),
        )


@router.get("/disputes", responses={**_AUTH, 422: {}})
def list_disputes(
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("dispute.read"))],
    status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[dict[str, Any]]:
    """Disputes by deadline: their state, deadline and outcome (one's own: with the text)."""
    return service.list_disputes(
        session, app_vault(request), actor, status=status, limit=limit, offset=offset
    )


@router.get("/disputes/{dispute_id}", responses=_FOUND)
def read_dispute(
    dispute_id: str,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("dispute.read"))],
) -> dict[str, Any]:
    """A dispute; the candidate and the agency also read its text and the list of documents
    (the agency's read is logged)."""
    with session.begin():
        return service.read_dispute(session, app_vault(request), actor, dispute_id, now=utcnow())


_DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the document's bytes: a PDF, PNG, JPEG or plain text (UTF-8), at most "
        f"{service.MAX_DOCUMENT_BYTES} bytes; its type is told by its content",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in (*service.DOCUMENT_TYPES, "application/octet-stream")
        },
    }
}


@router.post(
    "/disputes/{dispute_id}/documents",
    status_code=201,
    responses={**_FOUND, 409: {}, 413: {}, 422: {}},
    openapi_extra=_DOCUMENT_BODY,
)
async def add_document(
    dispute_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(Require("dispute.create"))],
    name: Annotated[str, Query(min_length=1, max_length=200, description="the file's name")],
) -> dict[str, Any]:
    """Add a document to one's open dispute (the raw bytes as the body). Sealed under one's
    data key; served back only as an attachment of the type its content shows."""
    from starlette.concurrency import run_in_threadpool

    content = await request.body()
    vault = app_vault(request)
    sessions = request.app.state.sessions

    def work() -> dict[str, Any]:
        with sessions.begin() as session:
            return service.add_document(
                session, vault, actor, dispute_id, name=name, content=content, now=utcnow()
            )

    return await run_in_threadpool(work)


@router.get(
    "/disputes/{dispute_id}/documents/{document_id}",
    response_class=Response,
    responses={
        **_FOUND,
        200: {
            "description": "the document, as an attachment",
            "content": {m: {} for m in service.DOCUMENT_TYPES},
        },
    },
)
def read_document(
    dispute_id: str,
    document_id: str,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("dispute.read"))],
) -> Response:
    """A dispute's document, for the candidate and the agency (the read is logged). Always an
    attachment of the type its content showed when uploaded, never rendered in the page."""
    with session.begin():
        document = service.read_document(
            session, app_vault(request), actor, dispute_id, document_id, now=utcnow()
        )
    return Response(
        document.content,
        media_type=document.media_type
        + ("; charset=utf-8" if document.media_type == "text/plain" else ""),
        headers={
            "Content-Disposition": f'attachment; filename="document-{document_id}"; '
            f"filename*=UTF-8''{_quoted(document.name)}",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.post("/disputes/{dispute_id}/resolve", responses={**_FOUND, 409: {}, 422: {}})
def resolve_dispute(
    dispute_id: str,
    body: ResolveIn,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("dispute.resolve"))],
) -> dict[str, Any]:
    """The agency's reinvestigation: the finding corrected (``correction``), confirmed or
    deleted; the report is re-rated with the same rule set as a new version, and the candidate,
    the employer and the agency are told."""
    with session.begin():
        return service.resolve_dispute(
            session,
            app_vault(request),
            actor,
            dispute_id,
            outcome=body.outcome,
            correction=body.correction,
            note=body.note,
            now=utcnow(),
        )


# -- the candidate: who read my data -----------------------------------------------------------


@router.get("/me/access-log", responses=_AUTH)
def my_access_log(
    session: SessionDep, actor: Annotated[Actor, Depends(Require("accesslog.read"))]
) -> list[dict[str, Any]]:
    """Who read one's report and personal data, newest first: the organisation, the role, the
    action, the purpose, when, and which check (PIPL art. 45)."""
    from sqlalchemy import select

    mine = list(session.scalars(select(Candidate.id).where(Candidate.account_id == actor.id)))
    return accesses(session, mine) if mine else []


# -- anonymous tallies -------------------------------------------------------------------------


@router.get("/tallies/decisions", responses={**_AUTH, 422: {}})
def decision_tallies(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("tally.read"))],
    employer: Annotated[str | None, Query(min_length=1, max_length=32, pattern=r"\S")] = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
) -> list[dict[str, Any]]:
    """Decisions per employer and month by outcome, light and compliance flag; no person in
    them. Small unflagged counts are shown as ``<5``; flagged counts exactly."""
    return service.decision_tallies(session, actor, employer=employer, month=month)


@router.get("/tallies/reports", responses={**_AUTH, 422: {}})
def report_tallies(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("tally.read"))],
    employer: Annotated[str | None, Query(min_length=1, max_length=32, pattern=r"\S")] = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
) -> list[dict[str, Any]]:
    """Reports per employer and month by light and rule (small counts shown as ``<5``)."""
    if employer is not None and not employer.strip():
        raise InputError("employer", "an organisation id")
    return service.report_tallies(session, actor, employer=employer, month=month)
