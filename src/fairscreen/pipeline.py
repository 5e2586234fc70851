"""The screening pipeline, top to bottom: one candidate, one position, one report.

    1 consent   籤署授權  may the check go ahead at all?             fairscreen.consent
    2 scope     確定範圍  which items, which lookbacks (fixed first)  fairscreen.scope
    3 sources   多源驗證  ask only the sources of in-scope items      fairscreen.sources
      verify              strong identity keys, corroboration, provenance, lookback
      rating              a declared rule set turns what is left into a light
    4 feedback  結果反饋  the candidate sees the report before any decision (fairscreen.feedback)
    5 vault     加密存檔  personal data sealed at rest          (fairscreen.screening.service)
    6 retention 到期銷毀  destroyed on schedule or on request        (fairscreen.retention)

This module is plain functions over typed records: no database, no web. ``screen`` returns a
``Screening``, everything that happened, which ``fairscreen.screening.service`` stores (with its
ledger entries, in one transaction) and ``Screening.result`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fairscreen.consent.rules import ConsentCheck, check_consent
from fairscreen.kit.errors import ConsentError
from fairscreen.policy.pack import PolicyPack
from fairscreen.policy.vocabulary import ExclusionReason, Item, SourceKind
from fairscreen.rating.engine import RatableFinding, Rating, RatingInput, RuleSet
from fairscreen.scope.rules import Scope, fix_scope
from fairscreen.sources.base import SourceRecord, SourceSet, Subject
from fairscreen.verify.checks import Context, verify
from fairscreen.verify.findings import Finding
from fairscreen.world import model


@dataclass(frozen=True, slots=True)
class Application:
    """A candidate applying for a position, screened by an agency (if any)."""

    candidate: model.CandidateRecord
    position: model.PositionRecord
    agency: str | None


@dataclass(frozen=True, slots=True)
class Query:
    """One question asked of one source: the item, the source, how many records came back."""

    item: Item
    source: SourceKind
    records: int


@dataclass(slots=True)
class Screening:
    application: Application
    at: datetime
    as_of: date
    consent: ConsentCheck
    scope: Scope
    queries: list[Query] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rating: Rating | None = None
    _result: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def stopped(self) -> bool:
        return self.consent.stop is not None

    def result(self) -> dict[str, Any]:
        """The stable, documented result (``docs/screen-output.md``): one JSON object, built once
        the screening is complete (and then cached: callers must not change it)."""
        if self._result is None:
            self._result = self._build_result()
        return self._result

    def _build_result(self) -> dict[str, Any]:
        return {
            "candidate": self.application.candidate.id,
            "position": self.application.position.id,
            "status": "stopped" if self.stopped else "reported",
            **outcome_json(self.rating, self.findings, self.scope),
        }


def outcome_json(rating: Rating | None, findings: list[Finding], scope: Scope) -> dict[str, Any]:
    """The light, its reasons, what was excluded and what was not checked: the part of a result
    that a report seals (``fairscreen.screening.report``)."""
    return {
        "light": str(rating.light) if rating else None,
        "reasons": [
            {
                "code": r.code,
                "rule": r.rule,
                "legal_basis": r.legal_basis,
                "light": str(r.light),
                "findings": list(r.findings),
            }
            for r in (rating.reasons if rating else ())
        ],
        "excluded": [{"finding": f.ref, "why": str(f.exclusion)} for f in findings if f.exclusion],
        "not_checked": scope.not_checked_json(),
        "policy": scope.policy,
        "ruleset": rating.ruleset if rating else None,
    }


class ScopedSources:
    """The only door to the sources during a screening: it refuses any item outside the scope,
    so a bug elsewhere cannot query what the candidate did not consent to."""

    def __init__(self, sources: SourceSet, scope: Scope) -> None:
        self._sources = sources
        self._scope = scope

    def query(self, kind: SourceKind, subject: Subject, item: Item) -> list[SourceRecord]:
        if item not in self._scope.items:
            raise ConsentError(f"refused: {item} is not in the scope of this check")
        return list(self._sources.for_kind(kind).query(subject, item))


def open_check(app: Application, *, pack: PolicyPack, as_of: date, at: datetime) -> Screening:
    """Steps 1 and 2: the consent and the scope, fixed before any query. A stopped check (no
    valid consent) ends here; otherwise the sources of ``screening.scope.items`` are asked next,
    in this process (``screen``) or as jobs (``fairscreen.jobs``)."""
    candidate = app.candidate

    # 1. consent: without a valid consent nothing is queried.
    consent = check_consent(
        candidate.consent, pack=pack, employer=app.position.employer, agency=app.agency, at=at
    )

    # 2. scope: fixed (and later stored) before any query.
    scope = fix_scope(pack, app.position.category, candidate.consent, consent.stop)
    return Screening(app, at, as_of, consent, scope)


def subject_of(candidate: model.CandidateRecord) -> Subject:
    """What the sources are asked about: the candidate's strong keys."""
    return Subject(candidate.id, candidate.name, candidate.id_document.number, candidate.birth_date)


def conclude(
    ctx: Context, results: dict[Item, list[SourceRecord]], ruleset: RuleSet
) -> tuple[list[Finding], Rating]:
    """Verification and rating of what the sources answered for the scope's items: the findings
    (with what was excluded and why) and the light."""
    # verify: identity on strong keys, corroboration, legal limits, lookback, provenance.
    findings = verify(ctx, results)

    # rating: the declared rule set over verified findings; what no rule covers is not relevant.
    # A finding beyond the lookback reaches only the statutory bars (rules with ``bar = true``);
    # if none applies it is excluded as outside the lookback, not as irrelevant.
    as_of = ctx.as_of
    ratable = tuple(
        RatableFinding(
            f.ref,
            f.item,
            f.code,
            f.subtype,
            (as_of - f.occurred_on).days if f.occurred_on else None,
            f.ongoing,
            f.count,
            f.culpability,
            f.penalty,
            f.probation,
            f.outside_lookback,
        )
        for f in findings
        if f.exclusion is None and f.code is not None
    )
    rating = ruleset.rate(RatingInput(ctx.category.name, ratable))
    irrelevant = set(rating.not_relevant)
    for finding in findings:
        if finding.ref in irrelevant:
            finding.exclude(
                ExclusionReason.OUTSIDE_LOOKBACK
                if finding.outside_lookback
                else ExclusionReason.NOT_JOB_RELEVANT,
                keep_detail=False,
            )
    return findings, rating


def screen(
    app: Application,
    *,
    sources: SourceSet,
    pack: PolicyPack,
    ruleset: RuleSet,
    as_of: date,
    at: datetime,
) -> Screening:
    """Screen one application under ``pack`` and ``ruleset`` as of ``as_of``, in one pass."""
    screening = open_check(app, pack=pack, as_of=as_of, at=at)
    if screening.stopped:
        return screening
    scope = screening.scope

    # 3. sources: only the sources of in-scope items, through the scoped door.
    subject = subject_of(app.candidate)
    door = ScopedSources(sources, scope)
    results: dict[Item, list[SourceRecord]] = {}
    for item in scope.items:
        records: list[SourceRecord] = []
        for kind in pack.items[item].sources:
            got = door.query(kind, subject, item)
            screening.queries.append(Query(item, kind, len(got)))
            records.extend(got)
        results[item] = records

    ctx = Context(subject, app.candidate.claims, pack.category(app.position.category), pack, as_of)
    screening.findings, screening.rating = conclude(ctx, results, ruleset)
    return screening
