"""Education and employment: the candidate's degrees and career, the claims the CV makes about
them, and the registers' side (education records, social-insurance periods), with the planted
mismatches between the two. The licence claims come from ``licences``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fairscreen.synth import orgs, phrases
from fairscreen.synth.base import Block, Person, Plan, Weighted, month, month_index
from fairscreen.synth.directory import position_title
from fairscreen.synth.licences import licences

if TYPE_CHECKING:
    from fairscreen.synth.context import Context
    from fairscreen.synth.directory import Opening

DEGREE_MIX: dict[str, dict[str, int]] = {
    "general_office": {"bachelor": 60, "associate": 25, "master": 12, "vocational": 3},
    "software_engineering": {"bachelor": 60, "master": 30, "associate": 8, "doctorate": 2},
    "finance_accounting": {"bachelor": 65, "master": 18, "associate": 17},
    "executive_legal_rep": {"bachelor": 40, "master": 50, "doctorate": 10},
    "driver": {"none": 50, "vocational": 40, "associate": 10},
    "childcare_education": {"associate": 40, "bachelor": 50, "vocational": 10},
    "security_guard": {"none": 55, "vocational": 40, "associate": 5},
    "physician": {"bachelor": 45, "master": 40, "doctorate": 15},
    "nurse": {"associate": 55, "bachelor": 40, "vocational": 5},
    "pharmacist": {"bachelor": 75, "master": 25},
}
GRADUATION_AGE = {"vocational": 18, "associate": 21, "bachelor": 22, "master": 25, "doctorate": 29}
DEGREE_ORDER = ("vocational", "associate", "bachelor", "master", "doctorate")
DEGREE_MIXES = {k: Weighted(v) for k, v in DEGREE_MIX.items()}
# The industries people of a category work in, over a career.
CAREERS = {k: Weighted(v) for k, v in orgs.CAREER_INDUSTRIES.items()}


@dataclass(slots=True)
class Edu:
    degree: str
    institution: str
    field: str
    graduated: int
    foreign: bool


@dataclass(slots=True)
class Job:
    employer: str
    industry: str
    title: str
    start: int  # month index
    end: int | None  # month index, None: ongoing


def draw_education(
    ctx: Context, rng: random.Random, plan: Plan, person: Person, position: Opening
) -> list[Edu]:
    """The degrees the candidate holds, highest first: a mix per category (or health licence),
    graduation at a plausible age, some abroad."""
    family = plan.category
    mix = DEGREE_MIXES[position.licence or family]
    degree = mix(rng)
    wants_degree = any(
        t.startswith("claim_mismatch:degree") or t == "claim_mismatch:graduation_year"
        for t in plan.tags
    )
    if degree == "none" and wants_degree:
        degree = "vocational" if family in ("driver", "security_guard") else "associate"
    if degree == "none":
        return []
    age_now = ctx.as_of.year - person.birth.year
    level = DEGREE_ORDER.index(degree)
    while level > 0 and GRADUATION_AGE[DEGREE_ORDER[level]] + 1 > age_now:
        level -= 1
    degree = DEGREE_ORDER[level]
    if GRADUATION_AGE[degree] + 1 > age_now:
        return []
    if "claim_mismatch:degree_inflated" in plan.tags and level == 0:
        degree, level = "associate", 1
        if GRADUATION_AGE[degree] + 1 > age_now:
            plan.tags.discard("claim_mismatch:degree_inflated")
    english = person.name.script == "en"
    hong_kong = english and person.id_kind == "cn_resident_id"
    out: list[Edu] = []
    chain = [degree]
    if degree == "doctorate" and rng.random() < 0.7:
        chain.append("master")
    if chain[-1] in ("master", "doctorate") and rng.random() < 0.8:
        chain.append("bachelor")
    fields = orgs.FIELDS[family]
    field_zh, field_en = (
        orgs.HEALTH_FIELD[position.licence] if position.licence else rng.choice(fields)
    )
    for step, deg in enumerate(chain):
        age = GRADUATION_AGE[deg] + (
            1 if position.licence == "physician" and deg == "bachelor" else 0
        )
        year = person.birth.year + age + rng.choice((0, 0, 0, 1))
        year = min(year, ctx.as_of.year - (0 if ctx.as_of.month >= 7 else 1))
        if english and not hong_kong:
            foreign = True
        elif hong_kong:
            foreign = rng.random() < 0.5
        else:
            foreign = deg in ("master", "doctorate") and rng.random() < 0.12
        institution = ""
        while not institution or any(e.institution == institution for e in out):
            institution = (
                orgs.foreign_institution(rng) if foreign else orgs.institution(rng, deg, family)
            )
        if step > 0 and rng.random() < 0.5:
            field_zh, field_en = rng.choice(fields)
        out.append(Edu(deg, institution, field_en if foreign else field_zh, year, foreign))
    return out


def draw_jobs(
    ctx: Context, rng: random.Random, plan: Plan, person: Person, edu: list[Edu], position: Opening
) -> list[Job]:
    """The career, oldest first: jobs of 10-66 months with short gaps, titles rising with
    seniority; the CV keeps the last two to four."""
    if edu:
        start = max(e.graduated for e in edu) * 12 + 6 + rng.randint(0, 4)
    else:
        start = month_index(person.birth) + 12 * rng.randint(18, 21)
    if person.name.script == "en" and person.id_kind == "passport":
        # foreign staff come to China some years into their career
        start += 12 * rng.randint(0, 6)
    now = ctx.as_of_month
    if start >= now - 3:
        return []
    career = CAREERS[plan.category]
    hosts = [
        e for e in ctx.directory.employers if e.industry in orgs.CAREER_INDUSTRIES[plan.category]
    ]
    # executives rise through one line of work first
    track = plan.category
    if track == "executive_legal_rep":
        track = rng.choice(("finance_accounting", "general_office", "software_engineering"))
    jobs: list[Job] = []
    cursor = start
    used: set[str] = set()
    while now - cursor >= 8:
        end: int | None = cursor + rng.randint(10, 66)
        assert end is not None
        if end >= now - 2:  # the last job: still there, or left a few months ago
            end = None if rng.random() < 0.5 else now - rng.randint(1, 8)
            if end is not None and end - cursor < 8:
                end = None
        if hosts and rng.random() < 0.1:
            world = rng.choice(hosts)
            name, industry, english = world.name, world.industry, world.english
        else:
            industry = career(rng)
            org = orgs.company(rng, industry)
            name, english = org.name, org.english
        if name in used:
            continue
        used.add(name)
        years_in = (cursor - start) / 12
        level = "junior" if years_in < 3 else "mid" if years_in < 9 else "senior"
        category = track
        if plan.category == "executive_legal_rep" and years_in >= 10:
            category = "executive_legal_rep"
            level = "senior" if years_in > 15 else "mid"
        title = position_title(rng, category, level, english=english, licence=position.licence)
        jobs.append(Job(name, industry, title, cursor, end))
        if end is None:
            break
        cursor = end + rng.choice((0, 1, 1, 2, 3, 4, 6))
    return jobs[-rng.randint(2, 4) :] if len(jobs) > 2 else jobs


def claims_and_records(
    ctx: Context,
    out: Block,
    plan: Plan,
    person: Person,
    edu: list[Edu],
    jobs: list[Job],
    position: Opening,
) -> dict[str, Any]:
    rng = out.rng
    hant = person.name.script == "zh-Hant"

    def written(text: str) -> str:
        return phrases.to_hant(text) if hant else text

    subject = person.subject()
    education_claims = []
    mismatch_edu = next(
        (
            t
            for t in (
                "claim_mismatch:degree_not_found",
                "claim_mismatch:degree_inflated",
                "claim_mismatch:degree_withdrawn",
                "claim_mismatch:graduation_year",
            )
            if t in plan.tags
        ),
        None,
    )
    for i, e in enumerate(edu):
        claim_degree = e.degree
        record: dict[str, Any] | None = {
            "type": "education_record",
            "id": out.rid("EDU"),
            "subject": subject,
            "institution": e.institution,
            "degree": e.degree,
            "field": e.field,
            "graduated": e.graduated,
        }
        tag: str | None = None
        if i == 0 and mismatch_edu is not None:
            tag = mismatch_edu
            assert record is not None
            if tag.endswith("degree_not_found"):
                record = None
            elif tag.endswith("degree_inflated"):
                level = DEGREE_ORDER.index(e.degree)
                if level + 1 < len(DEGREE_ORDER):
                    claim_degree = DEGREE_ORDER[level + 1]
                else:
                    record["degree"] = DEGREE_ORDER[level - 1]
            elif tag.endswith("degree_withdrawn"):
                record["status"] = "withdrawn"
                del record["graduated"]
            else:
                record["graduated"] = e.graduated + rng.choice((-2, -1, 1, 2))
        education_claims.append(
            {
                "institution": written(e.institution),
                "degree": claim_degree,
                "field": written(e.field),
                "graduated": e.graduated,
            }
        )
        if record is not None:
            out.add(record, *(() if tag is None else (tag,)))
        elif tag is not None:
            out.tags.add(tag)
            out.records.setdefault(tag, [])
    # a degree the candidate did not list (registries hold more than a CV shows)
    if edu and rng.random() < 0.05:
        out.add(
            {
                "type": "education_record",
                "id": out.rid("EDU"),
                "subject": subject,
                "institution": orgs.institution(rng, "associate", plan.category),
                "degree": "associate",
                "graduated": edu[-1].graduated - 3,
                "status": "completed",
            }
        )

    employment_claims = []
    recent = [
        j
        for j in jobs
        if (j.end is None or ctx.as_of_month - j.end < 9 * 12)
        and ((j.end or ctx.as_of_month) - j.start) >= 6
    ]
    target_missing = (
        rng.choice(recent) if recent and "claim_mismatch:employer_not_found" in plan.tags else None
    )
    stretch_pool = [j for j in recent if j is not target_missing]
    target_stretch = (
        rng.choice(stretch_pool)
        if stretch_pool and "claim_mismatch:employment_dates" in plan.tags
        else None
    )
    if target_missing is None:
        plan.tags.discard("claim_mismatch:employer_not_found")
    if target_stretch is None:
        plan.tags.discard("claim_mismatch:employment_dates")
    for job in reversed(jobs):
        claim_start = job.start
        if job is target_stretch:
            # mostly a few months (a rounding that went too far), sometimes a year or more
            claim_start = job.start - (
                rng.randint(4, 11) if rng.random() < 0.55 else rng.randint(12, 30)
            )
        employment_claims.append(
            {
                "employer": written(job.employer),
                "title": written(job.title),
                "start": month(claim_start),
                "end": None if job.end is None else month(job.end),
            }
        )
        if job is target_missing:
            out.tags.add("claim_mismatch:employer_not_found")
            out.records.setdefault("claim_mismatch:employer_not_found", [])
            continue
        start, end = job.start, job.end
        if job is not target_stretch and rng.random() < 0.15:
            start += rng.choice((-1, 1))
        record = {
            "type": "employment_record",
            "id": out.rid("SI"),
            "subject": subject,
            "employer": job.employer,
            "start": month(start),
            "end": None if end is None else month(end),
        }
        out.add(record, *(("claim_mismatch:employment_dates",) if job is target_stretch else ()))

    return {
        "education": education_claims,
        "employment": employment_claims,
        "licences": licences(ctx, out, plan, person, position),
    }
