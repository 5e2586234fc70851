"""Where the outcome audit's records come from: a world file, or the database.

Both loaders give ``AuditRecord``s with the demographics only of candidates who consented,
separately, to the audit using them (``audit_consent``; absent means no): everyone else is
still counted (as ``not_shown``), but nothing about them is opened.

- ``from_world``: screens every candidate in memory (the same pipeline as ``fairscreen
  screen``, nothing written anywhere) and pairs each light with the world's ``decision`` line;
- ``from_database``: every stored check request (optionally one organisation's, as employer or
  agency, and a time window), its latest report's light and rules (sealed: opened with the
  candidate's data key) and the consented demographics (sealed too), with the employer's
  decision where the feedback workflow recorded one (``feedback.models.Decision``: outcome
  ``hire`` or ``not_hire``, sealed under the candidate's data key like the report).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from fairscreen.audit.bias import AuditRecord
from fairscreen.candidates.models import Candidate, CandidateDemographics
from fairscreen.feedback.models import Decision
from fairscreen.feedback.rules import HIRE, NOT_HIRE
from fairscreen.organisations.models import Organisation, Position
from fairscreen.policy.pack import PolicyPack
from fairscreen.rating.engine import RuleSet
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.report import open_content
from fairscreen.screening.run import prepare
from fairscreen.vault import Vault
from fairscreen.vault.models import DataKey
from fairscreen.world import model
from fairscreen.world.load import WorldStore, load_world

DECISION_OUTCOMES = {HIRE: "hired", NOT_HIRE: "rejected"}


def _demographics(demo: model.Demographics | None) -> dict[str, Any]:
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
    from fairscreen.audit.rescreen import screen_store

    setup = prepare(store, pack=pack, ruleset=ruleset)
    screenings = screen_store(store, setup=setup)
    while chunk := list(islice(screenings, batch)):
        ids = [s.application.candidate.id for s in chunk]
        demographics = store.demographics_for(ids)
        decisions = store.decisions_for(ids)
        for done in chunk:
            cid = done.application.candidate.id
            position = done.application.position
            decision = decisions.get(cid)
            rating = done.rating
            yield AuditRecord(
                employer=position.employer,
                agency=done.application.agency,
                category=position.category,
                light=str(rating.light) if rating else None,
                rules=tuple(r.rule for r in rating.reasons) if rating else (),
                decision=decision.outcome if decision else None,
                at=decision.decided if decision else setup.as_of,
                **_demographics(demographics.get(cid)),
            )


def from_world(
    path: Path, *, pack: PolicyPack | None = None, ruleset: RuleSet | None = None
) -> list[AuditRecord]:
    with load_world(path, pack=pack) as store:
        return list(from_store(store, pack=pack, ruleset=ruleset))


def from_database(
    session: Session,
    vault: Vault,
    *,
    organisation: str | None = None,
    since: date | None = None,
    until: date | None = None,
    batch: int = 500,
) -> Iterator[AuditRecord]:
    """The audit records of the stored check requests, with the employer's decision where one
    is recorded: one organisation's, as employer or agency, if given (by its id or its own
    reference; organisations are named by their own reference, as in the world file), dated in
    ``since`` .. ``until`` inclusive (the decision's date, else the report's, else when the
    scope was fixed)."""
    latest = (
        select(Report.request_id, func.max(Report.version).label("version"))
        .group_by(Report.request_id)
        .subquery()
    )
    employer, agency = aliased(Organisation), aliased(Organisation)
    columns: list[Any] = [
        CheckRequest.id,
        CheckRequest.candidate_id,
        employer.external_ref,
        agency.external_ref,
        CheckRequest.scope_fixed_at,
        Position.category,
        Report.id,
        Report.issued_at,
        Report.content_ct,
        DataKey.id,
        DataKey.kek_version,
        DataKey.wrapped,
        CandidateDemographics.demographics_ct,
        Decision.id,
        Decision.decided_at,
        Decision.content_ct,
    ]
    query = (
        select(*columns)
        .join(Position, Position.id == CheckRequest.position_id)
        .join(employer, employer.id == CheckRequest.employer_id)
        .outerjoin(agency, agency.id == CheckRequest.agency_id)
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
        .outerjoin(Decision, Decision.request_id == CheckRequest.id)
        .order_by(CheckRequest.scope_fixed_at, CheckRequest.id)
    )
    if organisation is not None:
        query = query.where(
            or_(
                employer.id == organisation,
                employer.external_ref == organisation,
                agency.id == organisation,
                agency.external_ref == organisation,
            )
        )
    result = session.execute(query.execution_options(yield_per=batch))
    for part in result.partitions():
        for row in part:
            found = _record(vault, tuple(row), since, until)
            if found is not None:
                yield found


def _record(
    vault: Vault, row: tuple[Any, ...], since: date | None, until: date | None
) -> AuditRecord | None:
    (
        _request_id,
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
        decision_id,
        decided_at,
        decision_ct,
    ) = row
    when: date = (decided_at or issued_at or fixed_at).date()
    if (since is not None and when < since) or (until is not None and when > until):
        return None
    sealer = None
    if content_ct is not None or demo_ct is not None or decision_ct is not None:
        sealer = vault.sealer(key_id, kek_version, bytes(wrapped))
    light, rules = None, ()
    if content_ct is not None and sealer is not None:
        content = open_content(sealer, report_id, bytes(content_ct))
        light = content["light"]
        rules = tuple(r["rule"] for r in content["reasons"])
    outcome = None
    if decision_ct is not None and sealer is not None:
        opened = orjson.loads(
            sealer.open("decisions", "content_ct", decision_id, bytes(decision_ct))
        )
        outcome = DECISION_OUTCOMES.get(opened.get("outcome"))
    demo: dict[str, Any] = {}
    if demo_ct is not None and sealer is not None:
        opened = orjson.loads(
            sealer.open("candidate_demographics", "demographics_ct", candidate_id, bytes(demo_ct))
        )
        demo = {k: opened.get(k) for k in ("sex", "birth_year", "ethnicity", "region")}
    return AuditRecord(
        employer=employer,
        agency=agency,
        category=category,
        light=light,
        rules=rules,
        decision=outcome,
        at=when,
        **demo,
    )
