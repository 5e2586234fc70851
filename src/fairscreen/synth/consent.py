"""Consent: what each candidate signed (items, separate items, recipient, agency, retention), and
the planted departures (refused, revoked, a separate consent missing, an item declined); at most one
per candidate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fairscreen.policy.vocabulary import Item
from fairscreen.synth.base import CST, Block, Plan, days_before

if TYPE_CHECKING:
    from fairscreen.synth.context import Context
    from fairscreen.synth.directory import Opening


def consent(ctx: Context, out: Block, plan: Plan, position: Opening) -> dict[str, Any] | None:
    """The candidate's consent: the items the category allows, the sensitive ones separately, for
    the position's employer; refused, revoked, or missing an item or a separate consent if planted."""
    rng = out.rng
    if "consent_refused" in plan.tags:
        out.tags.add("consent_refused")
        return None
    allowed = ctx.pack.categories[plan.category].items
    items = [i for i in Item if i in allowed]
    separate = [i for i in items if i in ctx.sensitive]
    if "consent_item_declined" in plan.tags:
        declined = rng.choice([i for i in items if i is not Item.IDENTITY])
        items.remove(declined)
        if declined in separate:
            separate.remove(declined)
        out.tags.add("consent_item_declined")
        out.tags.add(f"consent_item_declined:{declined}")
    if "separate_consent_missing" in plan.tags and separate:
        missing = rng.choice(separate)
        separate.remove(missing)
        out.tags.add("separate_consent_missing")
        out.tags.add(f"separate_consent_missing:{missing}")
    signed = datetime.combine(
        days_before(ctx.as_of, rng.randint(2, 25)),
        datetime.min.time(),
        tzinfo=CST,
    ) + timedelta(minutes=rng.randint(8 * 60 + 30, 18 * 60))
    consent: dict[str, Any] = {
        "id": f"K{out.index + 1:07d}",
        "items": [str(i) for i in items],
        "separate_items": [str(i) for i in separate],
        "purpose": "pre_employment_screening",
        "recipient": position.employer.id,
        "agency": rng.choice(ctx.directory.agencies)[0],
        "retention_days": ctx.pack.periods.default_retention_days if rng.random() < 0.9 else 365,
        "signed_at": signed,
    }
    if "consent_revoked" in plan.tags:
        end = datetime.combine(ctx.as_of, datetime.min.time(), tzinfo=CST)
        span = int((end - signed).total_seconds() // 60)
        consent["revoked_at"] = signed + timedelta(minutes=rng.randint(60, max(61, span)))
        out.tags.add("consent_revoked")
    return consent
