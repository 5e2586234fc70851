"""Enforcement: the dishonest-debtor list (失信被執行人名單), entries still listed or removed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from fairscreen.synth import orgs
from fairscreen.synth.base import Block, Person, Plan, years_before
from fairscreen.synth.courts import company_party, court_case

if TYPE_CHECKING:
    from fairscreen.synth.context import Context


def list_debtor(
    ctx: Context, out: Block, subject: dict[str, Any], *, active: bool, tags: Sequence[str]
) -> None:
    """Write a dishonest-debtor entry about ``subject``: still listed, or removed."""
    rng = out.rng
    court, prefix = orgs.court(rng)
    listed = (
        years_before(ctx.as_of, rng, 0.2, 3) if active else years_before(ctx.as_of, rng, 1.5, 7)
    )
    record: dict[str, Any] = {
        "type": "enforcement_record",
        "id": out.rid("ENF"),
        "subject": subject,
        "court": court,
        "case_number": orgs.case_number(rng, prefix, listed.year, "执"),
        "listed": listed,
    }
    if not active:
        record["removed"] = date.fromordinal(
            min(ctx.as_of.toordinal() - 30, listed.toordinal() + rng.randint(90, 900))
        )
    out.add(record, *tags)


def enforcement(ctx: Context, out: Block, plan: Plan, person: Person) -> None:
    """The candidate's planted dishonest-debtor entry, often with the unpaid judgment behind it."""
    rng = out.rng
    for tag in ("debtor_active", "debtor_removed"):
        if tag not in plan.tags:
            continue
        active = tag == "debtor_active"
        if rng.random() < 0.7:
            # the judgment that was not paid
            creditor = company_party(rng, "finance", "plaintiff")
            court_case(
                ctx,
                out,
                kind="civil",
                cause="loan_dispute",
                parties=[creditor, person.party("defendant")],
                years=(1.0, 3) if active else (3, 8),
                outcome="judgment_for_plaintiff",
                tags=("civil_defendant",),
            )
        list_debtor(ctx, out, person.subject(), active=active, tags=(tag,))
