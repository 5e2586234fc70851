"""Courts: the court cases the candidate is a party to, with ID number (civil defendant,
plaintiff, one of many defendants, forbidden causes, administrative cases), and the one writer of
a court case that every family uses.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from fairscreen.synth import orgs
from fairscreen.synth.base import Block, Person, Plan, Weighted, years_before
from fairscreen.synth.people import stranger

if TYPE_CHECKING:
    from fairscreen.synth.context import Context

CIVIL_DEFENDANT_CAUSES: dict[str, int] = {
    "loan_dispute": 30,
    "tenancy": 15,
    "traffic_accident_liability": 12,
    "sales_contract": 10,
    "service_contract": 10,
    "tort": 8,
    "labour_dispute": 6,
    "company_dispute": 5,
    "shareholder_dispute": 4,
}
FORBIDDEN_CAUSES: dict[str, int] = {
    "divorce": 40,
    "inheritance": 25,
    "marriage_property": 10,
    "child_support": 10,
    "medical_malpractice_as_patient": 7,
    "engagement_gift": 5,
    "paternity": 3,
}
ADMINISTRATIVE_CAUSES = (
    "work_injury_recognition",
    "administrative_penalty",
    "information_disclosure",
    "land_requisition_compensation",
)
CIVIL_CAUSE = Weighted(CIVIL_DEFENDANT_CAUSES)
FORBIDDEN_CAUSE = Weighted(FORBIDDEN_CAUSES)


def court_case(
    ctx: Context,
    out: Block,
    *,
    kind: str,
    cause: str,
    parties: list[dict[str, Any]],
    years: tuple[float, float],
    outcome: str | None = None,
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    """Write a court case filed ``years`` (low, high) ago; the outcome drawn unless given."""
    rng = out.rng
    court, prefix = orgs.court(rng)
    filed = years_before(ctx.as_of, rng, *years)
    age_days = (ctx.as_of - filed).days
    if outcome is None:
        outcome = rng.choices(
            (
                "judgment_for_plaintiff",
                "settled",
                "withdrawn",
                "judgment_for_defendant",
                "dismissed",
            ),
            (50, 25, 10, 10, 5),
        )[0]
        if age_days < 200 and rng.random() < 0.5:
            outcome = "pending"
    record: dict[str, Any] = {
        "type": "court_case",
        "id": out.rid("CASE"),
        "court": court,
        "case_number": orgs.case_number(
            rng,
            prefix,
            filed.year,
            {"civil": "民初", "administrative": "行初", "criminal": "刑初"}[kind],
        ),
        "kind": kind,
        "cause": cause,
        "filed": filed,
    }
    if outcome != "pending":
        record["decided"] = date.fromordinal(
            min(ctx.as_of.toordinal(), filed.toordinal() + rng.randint(40, 400))
        )
    record["outcome"] = outcome
    record["parties"] = parties
    out.add(record, *tags)
    return record


def company_party(rng: random.Random, industry: str, role: str) -> dict[str, Any]:
    """A fictional company of ``industry`` as a party."""
    return {"name": orgs.company(rng, industry).name, "role": role}


def courts(ctx: Context, out: Block, plan: Plan, person: Person) -> None:
    """The candidate's own cases: as civil defendant, as plaintiff (the Zhang case), among many
    defendants (the Luo case), in a cause the pack forbids, against a government body."""
    rng = out.rng
    if "civil_defendant" in plan.tags:
        plaintiff = (
            stranger(ctx, rng).party("plaintiff")
            if rng.random() < 0.6
            else company_party(rng, rng.choice(("finance", "retail", "property")), "plaintiff")
        )
        court_case(
            ctx,
            out,
            kind="civil",
            cause=CIVIL_CAUSE(rng),
            parties=[plaintiff, person.party("defendant")],
            years=(0.1, 8),
            tags=("civil_defendant",),
        )
    if "plaintiff" in plan.tags:
        # the Zhang case: suing to recover money he was cheated of
        if rng.random() < 0.7:
            defendant = stranger(ctx, rng).party("defendant")
        else:
            defendant = company_party(rng, rng.choice(("finance", "retail", "tech")), "defendant")
        cause = rng.choice(("loan_dispute", "tort", "service_contract", "sales_contract"))
        court_case(
            ctx,
            out,
            kind="civil",
            cause=cause,
            parties=[person.party("plaintiff"), defendant],
            years=(0.3, 5),
            outcome=rng.choice(("judgment_for_plaintiff", "judgment_for_plaintiff", "settled")),
            tags=("plaintiff",),
        )
    if "multi_defendant" in plan.tags:
        # the Luo case: a property-management company sues dozens of owners for fees
        owners = [stranger(ctx, rng).party("defendant") for _ in range(rng.randint(12, 60))]
        owners.insert(rng.randint(0, len(owners)), person.party("defendant"))
        parties = [company_party(rng, "property", "plaintiff"), *owners]
        court_case(
            ctx,
            out,
            kind="civil",
            cause="property_management_fee",
            parties=parties,
            years=(1.5, 11),
            outcome=rng.choice(("judgment_for_plaintiff", "settled")),
            tags=("multi_defendant",),
        )
    if "forbidden_cause" in plan.tags:
        cause = FORBIDDEN_CAUSE(rng)
        me_first = rng.random() < 0.5
        if cause == "medical_malpractice_as_patient":
            parties = [
                person.party("plaintiff"),
                company_party(rng, "healthcare", "defendant"),
            ]
        elif cause == "inheritance":
            sibling = stranger(
                ctx, rng, surname=person.name.registered[0] if person.name.script != "en" else None
            )
            parties = [sibling.party("plaintiff"), person.party("defendant")]
            if me_first:
                parties = [person.party("plaintiff"), sibling.party("defendant")]
        else:
            other = stranger(ctx, rng, sex="male" if person.sex == "female" else "female")
            roles = ("plaintiff", "defendant") if me_first else ("defendant", "plaintiff")
            parties = [person.party(roles[0]), other.party(roles[1])]
        court_case(
            ctx,
            out,
            kind="civil",
            cause=cause,
            parties=parties,
            years=(0.2, 8),
            tags=("forbidden_cause", f"forbidden_cause:{cause}"),
        )
    if "administrative_case" in plan.tags:
        parties = [
            person.party("plaintiff"),
            {"name": orgs.government_body(rng), "role": "defendant"},
        ]
        court_case(
            ctx,
            out,
            kind="administrative",
            cause=rng.choice(ADMINISTRATIVE_CAUSES),
            parties=parties,
            years=(0.3, 6),
            tags=("administrative_case",),
        )
