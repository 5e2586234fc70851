"""Employers' hiring decisions, with bias planted for the audit to find (``--decisions``).

Each candidate's application gets a ``decision`` line (hired or rejected) and their
demographics line gains the self-identified ``region`` of household registration and the
separate ``audit_consent``. A fair employer's decisions depend only on what the screening can
justify: its own offer rate, lowered for a candidate whose planted hard cases the position's
scope reaches and the rule set makes yellow or red. A few employers are planted as biased: one
rejects women, one people aged 35 or over, one people from some regions (household
registration, read off the ID number's division as such employers do) at a higher rate than
their lights justify. The truth sidecar names them (``employer_bias`` lines).

Every draw here comes from streams of its own (``random.Random`` seeded with a string from the
world seed), never from the world's or a candidate's stream: a world generated without
``--decisions`` is byte-identical to one from before this module, and one generated with it
differs only by the new lines and fields.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fairscreen.kit.clock import years_between
from fairscreen.policy.vocabulary import Item
from fairscreen.synth.plan import CATEGORY_WEIGHTS

if TYPE_CHECKING:
    from fairscreen.synth.base import Person, Plan
    from fairscreen.synth.context import Context
    from fairscreen.synth.directory import Opening

# Self-identified regions of household registration: ten invented province-level names, one per
# tenth of the synthetic divisions 9901xx..9999xx (the ID number's third and fourth digits).
REGIONS = ("东江", "西岭", "南湖", "北原", "中川", "海宁", "云岭", "青川", "河西", "山阳")
AUDIT_CONSENT = 0.85  # share of candidates with demographics who consent to the audit's use
REGION_GIVEN = 0.9
BIAS_FACTOR = 0.2  # a biased employer's offer rate for the group it rejects, relative
AGE_LIMIT = 35

# Planted hard cases that the CN rule set makes red or yellow when the position's scope reaches
# their item: what a fair employer may weigh. (Tags that end green never lower the offer rate.)
_RED = {
    "barring_conviction": Item.CRIMINAL_RECORD,
    "licence:missing": Item.PROFESSIONAL_LICENCE,
    "licence:revoked": Item.PROFESSIONAL_LICENCE,
    "driving:no_licence": Item.DRIVING_RECORD,
    "driving:drunk_driving": Item.DRIVING_RECORD,
    "driving:licence_revoked": Item.DRIVING_RECORD,
}
_YELLOW = {
    "identity_missing": Item.IDENTITY,
    "identity_conflict": Item.IDENTITY,
    "claim_mismatch:degree_not_found": Item.EDUCATION,
    "claim_mismatch:degree_inflated": Item.EDUCATION,
    "claim_mismatch:degree_withdrawn": Item.EDUCATION,
    "claim_mismatch:employer_not_found": Item.EMPLOYMENT,
    "licence:expired": Item.PROFESSIONAL_LICENCE,
    "licence:not_found": Item.PROFESSIONAL_LICENCE,
    "licence:suspended": Item.PROFESSIONAL_LICENCE,
    "fitness:missing": Item.HEALTH_FITNESS,
    "fitness:unfit": Item.HEALTH_FITNESS,
    "fitness:expired": Item.HEALTH_FITNESS,
    "corroborated_reference": Item.REFERENCE,
    "recent_conviction": Item.CRIMINAL_RECORD,
    "debtor_active": Item.ENFORCEMENT_LIST,
    "driving:serious_violation": Item.DRIVING_RECORD,
    "driving:licence_suspended": Item.DRIVING_RECORD,
}
_FACTOR = {"red": 0.05, "yellow": 0.45, "none": 1.0}


@dataclass(frozen=True, slots=True)
class Bias:
    """A planted bias: ``employer`` rejects ``against`` (``female``, ``age_35_plus`` or
    ``region``, then with ``regions``) at ``BIAS_FACTOR`` times its usual offer rate."""

    employer: str
    against: str
    regions: tuple[str, ...] = ()

    def truth(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "type": "employer_bias",
            "employer": self.employer,
            "against": self.against,
        }
        if self.regions:
            line["regions"] = list(self.regions)
        return line


@dataclass(frozen=True, slots=True)
class Plant:
    """The world's decision model: each employer's offer rate and the planted biases."""

    offer_rate: dict[str, float]
    biases: dict[str, Bias]


def plant(ctx: Context) -> Plant:
    """Offer rates and planted biases, from the world seed alone. One employer per kind of
    bias, chosen among the employers expecting at least the median number of applicants (an
    employer that sees a handful cannot be judged, by an audit or by anybody else)."""
    rng = random.Random(f"fairscreen-decisions:{ctx.seed}")
    employers = ctx.directory.employers
    rates = {e.id: round(rng.uniform(0.35, 0.7), 3) for e in employers}
    # expected applicants: candidates pick a category by weight, then one of its positions
    expected: dict[str, float] = {}
    for category, openings in ctx.directory.by_category.items():
        for position in openings:
            share = CATEGORY_WEIGHTS.get(category, 1) / len(openings)
            expected[position.employer.id] = expected.get(position.employer.id, 0.0) + share
    ranked = sorted(expected.get(e.id, 0.0) for e in employers)
    median = ranked[len(ranked) // 2]
    eligible = sorted(e.id for e in employers if expected.get(e.id, 0.0) >= median)
    chosen = rng.sample(eligible, min(3, len(eligible)))
    kinds = ("female", "age_35_plus", "region")
    biases: dict[str, Bias] = {}
    for employer, kind in zip(chosen, kinds, strict=False):
        regions = tuple(sorted(rng.sample(REGIONS, 3))) if kind == "region" else ()
        biases[employer] = Bias(employer, kind, regions)
    return Plant(rates, biases)


def region_of(person: Person) -> str | None:
    """The region of household registration an ID number's division says (foreign staff, who
    hold passports, have none)."""
    if person.id_kind != "cn_resident_id":
        return None
    province = int(person.id_number[2:4])
    return REGIONS[(province - 1) * len(REGIONS) // 99]


def extend_demographics(rng: random.Random, line: dict[str, Any], person: Person) -> None:
    """Add the self-identified region and the separate audit consent to a demographics line."""
    region = region_of(person)
    if region is not None and rng.random() < REGION_GIVEN:
        line["region"] = region
    line["audit_consent"] = rng.random() < AUDIT_CONSENT


def _severity(ctx: Context, plan: Plan) -> str:
    scope = ctx.pack.categories[plan.category].items
    if any(item in scope for tag, item in _RED.items() if tag in plan.tags):
        return "red"
    if any(item in scope for tag, item in _YELLOW.items() if tag in plan.tags):
        return "yellow"
    return "none"


def targeted(bias: Bias | None, ctx: Context, person: Person) -> bool:
    if bias is None:
        return False
    if bias.against == "female":
        return person.sex == "female"
    if bias.against == "age_35_plus":
        return years_between(person.birth, ctx.as_of) >= AGE_LIMIT
    return region_of(person) in bias.regions


def decision(
    ctx: Context,
    rng: random.Random,
    plant: Plant,
    plan: Plan,
    person: Person,
    position: Opening,
    cid: str,
) -> tuple[dict[str, Any], bool]:
    """The decision line on candidate ``cid``'s application, and whether a planted bias bore on
    it (the candidate is in the group their employer rejects)."""
    employer = position.employer.id
    bias = plant.biases.get(employer)
    chance = plant.offer_rate[employer] * _FACTOR[_severity(ctx, plan)]
    hit = targeted(bias, ctx, person)
    if hit:
        chance *= BIAS_FACTOR
    line = {
        "type": "decision",
        "id": f"D{cid[1:]}",
        "candidate": cid,
        "outcome": "hired" if rng.random() < chance else "rejected",
        "decided": ctx.as_of + timedelta(days=rng.randint(3, 21)),
    }
    return line, hit
