"""References: free-text references from former managers, colleagues, HR, subordinates and
clients, in zh-Hans, zh-Hant or English, with the planted remarks (misconduct corroborated or not,
private life, forbidden categories) among ordinary sentences. The sentences come from
``phrases``; this module decides who writes, about what, and how they name the candidate.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from fairscreen.kit.names import name_key
from fairscreen.synth import orgs, phrases
from fairscreen.synth.base import Block, Person, Plan, days_before
from fairscreen.synth.careers import CAREERS, Edu, Job
from fairscreen.synth.names import referee_name, traditional_of
from fairscreen.synth.plan import RATES

if TYPE_CHECKING:
    from fairscreen.synth.context import Context

_ETHNICITY_WORDS = {e[0]: e for e in orgs.ETHNICITIES_CN}
_HONORIFIC = {
    "software_engineering": "工",
    "childcare_education": "老师",
    "executive_legal_rep": "总",
}


def _short_org(name: str) -> str:
    return name.removesuffix(" Co., Ltd.")


def references(
    ctx: Context,
    out: Block,
    plan: Plan,
    person: Person,
    jobs: list[Job],
    edu: list[Edu],
    cid: str,
) -> list[dict[str, Any]]:
    """One to three references from past employers, with the planted remarks spread over the
    referees; returns the truth of each (its sentence labels)."""
    rng = out.rng
    count = rng.choices((1, 2, 3), (35, 45, 20))[0]
    if "corroborated_reference" in plan.tags:
        count = max(count, 2)
    # which referee says what
    remarks: list[list[str]] = [[] for _ in range(count)]
    taken: set[str] = set()
    if "corroborated_reference" in plan.tags:
        category = rng.choice(phrases.MISCONDUCT)
        taken.add(category)
        for slot in rng.sample(range(count), 2):
            remarks[slot].append(f"misconduct:{category}")
    if "uncorroborated_reference" in plan.tags:
        category = rng.choice([c for c in phrases.MISCONDUCT if c not in taken])
        remarks[rng.randrange(count)].append(f"misconduct:{category}")
    if "private_life_remark" in plan.tags:
        remarks[rng.randrange(count)].append("private_life")
    for tag in sorted(t for t in plan.tags if t.startswith("forbidden_remark:")):
        cat = tag.split(":", 1)[1]
        if cat == "pregnancy" and person.sex != "female":
            continue
        if cat == "household_registration" and person.name.script == "en":
            continue
        remarks[rng.randrange(count)].append(f"forbidden:{cat}")
    ended = [j for j in jobs if j.end is not None]
    pool = ended or jobs
    names = {name_key(person.name.registered)}
    used: set[str] = set()
    truth: list[dict[str, Any]] = []
    eth = _ethnicity_words(person)
    for k in range(count):
        language = rng.choices(
            ("zh-Hans", "zh-Hant", "en"),
            (RATES.zh_hans, RATES.zh_hant, 1 - RATES.zh_hans - RATES.zh_hant),
        )[0]
        if pool:
            job = pool[-1 - (k % len(pool))] if rng.random() < 0.7 else rng.choice(pool)
            org, role = job.employer, job.title
            months = max(6, min((job.end or ctx.as_of_month) - job.start, rng.randint(8, 60)))
            left = job.end is not None
            left_year = (job.end or ctx.as_of_month) // 12
            relationship = rng.choices(
                ("manager", "colleague", "hr", "subordinate", "client"), (40, 35, 15, 6, 4)
            )[0]
        else:
            org = (
                edu[0].institution
                if edu and rng.random() < 0.5
                else orgs.company(rng, CAREERS[plan.category](rng)).name
            )
            role, months, left, left_year, relationship = (
                "实习生",
                rng.randint(3, 8),
                True,
                ctx.as_of.year,
                "other",
            )
        english_referee = language == "en" and rng.random() < 0.6
        referee = referee_name(
            rng,
            english=english_referee or (language == "zh-Hant" and rng.random() < 0.15),
            traditional=language == "zh-Hant",
        )
        while name_key(referee) in names:
            referee = referee_name(rng, english=english_referee, traditional=language == "zh-Hant")
        names.add(name_key(referee))
        about = phrases.About(
            sex=person.sex,
            name_hans=_called(ctx, rng, person, "zh-Hans", plan.category),
            name_hant=_called(ctx, rng, person, "zh-Hant", plan.category),
            name_en=_called(ctx, rng, person, "en", plan.category),
            category=plan.category,
            org=_short_org(org),
            role=role,
            months_together=months,
            left_year=left_year,
            ethnicity=eth,
            place=rng.randrange(len(phrases.PLACES)),
        )
        text, sentences = phrases.compose(
            rng, language, about, relationship, remarks[k], used, left=left
        )
        rid = out.rid("REF")
        tags: list[str] = []
        for remark in remarks[k]:
            if remark.startswith("misconduct:"):
                tags.append(
                    "corroborated_reference"
                    if sum(remark in r for r in remarks) >= 2
                    else "uncorroborated_reference"
                )
            elif remark == "private_life":
                tags.append("private_life_remark")
            else:
                tags.append("forbidden_remark")
                tags.append("forbidden_remark:" + remark.split(":", 1)[1])
        out.add(
            {
                "type": "reference",
                "id": rid,
                "candidate": cid,
                "referee": {"name": referee, "relationship": relationship, "organisation": org},
                "language": language,
                "given": days_before(ctx.as_of, rng.randint(2, 40)),
                "text": text,
            },
            *tags,
        )
        truth.append(
            {
                "id": rid,
                "language": language,
                "sentences": [{"label": s.label, "hearsay": s.hearsay} for s in sentences],
            }
        )
    return truth


def _ethnicity_words(person: Person) -> tuple[str, str, str]:
    value = person.ethnicity or "Han"
    if value in _ETHNICITY_WORDS:
        _, hans, hant, _ = _ETHNICITY_WORDS[value]
        en = "Han Chinese" if value == "Han" else f"of {value} ethnicity"
        return hans, hant, en
    zh = {
        "White": "白人",
        "East Asian": "东亚裔",
        "South Asian": "南亚裔",
        "Southeast Asian": "东南亚裔",
        "Black": "黑人",
        "Hispanic or Latino": "拉丁裔",
        "Mixed": "混血",
    }.get(value, "外国人")
    return zh, phrases.to_hant(zh), f"of {value} background"


def _called(ctx: Context, rng: random.Random, person: Person, language: str, category: str) -> str:
    """How a referee writing in ``language`` names the candidate."""
    name = person.name
    title = "Ms" if person.sex == "female" else "Mr"
    if name.script == "en":
        if language == "en" and rng.random() < 0.3:
            return f"{title} {name.romanised_surname}"
        return name.given_written
    if language == "en":
        return f"{title} {name.romanised_surname}" if rng.random() < 0.7 else name.registered
    hant = language == "zh-Hant"
    full = traditional_of(name) if hant else name.registered
    surname = full[: len(name.surname)]
    roll = rng.random()
    if roll < 0.5:
        return full
    if roll < 0.7 and ctx.as_of.year - person.birth.year < 36 and len(surname) == 1:
        return f"小{surname}"
    suffix = _HONORIFIC.get(category)
    if roll < 0.85 and suffix is not None:
        return surname + (phrases.to_hant(suffix) if hant else suffix)
    return full
