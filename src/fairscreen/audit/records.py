"""Where the outcome audit's records come from: a world file, or the database.

Both loaders give ``AuditRecord``s with the demographics only of candidates who consented,
separately, to the audit using them (``audit_consent``; absent means no): everyone else is
still counted (as ``not_shown``), but nothing about them is opened.

- ``from_world``: screens every candidate in memory (the same pipeline as ``fairscreen
  screen``, nothing written anywhere) and pairs each light with the world's ``decision`` line;
- ``from_database``: every stored check request (optionally one organisation's, as employer or
  agency, and a time window), its latest report's light and rules (sealed: opened with the
  candidate's data key) and the consented demographics (sealed too). Decisions join here when
  the feedback workflow stores them: ``decisions`` maps a check request's id to its outcome and
  date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time
from itertools import islice
from pathlib import Path

import orjson
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from fairscreen.audit.bias import AuditRecord
from fairscreen.candidates.models import Candidate, CandidateDemographics
from fairscreen.organisations.models import Position
from fairscreen.pipeline import Application, screen
from fairscreen.policy.pack import PolicyPack
from fairscreen.rating.engine import RuleSet
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.report import open_content
from fairscreen.vault import Vault
from fairscreen.vault.models import DataKey
from fairscreen.world import model
from fairscreen.world.load import WorldStore, load_world

DecisionLookup = Callable[[Session, list[str]], Mapping[str, tuple[str, date]]]


def _demographics(demo: model.Demographics | None) -> dict[str, object]:
    if demo is None or demo.audit_consent is not True:
        return {}
    return {
        "sex": demo.sex,
        "birth_year": demo.birth_year,
        "ethnicity": demo.ethnicity,
        "region": demo.region,
    }


def from_store(
    store: WorldStore,
    *,
    pack: PolicyPack | None = None,
    ruleset: RuleSet | None = None,
    batch: int = 500,
) -> Iterator[AuditRecord]:
    """Screen every candidate of a loaded world and yield their audit records."""
    from fairscreen.screening.run import prepare

    setup = prepare(store, pack=pack, ruleset=ruleset)
    positions = {p.id: p for p in store.positions()}
    agencies = [o.id for o in store.organisations() if o.kind == "agency"]
    default_agency = agencies[0] if len(agencies) == 1 else None
    at = datetime.combine(setup.as_of, time(), tzinfo=UTC)
    candidates = store.candidates()
    while chunk := list(islice(candidates, batch)):
        ids = [c.id for c in chunk]
        demographics = store.demographics_for(ids)
        decisions = store.decisions_for(ids)
        for cand in chunk:
            position = positions[cand.applies_to]
            agency = cand.consent.agency if cand.consent and cand.consent.agency else default_agency
            done = screen(
                Application(cand, position, agency),
                sources=setup.sources,
                pack=setup.pack,
                ruleset=setup.ruleset,
                as_of=setup.as_of,
                at=at,
            )
            decision = decisions.get(cand.id)
            rating = done.rating
            yield AuditRecord(
                employer=position.employer,
                agency=agency,
                category=position.category,
                light=str(rating.light) if rating else None,
                rules=tuple(r.rule for r in rating.reasons) if rating else (),
                decision=decision.outcome if decision else None,
                at=decision.decided if decision else setup.as_of,
                **_demographics(demographics.get(cand.id)),  # type: ignore[arg-type]
            )


def from_world(
    path: Path, *, pack: PolicyPack | None = None, ruleset: RuleSet | None = None
) -> list[AuditRecord]:
    with load_world(path, pack=pack) as store:
        return list(from_store(store, pack=pack, ruleset=ruleset))


def no_decisions(session: Session, requests: list[str]) -> Mapping[str, tuple[str, date]]:
    """Until the feedback workflow stores decisions, the database has none."""
    return {}


def from_database(
    session: Session,
    vault: Vault,
    *,
    organisation: str | None = None,
    since: date | None = None,
    until: date | None = None,
    decisions: DecisionLookup = no_decisions,
    batch: int = 500,
) -> Iterator[AuditRecord]:
    """The audit records of the stored check requests (one organisation's, as employer or
    agency, if given; issued in ``since`` .. ``until``, inclusive)."""
    latest = (
        select(Report.request_id, func.max(Report.version).label("version"))
        .group_by(Report.request_id)
        .subquery()
    )
    query = (
        select(
            CheckRequest.id,
            CheckRequest.candidate_id,
            CheckRequest.employer_id,
            CheckRequest.agency_id,
            CheckRequest.scope_fixed_at,
            Position.category,
            Report.id,
            Report.issued_at,
            Report.content_ct,
            DataKey.id,
            DataKey.kek_version,
            DataKey.wrapped,
            CandidateDemographics.demographics_ct,
        )
        .join(Position, Position.id == CheckRequest.position_id)
        .join(Candidate, Candidate.id == CheckRequest.candidate_id)
        .join(DataKey, DataKey.id == Candidate.data_key_id)
        .outerjoin(latest, latest.c.request_id == CheckRequest.id)
        .outerjoin(
            Report,
            and_(Report.request_id == CheckRequest.id, Report.version == latest.c.version),
        )
        .outerjoin(
            CandidateDemographics,
            and_(
                CandidateDemographics.candidate_id == CheckRequest.candidate_id,
                CandidateDemographics.audit_consent.is_(True),
            ),
        )
        .order_by(CheckRequest.scope_fixed_at, CheckRequest.id)
    )
    if organisation is not None:
        query = query.where(
            or_(CheckRequest.employer_id == organisation, CheckRequest.agency_id == organisation)
        )
    rows = session.execute(query).all()
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        decided = decisions(session, [r[0] for r in part])
        for (
            request_id,
            candidate_id,
            employer,
            agency,
            fixed_at,
            category,
            report_id,
            issued_at,
            content_ct,
            key_id,
            kek_version,
            wrapped,
            demo_ct,
        ) in part:
            when = (issued_at or fixed_at).date()
            outcome = decided.get(request_id)
            if outcome is not None:
                when = outcome[1]
            if (since is not None and when < since) or (until is not None and when > until):
                continue
            sealer = None
            light, rules = None, ()
            if content_ct is not None or demo_ct is not None:
                sealer = vault.sealer(key_id, kek_version, bytes(wrapped))
            if content_ct is not None and sealer is not None:
                content = open_content(sealer, report_id, bytes(content_ct))
                light = content["light"]
                rules = tuple(r["rule"] for r in content["reasons"])
            demo: dict[str, object] = {}
            if demo_ct is not None and sealer is not None:
                opened = orjson.loads(
                    sealer.open(
                        "candidate_demographics", "demographics_ct", candidate_id, bytes(demo_ct)
                    )
                )
                demo = {
                    "sex": opened.get("sex"),
                    "birth_year": opened.get("birth_year"),
                    "ethnicity": opened.get("ethnicity"),
                    "region": opened.get("region"),
                }
            yield AuditRecord(
                employer=employer,
                agency=agency,
                category=category,
                light=light,
                rules=rules,
                decision=outcome[0] if outcome is not None else None,
                at=when,
                **demo,  # type: ignore[arg-type]
            )
