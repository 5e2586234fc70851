"""Publishing a bias audit: its digest and key figures go on the ledger (``audit.published``),
committed to by a ``bias_audits`` row, in one transaction.

The row and the entry hold aggregates only: what the audit covered (``scope``: the source, the
organisation and the window, never a person), how many records, the SHA-256 of the report's
JSON document and its key figures (counts of tables and flags, the scopes flagged, the lowest
impact ratio per outcome over groups above the suppression threshold). Anyone holding the
report can recompute its digest and find it on the public ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.audit.models import BiasAudit
from fairscreen.audit.output import Report
from fairscreen.kit.ids import new_id
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record


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


def published(session: Session, *, limit: int = 100) -> list[dict[str, Any]]:
    """The bias audits published in this database, newest first."""
    rows = session.scalars(
        select(BiasAudit).order_by(BiasAudit.created_at.desc(), BiasAudit.id).limit(limit)
    )
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
