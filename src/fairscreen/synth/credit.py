"""Credit: credit reports, with the planted serious delinquencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fairscreen.policy.vocabulary import Item
from fairscreen.synth.base import Block, Person, Plan, days_before, years_before
from fairscreen.synth.plan import RATES

if TYPE_CHECKING:
    from fairscreen.synth.context import Context


def credit(ctx: Context, out: Block, plan: Plan, person: Person) -> None:
    """A credit report for every finance and executive candidate and some others; serious
    delinquencies if planted (or with an active dishonest-debtor entry)."""
    rng = out.rng
    always = Item.CREDIT in ctx.pack.categories[plan.category].items
    if not always and rng.random() >= RATES.credit_report_other:
        return
    record: dict[str, Any] = {
        "type": "credit_report",
        "id": out.rid("CRD"),
        "subject": person.subject(),
        "as_of": days_before(ctx.as_of, rng.randint(1, 30)),
    }
    bad = "credit_delinquency" in plan.tags or "debtor_active" in plan.tags
    if bad:
        record["serious_delinquencies"] = rng.randint(1, 6)
        record["last_delinquency"] = years_before(ctx.as_of, rng, 0.2, 4)
        record["accounts_in_default"] = (
            rng.choice((0, 0, 1, 2)) if "debtor_active" not in plan.tags else rng.randint(1, 3)
        )
        out.add(record, "credit_delinquency")
    elif "credit_expired" in plan.tags:
        # format 1.1 (second stream): delinquencies that ended more than five years ago, which
        # 征信業管理條例 第16條 takes out of use
        extra = out.extra
        record["serious_delinquencies"] = extra.randint(1, 4)
        record["last_delinquency"] = years_before(ctx.as_of, extra, 5.3, 9)
        record["accounts_in_default"] = 0
        out.add(record, "credit_expired")
    else:
        record["serious_delinquencies"] = 0
        record["accounts_in_default"] = 0
        out.add(record)
