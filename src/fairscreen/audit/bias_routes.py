"""The bias audit over HTTP (mounted at ``/api/v1/audit``), as ``fairscreen audit bias`` runs it
over the database and publishes it (docs/audit.md):

- ``POST /bias``: run the audit now over the stored checks (an organisation's, as employer or
  agency; a window of days) and publish it: its digest and key figures go on the ledger, the
  document is kept; the answer holds the digest, the ledger index, the key figures, the flags and
  the links to the report;
- ``GET /bias``: the audits published, newest first;
- ``GET /bias/{audit_id}`` (the JSON document, whose SHA-256 is the digest on the ledger),
  ``/bias/{audit_id}/audit.csv`` and ``/bias/{audit_id}/audit.html``.

The labour inspector (``audit.run``, ``audit.read``: all) audits any organisation or all of
them; an organisation's administrators audit their own and read the audits scoped to it. The
audit reads only aggregates out (cells below the suppression threshold are suppressed), and the
demographics only of candidates who consented to audit use.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import Actor, reach
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import ConflictError, NotFoundError
from fairscreen.kit.http import SessionDep
from fairscreen.organisations.models import Organisation
from fairscreen.vault.lazy import app_vault

router = APIRouter(tags=["audit"])

_AUTH: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}
BASE = "/api/v1/audit/bias"


class BiasAuditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="only this organisation's checks (as employer or agency), by id or its own "
        "reference; an organisation's staff audit their own whatever is given here",
    )
    since: date | None = Field(default=None, description="from this day (the decision's date)")
    until: date | None = Field(default=None, description="up to this day, inclusive")


def _organisation(session: Session, name: str) -> Organisation | None:
    return session.scalar(
        select(Organisation).where(or_(Organisation.id == name, Organisation.external_ref == name))
    )


def _own(session: Session, actor: Actor, action: str) -> Collection[str] | None:
    """The names an actor's audits may be scoped to (None: any)."""
    scope = reach(actor, action)
    if scope.reach == "all":
        return None
    org = session.get(Organisation, scope.organisation_id or "-")
    if org is None:
        return ()
    return {n for n in (org.id, org.external_ref) if n}


def links(audit_id: str) -> dict[str, str]:
    return {
        "json": f"{BASE}/{audit_id}",
        "csv": f"{BASE}/{audit_id}/audit.csv",
        "html": f"{BASE}/{audit_id}/audit.html",
    }


@router.post("/bias", status_code=201, responses={**_AUTH, 404: {}, 409: {}, 422: {}})
def run_bias_audit(
    body: BiasAuditIn,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("audit.run"))],
) -> dict[str, Any]:
    """Run the bias audit over the stored checks and publish it (ledger entry
    ``audit.published``): selection rates and impact ratios by sex, age band, ethnicity, region
    and their intersections, four-fifths flags with a significance test, small cells
    suppressed."""
    from fairscreen.audit import records, service
    from fairscreen.kit.db import transaction

    if body.since and body.until and body.since > body.until:
        # well-formed, but the two dates contradict each other: 409 like every well-formed value
        # the API refuses (docs/api.md), since no schema can say "since <= until"
        raise ConflictError(f"since {body.since} is after until {body.until}: the window is empty")
    own = _own(session, actor, "audit.run")
    organisation = body.organisation
    if own is not None:
        if organisation is not None and organisation not in own:
            raise NotFoundError(f"organisation {organisation}: no such organisation")
        organisation = reach(actor, "audit.run").organisation_id
    elif organisation is not None and _organisation(session, organisation) is None:
        raise NotFoundError(f"organisation {organisation!r}: no organisation has this id or ref")
    session.rollback()  # end the read; the audit reads and publishes in its own sessions
    sessions = request.app.state.sessions
    scope = service.scope_of("database", organisation, body.since, body.until)
    with sessions() as reading:
        found = list(
            records.from_database(
                reading,
                app_vault(request),
                organisation=organisation,
                since=body.since,
                until=body.until,
            )
        )
    now = utcnow()
    report, _ = service.audit(found, scope=scope, now=now)
    with transaction(sessions) as writing:
        audit_id, index = service.publish(writing, report, now=now)
    return {
        "id": audit_id,
        "digest": report.digest,
        "ledger_index": index,
        "created_at": report.document["created_at"],
        "scope": scope,
        "key_figures": report.figures,
        "flags": report.document["flags"],
        "links": links(audit_id),
    }


@router.get("/bias", responses=_AUTH)
def list_bias_audits(
    session: SessionDep,
    actor: Annotated[Actor, Depends(Require("audit.read"))],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """The bias audits published, newest first (an organisation: those scoped to it)."""
    from fairscreen.audit import service

    found = service.published(
        session, limit=limit, organisations=_own(session, actor, "audit.read")
    )
    return {"audits": [{**a, "links": links(a["id"])} for a in found]}


def _report(session: Session, actor: Actor, audit_id: str) -> Any:
    from fairscreen.audit import service

    return service.published_report(
        session, audit_id, organisations=_own(session, actor, "audit.read")
    )[1]


@router.get(
    "/bias/{audit_id}",
    response_class=Response,
    responses={**_AUTH, 404: {}, 409: {}, 200: {"content": {"application/json": {}}}},
)
def get_bias_audit(
    audit_id: str, session: SessionDep, actor: Annotated[Actor, Depends(Require("audit.read"))]
) -> Response:
    """The audit's JSON document as published: its SHA-256 is the digest on the ledger."""
    from fairscreen.kit.canonical import canonical_json

    report = _report(session, actor, audit_id)
    return Response(canonical_json(report.document), media_type="application/json")


@router.get(
    "/bias/{audit_id}/audit.csv",
    response_class=Response,
    responses={**_AUTH, 404: {}, 409: {}, 200: {"content": {"text/csv": {}}}},
)
def get_bias_audit_csv(
    audit_id: str, session: SessionDep, actor: Annotated[Actor, Depends(Require("audit.read"))]
) -> Response:
    """The audit's tables as CSV, one group per line."""
    from fairscreen.audit import output

    report = _report(session, actor, audit_id)
    return Response(output.to_csv(report), media_type="text/csv; charset=utf-8")


@router.get(
    "/bias/{audit_id}/audit.html",
    response_class=Response,
    responses={**_AUTH, 404: {}, 409: {}, 200: {"content": {"text/html": {}}}},
)
def get_bias_audit_html(
    audit_id: str, session: SessionDep, actor: Annotated[Actor, Depends(Require("audit.read"))]
) -> Response:
    """The audit's report with its tables and charts, as HTML."""
    from fairscreen.audit import output

    report = _report(session, actor, audit_id)
    return Response(output.to_html(report), media_type="text/html; charset=utf-8")
