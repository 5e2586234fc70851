"""Publishing a bias audit: its digest and key figures go on the ledger (``audit.published``),
committed to by a ``bias_audits`` row, in one transaction.

The row and the entry hold aggregates only: what the audit covered (``scope``: the source, the
organisation and the window, never a person), how many records, the SHA-256 of the report's
JSON document and its key figures (counts of tables and flags, the scopes flagged, the lowest
impact ratio per outcome over groups above the suppression threshold). Anyone holding the
report can recompute its digest and find it on the public ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from fairscreen.audit import bias, output
from fairscreen.audit.models import BiasAudit
from fairscreen.audit.output import Report
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.errors import ConflictError, NotFoundError
from fairscreen.kit.ids import new_id
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record


def scope_of(
    source: str, organisation: str | None, since: date | None, until: date | None
) -> dict[str, Any]:
    """What an audit covered, as its document and the ledger say it."""
    scope: dict[str, Any] = {"source": source}
    if organisation:
        scope["organisation"] = organisation
    if since:
        scope["since"] = since.isoformat()
    if until:
        scope["until"] = until.isoformat()
    return scope


def audit(
    found: Iterable[bias.AuditRecord], *, scope: Mapping[str, Any], now: datetime
) -> tuple[Report, list[bias.Flag]]:
    """The bias audit of ``found``: its report (tables, flags, key figures, digest) and flags,
    as ``fairscreen audit bias`` and ``POST /api/v1/audit/bias`` make it."""
    result = bias.run(bias.Columns.from_records(list(found)))
    flagged = bias.flags(result)
    return output.build(result, flagged, scope=scope, created_at=now), list(flagged)


def publish(session: Session, report: Report, *, now: datetime) -> tuple[str, int]:
    """Record ``report`` in ``session``'s transaction; return the row's id and the ledger
    index of its ``audit.published`` entry."""
    figures = report.figures
    row: dict[str, Any] = {
        "id": new_id(),
        "scope": dict(report.document["scope"]),
        "records": int(figures["records"]),
        "digest": report.digest,
        "figures": figures,
        "created_at": now,
        # in the document's own key order (the CSV and HTML join a group's values in it); its
        # canonical form, whose SHA-256 is the digest, is computed again when it is read
        "document": orjson.dumps(report.document).decode("utf-8"),
    }
    organisation = report.document["scope"].get("organisation")
    index = record(
        session,
        EventType.AUDIT_PUBLISHED,
        BiasAudit,
        row,
        at=now,
        org=organisation,
        attrs={
            "digest": report.digest,
            "records": int(figures["records"]),
            "flags": int(figures["flags"]),
            # e.g. "decision:0.4123": the lowest impact ratio per outcome, over everyone
            "lowest": [f"{k}:{v}" for k, v in figures["lowest_impact_ratio"].items()],
        },
    )
    return row["id"], index


def published(
    session: Session, *, limit: int = 100, organisations: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """The bias audits published in this database, newest first (with ``organisations``: only
    those scoped to one of them)."""
    rows = [
        row
        for row in session.scalars(
            select(BiasAudit)
            .options(defer(BiasAudit.document))  # listed, not read
            .order_by(BiasAudit.created_at.desc(), BiasAudit.id)
        )
        if organisations is None or row.scope.get("organisation") in organisations
    ][:limit]
    return [
        {
            "id": row.id,
            "created_at": row.created_at.isoformat(),
            "scope": row.scope,
            "records": row.records,
            "digest": row.digest,
            "figures": row.figures,
            "ledger_index": row.ledger_index,
        }
        for row in rows
    ]


def published_report(
    session: Session, audit_id: str, *, organisations: Collection[str] | None = None
) -> tuple[BiasAudit, Report]:
    """A published audit and its report, rebuilt from the document it kept (its digest checked
    again). With ``organisations`` (an organisation's own names: id and reference), only an
    audit scoped to one of them; anything else is not found, as if it did not exist."""
    row = session.get(BiasAudit, audit_id)
    if row is None or (
        organisations is not None and row.scope.get("organisation") not in organisations
    ):
        raise NotFoundError(f"bias audit {audit_id}: no such audit")
    if row.document is None:
        raise NotFoundError(
            f"bias audit {audit_id}: published before reports were kept; its digest and key "
            f"figures are on the ledger at #{row.ledger_index}"
        )
    report = Report(orjson.loads(row.document), row.digest)
    if hashlib.sha256(canonical_json(report.document)).hexdigest() != row.digest:
        raise ConflictError(f"bias audit {audit_id}: the kept document does not match its digest")
    return row, report
