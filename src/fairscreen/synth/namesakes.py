"""Other people in the registers: namesakes (same registered name, another ID number), parties
named by name only, and unrelated cases between strangers, which a name search brings back and
identity matching must not take for the candidate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fairscreen.synth import orgs
from fairscreen.synth.base import Block, Person, Plan, days_before
from fairscreen.synth.courts import CIVIL_CAUSE, company_party, court_case
from fairscreen.synth.enforcement import list_debtor
from fairscreen.synth.people import namesake, stranger
from fairscreen.synth.plan import RATES

if TYPE_CHECKING:
    from fairscreen.synth.context import Context


def namesakes(ctx: Context, out: Block, plan: Plan, person: Person) -> None:
    """Records a name search brings back that are not the candidate's: a namesake's conviction,
    suit or dishonest-debtor entry, a case naming the candidate's name without an ID number, and
    now and then a case between two strangers."""
    rng = out.rng
    if "namesake" in plan.tags:
        twin = namesake(ctx, rng, person)
        what = rng.choice(("criminal", "civil", "enforcement", "criminal"))
        if what == "criminal":
            cause = rng.choice(
                ("fraud", "theft", "embezzlement", "intentional_injury", "dangerous_driving")
            )
            court, _ = orgs.court(rng)
            prosecutor = {"name": court.replace("人民法院", "人民检察院"), "role": "plaintiff"}
            case = court_case(
                ctx,
                out,
                kind="criminal",
                cause=cause,
                parties=[prosecutor, twin.party("defendant")],
                years=(0.5, 4),
                outcome="convicted",
                tags=("namesake",),
            )
            out.add(
                {
                    "type": "criminal_certificate",
                    "id": out.rid("CRC"),
                    "subject": twin.subject(),
                    "issued": days_before(ctx.as_of, rng.randint(10, 300)),
                    "result": "record",
                    "offences": [{"cause": cause, "convicted": case.get("decided", case["filed"])}],
                },
                "namesake",
            )
        elif what == "civil":
            court_case(
                ctx,
                out,
                kind="civil",
                cause=CIVIL_CAUSE(rng),
                parties=[
                    company_party(rng, "finance", "plaintiff"),
                    twin.party("defendant"),
                ],
                years=(0.2, 3),
                outcome="judgment_for_plaintiff",
                tags=("namesake",),
            )
        else:
            list_debtor(ctx, out, twin.subject(), active=True, tags=("namesake",))
    if "name_only_party" in plan.tags:
        bare = {"name": person.name.registered, "role": "defendant"}
        roll = rng.random()
        if roll < 0.6:
            court_case(
                ctx,
                out,
                kind="civil",
                cause=CIVIL_CAUSE(rng),
                parties=[company_party(rng, "finance", "plaintiff"), bare],
                years=(0.2, 3),
                tags=("name_only_party",),
            )
        elif roll < 0.85:
            court, _ = orgs.court(rng)
            court_case(
                ctx,
                out,
                kind="criminal",
                cause=rng.choice(("fraud", "theft", "embezzlement")),
                parties=[
                    {"name": court.replace("人民法院", "人民检察院"), "role": "plaintiff"},
                    bare,
                ],
                years=(0.5, 4),
                outcome="convicted",
                tags=("name_only_party",),
            )
        else:
            list_debtor(ctx, out, {"name": bare["name"]}, active=True, tags=("name_only_party",))
    if rng.random() < RATES.stranger_case:
        a, b = stranger(ctx, rng), stranger(ctx, rng)
        court_case(
            ctx,
            out,
            kind="civil",
            cause=CIVIL_CAUSE(rng),
            parties=[a.party("plaintiff"), b.party("defendant")],
            years=(0.1, 10),
        )
