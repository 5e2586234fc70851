"""``fairscreen world generate``: realistic synthetic worlds, streamed, deterministic for a seed.

A world is a header, the employers and agencies with their positions, then one block of lines per
candidate: the candidate (claims and consent), optional self-identified demographics, and the
external records the sandbox sources read about them (identity, education, social insurance,
court cases, the dishonest-debtor list, criminal-record certificates, licences, credit, driving,
fitness certificates, references), including records about *other* people that a name search
brings back (namesakes, name-only parties, co-defendants).

How it is built (the shape of Synthea's generator, in a few hundred lines):

- every candidate is generated on their own random stream, seeded from (world seed, index), so a
  candidate's story does not depend on how many came before; the world-level choices
  (organisations, positions, which early candidates carry which forced hard case) come from the
  world seed alone;
- a declared table of rates (``RATES``) says how often each hard case is planted; each candidate
  first gets a *plan* (position category and the set of hard-case tags), then the records are
  written to fit the plan, so the truth sidecar is exactly what was planted;
- every hard case is forced onto one of the first 200 candidates (``FORCED``), so any world of at
  least 200 candidates has each of them at least once;
- lines are written as they are made (orjson, one line each): memory does not grow with N.

All people are combinations from lists (``synth_names``), all ID numbers are in division
``99xxxx`` (no province uses it) and unique within a world, all organisations are fictional
(``synth_orgs``). The truth sidecar and the sentence-split rule are described in
``docs/world-generator.md``.
"""

from __future__ import annotations

import bisect
import itertools
import os
import random
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, TypeVar

import orjson

from fairscreen.kit.cnid import make_cn_resident_id
from fairscreen.kit.names import name_key
from fairscreen.policy.pack import PolicyPack, default_pack_for
from fairscreen.policy.vocabulary import Item
from fairscreen.world import model, phrases, synth_orgs
from fairscreen.world.synth_names import (
    PersonName,
    chinese_name,
    english_name,
    namesake_of,
    referee_name,
    traditional_of,
)

GENERATOR = "fairscreen-world-generate/1.0"
TRUTH_FORMAT = "fairscreen-world-truth"
TRUTH_VERSION = "1.0"
# Fixed so that the same seed gives the same bytes on any day; pass ``as_of`` to move it.
DEFAULT_AS_OF = date(2026, 11, 27)
MAX_CANDIDATES = 1_000_000
SEED_RANGE = (-(2**63), 2**63 - 1)  # the header holds the seed as a JSON integer
GUARANTEE_WINDOW = 200  # every hard case is planted at least once among the first 200
CST = timezone(timedelta(hours=8))

T = TypeVar("T")


# --- rates --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """How often each thing is planted: per candidate unless the comment says otherwise."""

    english_name: float = 0.10
    hong_kong_of_english: float = 0.40  # of English-named: Hong Kong staff (resident ID)
    traditional_script: float = 0.08  # of Chinese-named: write their own name in Traditional
    demographics: float = 0.92
    # identity
    identity_missing: float = 0.004
    identity_conflict: float = 0.005
    # claims that do not match the registries (of candidates with such claims)
    degree_not_found: float = 0.035
    degree_inflated: float = 0.035
    degree_withdrawn: float = 0.005
    graduation_year: float = 0.06
    employer_not_found: float = 0.05
    employment_dates: float = 0.09
    # licences (of candidates whose position requires one / who hold one)
    licence_missing: float = 0.04
    licence_expired: float = 0.03
    licence_revoked: float = 0.012
    licence_suspended: float = 0.004
    licence_not_found: float = 0.015
    # criminal
    conviction: float = 0.035
    acquitted: float = 0.003
    # courts
    civil_defendant: float = 0.03
    plaintiff: float = 0.025
    multi_defendant: float = 0.015
    forbidden_cause: float = 0.015
    administrative_case: float = 0.005
    namesake: float = 0.03
    name_only_party: float = 0.015
    stranger_case: float = 0.03  # an unrelated case between strangers (noise in the register)
    debtor_active: float = 0.012
    debtor_removed: float = 0.012
    # credit: finance and executive candidates always have a report, others sometimes
    credit_report_other: float = 0.30
    credit_delinquency: float = 0.15  # of reports
    # driving: drivers always have a record (unless planted otherwise), others sometimes
    driving_record_other: float = 0.45
    no_driving_licence: float = 0.012
    drunk_driving: float = 0.03
    serious_violation: float = 0.04
    driving_licence_suspended: float = 0.01
    driving_licence_revoked: float = 0.005
    # fitness certificates (of candidates whose category needs one)
    fitness_missing: float = 0.025
    fitness_unfit: float = 0.01
    fitness_expired: float = 0.025
    # references
    uncorroborated_reference: float = 0.05
    corroborated_reference: float = 0.03
    private_life_remark: float = 0.03
    forbidden_remark: float = 0.07
    # consent (one state per candidate)
    consent_refused: float = 0.012
    consent_revoked: float = 0.012
    separate_consent_missing: float = 0.025  # of candidates whose position has a sensitive item
    consent_item_declined: float = 0.025
    # reference languages
    zh_hans: float = 0.50
    zh_hant: float = 0.25  # the rest is English


RATES = Rates()

CATEGORY_WEIGHTS: dict[str, int] = {
    "general_office": 26,
    "software_engineering": 22,
    "finance_accounting": 10,
    "executive_legal_rep": 5,
    "driver": 9,
    "childcare_education": 9,
    "security_guard": 9,
    "healthcare": 10,
}

# The hard cases forced among the first 200 candidates: (tag, position category or None).
FORCED: tuple[tuple[str, str | None], ...] = (
    ("namesake", None),
    ("namesake", "finance_accounting"),
    ("name_only_party", None),
    ("plaintiff", "software_engineering"),
    ("multi_defendant", "general_office"),
    ("multi_defendant", "executive_legal_rep"),
    ("forbidden_cause", "executive_legal_rep"),
    ("administrative_case", None),
    ("civil_defendant", "executive_legal_rep"),
    ("old_conviction", "finance_accounting"),
    ("recent_conviction", "healthcare"),
    ("barring_conviction", "childcare_education"),
    ("barring_conviction", "security_guard"),
    ("barring_conviction", "executive_legal_rep"),
    ("barring_conviction", "finance_accounting"),
    ("barring_conviction", "driver"),
    ("acquitted", None),
    ("identity_conflict", None),
    ("identity_missing", None),
    ("claim_mismatch:degree_not_found", "software_engineering"),
    ("claim_mismatch:degree_inflated", "general_office"),
    ("claim_mismatch:degree_withdrawn", "finance_accounting"),
    ("claim_mismatch:graduation_year", "general_office"),
    ("claim_mismatch:employer_not_found", "general_office"),
    ("claim_mismatch:employment_dates", "software_engineering"),
    ("licence:missing", "security_guard"),
    ("licence:missing", "healthcare"),
    ("licence:expired", "healthcare"),
    ("licence:revoked", "security_guard"),
    ("licence:suspended", "healthcare"),
    ("licence:not_found", "childcare_education"),
    ("fitness:missing", "childcare_education"),
    ("fitness:unfit", "driver"),
    ("fitness:expired", "healthcare"),
    ("debtor_active", "executive_legal_rep"),
    ("debtor_removed", "finance_accounting"),
    ("credit_delinquency", "finance_accounting"),
    ("driving:drunk_driving", "driver"),
    ("driving:serious_violation", "driver"),
    ("driving:no_licence", "driver"),
    ("driving:licence_suspended", "driver"),
    ("driving:licence_revoked", "driver"),
    ("uncorroborated_reference", None),
    ("corroborated_reference", None),
    ("private_life_remark", None),
    *((f"forbidden_remark:{cat}", None) for cat in phrases.FORBIDDEN),
    ("consent_refused", None),
    ("consent_revoked", None),
    ("separate_consent_missing", "finance_accounting"),
    ("consent_item_declined", None),
)

# Convictions that bar a position by law (the planted meaning of ``barring_conviction``):
# category -> (cause classes of the policy pack, or None for any; years since the sentence was
# completed, or None for no limit).
BARS: dict[str, tuple[frozenset[str] | None, int | None]] = {
    # 未成年人保護法 第62條
    "childcare_education": (
        frozenset({"sexual", "child_abuse", "violent", "trafficking", "drug"}),
        None,
    ),
    # 保安服務管理條例 第17條
    "security_guard": (None, None),
    # 公司法 第178條
    "executive_legal_rep": (frozenset({"corruption", "fraud", "property", "economic_order"}), 5),
    # 會計法 第40條 (within the criminal-record lookback)
    "finance_accounting": (frozenset({"corruption", "fraud"}), 5),
    # 道路交通安全法 第91條
    "driver": (frozenset({"traffic"}), 10),
}
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
CIVIL_DEFENDANT_CAUSES: dict[str, int] = {
    "loan_dispute": 30,
    "tenancy": 15,
    "traffic_accident_liability": 12,
    "sales_contract": 10,
    "service_contract": 10,
    "tort": 8,
    "labour_dispute": 6,
    "company_dispute": 5,
    "shareholder_dispute": 4,
}
FORBIDDEN_CAUSES: dict[str, int] = {
    "divorce": 40,
    "inheritance": 25,
    "marriage_property": 10,
    "child_support": 10,
    "medical_malpractice_as_patient": 7,
    "engagement_gift": 5,
    "paternity": 3,
}
ADMINISTRATIVE_CAUSES = (
    "work_injury_recognition",
    "administrative_penalty",
    "information_disclosure",
    "land_requisition_compensation",
)

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

_ID_SPACE = 9801 * 500  # divisions 99CCDD (CC, DD in 01..99) x 500 sequence numbers per sex
_ID_STEP = 1_000_003  # a prime, so serial -> slot is a bijection on _ID_SPACE


# --- small helpers ------------------------------------------------------------------------------


class _Weighted:
    """A weighted choice with precomputed cumulative weights."""

    def __init__(self, table: dict[str, int] | dict[str, float]) -> None:
        self.keys = list(table)
        self.cum = list(itertools.accumulate(table.values()))

    def __call__(self, rng: random.Random) -> str:
        return self.keys[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _days_before(day: date, days: int) -> date:
    return date.fromordinal(day.toordinal() - days)


def _years_before(day: date, rng: random.Random, low: float, high: float) -> date:
    return _days_before(day, int(rng.uniform(low, high) * 365.25))


def _add_months(day: date, months: int) -> date:
    index = _month_index(day) + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def _short_org(name: str) -> str:
    return name.removesuffix(" Co., Ltd.")


# --- the world directory ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Employer:
    id: str
    name: str
    industry: str
    english: bool


@dataclass(frozen=True, slots=True)
class _Position:
    id: str
    employer: _Employer
    title: str
    category: str
    licence: str | None  # the licence kind a healthcare position needs


@dataclass
class _Directory:
    employers: list[_Employer]
    agencies: list[tuple[str, str]]
    positions: list[_Position]
    by_category: dict[str, list[_Position]]


def _title(
    rng: random.Random, category: str, level: str, *, english: bool, licence: str | None
) -> str:
    if licence is not None:
        return rng.choice(synth_orgs.HEALTH_TITLES[licence][level])
    if english and category in synth_orgs.EN_TITLES:
        return rng.choice(synth_orgs.EN_TITLES[category][level])
    return rng.choice(synth_orgs.TITLES[category][level])


def _build_directory(rng: random.Random, candidates: int, pack: PolicyPack) -> _Directory:
    count = min(40, 20 + candidates // 5000 + rng.randint(0, 5))
    industries = list(synth_orgs.INDUSTRY_WEIGHTS)
    pick = _Weighted(synth_orgs.INDUSTRY_WEIGHTS)
    industries += [pick(rng) for _ in range(count - len(industries))]
    rng.shuffle(industries)
    employers: list[_Employer] = []
    names: set[str] = set()
    for industry in industries:
        org = synth_orgs.company(rng, industry)
        while org.name in names:
            org = synth_orgs.company(rng, industry)
        names.add(org.name)
        employers.append(_Employer(f"E{len(employers) + 1:02d}", org.name, industry, org.english))
    agencies = [
        (f"A{i + 1}", synth_orgs.agency(rng, i)) for i in range(1 if rng.random() < 0.5 else 2)
    ]
    positions: list[_Position] = []
    health = _Weighted(HEALTH_LICENCES)
    for employer in employers:
        mix = _Weighted(synth_orgs.INDUSTRIES[employer.industry][1])
        titles: set[str] = set()
        for _ in range(rng.randint(2, 5)):
            category = mix(rng)
            licence = health(rng) if category == "healthcare" else None
            level = rng.choice(("junior", "mid", "mid", "senior"))
            title = _title(rng, category, level, english=employer.english, licence=licence)
            if title in titles:
                continue
            titles.add(title)
            positions.append(
                _Position(f"{employer.id}-P{len(titles)}", employer, title, category, licence)
            )
    by_category: dict[str, list[_Position]] = {}
    for position in positions:
        by_category.setdefault(position.category, []).append(position)
    for category in pack.categories:
        if category in by_category:
            continue
        hosts = [e for e in employers if category in synth_orgs.INDUSTRIES[e.industry][1]]
        employer = hosts[0] if hosts else employers[0]
        licence = health(rng) if category == "healthcare" else None
        title = _title(rng, category, "mid", english=employer.english, licence=licence)
        n = sum(1 for p in positions if p.employer is employer) + 1
        position = _Position(f"{employer.id}-P{n}", employer, title, category, licence)
        positions.append(position)
        by_category[category] = [position]
    if not any(p.licence in LICENCE_VALIDITY for p in by_category["healthcare"]):
        employer = by_category["healthcare"][0].employer
        title = _title(rng, "healthcare", "mid", english=False, licence="nurse")
        n = sum(1 for p in positions if p.employer is employer) + 1
        position = _Position(f"{employer.id}-P{n}", employer, title, "healthcare", "nurse")
        positions.append(position)
        by_category["healthcare"].append(position)
    return _Directory(employers, agencies, positions, by_category)


# --- people -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Person:
    name: PersonName
    sex: str
    birth: date
    id_kind: str
    id_number: str
    ethnicity: str | None  # self-identified value (Han, Hui, ..., or a broad group)

    def subject(self) -> dict[str, Any]:
        """The person as a register holds them: registered name, ID number, birth date."""
        return {
            "name": self.name.registered,
            "id_number": self.id_number,
            "birth_date": self.birth,
        }

    def party(self, role: str) -> dict[str, Any]:
        return {
            "name": self.name.registered,
            "id_number": self.id_number,
            "birth_date": self.birth,
            "role": role,
        }


@dataclass(slots=True)
class _Edu:
    degree: str
    institution: str
    field: str
    graduated: int
    foreign: bool


@dataclass(slots=True)
class _Job:
    employer: str
    industry: str
    title: str
    start: int  # month index
    end: int | None  # month index, None: ongoing


@dataclass(slots=True)
class _Plan:
    category: str
    tags: set[str] = field(default_factory=set)
    forced: str | None = None
    drunk_on: date | None = None  # the day of a planted drunk-driving conviction


class _Candidate:
    """Everything generated for one candidate: lines for the world, one line for the truth."""

    __slots__ = ("index", "lines", "records", "rng", "seq", "tags")

    def __init__(self, index: int, rng: random.Random) -> None:
        self.index = index
        self.rng = rng
        self.lines: list[dict[str, Any]] = []
        self.seq = 0
        self.tags: set[str] = set()
        self.records: dict[str, list[str]] = {}

    def rid(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}-{self.index + 1:07d}-{self.seq}"

    def add(self, record: dict[str, Any], *tags: str) -> str:
        self.lines.append(record)
        rid = str(record.get("id", ""))
        for tag in tags:
            self.tags.add(tag)
            self.records.setdefault(tag, []).append(rid)
        return rid


# --- the generator ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateStats:
    """What a run wrote."""

    candidates: int
    organisations: int
    positions: int
    lines: int
    bytes: int
    records: dict[str, int]  # lines by record type
    tags: dict[str, int]  # candidates carrying each planted tag


class _World:
    def __init__(self, *, candidates: int, seed: int, as_of: date) -> None:
        if not 1 <= candidates <= MAX_CANDIDATES:
            raise ValueError(f"candidates must be between 1 and {MAX_CANDIDATES:,}")
        if not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
            raise ValueError("seed must be a signed 64-bit integer")
        self.n = candidates
        self.seed = seed
        self.as_of = as_of
        self.as_of_month = _month_index(as_of)
        self.pack = default_pack_for("CN")
        world_rng = random.Random(self._key(-1))
        self.dir = _build_directory(world_rng, candidates, self.pack)
        self.id_offset = world_rng.randrange(_ID_SPACE)
        self.serial = 0
        self.forced = self._schedule(world_rng)
        weights = {c: CATEGORY_WEIGHTS.get(c, 1) for c in self.dir.by_category}
        self.category = _Weighted(weights)
        self.sensitive = frozenset(i for i, p in self.pack.items.items() if p.separate_consent)
        self.criminal_cause = _Weighted(CRIMINAL_CAUSES)
        self.civil_cause = _Weighted(CIVIL_DEFENDANT_CAUSES)
        self.forbidden_cause = _Weighted(FORBIDDEN_CAUSES)
        self.degree_mix = {k: _Weighted(v) for k, v in DEGREE_MIX.items()}
        self.health_licence = _Weighted(HEALTH_LICENCES)
        self.career = {k: _Weighted(v) for k, v in synth_orgs.CAREER_INDUSTRIES.items()}
        self.ethnicity_cn = _Weighted({e[0]: e[3] for e in synth_orgs.ETHNICITIES_CN})
        self.ethnicity_other = _Weighted(dict(synth_orgs.ETHNICITIES_OTHER))
        self.ethnicity_words = {e[0]: e for e in synth_orgs.ETHNICITIES_CN}

    def _key(self, index: int) -> int:
        return ((self.seed % (1 << 64)) << 24) | (index + 1)

    def _schedule(self, rng: random.Random) -> dict[int, tuple[str, str | None]]:
        window = min(self.n, GUARANTEE_WINDOW)
        cases = list(FORCED)
        if self.n < GUARANTEE_WINDOW:
            rng.shuffle(cases)
            cases = cases[: len(FORCED) * self.n // GUARANTEE_WINDOW]
        slots = rng.sample(range(window), len(cases))
        return dict(zip(slots, cases, strict=True))

    # -- people ---------------------------------------------------------------------------------

    def _id_number(self, sex: str, birth: date, kind: str) -> str:
        if self.serial >= _ID_SPACE:
            raise ValueError("this world has more people than synthetic ID numbers")
        slot = (self.serial * _ID_STEP + self.id_offset) % _ID_SPACE
        self.serial += 1
        if kind == "passport":
            return f"SX{slot:07d}"
        block, seq = divmod(slot, 500)
        division = f"99{block // 99 + 1:02d}{block % 99 + 1:02d}"
        return make_cn_resident_id(division, birth, 2 * seq + (1 if sex == "male" else 0))

    def _birth(self, rng: random.Random, low: float, high: float, mode: float) -> date:
        age = rng.triangular(low, high, mode)
        return _days_before(self.as_of, int(age * 365.25) + rng.randint(0, 30))

    def _stranger(
        self, rng: random.Random, *, sex: str | None = None, surname: str | None = None
    ) -> _Person:
        """Someone else: a co-defendant, a counterparty, a spouse, a sibling."""
        sex = sex or rng.choice(("female", "male"))
        birth = self._birth(rng, 22, 70, 42)
        name = chinese_name(rng, sex, birth.year, traditional=False)
        if surname is not None:
            given = name.registered[len(name.surname) :]
            name = PersonName(
                surname + given, surname + given, surname, surname, "", given, "zh-Hans"
            )
        number = self._id_number(sex, birth, "cn_resident_id")
        return _Person(name, sex, birth, "cn_resident_id", number, None)

    def _namesake(self, rng: random.Random, person: _Person) -> _Person:
        birth = self._birth(rng, 22, 65, 40)
        while abs((birth - person.birth).days) < 200:
            birth = self._birth(rng, 22, 65, 40)
        kind = person.id_kind
        name = namesake_of(person.name)
        number = self._id_number(person.sex, birth, kind)
        return _Person(name, person.sex, birth, kind, number, None)

    # -- the plan ---------------------------------------------------------------------------------

    def _plan(self, rng: random.Random, index: int) -> _Plan:
        forced = self.forced.get(index)
        category = forced[1] if forced and forced[1] else self.category(rng)
        plan = _Plan(category)
        r = RATES
        items = self.pack.categories[category].items

        def maybe(tag: str, rate: float) -> None:
            if rng.random() < rate:
                plan.tags.add(tag)

        maybe("identity_missing", r.identity_missing)
        if "identity_missing" not in plan.tags:
            maybe("identity_conflict", r.identity_conflict)
        for kind, rate in (
            ("degree_not_found", r.degree_not_found),
            ("degree_inflated", r.degree_inflated),
            ("degree_withdrawn", r.degree_withdrawn),
            ("graduation_year", r.graduation_year),
        ):
            maybe(f"claim_mismatch:{kind}", rate)
        maybe("claim_mismatch:employer_not_found", r.employer_not_found)
        maybe("claim_mismatch:employment_dates", r.employment_dates)
        maybe("conviction", r.conviction)
        maybe("acquitted", r.acquitted)
        maybe("civil_defendant", r.civil_defendant)
        maybe("plaintiff", r.plaintiff)
        maybe("multi_defendant", r.multi_defendant)
        maybe("forbidden_cause", r.forbidden_cause)
        maybe("administrative_case", r.administrative_case)
        maybe("namesake", r.namesake)
        maybe("name_only_party", r.name_only_party)
        maybe("debtor_active", r.debtor_active)
        if "debtor_active" not in plan.tags:
            maybe("debtor_removed", r.debtor_removed)
        maybe("credit_delinquency", r.credit_delinquency)
        if category == "driver":
            roll = rng.random()
            for tag, rate in (
                ("driving:no_licence", r.no_driving_licence),
                ("driving:drunk_driving", r.drunk_driving),
                ("driving:serious_violation", r.serious_violation),
                ("driving:licence_suspended", r.driving_licence_suspended),
                ("driving:licence_revoked", r.driving_licence_revoked),
            ):
                if roll < rate:
                    plan.tags.add(tag)
                    break
                roll -= rate
        if self.pack.categories[category].fitness_certificate:
            roll = rng.random()
            for tag, rate in (
                ("fitness:missing", r.fitness_missing),
                ("fitness:unfit", r.fitness_unfit),
                ("fitness:expired", r.fitness_expired),
            ):
                if roll < rate:
                    plan.tags.add(tag)
                    break
                roll -= rate
        if self.pack.categories[category].required_licences:
            roll = rng.random()
            for tag, rate in (
                ("licence:missing", r.licence_missing),
                ("licence:expired", r.licence_expired if category == "healthcare" else 0.0),
                ("licence:revoked", r.licence_revoked),
                ("licence:suspended", r.licence_suspended),
                ("licence:not_found", r.licence_not_found),
            ):
                if roll < rate:
                    plan.tags.add(tag)
                    break
                roll -= rate
        elif category in OPTIONAL_LICENCES:
            roll = rng.random()
            for tag, rate in (
                ("licence:expired", r.licence_expired),
                ("licence:revoked", r.licence_revoked),
                ("licence:not_found", r.licence_not_found),
            ):
                if roll < rate:
                    plan.tags.add(tag)
                    break
                roll -= rate
        maybe("uncorroborated_reference", r.uncorroborated_reference)
        maybe("corroborated_reference", r.corroborated_reference)
        maybe("private_life_remark", r.private_life_remark)
        if rng.random() < r.forbidden_remark:
            plan.tags.add(f"forbidden_remark:{rng.choice(phrases.FORBIDDEN)}")
            if rng.random() < 0.2:
                plan.tags.add(f"forbidden_remark:{rng.choice(phrases.FORBIDDEN)}")
        roll = rng.random()
        has_sensitive = bool(items & self.sensitive)
        for tag, rate in (
            ("consent_refused", r.consent_refused),
            ("consent_revoked", r.consent_revoked),
            ("separate_consent_missing", r.separate_consent_missing if has_sensitive else 0.0),
            ("consent_item_declined", r.consent_item_declined),
        ):
            if roll < rate:
                plan.tags.add(tag)
                break
            roll -= rate
        if forced:
            self._force(plan, forced[0])
        return plan

    _FAMILIES = (
        ("driving:",),
        ("fitness:",),
        ("licence:",),
        ("consent_refused", "consent_revoked", "separate_consent_missing", "consent_item_declined"),
        ("identity_missing", "identity_conflict"),
        ("debtor_active", "debtor_removed"),
        ("claim_mismatch:degree", "claim_mismatch:graduation_year"),
        ("claim_mismatch:employer_not_found", "claim_mismatch:employment_dates"),
    )

    def _force(self, plan: _Plan, tag: str) -> None:
        """Plant ``tag`` whatever the draw said, dropping what cannot go with it."""
        for family in self._FAMILIES:
            if tag.startswith(family):
                plan.tags = {t for t in plan.tags if not t.startswith(family)}
        if tag in ("old_conviction", "recent_conviction", "barring_conviction"):
            plan.tags.add("conviction")
        plan.tags.add(tag)
        plan.forced = tag

    # -- one candidate ----------------------------------------------------------------------------

    def candidate(self, index: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        rng = random.Random(self._key(index))
        out = _Candidate(index, rng)
        plan = self._plan(rng, index)
        choices = self.dir.by_category[plan.category]
        if plan.category == "healthcare" and "licence:expired" in plan.tags:
            choices = [p for p in choices if p.licence in LICENCE_VALIDITY]
        position = rng.choice(choices)
        person = self._person(rng, plan, position)
        edu = self._education(rng, plan, person, position)
        jobs = self._jobs(rng, plan, person, edu, position)
        cid = f"C{index + 1:07d}"
        claims = self._claims_and_registries(out, plan, person, edu, jobs, position)
        consent = self._consent(out, plan, position, cid)
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
                "consent": consent,
            },
        )
        if rng.random() < RATES.demographics:
            out.lines.insert(1, self._demographics(rng, person, cid))
        self._identity(out, plan, person)
        self._criminal(out, plan, person)
        self._courts(out, plan, person)
        self._enforcement(out, plan, person)
        self._credit(out, plan, person)
        self._driving(out, plan, person, position)
        self._fitness(out, plan, person)
        references = self._references(out, plan, person, jobs, edu, cid)
        forced = self.forced.get(index)
        truth = {
            "type": "candidate",
            "candidate": cid,
            "position": position.id,
            "category": plan.category,
            "name_script": person.name.script,
            "tags": sorted(out.tags),
            "forced": forced[0] if forced else None,
            "records": out.records,
            "references": references,
        }
        return out.lines, truth

    def _person(self, rng: random.Random, plan: _Plan, position: _Position) -> _Person:
        needs_female = any(t == "forbidden_remark:pregnancy" for t in plan.tags)
        sex = "female" if needs_female else rng.choice(("female", "male"))
        category = plan.category
        if category == "executive_legal_rep":
            birth = self._birth(rng, 32, 60, 43)
        elif position.licence == "physician":
            birth = self._birth(rng, 27, 60, 38)
        elif category in ("driver", "security_guard"):
            birth = self._birth(rng, 22, 60, 38)
        elif plan.forced is not None and plan.forced.startswith("claim_mismatch:"):
            birth = self._birth(rng, 28, 55, 35)
        else:
            birth = self._birth(rng, 20, 60, 29)
        if "old_conviction" in plan.tags:
            birth = min(birth, _days_before(self.as_of, 30 * 365))
        english = rng.random() < RATES.english_name and plan.forced not in _CHINESE_ONLY
        if english:
            hong_kong = rng.random() < RATES.hong_kong_of_english
            name = english_name(rng, sex, hong_kong=hong_kong)
            kind = "cn_resident_id" if hong_kong else "passport"
            ethnicity = "Han" if hong_kong else self.ethnicity_other(rng)
        else:
            traditional = rng.random() < RATES.traditional_script
            name = chinese_name(rng, sex, birth.year, traditional=traditional)
            kind = "cn_resident_id"
            ethnicity = self.ethnicity_cn(rng)
        return _Person(name, sex, birth, kind, self._id_number(sex, birth, kind), ethnicity)

    def _demographics(self, rng: random.Random, person: _Person, cid: str) -> dict[str, Any]:
        line: dict[str, Any] = {"type": "demographics", "candidate": cid}
        if rng.random() < 0.97:
            line["sex"] = "other" if rng.random() < 0.005 else person.sex
        if rng.random() < 0.95:
            line["birth_year"] = person.birth.year
        if rng.random() < 0.85 and person.ethnicity is not None:
            line["ethnicity"] = person.ethnicity
        return line

    # -- education and career ---------------------------------------------------------------------

    def _education(
        self, rng: random.Random, plan: _Plan, person: _Person, position: _Position
    ) -> list[_Edu]:
        family = plan.category
        mix = self.degree_mix[position.licence or family]
        degree = mix(rng)
        wants_degree = any(
            t.startswith("claim_mismatch:degree") or t == "claim_mismatch:graduation_year"
            for t in plan.tags
        )
        if degree == "none" and wants_degree:
            degree = "vocational" if family in ("driver", "security_guard") else "associate"
        if degree == "none":
            return []
        age_now = self.as_of.year - person.birth.year
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
        out: list[_Edu] = []
        chain = [degree]
        if degree == "doctorate" and rng.random() < 0.7:
            chain.append("master")
        if chain[-1] in ("master", "doctorate") and rng.random() < 0.8:
            chain.append("bachelor")
        fields = synth_orgs.FIELDS[family]
        field_zh, field_en = (
            synth_orgs.HEALTH_FIELD[position.licence] if position.licence else rng.choice(fields)
        )
        for step, deg in enumerate(chain):
            age = GRADUATION_AGE[deg] + (
                1 if position.licence == "physician" and deg == "bachelor" else 0
            )
            year = person.birth.year + age + rng.choice((0, 0, 0, 1))
            year = min(year, self.as_of.year - (0 if self.as_of.month >= 7 else 1))
            if english and not hong_kong:
                foreign = True
            elif hong_kong:
                foreign = rng.random() < 0.5
            else:
                foreign = deg in ("master", "doctorate") and rng.random() < 0.12
            institution = ""
            while not institution or any(e.institution == institution for e in out):
                institution = (
                    synth_orgs.foreign_institution(rng)
                    if foreign
                    else synth_orgs.institution(rng, deg, family)
                )
            if step > 0 and rng.random() < 0.5:
                field_zh, field_en = rng.choice(fields)
            out.append(_Edu(deg, institution, field_en if foreign else field_zh, year, foreign))
        return out

    def _jobs(
        self, rng: random.Random, plan: _Plan, person: _Person, edu: list[_Edu], position: _Position
    ) -> list[_Job]:
        if edu:
            start = max(e.graduated for e in edu) * 12 + 6 + rng.randint(0, 4)
        else:
            start = _month_index(person.birth) + 12 * rng.randint(18, 21)
        if person.name.script == "en" and person.id_kind == "passport":
            # foreign staff come to China some years into their career
            start += 12 * rng.randint(0, 6)
        now = self.as_of_month
        if start >= now - 3:
            return []
        career = self.career[plan.category]
        hosts = [
            e
            for e in self.dir.employers
            if e.industry in synth_orgs.CAREER_INDUSTRIES[plan.category]
        ]
        # executives rise through one line of work first
        track = plan.category
        if track == "executive_legal_rep":
            track = rng.choice(("finance_accounting", "general_office", "software_engineering"))
        jobs: list[_Job] = []
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
                org = synth_orgs.company(rng, industry)
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
            title = _title(rng, category, level, english=english, licence=position.licence)
            jobs.append(_Job(name, industry, title, cursor, end))
            if end is None:
                break
            cursor = end + rng.choice((0, 1, 1, 2, 3, 4, 6))
        return jobs[-rng.randint(2, 4) :] if len(jobs) > 2 else jobs

    def _claims_and_registries(
        self,
        out: _Candidate,
        plan: _Plan,
        person: _Person,
        edu: list[_Edu],
        jobs: list[_Job],
        position: _Position,
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
                    "institution": synth_orgs.institution(rng, "associate", plan.category),
                    "degree": "associate",
                    "graduated": edu[-1].graduated - 3,
                    "status": "completed",
                }
            )

        employment_claims = []
        recent = [
            j
            for j in jobs
            if (j.end is None or self.as_of_month - j.end < 9 * 12)
            and ((j.end or self.as_of_month) - j.start) >= 6
        ]
        target_missing = (
            rng.choice(recent)
            if recent and "claim_mismatch:employer_not_found" in plan.tags
            else None
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
                    "start": _month(claim_start),
                    "end": None if job.end is None else _month(job.end),
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
                "start": _month(start),
                "end": None if end is None else _month(end),
            }
            out.add(
                record, *(("claim_mismatch:employment_dates",) if job is target_stretch else ())
            )

        return {
            "education": education_claims,
            "employment": employment_claims,
            "licences": self._licences(out, plan, person, position),
        }

    def _licences(
        self, out: _Candidate, plan: _Plan, person: _Person, position: _Position
    ) -> list[dict[str, str]]:
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
        required = bool(self.pack.categories[category].required_licences)
        if problem is not None and not kinds:
            kinds.append(rng.choice(list(OPTIONAL_LICENCES.get(category, {"teacher": 1.0}))))
        if problem == "licence:expired" and not any(k in LICENCE_VALIDITY for k in kinds):
            if required:
                problem = "licence:revoked"
            else:
                kinds[0] = "teacher" if category == "childcare_education" else "cpa"
        claims: list[dict[str, str]] = []
        age_now = self.as_of.year - person.birth.year
        for i, kind in enumerate(kinds):
            first_year = max(
                person.birth.year + 20,
                self.as_of.year - rng.randint(1, max(1, min(25, age_now - 20))),
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
                _days_before(self.as_of, 30),
            )
            expires = None
            status = "valid"
            if validity is not None:
                # renewed on time: the current registration runs until a date after as_of
                periods = max(1, (self.as_of.year - first_year) // validity + 1)
                expires = date(first_year + periods * validity, issued.month, issued.day)
                if expires <= self.as_of:
                    expires = date(expires.year + validity, issued.month, issued.day)
            if affected and problem == "licence:expired":
                expires = _days_before(self.as_of, rng.randint(20, 700))
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

    # -- consent ----------------------------------------------------------------------------------

    def _consent(
        self, out: _Candidate, plan: _Plan, position: _Position, cid: str
    ) -> dict[str, Any] | None:
        rng = out.rng
        if "consent_refused" in plan.tags:
            out.tags.add("consent_refused")
            return None
        allowed = self.pack.categories[plan.category].items
        items = [i for i in Item if i in allowed]
        separate = [i for i in items if i in self.sensitive]
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
            _days_before(self.as_of, rng.randint(2, 25)),
            datetime.min.time(),
            tzinfo=CST,
        ) + timedelta(minutes=rng.randint(8 * 60 + 30, 18 * 60))
        consent: dict[str, Any] = {
            "id": f"K{out.index + 1:07d}",
            "items": [str(i) for i in items],
            "separate_items": [str(i) for i in separate],
            "purpose": "pre_employment_screening",
            "recipient": position.employer.id,
            "agency": rng.choice(self.dir.agencies)[0],
            "retention_days": self.pack.periods.default_retention_days
            if rng.random() < 0.9
            else 365,
            "signed_at": signed,
        }
        if "consent_revoked" in plan.tags:
            end = datetime.combine(self.as_of, datetime.min.time(), tzinfo=CST)
            span = int((end - signed).total_seconds() // 60)
            consent["revoked_at"] = signed + timedelta(minutes=rng.randint(60, max(61, span)))
            out.tags.add("consent_revoked")
        return consent

    # -- registries -------------------------------------------------------------------------------

    def _identity(self, out: _Candidate, plan: _Plan, person: _Person) -> None:
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

    def _criminal(self, out: _Candidate, plan: _Plan, person: _Person) -> None:
        rng = out.rng
        category = plan.category
        offences: list[dict[str, Any]] = []
        if "conviction" in plan.tags or "driving:drunk_driving" in plan.tags:
            offences.append(self._conviction(out, plan, person))
        if "acquitted" in plan.tags:
            court, prefix = synth_orgs.court(rng)
            filed = _years_before(self.as_of, rng, 0.5, 8)
            out.add(
                {
                    "type": "court_case",
                    "id": out.rid("CASE"),
                    "court": court,
                    "case_number": synth_orgs.case_number(rng, prefix, filed.year, "刑初"),
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
        wants_certificate = Item.CRIMINAL_RECORD in self.pack.categories[category].items
        if wants_certificate or rng.random() < 0.05:
            cert: dict[str, Any] = {
                "type": "criminal_certificate",
                "id": out.rid("CRC"),
                "subject": person.subject(),
                "issued": _days_before(self.as_of, rng.randint(3, 80)),
                "result": "record" if offences else "no_record",
            }
            if offences:
                cert["offences"] = offences
            out.add(cert)

    def _conviction(self, out: _Candidate, plan: _Plan, person: _Person) -> dict[str, Any]:
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
                for c, cls in self.pack.criminal_causes.items()
                if classes is None or cls.cls in classes
            ]
            cause = rng.choice(options)
        else:
            cause = self.criminal_cause(rng)
        age_now = (self.as_of - person.birth).days / 365.25
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
        completed = _days_before(self.as_of, int(years_ago * 365.25))
        months = (
            rng.choice((0, 0, 0, 6, 8, 12, 18, 24, 36))
            if cause != "dangerous_driving"
            else rng.choice((1, 2, 3, 4, 6))
        )
        convicted = _add_months(completed, -months) if months else completed
        cls = self.pack.criminal_causes[cause].cls
        tags = ["conviction"]
        tags.append("old_conviction" if years_ago > OLD_CONVICTION_YEARS else "recent_conviction")
        bar_classes, bar_within = BARS.get(category, (frozenset(), 0))
        if (
            category in BARS
            and (bar_classes is None or cls in bar_classes)
            and (bar_within is None or years_ago <= bar_within)
        ):
            tags.append("barring_conviction")
        court, prefix = synth_orgs.court(rng)
        filed = _add_months(convicted, -rng.randint(2, 6))
        parties = [
            {"name": court.replace("人民法院", "人民检察院"), "role": "plaintiff"},
            person.party("defendant"),
        ]
        if rng.random() < 0.2:
            parties.append(self._stranger(rng).party("defendant"))
        case: dict[str, Any] = {
            "type": "court_case",
            "id": out.rid("CASE"),
            "court": court,
            "case_number": synth_orgs.case_number(rng, prefix, filed.year, "刑初"),
            "kind": "criminal",
            "cause": cause,
            "filed": filed,
            "decided": convicted,
            "outcome": "convicted",
            "sentence_completed": completed,
            "parties": parties,
        }
        out.add(case, *tags)
        if cause == "dangerous_driving":
            plan.drunk_on = convicted
        return {"cause": cause, "convicted": convicted, "sentence_completed": completed}

    def _case(
        self,
        out: _Candidate,
        *,
        kind: str,
        cause: str,
        parties: list[dict[str, Any]],
        years: tuple[float, float],
        outcome: str | None = None,
        tags: Sequence[str] = (),
    ) -> dict[str, Any]:
        rng = out.rng
        court, prefix = synth_orgs.court(rng)
        filed = _years_before(self.as_of, rng, *years)
        age_days = (self.as_of - filed).days
        if outcome is None:
            outcome = rng.choices(
                (
                    "judgment_for_plaintiff",
                    "settled",
                    "withdrawn",
                    "judgment_for_defendant",
                    "dismissed",
                ),
                (50, 25, 10, 10, 5),
            )[0]
            if age_days < 200 and rng.random() < 0.5:
                outcome = "pending"
        record: dict[str, Any] = {
            "type": "court_case",
            "id": out.rid("CASE"),
            "court": court,
            "case_number": synth_orgs.case_number(
                rng,
                prefix,
                filed.year,
                {"civil": "民初", "administrative": "行初", "criminal": "刑初"}[kind],
            ),
            "kind": kind,
            "cause": cause,
            "filed": filed,
        }
        if outcome != "pending":
            record["decided"] = date.fromordinal(
                min(self.as_of.toordinal(), filed.toordinal() + rng.randint(40, 400))
            )
        record["outcome"] = outcome
        record["parties"] = parties
        out.add(record, *tags)
        return record

    def _company_party(self, rng: random.Random, industry: str, role: str) -> dict[str, Any]:
        return {"name": synth_orgs.company(rng, industry).name, "role": role}

    def _courts(self, out: _Candidate, plan: _Plan, person: _Person) -> None:
        rng = out.rng
        if "civil_defendant" in plan.tags:
            plaintiff = (
                self._stranger(rng).party("plaintiff")
                if rng.random() < 0.6
                else self._company_party(
                    rng, rng.choice(("finance", "retail", "property")), "plaintiff"
                )
            )
            self._case(
                out,
                kind="civil",
                cause=self.civil_cause(rng),
                parties=[plaintiff, person.party("defendant")],
                years=(0.1, 8),
                tags=("civil_defendant",),
            )
        if "plaintiff" in plan.tags:
            # the Zhang case: suing to recover money he was cheated of
            if rng.random() < 0.7:
                defendant = self._stranger(rng).party("defendant")
            else:
                defendant = self._company_party(
                    rng, rng.choice(("finance", "retail", "tech")), "defendant"
                )
            cause = rng.choice(("loan_dispute", "tort", "service_contract", "sales_contract"))
            self._case(
                out,
                kind="civil",
                cause=cause,
                parties=[person.party("plaintiff"), defendant],
                years=(0.3, 5),
                outcome=rng.choice(("judgment_for_plaintiff", "judgment_for_plaintiff", "settled")),
                tags=("plaintiff",),
            )
        if "multi_defendant" in plan.tags:
            # the Luo case: a property-management company sues dozens of owners for fees
            owners = [self._stranger(rng).party("defendant") for _ in range(rng.randint(12, 60))]
            owners.insert(rng.randint(0, len(owners)), person.party("defendant"))
            parties = [self._company_party(rng, "property", "plaintiff"), *owners]
            self._case(
                out,
                kind="civil",
                cause="property_management_fee",
                parties=parties,
                years=(1.5, 11),
                outcome=rng.choice(("judgment_for_plaintiff", "settled")),
                tags=("multi_defendant",),
            )
        if "forbidden_cause" in plan.tags:
            cause = self.forbidden_cause(rng)
            me_first = rng.random() < 0.5
            if cause == "medical_malpractice_as_patient":
                parties = [
                    person.party("plaintiff"),
                    self._company_party(rng, "healthcare", "defendant"),
                ]
            elif cause == "inheritance":
                sibling = self._stranger(
                    rng, surname=person.name.registered[0] if person.name.script != "en" else None
                )
                parties = [sibling.party("plaintiff"), person.party("defendant")]
                if me_first:
                    parties = [person.party("plaintiff"), sibling.party("defendant")]
            else:
                other = self._stranger(rng, sex="male" if person.sex == "female" else "female")
                roles = ("plaintiff", "defendant") if me_first else ("defendant", "plaintiff")
                parties = [person.party(roles[0]), other.party(roles[1])]
            self._case(
                out,
                kind="civil",
                cause=cause,
                parties=parties,
                years=(0.2, 8),
                tags=("forbidden_cause", f"forbidden_cause:{cause}"),
            )
        if "administrative_case" in plan.tags:
            parties = [
                person.party("plaintiff"),
                {"name": synth_orgs.government_body(rng), "role": "defendant"},
            ]
            self._case(
                out,
                kind="administrative",
                cause=rng.choice(ADMINISTRATIVE_CAUSES),
                parties=parties,
                years=(0.3, 6),
                tags=("administrative_case",),
            )
        if "namesake" in plan.tags:
            twin = self._namesake(rng, person)
            what = rng.choice(("criminal", "civil", "enforcement", "criminal"))
            if what == "criminal":
                cause = rng.choice(
                    ("fraud", "theft", "embezzlement", "intentional_injury", "dangerous_driving")
                )
                court, _ = synth_orgs.court(rng)
                prosecutor = {"name": court.replace("人民法院", "人民检察院"), "role": "plaintiff"}
                case = self._case(
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
                        "issued": _days_before(self.as_of, rng.randint(10, 300)),
                        "result": "record",
                        "offences": [
                            {"cause": cause, "convicted": case.get("decided", case["filed"])}
                        ],
                    },
                    "namesake",
                )
            elif what == "civil":
                self._case(
                    out,
                    kind="civil",
                    cause=self.civil_cause(rng),
                    parties=[
                        self._company_party(rng, "finance", "plaintiff"),
                        twin.party("defendant"),
                    ],
                    years=(0.2, 3),
                    outcome="judgment_for_plaintiff",
                    tags=("namesake",),
                )
            else:
                self._enforcement_record(out, twin.subject(), active=True, tags=("namesake",))
        if "name_only_party" in plan.tags:
            bare = {"name": person.name.registered, "role": "defendant"}
            roll = rng.random()
            if roll < 0.6:
                self._case(
                    out,
                    kind="civil",
                    cause=self.civil_cause(rng),
                    parties=[self._company_party(rng, "finance", "plaintiff"), bare],
                    years=(0.2, 3),
                    tags=("name_only_party",),
                )
            elif roll < 0.85:
                court, _ = synth_orgs.court(rng)
                self._case(
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
                self._enforcement_record(
                    out, {"name": bare["name"]}, active=True, tags=("name_only_party",)
                )
        if rng.random() < RATES.stranger_case:
            a, b = self._stranger(rng), self._stranger(rng)
            self._case(
                out,
                kind="civil",
                cause=self.civil_cause(rng),
                parties=[a.party("plaintiff"), b.party("defendant")],
                years=(0.1, 10),
            )

    def _enforcement_record(
        self, out: _Candidate, subject: dict[str, Any], *, active: bool, tags: Sequence[str]
    ) -> None:
        rng = out.rng
        court, prefix = synth_orgs.court(rng)
        listed = (
            _years_before(self.as_of, rng, 0.2, 3)
            if active
            else _years_before(self.as_of, rng, 1.5, 7)
        )
        record: dict[str, Any] = {
            "type": "enforcement_record",
            "id": out.rid("ENF"),
            "subject": subject,
            "court": court,
            "case_number": synth_orgs.case_number(rng, prefix, listed.year, "执"),
            "listed": listed,
        }
        if not active:
            record["removed"] = date.fromordinal(
                min(self.as_of.toordinal() - 30, listed.toordinal() + rng.randint(90, 900))
            )
        out.add(record, *tags)

    def _enforcement(self, out: _Candidate, plan: _Plan, person: _Person) -> None:
        rng = out.rng
        for tag in ("debtor_active", "debtor_removed"):
            if tag not in plan.tags:
                continue
            active = tag == "debtor_active"
            if rng.random() < 0.7:
                # the judgment that was not paid
                creditor = self._company_party(rng, "finance", "plaintiff")
                self._case(
                    out,
                    kind="civil",
                    cause="loan_dispute",
                    parties=[creditor, person.party("defendant")],
                    years=(1.0, 3) if active else (3, 8),
                    outcome="judgment_for_plaintiff",
                    tags=("civil_defendant",),
                )
            self._enforcement_record(out, person.subject(), active=active, tags=(tag,))

    def _credit(self, out: _Candidate, plan: _Plan, person: _Person) -> None:
        rng = out.rng
        always = Item.CREDIT in self.pack.categories[plan.category].items
        if not always and rng.random() >= RATES.credit_report_other:
            return
        record: dict[str, Any] = {
            "type": "credit_report",
            "id": out.rid("CRD"),
            "subject": person.subject(),
            "as_of": _days_before(self.as_of, rng.randint(1, 30)),
        }
        bad = "credit_delinquency" in plan.tags or "debtor_active" in plan.tags
        if bad:
            record["serious_delinquencies"] = rng.randint(1, 6)
            record["last_delinquency"] = _years_before(self.as_of, rng, 0.2, 4)
            record["accounts_in_default"] = (
                rng.choice((0, 0, 1, 2)) if "debtor_active" not in plan.tags else rng.randint(1, 3)
            )
            out.add(record, "credit_delinquency")
        else:
            record["serious_delinquencies"] = 0
            record["accounts_in_default"] = 0
            out.add(record)

    def _driving(self, out: _Candidate, plan: _Plan, person: _Person, position: _Position) -> None:
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
                    "date": _years_before(self.as_of, rng, 0.05, 6),
                    "points": rng.choice((0, 1, 3, 3, 6)),
                }
            )
        status = "valid"
        since: date | None = None
        tags: list[str] = []
        if drunk_on is not None:
            day = drunk_on - timedelta(days=rng.randint(60, 150))
            violations.append({"kind": "drunk_driving", "date": day, "points": 12})
            if (self.as_of - day).days < 5 * 365:
                status, since = "revoked", day + timedelta(days=rng.randint(20, 60))
            if driver:
                tags.append("driving:drunk_driving")
        if "driving:serious_violation" in plan.tags:
            kind = rng.choice(("dui", "speeding_serious", "speeding_serious"))
            violations.append(
                {
                    "kind": kind,
                    "date": _years_before(self.as_of, rng, 0.2, 4.5),
                    "points": 12 if kind == "dui" else 6,
                }
            )
            tags.append("driving:serious_violation")
        if "driving:licence_suspended" in plan.tags:
            status, since = "suspended", _days_before(self.as_of, rng.randint(10, 170))
            violations.append(
                {
                    "kind": "speeding_serious",
                    "date": since - timedelta(days=rng.randint(5, 40)),
                    "points": 12,
                }
            )
            tags.append("driving:licence_suspended")
        if "driving:licence_revoked" in plan.tags:
            status, since = "revoked", _years_before(self.as_of, rng, 0.3, 3)
            violations.append(
                {
                    "kind": "hit_and_run",
                    "date": since - timedelta(days=rng.randint(20, 90)),
                    "points": 12,
                }
            )
            tags.append("driving:licence_revoked")
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

    def _fitness(self, out: _Candidate, plan: _Plan, person: _Person) -> None:
        rng = out.rng
        purpose = self.pack.categories[plan.category].fitness_certificate
        if purpose is None:
            if rng.random() < 0.08:
                issued = _days_before(self.as_of, rng.randint(10, 600))
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
                issued = _days_before(self.as_of, rng.randint(10, 300))
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
            issued = _days_before(self.as_of, rng.randint(380, 700))
        else:
            issued = _days_before(self.as_of, rng.randint(5, 330))
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

    # -- references -------------------------------------------------------------------------------

    def _references(
        self,
        out: _Candidate,
        plan: _Plan,
        person: _Person,
        jobs: list[_Job],
        edu: list[_Edu],
        cid: str,
    ) -> list[dict[str, Any]]:
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
        eth = self._ethnicity_words(person)
        for k in range(count):
            language = rng.choices(
                ("zh-Hans", "zh-Hant", "en"),
                (RATES.zh_hans, RATES.zh_hant, 1 - RATES.zh_hans - RATES.zh_hant),
            )[0]
            if pool:
                job = pool[-1 - (k % len(pool))] if rng.random() < 0.7 else rng.choice(pool)
                org, role = job.employer, job.title
                months = max(6, min((job.end or self.as_of_month) - job.start, rng.randint(8, 60)))
                left = job.end is not None
                left_year = (job.end or self.as_of_month) // 12
                relationship = rng.choices(
                    ("manager", "colleague", "hr", "subordinate", "client"), (40, 35, 15, 6, 4)
                )[0]
            else:
                org = (
                    edu[0].institution
                    if edu and rng.random() < 0.5
                    else synth_orgs.company(rng, self.career[plan.category](rng)).name
                )
                role, months, left, left_year, relationship = (
                    "实习生",
                    rng.randint(3, 8),
                    True,
                    self.as_of.year,
                    "other",
                )
            english_referee = language == "en" and rng.random() < 0.6
            referee = referee_name(
                rng,
                english=english_referee or (language == "zh-Hant" and rng.random() < 0.15),
                traditional=language == "zh-Hant",
            )
            while name_key(referee) in names:
                referee = referee_name(
                    rng, english=english_referee, traditional=language == "zh-Hant"
                )
            names.add(name_key(referee))
            about = phrases.About(
                sex=person.sex,
                name_hans=self._called(rng, person, "zh-Hans", plan.category),
                name_hant=self._called(rng, person, "zh-Hant", plan.category),
                name_en=self._called(rng, person, "en", plan.category),
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
                    "given": _days_before(self.as_of, rng.randint(2, 40)),
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

    def _ethnicity_words(self, person: _Person) -> tuple[str, str, str]:
        value = person.ethnicity or "Han"
        if value in self.ethnicity_words:
            _, hans, hant, _ = self.ethnicity_words[value]
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

    def _called(self, rng: random.Random, person: _Person, language: str, category: str) -> str:
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
        if roll < 0.7 and self.as_of.year - person.birth.year < 36 and len(surname) == 1:
            return f"小{surname}"
        suffix = _HONORIFIC.get(category)
        if roll < 0.85 and suffix is not None:
            return surname + (phrases.to_hant(suffix) if hant else suffix)
        return full


_CHINESE_ONLY = {
    "forbidden_remark:household_registration",
    "forbidden_remark:ethnicity",
    "identity_conflict",
}
_HONORIFIC = {
    "software_engineering": "工",
    "childcare_education": "老师",
    "executive_legal_rep": "总",
}


# --- output -------------------------------------------------------------------------------------


def _header(world: _World) -> dict[str, Any]:
    return {
        "type": "world",
        "format": model.FORMAT,
        "version": model.VERSION,
        "jurisdiction": "CN",
        "as_of": world.as_of,
        "seed": world.seed,
        "generator": GENERATOR,
        "description": f"synthetic world: {world.n} candidates, seed {world.seed} (all people and organisations fictional)",
    }


def _directory_lines(world: _World) -> Iterator[dict[str, Any]]:
    for employer in world.dir.employers:
        yield {
            "type": "organisation",
            "id": employer.id,
            "kind": "employer",
            "name": employer.name,
            "jurisdiction": "CN",
        }
    for aid, name in world.dir.agencies:
        yield {
            "type": "organisation",
            "id": aid,
            "kind": "agency",
            "name": name,
            "jurisdiction": "CN",
        }
    for position in world.dir.positions:
        yield {
            "type": "position",
            "id": position.id,
            "employer": position.employer.id,
            "title": position.title,
            "category": position.category,
        }


_DUMP = orjson.OPT_APPEND_NEWLINE


def write_world(
    stream: IO[bytes],
    *,
    candidates: int,
    seed: int,
    as_of: date | None = None,
    truth: IO[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerateStats:
    """Write a world to ``stream`` (and the truth sidecar to ``truth``), line by line."""
    world = _World(candidates=candidates, seed=seed, as_of=as_of or DEFAULT_AS_OF)
    write = stream.write
    counts: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    size = 0
    for line in itertools.chain((_header(world),), _directory_lines(world)):
        size += write(orjson.dumps(line, option=_DUMP))
        counts[line["type"]] += 1
    if truth is not None:
        truth.write(
            orjson.dumps(
                {
                    "type": "truth",
                    "format": TRUTH_FORMAT,
                    "version": TRUTH_VERSION,
                    "seed": seed,
                    "as_of": world.as_of,
                    "candidates": candidates,
                    "generator": GENERATOR,
                    # where sentences end in generated text, which is where
                    # fairscreen.kit.sentences.split_sentences cuts it (that split also drops the
                    # marks, and cuts some texts the generator never writes); kept byte for byte
                    "sentence_split": "after 。！？, and after . ! ? followed by a space (the space dropped); empty pieces dropped",
                },
                option=_DUMP,
            )
        )
    for index in range(candidates):
        lines, truth_line = world.candidate(index)
        for line in lines:
            size += write(orjson.dumps(line, option=_DUMP))
            counts[line["type"]] += 1
        tags.update(truth_line["tags"])
        if truth is not None:
            truth.write(orjson.dumps(truth_line, option=_DUMP))
        if progress is not None and (index + 1) % 1000 == 0:
            progress(index + 1)
    if progress is not None:
        progress(candidates)
    return GenerateStats(
        candidates=candidates,
        organisations=counts["organisation"],
        positions=counts["position"],
        lines=sum(counts.values()),
        bytes=size,
        records=dict(sorted(counts.items())),
        tags=dict(sorted(tags.items())),
    )


@contextmanager
def _atomic(path: Path) -> Iterator[IO[bytes]]:
    """Write ``path`` through a temporary file in the same directory, renamed at the end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    Path(name).chmod(0o666 & ~umask)  # mkstemp makes 0600; the result is an ordinary file
    try:
        with os.fdopen(handle, "wb", buffering=1 << 20) as stream:
            yield stream
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def generate_world(
    out: Path,
    *,
    candidates: int,
    seed: int,
    as_of: date | None = None,
    truth: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerateStats:
    """Generate a synthetic world of ``candidates`` into ``out`` (JSON Lines), deterministically
    for ``seed``; with ``truth``, also write the planted hard cases there (a sidecar, not part of
    the world). Either file appears complete or not at all."""
    with _atomic(out) as stream:
        if truth is None:
            return write_world(
                stream, candidates=candidates, seed=seed, as_of=as_of, progress=progress
            )
        with _atomic(truth) as truth_stream:
            return write_world(
                stream,
                candidates=candidates,
                seed=seed,
                as_of=as_of,
                truth=truth_stream,
                progress=progress,
            )
