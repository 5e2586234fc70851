"""Licences and health: professional licences (claims and register records, with their planted
problems: missing, expired, revoked, suspended, not found) and fitness-for-duty certificates.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fairscreen.synth.base import Block, Person, Plan, days_before

if TYPE_CHECKING:
    from fairscreen.synth.context import Context
    from fairscreen.synth.directory import Opening

# The licence a healthcare position needs, by weight.
HEALTH_LICENCES = {"nurse": 5, "physician": 3, "pharmacist": 2}
# Optional licences people of a category often hold: kind -> share of the category.
OPTIONAL_LICENCES: dict[str, dict[str, float]] = {
    "childcare_education": {"teacher": 0.8},
    "finance_accounting": {"accounting_professional": 0.4, "cpa": 0.1},
    "executive_legal_rep": {"cpa": 0.12, "legal_professional": 0.08},
    "software_engineering": {"software_professional": 0.15, "registered_engineer": 0.04},
}
LICENCE_PREFIX = {
    "physician": "YS",
    "nurse": "HS",
    "pharmacist": "YJ",
    "security_guard": "BA",
    "teacher": "JS",
    "accounting_professional": "KJ",
    "cpa": "ZK",
    "legal_professional": "FZ",
    "software_professional": "RK",
    "registered_engineer": "ZG",
}
# Validity in years (None: the licence does not expire).
LICENCE_VALIDITY = {"nurse": 5, "pharmacist": 5, "teacher": 5, "cpa": 5}


def licences(
    ctx: Context, out: Block, plan: Plan, person: Person, position: Opening
) -> list[dict[str, str]]:
    """The licences the candidate holds and claims (the position's required one, optional ones
    of the category), their register records, and the planted licence problem; the claims."""
    rng = out.rng
    kinds: list[str] = []
    category = plan.category
    if position.licence is not None:
        kinds.append(position.licence)
    elif category == "security_guard":
        kinds.append("security_guard")
    for kind, share in OPTIONAL_LICENCES.get(category, {}).items():
        if rng.random() < share:
            kinds.append(kind)
    problem = next((t for t in plan.tags if t.startswith("licence:")), None)
    required = bool(ctx.pack.categories[category].required_licences)
    if problem is not None and not kinds:
        kinds.append(rng.choice(list(OPTIONAL_LICENCES.get(category, {"teacher": 1.0}))))
    if problem == "licence:expired" and not any(k in LICENCE_VALIDITY for k in kinds):
        if required:
            problem = "licence:revoked"
        else:
            kinds[0] = "teacher" if category == "childcare_education" else "cpa"
    claims: list[dict[str, str]] = []
    age_now = ctx.as_of.year - person.birth.year
    for i, kind in enumerate(kinds):
        first_year = max(
            person.birth.year + 20,
            ctx.as_of.year - rng.randint(1, max(1, min(25, age_now - 20))),
        )
        number = f"{LICENCE_PREFIX.get(kind, 'ZZ')}99{first_year}{rng.randint(0, 999999):06d}"
        affected = i == 0 and problem is not None
        if affected and problem == "licence:expired" and kind not in LICENCE_VALIDITY:
            affected = False
        if affected and problem == "licence:missing":
            continue  # holds none: no claim, no record
        claims.append({"kind": kind, "number": number})
        if affected and problem == "licence:not_found":
            out.tags.add(problem)
            out.records.setdefault(problem, [])
            continue
        validity = LICENCE_VALIDITY.get(kind)
        issued = min(
            date(first_year, rng.randint(1, 12), rng.randint(1, 28)),
            days_before(ctx.as_of, 30),
        )
        expires = None
        status = "valid"
        if validity is not None:
            # renewed on time: the current registration runs until a date after as_of
            periods = max(1, (ctx.as_of.year - first_year) // validity + 1)
            expires = date(first_year + periods * validity, issued.month, issued.day)
            if expires <= ctx.as_of:
                expires = date(expires.year + validity, issued.month, issued.day)
        if affected and problem == "licence:expired":
            expires = days_before(ctx.as_of, rng.randint(20, 700))
            issued = date(expires.year - (validity or 5), expires.month, min(expires.day, 28))
            status = "expired" if rng.random() < 0.5 else "valid"
        elif affected and problem in ("licence:revoked", "licence:suspended"):
            status = "revoked" if problem == "licence:revoked" else "suspended"
        record: dict[str, Any] = {
            "type": "licence_record",
            "id": out.rid("LIC"),
            "subject": person.subject(),
            "kind": kind,
            "number": number,
            "status": status,
            "issued": issued,
        }
        if expires is not None:
            record["expires"] = expires
        out.add(record, *((problem,) if affected and problem is not None else ()))
    if problem == "licence:missing":
        out.tags.add(problem)
        out.records.setdefault(problem, [])
    return claims


def fitness(ctx: Context, out: Block, plan: Plan, person: Person) -> None:
    """The fitness-for-duty certificate of the purpose the category needs (valid one year),
    missing, unfit or expired if planted; now and then one for another purpose."""
    rng = out.rng
    purpose = ctx.pack.categories[plan.category].fitness_certificate
    if purpose is None:
        if rng.random() < 0.08:
            issued = days_before(ctx.as_of, rng.randint(10, 600))
            out.add(
                {
                    "type": "health_certificate",
                    "id": out.rid("HC"),
                    "subject": person.subject(),
                    "purpose": rng.choice(("general", "food_handler")),
                    "issued": issued,
                    "expires": issued + timedelta(days=365),
                    "fit_for_duty": True,
                }
            )
        return
    if "fitness:missing" in plan.tags:
        out.tags.add("fitness:missing")
        if rng.random() < 0.3:  # a certificate, but for another purpose
            issued = days_before(ctx.as_of, rng.randint(10, 300))
            out.add(
                {
                    "type": "health_certificate",
                    "id": out.rid("HC"),
                    "subject": person.subject(),
                    "purpose": "general",
                    "issued": issued,
                    "expires": issued + timedelta(days=365),
                    "fit_for_duty": True,
                },
                "fitness:missing",
            )
        return
    fit = "fitness:unfit" not in plan.tags
    if "fitness:expired" in plan.tags:
        issued = days_before(ctx.as_of, rng.randint(380, 700))
    else:
        issued = days_before(ctx.as_of, rng.randint(5, 330))
    tags = [t for t in ("fitness:unfit", "fitness:expired") if t in plan.tags]
    out.add(
        {
            "type": "health_certificate",
            "id": out.rid("HC"),
            "subject": person.subject(),
            "purpose": purpose,
            "issued": issued,
            "expires": issued + timedelta(days=365),
            "fit_for_duty": fit,
        },
        *tags,
    )
