"""Criminal records: convictions (a judgment with the candidate as defendant and the offence on
their certificate), acquittals, criminal-record certificates, and the convictions that bar a
position by law (``bars``). Since format 1.1 every planted conviction states its sentence, and
the cases the statutes tell apart are planted too: a negligent crime, a conviction exempted from
punishment, a suspended sentence, an offence committed before 18 (sealed).
"""

from __future__ import annotations

from datetime import date, timedelta
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

# Convictions that bar a position by law (the planted meaning of ``barring_conviction``), as the
# CN rule set reads the statutes: category -> the cause classes that bar (None: any), and the
# years since the sentence ended within which they bar (None: for good).
BARS: dict[str, tuple[frozenset[str] | None, int | None]] = {
    # 未成年人保護法 第62條 (and 教師法 第14條 for an intentional crime with a prison sentence)
    "childcare_education": (frozenset({"sexual", "abuse", "violent", "trafficking"}), None),
    # 保安服務管理條例 第17條第2項: an intentional crime, punished
    "security_guard": (None, None),
    # 公司法 第178條第1款第2項 (two years from the end of a probation)
    "executive_legal_rep": (
        frozenset({"embezzlement", "bribery", "economic_order", "accounting"}),
        5,
    ),
    # 會計法 第39條
    "finance_accounting": (frozenset({"accounting", "embezzlement"}), None),
    # 出租汽車駕駛員從業資格管理規定 第10條, 道路運輸條例 第9條
    "driver": (frozenset({"traffic", "violent"}), None),
}
PUNISHED = frozenset({"fine", "control", "criminal_detention", "fixed_term", "life", "death"})
PRISON = frozenset({"fixed_term", "life", "death"})


def bars(
    ctx: Context,
    category: str,
    cause: str,
    kind: str,
    *,
    probation: bool,
    years_since_end: float,
) -> bool:
    """Whether a conviction bars ``category`` by the CN rule set (the truth's
    ``barring_conviction``): the classes and years of ``BARS``, the culpability and punishment
    the security-guard and teacher bars need, and probation's two years for executives."""
    if category not in BARS:
        return False
    classes, within = BARS[category]
    cause_class = ctx.pack.criminal_causes[cause]
    intentional = cause_class.culpability is not None and cause_class.culpability == "intentional"
    if category == "security_guard":
        return intentional and kind in PUNISHED
    if category == "childcare_education" and intentional and kind in PRISON:
        return True
    if classes is not None and cause_class.cls not in classes:
        return False
    if category == "executive_legal_rep":
        if kind not in PUNISHED and not probation:
            return False
        return years_since_end <= (2 if probation else 5)
    return within is None or years_since_end <= within


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
    for tag in sorted(plan.tags & _DISTINCT_TAGS):
        offence = _distinct_conviction(ctx, out, plan, person, tag)
        if offence is not None:
            offences.append(offence)
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
            if (classes is None or cls.cls in classes)
            and (category != "security_guard" or cls.culpability == "intentional")
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
    sentence = _sentence(out, cause, months, completed, exempt_allowed=not want_bar)
    tags = ["conviction"]
    tags.append("old_conviction" if years_ago > OLD_CONVICTION_YEARS else "recent_conviction")
    if bars(ctx, category, cause, sentence["kind"], probation=False, years_since_end=years_ago):
        tags.append("barring_conviction")
    court, prefix = orgs.court(rng)
    filed = add_months(convicted, -rng.randint(2, 6))
    parties = [
        {"name": court.replace("人民法院", "人民检察院"), "role": "plaintiff"},
        {**person.party("defendant"), "sentence": sentence},
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
    if sentence["kind"] == "exempted":
        del case["sentence_completed"]  # nothing was executed
    out.add(case, *tags)
    if cause == "dangerous_driving":
        plan.drunk_on = convicted
    offence: dict[str, Any] = {"cause": cause, "convicted": convicted}
    if sentence["kind"] != "exempted":
        offence["sentence_completed"] = completed
    offence["sentence"] = sentence
    return offence


def _sentence(
    out: Block, cause: str, months: int, completed: date, *, exempt_allowed: bool
) -> dict[str, Any]:
    """The sentence of a planted conviction (format 1.1, second stream): a fine alone, now and
    then none (免予刑事處罰), criminal detention (拘役, up to six months: drunk driving's), or
    imprisonment."""
    extra = out.extra
    if months == 0:
        kind = "fine" if extra.random() < 0.9 or not exempt_allowed else "exempted"
    elif cause == "dangerous_driving" or (months <= 6 and extra.random() < 0.5):
        kind = "criminal_detention"
    else:
        kind = "fixed_term"
    sentence: dict[str, Any] = {"kind": kind}
    if kind in ("criminal_detention", "fixed_term"):
        sentence["months"] = months
    if kind != "exempted":
        sentence["completed"] = completed
    return sentence


_DISTINCT_TAGS = frozenset(
    {
        "negligent_conviction",
        "exempted_conviction",
        "probation_conviction:recent",
        "probation_conviction:old",
        "juvenile_conviction",
    }
)
NEGLIGENT_CAUSES = ("traffic_accident_crime", "negligent_homicide", "major_liability_accident")
INTENTIONAL_MINOR = ("theft", "affray", "picking_quarrels", "fraud", "gambling")
PROBATION_CAUSES = ("job_embezzlement", "misappropriation", "tax_evasion", "bribery")


def _distinct_conviction(
    ctx: Context, out: Block, plan: Plan, person: Person, tag: str
) -> dict[str, Any] | None:
    """A conviction of a kind the statutes tell apart (format 1.1, second stream): negligent,
    exempted from punishment, suspended, or committed before 18. Returns the certificate's
    offence, or None where the certificate would not show it (a sealed juvenile record is only
    in the court's judgment)."""
    extra = out.extra
    age_now = (ctx.as_of - person.birth).days / 365.25
    sentence: dict[str, Any]
    committed: date | None = None
    if tag == "negligent_conviction":
        cause = extra.choice(NEGLIGENT_CAUSES)
        months = extra.choice((6, 10, 12, 18, 24, 36))
        end = years_before(ctx.as_of, extra, 0.5, min(4.5, max(0.6, age_now - 19)))
        convicted = add_months(end, -months)
        sentence = {"kind": "fixed_term", "months": months, "completed": end}
        years = (ctx.as_of - end).days / 365.25
        probation = False
    elif tag == "exempted_conviction":
        cause = extra.choice(INTENTIONAL_MINOR)
        convicted = years_before(ctx.as_of, extra, 0.5, 4.5)
        end = convicted
        sentence = {"kind": "exempted"}
        years = (ctx.as_of - end).days / 365.25
        probation = False
    elif tag.startswith("probation_conviction"):
        cause = extra.choice(PROBATION_CAUSES)
        months = extra.choice((12, 18, 24, 36))
        trial = months + extra.choice((0, 6, 12))
        # 公司法 第178條: two years from the end of probation; recent: within them, old: after
        years = extra.uniform(0.3, 1.8) if tag.endswith("recent") else extra.uniform(2.2, 4.5)
        end = days_before(ctx.as_of, int(years * 365.25))
        convicted = add_months(end, -trial)
        sentence = {
            "kind": "fixed_term",
            "months": months,
            "probation_months": trial,
            "probation_ended": end,
        }
        probation = True
    else:  # juvenile_conviction: committed at 15-17, sentenced to at most five years
        if age_now < 21:
            return None
        cause = extra.choice(("theft", "robbery", "intentional_injury", "affray"))
        committed = person.birth + timedelta(days=int(extra.uniform(15.2, 17.9) * 365.25))
        convicted = committed + timedelta(days=extra.randint(90, 200))
        months = extra.choice((6, 12, 24, 36))
        end = add_months(convicted, months)
        sentence = {"kind": "fixed_term", "months": months, "completed": end}
        years = (ctx.as_of - end).days / 365.25
        probation = False
    tags = [tag.split(":")[0], tag] if ":" in tag else [tag]
    if tag != "juvenile_conviction" and bars(
        ctx, plan.category, cause, sentence["kind"], probation=probation, years_since_end=years
    ):
        tags.append("barring_conviction")
    court, prefix = orgs.court(extra)
    party: dict[str, Any] = {**person.party("defendant"), "sentence": sentence}
    if committed is not None:
        party["committed"] = committed
    out.add(
        {
            "type": "court_case",
            "id": out.rid("CASE"),
            "court": court,
            "case_number": orgs.case_number(extra, prefix, convicted.year, "刑初"),
            "kind": "criminal",
            "cause": cause,
            "filed": add_months(convicted, -extra.randint(2, 6)),
            "decided": convicted,
            "outcome": "convicted",
            "parties": [
                {"name": court.replace("人民法院", "人民检察院"), "role": "plaintiff"},
                party,
            ],
        },
        *tags,
    )
    if tag == "juvenile_conviction":
        return None
    return {"cause": cause, "convicted": convicted, "sentence": sentence}
