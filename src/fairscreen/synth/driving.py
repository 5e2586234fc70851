"""Driving: driving records (licence class and status, violations) and their planted problems."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fairscreen.synth.base import Block, Person, Plan, days_before, years_before
from fairscreen.synth.plan import RATES

if TYPE_CHECKING:
    from fairscreen.synth.context import Context


def driving(ctx: Context, out: Block, plan: Plan, person: Person) -> None:
    """A driving record for every driver and many others: minor violations, and the planted
    drunk driving (with its conviction), serious violation, suspension or revocation."""
    rng = out.rng
    driver = plan.category == "driver"
    drunk_on = plan.drunk_on
    if not driver and drunk_on is None and rng.random() >= RATES.driving_record_other:
        return
    if "driving:no_licence" in plan.tags:
        out.tags.add("driving:no_licence")
        return
    if driver:
        licence_class = rng.choice(("A2", "B2", "B2", "A1", "C1"))
    else:
        licence_class = "C1" if rng.random() < 0.9 else "C2"
    violations: list[dict[str, Any]] = []
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
        violations.append(
            {
                "kind": rng.choice(("speeding", "speeding", "red_light", "parking", "parking")),
                "date": years_before(ctx.as_of, rng, 0.05, 6),
                "points": rng.choice((0, 1, 3, 3, 6)),
            }
        )
    status = "valid"
    since: date | None = None
    tags: list[str] = []
    if drunk_on is not None:
        day = drunk_on - timedelta(days=rng.randint(60, 150))
        violations.append({"kind": "drunk_driving", "date": day, "points": 12})
        if (ctx.as_of - day).days < 5 * 365:
            status, since = "revoked", day + timedelta(days=rng.randint(20, 60))
        if driver:
            tags.append("driving:drunk_driving")
    if "driving:serious_violation" in plan.tags:
        kind = rng.choice(("dui", "speeding_serious", "speeding_serious"))
        violations.append(
            {
                "kind": kind,
                "date": years_before(ctx.as_of, rng, 0.2, 4.5),
                "points": 12 if kind == "dui" else 6,
            }
        )
        tags.append("driving:serious_violation")
    if "driving:licence_suspended" in plan.tags:
        status, since = "suspended", days_before(ctx.as_of, rng.randint(10, 170))
        violations.append(
            {
                "kind": "speeding_serious",
                "date": since - timedelta(days=rng.randint(5, 40)),
                "points": 12,
            }
        )
        tags.append("driving:licence_suspended")
    if "driving:licence_revoked" in plan.tags:
        status, since = "revoked", years_before(ctx.as_of, rng, 0.3, 3)
        violations.append(
            {
                "kind": "hit_and_run",
                "date": since - timedelta(days=rng.randint(20, 90)),
                "points": 12,
            }
        )
        tags.append("driving:licence_revoked")
    if driver and "speeding_pattern" in plan.tags:
        # three speeding violations within twelve months (format 1.1, second stream): a pattern
        # the passenger-transport rules bar, though no single one matters
        extra = out.extra
        for back in sorted(extra.sample(range(15, 350), 3)):
            violations.append(
                {"kind": "speeding", "date": days_before(ctx.as_of, back), "points": 3}
            )
        tags.append("speeding_pattern")
    violations.sort(key=lambda v: v["date"])
    record: dict[str, Any] = {
        "type": "driving_record",
        "id": out.rid("DRV"),
        "subject": person.subject(),
        "licence_class": licence_class,
        "licence_status": status,
    }
    if since is not None:
        record["status_since"] = since
    record["violations"] = violations
    out.add(record, *tags)
