"""Former employers (format 1.1): their own answers to the agency's employment questions
(confirmed, with their dates; denied; no record), and their disciplinary records (written
warnings and heavier), one of which may corroborate a referee's first-hand remark. Drawn from the
candidate's second stream."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fairscreen.kit.names import name_key
from fairscreen.synth import phrases
from fairscreen.synth.base import Block, Person, Plan, days_before
from fairscreen.synth.careers import Job
from fairscreen.synth.names import referee_name

if TYPE_CHECKING:
    from fairscreen.synth.context import Context

GROUNDS = ("attendance", "discipline", "safety")


def _answer(
    ctx: Context, out: Block, cid: str, employer: str, answer: str, *tags: str, **dates: Any
) -> None:
    rng = out.extra
    out.add(
        {
            "type": "employment_verification",
            "id": out.rid("EV"),
            "candidate": cid,
            "employer": employer,
            "answer": answer,
            **dates,
            "answered": days_before(ctx.as_of, rng.randint(1, 20)),
            "respondent": {
                "name": referee_name(rng, english=False, traditional=False),
                "role": rng.choice(("hr", "hr", "manager")),
            },
        },
        *tags,
    )


def employer_answers(
    ctx: Context, out: Block, plan: Plan, claims: dict[str, Any], cid: str
) -> None:
    """What the CV's employers told the agency. An employer that paid no social insurance still
    confirms the job (``employer_confirms_unregistered``); now and then one denies a job the
    register shows (``employer_denies``)."""
    rng = out.extra
    if not plan.tags & {"employer_answers", "employer_denies"}:
        return
    registered = {
        name_key(line["employer"]): line
        for line in out.lines
        if line["type"] == "employment_record"
    }
    deny = "employer_denies" in plan.tags
    for claim in claims["employment"]:
        record = registered.get(name_key(claim["employer"]))
        if record is None:
            if "employer_confirms_unregistered" in plan.tags:
                _answer(
                    ctx,
                    out,
                    cid,
                    claim["employer"],
                    "confirmed",
                    "employer_confirms_unregistered",
                    start=claim["start"],
                    end=claim["end"],
                )
            elif "employer_answers" in plan.tags:
                _answer(ctx, out, cid, claim["employer"], "no_record", "employer_answers")
            continue
        if deny:
            _answer(ctx, out, cid, claim["employer"], "denied", "employer_denies")
            deny = False
        elif "employer_answers" in plan.tags and rng.random() < 0.7:
            _answer(
                ctx,
                out,
                cid,
                claim["employer"],
                "confirmed",
                "employer_answers",
                start=record["start"],
                end=record["end"],
            )


def _warning(
    out: Block, person: Person, employer: str, ground: str, day: Any, action: str, *tags: str
) -> str:
    return out.add(
        {
            "type": "disciplinary_record",
            "id": out.rid("HR"),
            "subject": person.subject(),
            "employer": employer,
            "action": action,
            "ground": ground,
            "date": day,
        },
        *tags,
    )


def _day_in(ctx: Context, out: Block, job: Job, latest_months_ago: int = 0) -> Any:
    """A day while ``job`` lasted (and at least ``latest_months_ago`` months back)."""
    end = min(job.end if job.end is not None else ctx.as_of_month, ctx.as_of_month)
    end = min(end, ctx.as_of_month - latest_months_ago)
    start = min(job.start, end)
    index = out.extra.randint(start, end)
    return days_before(ctx.as_of, max(1, (ctx.as_of_month - index) * 30 + out.extra.randint(0, 25)))


def discipline(
    ctx: Context,
    out: Block,
    plan: Plan,
    person: Person,
    jobs: list[Job],
    references: list[dict[str, Any]],
) -> None:
    """A single written warning (not job relevant alone), three within twelve months (a
    pattern), or a warning at a referee's organisation on the ground the referee stated first
    hand (an independent source for the remark)."""
    rng = out.extra
    if jobs and "hr_warning_single" in plan.tags:
        job = rng.choice(jobs)
        _warning(
            out,
            person,
            job.employer,
            rng.choice(GROUNDS),
            _day_in(ctx, out, job),
            "written_warning",
            "hr_warning_single",
        )
    if jobs and "hr_warnings_pattern" in plan.tags:
        # three within the twelve months before the screening date, at the last employer
        last = max(jobs, key=lambda j: j.end if j.end is not None else ctx.as_of_month + 1)
        since_end = 0 if last.end is None else max(0, (ctx.as_of_month - last.end) * 30) + 1
        since_start = (ctx.as_of_month - last.start) * 30
        low, high = since_end + 1, min(since_start, 355)
        if high - low >= 3:
            ground = rng.choice(GROUNDS)
            for back in sorted(rng.sample(range(low, high), 3), reverse=True):
                _warning(
                    out,
                    person,
                    last.employer,
                    ground,
                    days_before(ctx.as_of, back),
                    "written_warning",
                    "hr_warnings_pattern",
                )
    if "hr_corroborated_reference" not in plan.tags:
        return
    refs = {line["id"]: line for line in out.lines if line["type"] == "reference"}
    said = [
        (truth["id"], s["label"].split(":", 1)[1])
        for truth in references
        for s in truth["sentences"]
        if s["label"].startswith("misconduct:") and not s["hearsay"]
    ]
    by_employer = {name_key(j.employer): j for j in jobs}
    for rid, category in said:
        if sum(c == category for _, c in said) > 1 or category not in phrases.MISCONDUCT:
            continue  # corroborated by a second referee already
        held = by_employer.get(name_key(refs[rid]["referee"]["organisation"]))
        if held is None:
            continue
        _warning(
            out,
            person,
            held.employer,
            category,
            _day_in(ctx, out, held, 1),
            "written_warning",
            "hr_corroborated_reference",
        )
        out.records["hr_corroborated_reference"].append(rid)
        return
