"""Labour arbitration (format 1.1): the candidate's claims against a former employer (as
applicant: never collected) and a former employer's claims against the candidate (as respondent:
non-compete, trade secrets, a training bond). Drawn from the candidate's second stream."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fairscreen.synth import orgs
from fairscreen.synth.base import Block, Person, Plan, years_before
from fairscreen.synth.careers import Job

if TYPE_CHECKING:
    from fairscreen.synth.context import Context

APPLICANT_CAUSES = ("unpaid_wages", "unlawful_termination", "overtime_pay", "social_insurance")
RESPONDENT_CAUSES = ("non_compete", "trade_secrets", "training_bond")


def _commission(rng: random.Random) -> str:
    city, _ = orgs.city(rng)
    return f"{city}市劳动人事争议仲裁委员会"


def _case(
    ctx: Context,
    out: Block,
    *,
    cause: str,
    parties: list[dict[str, Any]],
    outcome: str,
    years: tuple[float, float],
    tag: str,
) -> None:
    rng = out.extra
    filed = years_before(ctx.as_of, rng, *years)
    record: dict[str, Any] = {
        "type": "labour_arbitration",
        "id": out.rid("ARB"),
        "commission": _commission(rng),
        "case_number": f"劳人仲案字〔{filed.year}〕第{rng.randint(10, 9999)}号",
        "cause": cause,
        "filed": filed,
    }
    decided = filed + timedelta(days=rng.randint(30, 60))
    if outcome != "pending" and decided <= ctx.as_of:
        record["decided"] = decided
    record["outcome"] = outcome if decided <= ctx.as_of else "pending"
    record["parties"] = parties
    out.add(record, tag)


def arbitration(ctx: Context, out: Block, plan: Plan, person: Person, jobs: list[Job]) -> None:
    rng = out.extra
    employers = [j.employer for j in jobs] or [orgs.company(rng, "tech").name]
    me = {k: v for k, v in person.party("applicant").items() if k != "birth_date"}
    if "arbitration_applicant" in plan.tags:
        # the candidate claims against an employer: a right, never collected (like Zhang's suit)
        _case(
            ctx,
            out,
            cause=rng.choice(APPLICANT_CAUSES),
            parties=[me, {"name": rng.choice(employers), "role": "respondent"}],
            outcome=rng.choice(("award_for_applicant", "partial_award", "mediated")),
            years=(0.3, 6),
            tag="arbitration_applicant",
        )
    if "arbitration_respondent" in plan.tags:
        # the forced case is a restrictive covenant, the claim an executive's rule reads
        forced = plan.forced == "arbitration_respondent"
        _case(
            ctx,
            out,
            cause=rng.choice(RESPONDENT_CAUSES[:2] if forced else RESPONDENT_CAUSES),
            parties=[
                {"name": rng.choice(employers), "role": "applicant"},
                {**me, "role": "respondent"},
            ],
            outcome=rng.choice(("award_for_applicant", "award_for_applicant", "partial_award")),
            years=(0.4, 2.6),
            tag="arbitration_respondent",
        )
