"""Criminal records: convictions (a judgment with the candidate as defendant and the offence on
their certificate), acquittals, criminal-record certificates, and the convictions that bar a
position by law (``BARS``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fairscreen.policy.vocabulary import Item
from fairscreen.synth import orgs
from fairscreen.synth.base import (
    Block,
    Person,
    Plan,
    Weighted,
    add_months,
    days_before,
    years_before,
)
from fairscreen.synth.people import stranger

if TYPE_CHECKING:
    from fairscreen.synth.context import Context

# Convictions that bar a position by law (the planted meaning of ``barring_conviction``):
# category -> (cause classes of the policy pack, or None for any; years since the sentence was
# completed, or None for no limit).
BARS: dict[str, tuple[frozenset[str] | None, int | None]] = {
    # 未成年人保護法 第62條
    "childcare_education": (
        frozenset({"sexual", "child_abuse", "violent", "trafficking", "drug"}),
        None,
    ),
    # 保安服務管理條例 第17條
    "security_guard": (None, None),
    # 公司法 第178條
    "executive_legal_rep": (frozenset({"corruption", "fraud", "property", "economic_order"}), 5),
    # 會計法 第40條 (within the criminal-record lookback)
    "finance_accounting": (frozenset({"corruption", "fraud"}), 5),
    # 道路交通安全法 第91條
    "driver": (frozenset({"traffic"}), 10),
}
OLD_CONVICTION_YEARS = 5  # the pack's default criminal-record lookback

CRIMINAL_CAUSES: dict[str, int] = {
    "dangerous_driving": 25,
    "theft": 20,
    "fraud": 12,
    "intentional_injury": 10,
    "affray": 5,
    "picking_quarrels": 6,
    "gambling": 4,
    "drug_possession": 4,
    "traffic_accident_crime": 3,
    "embezzlement": 3,
    "job_embezzlement": 3,
    "misappropriation": 2,
    "bribery": 1,
    "tax_evasion": 1,
    "illegal_fundraising": 1,
    "robbery": 1,
    "drug_trafficking": 1,
    "sexual_assault": 1,
    "child_abuse": 1,
}
CRIMINAL_CAUSE = Weighted(CRIMINAL_CAUSES)


def criminal(ctx: Context, out: Block, plan: Plan, person: Person) -> None:
    """The planted conviction or acquittal, and the criminal-record certificate (for everyone whose
    position can check it, and 5% of others)."""
    rng = out.rng
    category = plan.category
    offences: list[dict[str, Any]] = []
    if "conviction" in plan.tags or "driving:drunk_driving" in plan.tags:
        offences.append(_conviction(ctx, out, plan, person))
    if "acquitted" in plan.tags:
        court, prefix = orgs.court(rng)
        filed = years_before(ctx.as_of, rng, 0.5, 8)
        out.add(
            {
                "type": "court_case",
                "id": out.rid("CASE"),
                "court": court,
                "case_number": orgs.case_number(rng, prefix, filed.year, "刑初"),
                "kind": "criminal",
                "cause": rng.choice(("fraud", "theft", "intentional_injury")),
                "filed": filed,
                "decided": filed + timedelta(days=rng.randint(60, 300)),
                "outcome": "acquitted",
                "parties": [
                    {"name": court.replace("人民法院", "人民检察院"), "role": "plaintiff"},
                    person.party("defendant"),
                ],
            },
            "acquitted",
        )
    wants_certificate = Item.CRIMINAL_RECORD in ctx.pack.categories[category].items
    if wants_certificate or rng.random() < 0.05:
        cert: dict[str, Any] = {
            "type": "criminal_certificate",
            "id": out.rid("CRC"),
            "subject": person.subject(),
            "issued": days_before(ctx.as_of, rng.randint(3, 80)),
            "result": "record" if offences else "no_record",
        }
        if offences:
            cert["offences"] = offences
        out.add(cert)


def _conviction(ctx: Context, out: Block, plan: Plan, person: Person) -> dict[str, Any]:
    """Plant one conviction (a judgment and the offence for the certificate); tag it."""
    rng = out.rng
    category = plan.category
    classes, within = BARS.get(category, (frozenset(), 0))
    want_bar = "barring_conviction" in plan.tags
    want_old = "old_conviction" in plan.tags and not want_bar
    drunk = "driving:drunk_driving" in plan.tags
    if drunk:
        cause = "dangerous_driving"
    elif want_bar:
        options = [
            c
            for c, cls in ctx.pack.criminal_causes.items()
            if classes is None or cls.cls in classes
        ]
        cause = rng.choice(options)
    else:
        cause = CRIMINAL_CAUSE(rng)
    age_now = (ctx.as_of - person.birth).days / 365.25
    oldest = max(0.3, min(25.0, age_now - 19))
    if want_bar and within is not None:
        years_ago = rng.uniform(0.3, min(within - 0.5, oldest))
    elif want_old:
        years_ago = rng.uniform(min(OLD_CONVICTION_YEARS + 0.5, oldest), oldest)
    elif drunk:
        years_ago = rng.uniform(0.3, min(9.0, oldest))
    elif "recent_conviction" in plan.tags:
        years_ago = rng.uniform(0.3, min(4.5, oldest))
    else:
        years_ago = rng.uniform(0.3, oldest)
    completed = days_before(ctx.as_of, int(years_ago * 365.25))
    months = (
        rng.choice((0, 0, 0, 6, 8, 12, 18, 24, 36))
        if cause != "dangerous_driving"
        else rng.choice((1, 2, 3, 4, 6))
    )
    convicted = add_months(completed, -months) if months else completed
    cls = ctx.pack.criminal_causes[cause].cls
    tags = ["conviction"]
    tags.append("old_conviction" if years_ago > OLD_CONVICTION_YEARS else "recent_conviction")
    bar_classes, bar_within = BARS.get(category, (frozenset(), 0))
    if (
        category in BARS
        and (bar_classes is None or cls in bar_classes)
        and (bar_within is None or years_ago <= bar_within)
    ):
        tags.append("barring_conviction")
    court, prefix = orgs.court(rng)
    filed = add_months(convicted, -rng.randint(2, 6))
    parties = [
        {"name": court.replace("人民法院", "人民检察院"), "role": "plaintiff"},
        person.party("defendant"),
    ]
    if rng.random() < 0.2:
        parties.append(stranger(ctx, rng).party("defendant"))
    case: dict[str, Any] = {
        "type": "court_case",
        "id": out.rid("CASE"),
        "court": court,
        "case_number": orgs.case_number(rng, prefix, filed.year, "刑初"),
        "kind": "criminal",
        "cause": cause,
        "filed": filed,
        "decided": convicted,
        "outcome": "convicted",
        "sentence_completed": completed,
        "parties": parties,
    }
    out.add(case, *tags)
    if cause == "dangerous_driving":
        plan.drunk_on = convicted
    return {"cause": cause, "convicted": convicted, "sentence_completed": completed}
