"""The labour inspector's pages (勞動監管): the ledger's live state, per-organisation counts from
ledger events and the anonymous tallies only (never from personal data), charts of them
(static SVG, matplotlib), and any entry checked with its inclusion proof against the latest
signed checkpoint."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.accounts.policy import Actor
from fairscreen.feedback import service as feedback
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import FairscreenError
from fairscreen.ledger import checkpoints, log, receipts
from fairscreen.organisations.models import Organisation
from fairscreen.web.portal import charts, i18n, oversight
from fairscreen.web.portal.base import LIGHTS, Page, language_of, render, sessions_of

router = APIRouter(include_in_schema=False)
Inspector = Annotated[Actor, Depends(Page("tally.read", kind="staff"))]
COUNTED = (
    "scope.fixed",
    "report.issued",
    "notice.sent",
    "dispute.opened",
    "dispute.resolved",
    "decision.recorded",
    "deletion.requested",
    "data.destroyed",
)
SUPPRESSED = -1  # a tally cell shown as "<5"


@dataclass
class Events:
    """Counts of ledger events: per organisation and type, per month and type, and decisions
    flagged per organisation (the flag is on the entry: the employer's conduct)."""

    by_org: dict[str, Counter[str]] = field(default_factory=dict)
    by_month: dict[str, Counter[str]] = field(default_factory=dict)
    size: int = 0


def ledger_events(session: Session) -> Events:
    """Every entry of the log, counted (entries hold no personal data)."""
    events = Events(size=log.read_state(session).size)
    step = 4096
    for start in range(0, events.size, step):
        for raw in log.read_entries(session, start, min(events.size, start + step)):
            try:
                entry = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue  # not one of fairscreen's events (a log may hold other entries)
            if not isinstance(entry, dict):
                continue
            kind = str(entry.get("type", ""))
            if kind not in COUNTED:
                continue
            attrs = entry.get("attrs") or {}
            org = str(entry.get("org") or attrs.get("employer") or "")
            if kind == "decision.recorded" and attrs.get("flag"):
                kind = "decision.flagged"
            if kind == "dispute.resolved" and attrs.get("by") == "deadline":
                # the agency let the deadline pass: the finding was deleted unanswered
                events.by_org.setdefault(str(entry.get("org") or ""), Counter())[
                    "dispute.expired"
                ] += 1
            events.by_org.setdefault(org, Counter())[kind] += 1
            events.by_month.setdefault(str(entry.get("at", ""))[:7], Counter())[kind] += 1
    return events


def _count(value: str) -> int:
    return SUPPRESSED if value.startswith("<") else int(value)


@router.get("/regulator")
def overview(request: Request, actor: Inspector) -> Response:
    with sessions_of(request)() as session:
        head = log.read_state(session)
        latest = checkpoints.latest(session)
        events = ledger_events(session)
        names = {o.id: o.name for o in session.scalars(select(Organisation))}
        lights = [
            t
            for t in feedback.report_tallies(session, actor, employer=None, month=None)
            if t["rule"] is None
        ]
        decisions = feedback.decision_tallies(session, actor, employer=None, month=None)
        witnesses = oversight.witness_state(session, latest)
        now = utcnow()
        late = oversight.overdue(session, now=now, today=now.date())  # as retention measures
    per_org: dict[str, dict[str, Any]] = {}
    for org, counts in events.by_org.items():
        per_org.setdefault(org, {"name": names.get(org, org), "events": counts})
    for org in (*late.disputes_open_late, *late.retention_late):
        per_org.setdefault(org, {"name": names.get(org, org), "events": Counter()})
    sums: dict[tuple[str, str], list[int]] = {}
    for t in lights:
        per_org.setdefault(
            t["employer_id"],
            {"name": names.get(t["employer_id"], t["employer_id"]), "events": Counter()},
        )
        cell = sums.setdefault((t["employer_id"], t["light"]), [0, 0])
        count = _count(t["count"])
        cell[0 if count != SUPPRESSED else 1] += max(count, 1)
    for org, row in per_org.items():
        row["lights"] = {
            light: _shown(*sums[(org, light)]) for light in LIGHTS if (org, light) in sums
        }
    for org, row in per_org.items():
        row["late_disputes"] = row["events"]["dispute.expired"] + late.disputes_open_late.get(
            org, 0
        )
        row["late_retention"] = late.retention_late.get(org, 0)
    flagged = [d for d in decisions if d["flag"]]
    return render(
        request,
        "regulator/overview.html",
        head=head,
        latest=latest,
        witnesses=witnesses,
        late=late,
        per_org=sorted(per_org.items(), key=lambda kv: kv[1]["name"]),
        flagged=flagged,
    )


def _shown(exact: int, suppressed_cells: int) -> str:
    """A sum of tally cells: exact, or "≥ n" when some cells were suppressed (each counts 1)."""
    return f"≥{exact + suppressed_cells}" if suppressed_cells else str(exact)


@router.get("/regulator/charts/{name}.svg")
def chart(name: str, request: Request, actor: Inspector) -> Response:
    text = i18n.Text(language_of(request))
    with sessions_of(request)() as session:
        if name == "lights":
            rows = [
                t
                for t in feedback.report_tallies(session, actor, employer=None, month=None)
                if t["rule"] is None
            ]
            monthly: dict[str, Counter[str]] = {}
            for t in rows:
                count = _count(t["count"])
                monthly.setdefault(t["month"], Counter())[t["light"]] += max(count, 0)
            svg = charts.lights(monthly, text)
        elif name == "events":
            svg = charts.events(ledger_events(session).by_month, text)
        else:
            from fairscreen.kit.errors import NotFoundError

            raise NotFoundError(f"chart {name}: no such chart")
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/regulator/entry")
def entry_check(request: Request, actor: Inspector, index: int | None = None) -> Response:
    verdict: dict[str, Any] | None = None
    entry: str | None = None
    if index is not None:
        try:
            with sessions_of(request)() as session:
                receipt = receipts.build_receipt(session, index)
            verified = receipts.verify_receipt(receipt, checkpoints.verifier_key())
            verdict = {
                "ok": True,
                "tree_size": verified.tree_size,
                "origin": verified.origin,
                "proof": receipt["inclusion_proof"],
                "leaf": receipt["leaf_hash"],
            }
            if verified.entry is not None:
                entry = json.dumps(orjson.loads(verified.entry), ensure_ascii=False, indent=2)
        except FairscreenError as exc:
            verdict = {"ok": False, "why": str(exc)}
    return render(request, "regulator/entry.html", index=index, verdict=verdict, entry=entry)
