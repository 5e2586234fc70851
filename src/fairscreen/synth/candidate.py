"""One candidate's block of lines and their truth line: the plan, then each record family in turn.

The order of the calls is the order of the draws from the candidate's random stream: changing it
changes every world (the pinned digests in ``tests/synth/test_digests.py`` say so). What format
1.1 added draws from the candidate's second stream (``Block.extra``), after everything else.
"""

from __future__ import annotations

import random
from typing import Any

from fairscreen.synth.arbitration import arbitration
from fairscreen.synth.base import Block
from fairscreen.synth.careers import claims_and_records, draw_education, draw_jobs
from fairscreen.synth.consent import consent
from fairscreen.synth.context import Context
from fairscreen.synth.courts import courts
from fairscreen.synth.credit import credit
from fairscreen.synth.criminal import criminal
from fairscreen.synth.decisions import decision, extend_demographics
from fairscreen.synth.driving import driving
from fairscreen.synth.employers import discipline, employer_answers
from fairscreen.synth.enforcement import enforcement
from fairscreen.synth.licences import LICENCE_VALIDITY, fitness
from fairscreen.synth.namesakes import namesakes
from fairscreen.synth.people import demographics, draw_candidate, identity
from fairscreen.synth.plan import RATES, draw_plan, draw_plan_1_1
from fairscreen.synth.references import references
from fairscreen.synth.security import public_security


def candidate(ctx: Context, index: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The lines of candidate ``index`` (the candidate, demographics, the records about them) and
    their line of the truth file."""
    rng = random.Random(ctx.key(index))
    out = Block(index, rng, random.Random(ctx.extra_key(index)))
    plan = draw_plan(ctx, rng, index)
    draw_plan_1_1(ctx, out.extra, plan, index)
    choices = ctx.directory.by_category[plan.category]
    if plan.category == "healthcare" and "licence:expired" in plan.tags:
        choices = [p for p in choices if p.licence in LICENCE_VALIDITY]
    position = rng.choice(choices)
    person = draw_candidate(ctx, rng, plan, position)
    edu = draw_education(ctx, rng, plan, person, position)
    career = draw_jobs(ctx, rng, plan, person, edu, position)
    cid = f"C{index + 1:07d}"
    claims = claims_and_records(ctx, out, plan, person, edu, career, position)
    signed = consent(ctx, out, plan, position)
    out.lines.insert(
        0,
        {
            "type": "candidate",
            "id": cid,
            "name": person.name.written,
            "id_document": {"kind": person.id_kind, "number": person.id_number},
            "birth_date": person.birth,
            "applies_to": position.id,
            "claims": claims,
            "consent": signed,
        },
    )
    if rng.random() < RATES.demographics:
        out.lines.insert(1, demographics(rng, person, cid))
    identity(out, plan, person)
    criminal(ctx, out, plan, person)
    courts(ctx, out, plan, person)
    namesakes(ctx, out, plan, person)
    enforcement(ctx, out, plan, person)
    credit(ctx, out, plan, person)
    driving(ctx, out, plan, person)
    fitness(ctx, out, plan, person)
    truth_references = references(ctx, out, plan, person, career, edu, cid)
    public_security(ctx, out, plan, person)
    arbitration(ctx, out, plan, person, career)
    employer_answers(ctx, out, plan, claims, cid)
    discipline(ctx, out, plan, person, career, truth_references)
    decided: dict[str, Any] | None = None
    if ctx.decisions is not None:  # its own stream: the lines above are the same bytes either way
        stream = random.Random(f"fairscreen-decision:{ctx.seed}:{index}")
        for line in out.lines:
            if line["type"] == "demographics":
                extend_demographics(stream, line, person)
        line, biased = decision(ctx, stream, ctx.decisions, plan, person, position, cid)
        out.lines.append(line)
        decided = {"outcome": line["outcome"], "biased": biased}
    forced = ctx.forced.get(index) or ctx.forced_1_1.get(index)
    truth = {
        "type": "candidate",
        "candidate": cid,
        "position": position.id,
        "category": plan.category,
        "name_script": person.name.script,
        "tags": sorted(out.tags),
        "forced": forced[0] if forced else None,
        "records": out.records,
        "references": truth_references,
    }
    if decided is not None:
        truth["decision"] = decided
    return out.lines, truth
