"""People and identity: the candidate, the other people records are about (namesakes,
co-defendants, counterparties), their synthetic ID numbers, demographics and identity records.

Every resident ID number is in division ``99xxxx`` (no province uses it), valid (GB 11643 check
character, birth date, sex digit) and unique within a world: numbers are dealt from one world-wide
allocator (``IdNumbers``) in the order people are made.
"""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING, Any

from fairscreen.kit.cnid import make_cn_resident_id
from fairscreen.kit.names import name_key
from fairscreen.synth import orgs
from fairscreen.synth.base import Block, Person, Plan, Weighted, days_before
from fairscreen.synth.names import PersonName, chinese_name, english_name, namesake_of
from fairscreen.synth.plan import RATES

if TYPE_CHECKING:
    from fairscreen.synth.context import Context
    from fairscreen.synth.directory import Opening

ID_SPACE = 9801 * 500  # divisions 99CCDD (CC, DD in 01..99) x 500 sequence numbers per sex
_ID_STEP = 1_000_003  # a prime, so serial -> slot is a bijection on ID_SPACE

# Hard cases that need a Chinese name (a Chinese register, a Chinese remark).
_CHINESE_ONLY = {
    "forbidden_remark:household_registration",
    "forbidden_remark:ethnicity",
    "identity_conflict",
}
_ETHNICITY_CN = Weighted({e[0]: e[3] for e in orgs.ETHNICITIES_CN})
_ETHNICITY_OTHER = Weighted(dict(orgs.ETHNICITIES_OTHER))


class IdNumbers:
    """The world's ID numbers: serial n gets slot ``(n * step + offset) mod space``, so no two
    people of a world share a number, and the offset (drawn from the world seed) varies them."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.serial = 0

    def issue(self, sex: str, birth: date, kind: str) -> str:
        if self.serial >= ID_SPACE:
            raise ValueError("this world has more people than synthetic ID numbers")
        slot = (self.serial * _ID_STEP + self.offset) % ID_SPACE
        self.serial += 1
        if kind == "passport":
            return f"SX{slot:07d}"
        block, seq = divmod(slot, 500)
        division = f"99{block // 99 + 1:02d}{block % 99 + 1:02d}"
        return make_cn_resident_id(division, birth, 2 * seq + (1 if sex == "male" else 0))


def draw_birth(ctx: Context, rng: random.Random, low: float, high: float, mode: float) -> date:
    """A birth date for an age between ``low`` and ``high`` years, most often ``mode``."""
    age = rng.triangular(low, high, mode)
    return days_before(ctx.as_of, int(age * 365.25) + rng.randint(0, 30))


def stranger(
    ctx: Context, rng: random.Random, *, sex: str | None = None, surname: str | None = None
) -> Person:
    """Someone else: a co-defendant, a counterparty, a spouse, a sibling."""
    sex = sex or rng.choice(("female", "male"))
    birth = draw_birth(ctx, rng, 22, 70, 42)
    name = chinese_name(rng, sex, birth.year, traditional=False)
    if surname is not None:
        given = name.registered[len(name.surname) :]
        name = PersonName(surname + given, surname + given, surname, surname, "", given, "zh-Hans")
    number = ctx.ids.issue(sex, birth, "cn_resident_id")
    return Person(name, sex, birth, "cn_resident_id", number, None)


def namesake(ctx: Context, rng: random.Random, person: Person) -> Person:
    """Another person with ``person``'s registered name: same sex, another birth date and number."""
    birth = draw_birth(ctx, rng, 22, 65, 40)
    while abs((birth - person.birth).days) < 200:
        birth = draw_birth(ctx, rng, 22, 65, 40)
    kind = person.id_kind
    name = namesake_of(person.name)
    number = ctx.ids.issue(person.sex, birth, kind)
    return Person(name, person.sex, birth, kind, number, None)


def draw_candidate(ctx: Context, rng: random.Random, plan: Plan, position: Opening) -> Person:
    """The candidate: sex, age for the position, name and script, ID document, ethnicity."""
    needs_female = any(t == "forbidden_remark:pregnancy" for t in plan.tags)
    sex = "female" if needs_female else rng.choice(("female", "male"))
    category = plan.category
    if category == "executive_legal_rep":
        birth = draw_birth(ctx, rng, 32, 60, 43)
    elif position.licence == "physician":
        birth = draw_birth(ctx, rng, 27, 60, 38)
    elif category in ("driver", "security_guard"):
        birth = draw_birth(ctx, rng, 22, 60, 38)
    elif plan.forced is not None and plan.forced.startswith("claim_mismatch:"):
        birth = draw_birth(ctx, rng, 28, 55, 35)
    else:
        birth = draw_birth(ctx, rng, 20, 60, 29)
    if "old_conviction" in plan.tags:
        birth = min(birth, days_before(ctx.as_of, 30 * 365))
    english = rng.random() < RATES.english_name and plan.forced not in _CHINESE_ONLY
    if english:
        hong_kong = rng.random() < RATES.hong_kong_of_english
        name = english_name(rng, sex, hong_kong=hong_kong)
        kind = "cn_resident_id" if hong_kong else "passport"
        ethnicity = "Han" if hong_kong else _ETHNICITY_OTHER(rng)
    else:
        traditional = rng.random() < RATES.traditional_script
        name = chinese_name(rng, sex, birth.year, traditional=traditional)
        kind = "cn_resident_id"
        ethnicity = _ETHNICITY_CN(rng)
    return Person(name, sex, birth, kind, ctx.ids.issue(sex, birth, kind), ethnicity)


def demographics(rng: random.Random, person: Person, cid: str) -> dict[str, Any]:
    """The self-identified demographics line (each field sometimes not given)."""
    line: dict[str, Any] = {"type": "demographics", "candidate": cid}
    if rng.random() < 0.97:
        line["sex"] = "other" if rng.random() < 0.005 else person.sex
    if rng.random() < 0.95:
        line["birth_year"] = person.birth.year
    if rng.random() < 0.85 and person.ethnicity is not None:
        line["ethnicity"] = person.ethnicity
    return line


def identity(out: Block, plan: Plan, person: Person) -> None:
    """The identity record under the candidate's number: missing, or with another name, if planted."""
    rng = out.rng
    if "identity_missing" in plan.tags:
        out.tags.add("identity_missing")
        return
    name = person.name.registered
    tags: tuple[str, ...] = ()
    if "identity_conflict" in plan.tags:
        other = name
        while name_key(other) == name_key(name):
            if person.name.script == "en":
                other = english_name(
                    rng, person.sex, hong_kong=person.id_kind == "cn_resident_id"
                ).registered
            else:
                other = chinese_name(
                    rng, person.sex, person.birth.year, traditional=False
                ).registered
        name = other
        tags = ("identity_conflict",)
    out.add(
        {
            "type": "identity_record",
            "id": out.rid("IDR"),
            "subject": {
                "name": name,
                "id_number": person.id_number,
                "birth_date": person.birth,
            },
            "status": "valid",
        },
        *tags,
    )
