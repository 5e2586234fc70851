"""Public-security records (format 1.1): administrative penalties and measures in the police
register (警告, 罰款, 行政拘留, 強制隔離戒毒, the abolished 收容教育 and 勞動教養), and a
procuratorate's decisions not to prosecute. Drawn from the candidate's second stream.

The register holds them whatever position the candidate applies for; only the categories whose
regulation provides for the query (work with minors, security guards, passenger drivers) ask.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fairscreen.synth import orgs
from fairscreen.synth.base import Block, Person, Plan, Weighted, years_before

if TYPE_CHECKING:
    from fairscreen.synth.context import Context

# Conducts of ordinary penalties: none of them is an act 未成年人保護法 第62條 lists, nor drug use.
ORDINARY_CONDUCTS = Weighted(
    {
        "gambling": 25,
        "affray": 20,
        "theft": 20,
        "disturbing_order": 15,
        "fraud": 10,
        "prostitution": 10,
    }
)
PENALTIES = Weighted({"warning": 20, "administrative_fine": 45, "detention": 35})
MINORS_CONDUCTS = ("indecency", "maltreatment", "assault")
PROSECUTION_CAUSES = ("theft", "fraud", "intentional_injury", "affray", "traffic_accident_crime")
GROUNDS = Weighted(
    {"discretionary": 50, "insufficient_evidence": 30, "statutory": 15, "conditional": 5}
)
ABOLISHED = {  # measure -> the last day it could have been imposed
    "reeducation_through_labour": date(2013, 12, 27),
    "custody_education": date(2019, 12, 28),
}


def _authority(rng: random.Random) -> str:
    city, _ = orgs.city(rng)
    return f"{city}市公安局{rng.choice(orgs.DISTRICTS)}分局"


def _penalty(
    ctx: Context,
    out: Block,
    person: Person,
    *,
    conduct: str,
    penalty: str,
    decided: date,
    days: int | None,
    tags: tuple[str, ...],
) -> None:
    rng = out.extra
    record: dict[str, Any] = {
        "type": "administrative_penalty",
        "id": out.rid("PSB"),
        "subject": person.subject(),
        "authority": _authority(rng),
        "decision_number": f"公(治)行罚决字〔{decided.year}〕{rng.randint(100, 99999)}号",
        "conduct": conduct,
        "penalty": penalty,
    }
    if days is not None:
        record["days"] = days
    record["decided"] = decided
    if days is not None:
        end = decided + timedelta(days=days)
        if end <= ctx.as_of:
            record["ended"] = end
    out.add(record, *tags)


def _earliest(ctx: Context, person: Person) -> float:
    """How many years back the candidate was 18."""
    return max(0.5, (ctx.as_of - person.birth).days / 365.25 - 18.2)


def public_security(ctx: Context, out: Block, plan: Plan, person: Person) -> None:
    rng = out.extra
    span = _earliest(ctx, person)
    if "admin_penalty" in plan.tags:
        for _ in range(rng.choice((1, 1, 2))):
            penalty = PENALTIES(rng)
            _penalty(
                ctx,
                out,
                person,
                conduct=ORDINARY_CONDUCTS(rng),
                penalty=penalty,
                decided=years_before(ctx.as_of, rng, 0.3, min(9.0, span)),
                days=rng.randint(3, 10) if penalty == "detention" else None,
                tags=("admin_penalty",),
            )
    for tag, count in (("admin_detentions:3", 3), ("admin_detentions:2", 2)):
        if tag in plan.tags:
            # 保安服務管理條例 第17條: three or more detentions bar a guard, two do not
            for _ in range(count):
                _penalty(
                    ctx,
                    out,
                    person,
                    conduct=ORDINARY_CONDUCTS(rng),
                    penalty="detention",
                    decided=years_before(ctx.as_of, rng, 0.5, min(14.0, span)),
                    days=rng.randint(3, 15),
                    tags=("admin_detentions", tag),
                )
    if "admin_custody" in plan.tags:
        decided = years_before(ctx.as_of, rng, 2.0, min(16.0, span))
        measure = "compulsory_isolation_rehab"
        for name, last in ABOLISHED.items():
            if decided <= last and rng.random() < 0.5:
                measure = name
        _penalty(
            ctx,
            out,
            person,
            conduct="drug_use" if measure != "reeducation_through_labour" else "theft",
            penalty=measure,
            decided=decided,
            days=730 if measure == "compulsory_isolation_rehab" else 365,
            tags=("admin_custody",),
        )
    if "admin_minors_offence" in plan.tags:
        _penalty(
            ctx,
            out,
            person,
            conduct=rng.choice(MINORS_CONDUCTS),
            penalty="detention",
            decided=years_before(ctx.as_of, rng, 0.5, min(12.0, span)),
            days=rng.randint(5, 15),
            tags=("admin_minors_offence",),
        )
    if "admin_drug_use" in plan.tags:
        _penalty(
            ctx,
            out,
            person,
            conduct="drug_use",
            penalty="detention",
            decided=years_before(ctx.as_of, rng, 0.5, min(12.0, span)),
            days=rng.randint(10, 15),
            tags=("admin_drug_use",),
        )
    if "not_prosecuted" in plan.tags:
        city, _ = orgs.city(rng)
        decided = years_before(ctx.as_of, rng, 0.3, min(8.0, span))
        out.add(
            {
                "type": "prosecution_decision",
                "id": out.rid("PRO"),
                "subject": person.subject(),
                "procuratorate": f"{city}市{rng.choice(orgs.DISTRICTS)}区人民检察院",
                "decision_number": f"检刑不诉〔{decided.year}〕{rng.randint(10, 999)}号",
                "cause": rng.choice(PROSECUTION_CAUSES),
                "decided": decided,
                "ground": GROUNDS(rng),
            },
            "not_prosecuted",
        )
