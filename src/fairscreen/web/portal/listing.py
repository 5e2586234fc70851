"""The staff list of checks as one indexed query.

A row of the list shows the check's client reference, position, status, report versions, the
latest report's light, when it started, its open disputes and whether a decision was recorded
(and flagged). All of it but two things is in clear in the check's own tables, and is read in
one statement: the check, its position's title and the candidate's wrapped data key by join,
and per check, on indexed columns, the latest report's id, the number of versions, the open
disputes and the decision. The light and the client's reference are a person's data, sealed
under the candidate's data key (the report's content, the invitation): rather than opening the
whole report and the invitation for every row, the two are kept next to the check as a small
sealed listing (``check_requests.listing_ct``, same key) with the id of the report they were
taken from (``listing_of``). A listing taken from an older report than the latest (a
reinvestigation issued a new version), or never taken (a check made before), is taken again
when the list shows the row and stored, in the page's transaction: the list never shows a
stale light, and no domain that issues a report has to know about the list.

The page is ordered newest first on ``(employer_id | agency_id, scope_fixed_at, id)``: the
organisation's own index (migration ``0014_check_listing``). A filter by light opens the
listings (one data key unwrapped per row, no query) until the page is full: the light is never
stored in clear, so the database cannot filter on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import Session

from fairscreen.accounts.policy import Scope
from fairscreen.candidates.models import Candidate
from fairscreen.consent.models import Invitation
from fairscreen.feedback.models import Decision, Dispute
from fairscreen.kit.db import table_of
from fairscreen.organisations.models import Organisation, Position
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.online import data_key_sealer
from fairscreen.screening.report import open_content
from fairscreen.vault import Sealer, Vault
from fairscreen.vault.models import DataKey

AT = ("check_requests", "listing_ct")
NO_REPORT = "none"  # the light of a check without a report (stopped, or not reported yet)


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    candidate_id: str
    client_reference: str | None
    title: str | None
    status: str
    versions: int
    light: str | None  # None: the reader's role may not read reports
    started: datetime
    open_disputes: int
    decided: bool
    flagged: bool


@dataclass(frozen=True, slots=True)
class Listing:
    light: str
    client_reference: str | None


def _query(session: Session, scope: Scope, status: str | None) -> Select[*tuple[Any, ...]]:
    check = CheckRequest
    latest = (
        select(Report.id)
        .where(Report.request_id == check.id)
        .order_by(Report.version.desc())
        .limit(1)
        .scalar_subquery()
    )
    versions = (
        select(func.count()).select_from(Report).where(Report.request_id == check.id)
    ).scalar_subquery()
    # counted over the check's own disputes (its request_id index), not over every open one
    open_disputes = (
        select(func.coalesce(func.sum(case((Dispute.status == "open", 1), else_=0)), 0))
        .select_from(Dispute)
        .where(Dispute.request_id == check.id)
    ).scalar_subquery()
    decision = select(Decision.id).where(Decision.request_id == check.id).scalar_subquery()
    flags = select(Decision.flags).where(Decision.request_id == check.id).scalar_subquery()
    stmt = (
        select(
            check.id,
            check.candidate_id,
            check.status,
            check.scope_fixed_at,
            check.listing_ct,
            check.listing_of,
            Position.title,
            DataKey.id.label("data_key_id"),
            DataKey.kek_version,
            DataKey.wrapped,
            latest.label("latest"),
            versions.label("versions"),
            open_disputes.label("open_disputes"),
            decision.label("decision"),
            flags.label("flags"),
        )
        .join(Position, Position.id == check.position_id)
        .join(Candidate, Candidate.id == check.candidate_id)
        .join(DataKey, DataKey.id == Candidate.data_key_id)
        .order_by(check.scope_fixed_at.desc(), check.id.desc())
    )
    if scope.reach == "own_org":
        # an employer's staff read the checks it asked for, an agency's the checks it runs (the
        # API's rule: either column); each has its own index
        kind = session.scalar(
            select(Organisation.kind).where(Organisation.id == scope.organisation_id)
        )
        if kind == "employer":
            stmt = stmt.where(check.employer_id == scope.organisation_id)
        elif kind == "agency":
            stmt = stmt.where(check.agency_id == scope.organisation_id)
        else:
            stmt = stmt.where(
                (check.employer_id == scope.organisation_id)
                | (check.agency_id == scope.organisation_id)
            )
    if status is not None:
        stmt = stmt.where(check.status == status)
    return stmt


def take(
    session: Session, vault: Vault, sealer: Sealer, check_id: str, report_id: str | None
) -> Listing:
    """The listing of a check from its sources (the report ``report_id``'s light, the
    invitation's client reference), stored next to the check."""
    light = NO_REPORT
    if report_id is not None:
        report = session.get(Report, report_id)
        assert report is not None
        light = str(open_content(sealer, report.id, bytes(report.content_ct))["light"])
    reference = None
    invitation = session.scalars(
        select(Invitation).where(Invitation.request_id == check_id).limit(1)
    ).first()
    if invitation is not None:
        opener = (
            sealer
            if invitation.data_key_id == sealer.data_key_id
            else data_key_sealer(session, vault, invitation.data_key_id)
        )
        reference = opener.open(
            "invitations", "client_ref_ct", invitation.id, bytes(invitation.client_ref_ct)
        ).decode()
    listing = Listing(light, reference)
    sealed = sealer.seal(
        *AT, check_id, orjson.dumps({"light": light, "client_reference": reference})
    )
    session.execute(
        update(table_of(CheckRequest))
        .where(CheckRequest.id == check_id)
        .values(listing_ct=sealed, listing_of=report_id)
    )
    return listing


def _open(sealer: Sealer, check_id: str, sealed: bytes) -> Listing:
    data = orjson.loads(sealer.open(*AT, check_id, sealed))
    return Listing(str(data["light"]), data["client_reference"])


def rows(
    session: Session,
    vault: Vault,
    scope: Scope,
    *,
    shows_light: bool,
    status: str | None,
    light: str | None,
    offset: int,
    limit: int,
) -> list[Row]:
    """Up to ``limit`` checks in reach after the first ``offset``, newest first, each with its
    listing (taken again where stale). ``light`` keeps only the checks whose latest report has
    that light (``none``: no report): the listings are opened in batches, in order, until
    ``offset + limit`` of them matched."""
    stmt = _query(session, scope, status)
    if light is None:
        return [
            _row(session, vault, r, shows_light)[0]
            for r in session.execute(stmt.offset(offset).limit(limit)).all()
        ]
    out: list[Row] = []
    skipped, start, batch = 0, 0, 200
    while len(out) < limit:
        chunk = session.execute(stmt.offset(start).limit(batch)).all()
        for r in chunk:
            row, seen = _row(session, vault, r, shows_light)
            if seen != light:
                continue
            if skipped < offset:
                skipped += 1
                continue
            out.append(row)
            if len(out) == limit:
                break
        if len(chunk) < batch:
            break
        start += batch
    return out


def _row(session: Session, vault: Vault, r: Any, shows_light: bool) -> tuple[Row, str]:
    sealer = vault.sealer(r.data_key_id, r.kek_version, bytes(r.wrapped))
    if r.listing_ct is None or r.listing_of != r.latest:
        listing = take(session, vault, sealer, r.id, r.latest)
    else:
        listing = _open(sealer, r.id, bytes(r.listing_ct))
    return Row(
        id=r.id,
        candidate_id=r.candidate_id,
        client_reference=listing.client_reference,
        title=r.title,
        status=r.status,
        versions=int(r.versions),
        light=listing.light if shows_light else None,
        started=r.scope_fixed_at,
        open_disputes=int(r.open_disputes),
        decided=r.decision is not None,
        flagged=bool(r.flags),
    ), listing.light
