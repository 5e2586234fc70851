"""The counterfactual test: every candidate again, as someone else in every protected respect,
everything job-relevant the same, re-screened; no light and no reason may change.

``make_variant_world`` writes, from any world file, a *variant world* in which each candidate
has:

- the other **sex** (self-identified, and the ID number's 17th digit);
- another **birth year**, across the 35 and 40 age bands where their records allow: older for
  the young; younger for the others, but never so young that a record about them (a degree, a
  job, a licence, a court case, a conviction) would date from before they were 16; the ID
  number's birth date and every register's birth date move with it;
- another **ethnicity** (Han to a minority, a minority to Han) and another **region** of
  household registration: the ID number's first six digits change (always a synthetic
  ``99xxxx`` division, never a real one), with a valid check digit;
- another **name style**: a new name of the new sex and birth decade, in another script
  (Simplified, Traditional, or an English name), unique in the world; every register that
  names the candidate (and every namesake, so a namesake stays a namesake) carries it;
- their references rewritten: their name and its short forms (小王, 王工, Ms Wang), pronouns
  (他/她, he/she, him/her, his/her), honorifics (先生/女士, Mr/Ms) and their ethnicity words.

Records, dates, claims and everything else stay as they were. ``run`` screens the world and its
variant with the same pipeline (in memory: nothing is written to a database) and compares every
candidate's light and reasons; a flip is reported with the candidate, what changed and the
artefact responsible (the findings that differ say which: the reference screener, identity
matching, the policy pack or the rule set). ``references_only`` does the same for the reference
screener alone, sentence by sentence.
"""

from __future__ import annotations

import random
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import opencc
import orjson

from fairscreen.audit.registry import in_use
from fairscreen.kit.cnid import make_cn_resident_id
from fairscreen.kit.names import name_key
from fairscreen.pipeline import Application, Screening, screen
from fairscreen.policy.pack import PolicyPack
from fairscreen.rating.engine import RuleSet
from fairscreen.screening.run import prepare
from fairscreen.synth import names as synth_names
from fairscreen.synth import orgs
from fairscreen.synth.decisions import REGIONS
from fairscreen.verify.references import screen_reference
from fairscreen.world import model
from fairscreen.world.load import WorldStore, load_world

_S2T = opencc.OpenCC("s2t")
MIN_AGE_AT_FIRST_RECORD = 16
AGE_RANGE = (18, 65)
MINORITIES = ("Uyghur", "Hui", "Tibetan", "Zhuang", "Mongol", "Yi", "Miao")
_ETHNIC_ZH = {e[0]: (e[1], e[2]) for e in orgs.ETHNICITIES_CN}
_FOREIGN_ZH = {
    "White": "白人",
    "East Asian": "东亚裔",
    "South Asian": "南亚裔",
    "Southeast Asian": "东南亚裔",
    "Black": "黑人",
    "Hispanic or Latino": "拉丁裔",
    "Mixed": "混血",
}
_SUBJECT_TYPES = (
    "identity_record",
    "education_record",
    "employment_record",
    "enforcement_record",
    "criminal_certificate",
    "licence_record",
    "credit_report",
    "driving_record",
    "health_certificate",
)
_COURT_TYPES = tuple(
    f"court_case:{kind}:{role}"
    for kind in ("civil", "criminal", "administrative")
    for role in ("plaintiff", "defendant", "third_party")
)
_PINYIN = {s[0]: s[2] for s in synth_names.SURNAMES}
_COMPOUND = sorted(
    {s[0] for s in synth_names.SURNAMES} | {s[1] for s in synth_names.SURNAMES},
    key=len,
    reverse=True,
)


# --- the variant of one candidate -------------------------------------------------------------


@dataclass
class Variant:
    """What changes for one candidate (old values kept to rewrite records and text)."""

    candidate: str
    old_name: str
    new_name: str  # as written on the candidate line
    new_registered: str  # as registers hold it (Simplified for Chinese names)
    old_surnames: tuple[str, ...]  # the surname in each script it may be written in
    new_surname: str
    new_surname_hant: str
    old_given: str
    new_given: str
    old_sex: str
    new_sex: str
    old_birth: date
    new_birth: date
    old_number: str
    new_number: str
    old_ethnicity: str | None
    new_ethnicity: str | None
    old_region: str | None
    new_region: str | None
    crossed_bands: bool

    @property
    def old_key(self) -> str:
        return name_key(self.old_name)

    def changes(self) -> dict[str, Any]:
        return {
            "sex": [self.old_sex, self.new_sex],
            "birth_year": [self.old_birth.year, self.new_birth.year],
            "ethnicity": [self.old_ethnicity, self.new_ethnicity],
            "region_code": [self.old_number[:6], self.new_number[:6]]
            if self.old_number != self.new_number
            else None,
            "name_style": [_style(self.old_name), _style(self.new_name)],
        }


def _style(name: str) -> str:
    if name.isascii():
        return "en"
    return "zh-Hant" if name_key(name) != name else "zh-Hans"


def _split_chinese(name: str) -> tuple[str, str]:
    for surname in _COMPOUND:
        if name.startswith(surname) and len(name) > len(surname):
            return surname, name[len(surname) :]
    return name[:1], name[1:]


def _sex_of(number: str) -> str | None:
    if len(number) == 18 and number[16].isdigit():
        return "male" if int(number[16]) % 2 else "female"
    return None


def _earliest(store: WorldStore, cand: model.CandidateRecord) -> date | None:
    """The earliest date any record about the candidate (or a claim of theirs) speaks of."""
    found: list[date] = []
    for claim in cand.claims.education:
        found.append(date(claim.graduated, 7, 1))
    for job in cand.claims.employment:
        found.append(date(int(job.start[:4]), int(job.start[5:]), 1))
    number = cand.id_document.number
    bodies = store.by_number(number, _SUBJECT_TYPES + _COURT_TYPES)
    for body in bodies:
        data = orjson.loads(body)
        found.extend(_dates_in(data, skip={"birth_date"}))
    return min(found) if found else None


_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _dates_in(value: Any, *, skip: set[str]) -> Iterator[date]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from _dates_in(item, skip=skip)
    elif isinstance(value, list):
        for item in value:
            yield from _dates_in(item, skip=skip)
    elif isinstance(value, str) and _DATE.match(value):
        parts = [int(p) for p in value.split("-")]
        yield date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)


def _new_birth(rng: random.Random, old: date, as_of: date, earliest: date | None) -> date:
    age = as_of.year - old.year
    latest_year = as_of.year - AGE_RANGE[0]
    if earliest is not None:
        latest_year = min(latest_year, earliest.year - MIN_AGE_AT_FIRST_RECORD)
    youngest = as_of.year - latest_year
    if age < 35:
        target = rng.randint(41, 55)
    elif youngest <= 34:
        target = rng.randint(max(22, youngest), 34)
    elif age <= AGE_RANGE[1] - 10:
        target = age + rng.randint(6, 10)
    else:
        target = max(youngest, age - 5)
    year = as_of.year - target
    return date(year, old.month, min(old.day, 28) if old.month == 2 else old.day)


def _band(age: int) -> tuple[bool, bool]:
    return age >= 35, age >= 40


def _new_ethnicity(rng: random.Random, old: str | None) -> str | None:
    if old is None:
        return None
    if old == "Han":
        return rng.choice(MINORITIES)
    if old in _ETHNIC_ZH:
        return "Han"
    others = [e for e in _FOREIGN_ZH if e != old]
    return rng.choice(others)


class _Allocator:
    """New names and ID numbers, unique in the world (and never an existing one)."""

    def __init__(self, store: WorldStore, rng: random.Random) -> None:
        self.rng = rng
        self.name_keys = {row[0] for row in store.db.execute("SELECT DISTINCT name FROM by_name")}
        self.numbers = {row[0] for row in store.db.execute("SELECT DISTINCT number FROM by_number")}

    def reserve(self, cand: model.CandidateRecord) -> None:
        self.name_keys.add(name_key(cand.name))
        self.numbers.add(cand.id_document.number)

    def name(self, sex: str, birth_year: int, old_style: str) -> synth_names.PersonName:
        styles = [s for s in ("zh-Hans", "zh-Hant", "en") if s != old_style]
        style = self.rng.choice(styles)
        for _ in range(1000):
            if style == "en":
                made = synth_names.english_name(self.rng, sex, hong_kong=False)
            else:
                made = synth_names.chinese_name(
                    self.rng, sex, birth_year, traditional=style == "zh-Hant"
                )
            key = name_key(made.written)
            if key not in self.name_keys:
                self.name_keys.add(key)
                return made
        raise RuntimeError("no unused name left for a variant")

    def number(self, old: str, sex: str, birth: date) -> str:
        if len(old) != 18 or not old[:17].isdigit():
            return old  # a passport number says nothing of sex, region or age
        old_province = int(old[2:4]) if old.startswith("99") else 0
        for _ in range(10_000):
            province = self.rng.randint(1, 99)
            if old_province and (province - 1) * 10 // 99 == (old_province - 1) * 10 // 99:
                continue  # another region, not just another county
            division = f"99{province:02d}{self.rng.randint(1, 99):02d}"
            sequence = self.rng.randrange(0, 500) * 2 + (1 if sex == "male" else 0)
            number = make_cn_resident_id(division, birth, sequence)
            if number not in self.numbers:
                self.numbers.add(number)
                return number
        raise RuntimeError("no unused ID number left for a variant")


def _region_of(number: str) -> str | None:
    if len(number) == 18 and number.startswith("99") and number[2:4].isdigit():
        return REGIONS[(int(number[2:4]) - 1) * len(REGIONS) // 99]
    return None


def plan_variants(store: WorldStore, *, seed: int = 0) -> dict[str, Variant]:
    """One variant per candidate of ``store``."""
    rng = random.Random(f"fairscreen-counterfactual:{seed}")
    alloc = _Allocator(store, rng)
    as_of = store.header.as_of
    candidates = list(store.candidates())
    for cand in candidates:
        alloc.reserve(cand)
    variants: dict[str, Variant] = {}
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        demographics = store.demographics_for([c.id for c in chunk])
        for cand in chunk:
            demo = demographics.get(cand.id)
            number = cand.id_document.number
            old_sex = (demo.sex if demo and demo.sex in ("female", "male") else None) or (
                _sex_of(number) or rng.choice(("female", "male"))
            )
            new_sex = "male" if old_sex == "female" else "female"
            new_birth = _new_birth(rng, cand.birth_date, as_of, _earliest(store, cand))
            old_age, new_age = as_of.year - cand.birth_date.year, as_of.year - new_birth.year
            made = alloc.name(new_sex, new_birth.year, _style(cand.name))
            new_number = alloc.number(number, new_sex, new_birth)
            if cand.name.isascii():  # which word is the given name varies (Kelvin Chan Ka-ho)
                old_given = ""
                old_surnames = tuple(cand.name.replace("-", " ").split())
            else:
                surname, old_given = _split_chinese(name_key(cand.name))
                written_surname = cand.name[: len(surname)]
                old_surnames = tuple(
                    dict.fromkeys(
                        (surname, written_surname, _S2T.convert(surname), _PINYIN.get(surname, ""))
                    )
                )
            old_ethnicity = demo.ethnicity if demo else None
            variants[cand.id] = Variant(
                candidate=cand.id,
                old_name=cand.name,
                new_name=made.written,
                new_registered=made.registered,
                old_surnames=old_surnames,
                new_surname=made.surname if made.script != "en" else made.romanised_surname,
                new_surname_hant=made.surname_written
                if made.script == "zh-Hant"
                else _S2T.convert(made.surname)
                if made.script != "en"
                else made.romanised_surname,
                old_given=old_given,
                new_given=made.given_written,
                old_sex=old_sex,
                new_sex=new_sex,
                old_birth=cand.birth_date,
                new_birth=new_birth,
                old_number=number,
                new_number=new_number,
                old_ethnicity=old_ethnicity,
                new_ethnicity=_new_ethnicity(rng, old_ethnicity),
                old_region=demo.region if demo else None,
                new_region=(_region_of(new_number) or (demo.region if demo else None))
                if demo and demo.region
                else None,
                crossed_bands=_band(old_age) != _band(new_age),
            )
    return variants


# --- rewriting text ---------------------------------------------------------------------------

_ZH_HONORIFICS = (
    "工",
    "老师",
    "老師",
    "总",
    "總",
    "经理",
    "經理",
    "主任",
    "医生",
    "醫生",
    "护士",
    "護士",
    "师傅",
    "師傅",
    "律师",
    "律師",
    "会计",
    "會計",
)
_ZH_GENDERED = {"先生": "女士", "女士": "先生", "小姐": "先生", "哥": "姐", "姐": "哥"}
# 他 is a pronoun, except inside words: 其他 (other), 他们 (they), 他人 (others), 吉他 ...
_TA_BEFORE = set("其吉利排无無")
_TA_AFTER = set("们們人乡鄉国國日处處律杀殺用者方物")
_EN_PRONOUNS = {
    "he": "she",
    "she": "he",
    "his": "her",
    "him": "her",
    "himself": "herself",
    "herself": "himself",
    "hers": "his",
    "mr": "ms",
    "ms": "mr",
    "mrs": "mr",
    "miss": "mr",
    "sir": "madam",
    "madam": "sir",
}
_OBJECT_NEXT = frozenset(
    (
        "to",
        "and",
        "or",
        "but",
        "for",
        "with",
        "in",
        "on",
        "at",
        "as",
        "from",
        "by",
        "about",
        "after",
        "before",
        "again",
        "up",
        "out",
        "off",
        "down",
        "back",
        "over",
        "that",
        "when",
        "if",
        "because",
        "since",
        "so",
        "than",
        "the",
        "a",
        "an",
        "this",
        "these",
        "those",
        "all",
        "both",
        "once",
        "twice",
        "very",
        "too",
        "well",
        "directly",
        "personally",
        "anything",
        "any",
        "more",
        "much",
        "what",
        "how",
        "why",
        "where",
        "yesterday",
        "today",
        "last",
        "first",
        "later",
        "now",
        "then",
        "there",
        "here",
        "into",
        "onto",
        "is",
        "was",
    )
)
_EN_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def _case_like(word: str, model_word: str) -> str:
    if model_word.isupper() and len(model_word) > 1:
        return word.upper()
    if model_word[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _swap_english(text: str) -> str:
    out = []
    last = 0
    matches = list(_EN_WORD.finditer(text))
    for i, m in enumerate(matches):
        word = m.group(0)
        lower = word.lower()
        if lower == "her":
            nxt = matches[i + 1].group(0).lower() if i + 1 < len(matches) else ""
            between = text[m.end() : matches[i + 1].start()] if i + 1 < len(matches) else ""
            objective = not nxt or nxt in _OBJECT_NEXT or any(ch in between for ch in ",.;:!?")
            swapped = "him" if objective else "his"
        elif lower in _EN_PRONOUNS:
            swapped = _EN_PRONOUNS[lower]
        else:
            continue
        out.append(text[last : m.start()])
        out.append(_case_like(swapped, word))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _swap_chinese(text: str) -> str:
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch not in "他她":
            continue
        before = text[i - 1] if i > 0 else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if before in _TA_BEFORE or after in _TA_AFTER:
            continue
        chars[i] = "她" if ch == "他" else "他"
    return "".join(chars)


def _ethnicity_words(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if value in _ETHNIC_ZH:
        hans, hant = _ETHNIC_ZH[value]
        return (hans, hant)
    zh = _FOREIGN_ZH.get(value)
    return (zh, _S2T.convert(zh)) if zh else ()


def rewrite_reference(text: str, variant: Variant) -> str:
    """The reference as the referee would have written it about the variant."""
    # Names are masked first (a placeholder each), so that swapping pronouns cannot touch a
    # name ("Mr He", the romanised 何) and a new name cannot be swapped back.
    masks: list[str] = []

    def mask(new: str) -> str:
        masks.append(new)
        return f"\ue000{len(masks) - 1}\ue001"

    hant_name = _S2T.convert(variant.new_registered) if not variant.new_name.isascii() else None
    forms = sorted(
        {variant.old_name, _S2T.convert(variant.old_name), name_key(variant.old_name)},
        key=len,
        reverse=True,
    )
    for form in forms:
        if form.isascii():
            text = re.sub(
                rf"\b{re.escape(form)}\b",
                lambda _m: mask(variant.new_name),
                text,
                flags=re.IGNORECASE,
            )
        else:
            traditional = name_key(form) != form
            new = (hant_name if traditional else None) or variant.new_registered
            text = text.replace(form, mask(new)) if form in text else text
    title = "Ms" if variant.new_sex == "female" else "Mr"
    suffixes = "|".join(map(re.escape, (*_ZH_GENDERED, *_ZH_HONORIFICS)))
    for surname in variant.old_surnames:
        if not surname:
            continue
        if surname.isascii():
            text = re.sub(
                rf"\b(?:Mr|Ms|Mrs|Miss|Dr)\.? {re.escape(surname)}\b",
                lambda _m: mask(f"{title} {variant.new_surname}"),
                text,
            )
            continue
        traditional = name_key(surname) != surname
        new = variant.new_surname_hant if traditional else variant.new_surname
        text = re.sub(rf"([小老]){re.escape(surname)}", lambda m, n=new: mask(m.group(1) + n), text)
        text = re.sub(
            rf"{re.escape(surname)}({suffixes})",
            lambda m, n=new: mask(n + _ZH_GENDERED.get(m.group(1), m.group(1))),
            text,
        )
    for word in variant.old_surnames if variant.old_name.isascii() else ():
        if len(word) > 1:  # an English name's words alone: the given name, as referees use it
            text = re.sub(rf"\b{re.escape(word)}\b", lambda _m: mask(variant.new_given), text)
    for old, new in zip(
        _ethnicity_words(variant.old_ethnicity),
        _ethnicity_words(variant.new_ethnicity),
        strict=False,
    ):
        text = text.replace(old, mask(new))
    if variant.old_ethnicity and variant.new_ethnicity:
        old_en = "Han Chinese" if variant.old_ethnicity == "Han" else variant.old_ethnicity
        new_en = "Han Chinese" if variant.new_ethnicity == "Han" else variant.new_ethnicity
        text = re.sub(rf"\b{re.escape(old_en)}\b", lambda _m: mask(new_en), text)
    text = _swap_chinese(_swap_english(text))
    return re.sub("\ue000(\\d+)\ue001", lambda m: masks[int(m.group(1))], text)


# --- rewriting the world ------------------------------------------------------------------------


def _person(
    data: dict[str, Any], by_number: dict[str, Variant], by_key: dict[str, Variant]
) -> None:
    """Rewrite a subject or party in place: the candidate by number, namesakes by name."""
    number = data.get("id_number")
    variant = by_number.get(number) if number else None
    if variant is not None:
        data["id_number"] = variant.new_number
        if name_key(data["name"]) == variant.old_key:
            data["name"] = variant.new_registered
        if data.get("birth_date"):
            old = date.fromisoformat(data["birth_date"])
            data["birth_date"] = (variant.new_birth + (old - variant.old_birth)).isoformat()
        return
    variant = by_key.get(name_key(data["name"]))
    if variant is not None:
        data["name"] = variant.new_registered


def rewrite_line(
    data: dict[str, Any],
    variants: dict[str, Variant],
    by_number: dict[str, Variant],
    by_key: dict[str, Variant],
) -> dict[str, Any]:
    kind = data.get("type")
    if kind == "candidate":
        variant = variants[data["id"]]
        data["name"] = variant.new_name
        data["id_document"]["number"] = variant.new_number
        data["birth_date"] = variant.new_birth.isoformat()
    elif kind == "demographics":
        variant = variants[data["candidate"]]
        if data.get("sex") in ("female", "male"):
            data["sex"] = variant.new_sex
        if data.get("birth_year") is not None:
            data["birth_year"] = variant.new_birth.year
        if data.get("ethnicity") is not None:
            data["ethnicity"] = variant.new_ethnicity
        if data.get("region") is not None and variant.new_region is not None:
            data["region"] = variant.new_region
    elif kind == "reference":
        variant = variants.get(data["candidate"])
        if variant is not None:
            data["text"] = rewrite_reference(data["text"], variant)
    elif kind == "court_case":
        for party in data["parties"]:
            _person(party, by_number, by_key)
    elif isinstance(data.get("subject"), dict):
        _person(data["subject"], by_number, by_key)
    return data


def make_variant_world(
    store: WorldStore, source: Path, out: Path, *, seed: int = 0
) -> dict[str, Variant]:
    """Write the variant world of ``source`` (loaded as ``store``) to ``out``."""
    variants = plan_variants(store, seed=seed)
    by_number = {v.old_number: v for v in variants.values()}
    by_key: dict[str, Variant] = {}
    for variant in variants.values():
        by_key.setdefault(variant.old_key, variant)
    with source.open("rb") as src, out.open("wb") as dst:
        for number, raw in enumerate(src, start=1):
            line = raw.strip()
            if number == 1:
                dst.write(line.lstrip(b"\xef\xbb\xbf") + b"\n")
                continue
            if not line:
                continue
            data = orjson.loads(line)
            dst.write(orjson.dumps(rewrite_line(data, variants, by_number, by_key)) + b"\n")
    return variants


# --- comparing the screenings -------------------------------------------------------------------


@dataclass
class Flip:
    """A candidate whose light or reasons changed with the protected attributes."""

    candidate: str
    before: dict[str, Any]
    after: dict[str, Any]
    changes: dict[str, Any]
    artefacts: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "changed": self.changes,
            "before": self.before,
            "after": self.after,
            "artefacts": self.artefacts,
        }


@dataclass
class Outcome:
    candidates: int = 0
    screened_seconds: float = 0.0
    crossed_age_bands: int = 0
    flips: list[Flip] = field(default_factory=list)
    exclusion_changes: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "candidates": self.candidates,
            "changed_lights_or_reasons": len(self.flips),
            "changed_exclusions": len(self.exclusion_changes),
            "crossed_age_bands": self.crossed_age_bands,
            "models": self.models,
            "flips": [f.as_json() for f in self.flips],
            "exclusion_changes": self.exclusion_changes,
        }


def _verdict(result: dict[str, Any]) -> dict[str, Any]:
    return {"status": result["status"], "light": result["light"], "reasons": result["reasons"]}


def _responsible(before: Screening, after: Screening, models: dict[str, str]) -> list[str]:
    blame: set[str] = set()
    old = {f.ref: f for f in before.findings}
    new = {f.ref: f for f in after.findings}
    for ref in old.keys() | new.keys():
        a, b = old.get(ref), new.get(ref)
        if (
            a is not None
            and b is not None
            and (a.code, a.subtype, a.exclusion, a.match)
            == (b.code, b.subtype, b.exclusion, b.match)
        ):
            continue
        item = (a or b).item if (a or b) is not None else None  # type: ignore[union-attr]
        if item is not None and str(item) == "reference":
            blame.add(models["reference_screener"])
        elif (a is None) != (b is None) or (a and b and a.match != b.match):
            blame.add(models["identity_matching"])
        else:
            blame.add(models["rule_set"])
    if before.scope.as_json() != after.scope.as_json():
        blame.add(models["policy_pack"])
    if not blame:
        blame.add(models["rule_set"])
    return sorted(blame)


def _screen_all(
    store: WorldStore, pack: PolicyPack | None, ruleset: RuleSet | None
) -> Iterator[Screening]:
    from datetime import UTC, datetime, time

    setup = prepare(store, pack=pack, ruleset=ruleset)
    positions = {p.id: p for p in store.positions()}
    agencies = [o.id for o in store.organisations() if o.kind == "agency"]
    default_agency = agencies[0] if len(agencies) == 1 else None
    at = datetime.combine(setup.as_of, time(), tzinfo=UTC)
    for cand in store.candidates():
        agency = cand.consent.agency if cand.consent and cand.consent.agency else default_agency
        yield screen(
            Application(cand, positions[cand.applies_to], agency),
            sources=setup.sources,
            pack=setup.pack,
            ruleset=setup.ruleset,
            as_of=setup.as_of,
            at=at,
        )


def run(
    world: Path,
    *,
    pack: PolicyPack | None = None,
    ruleset: RuleSet | None = None,
    seed: int = 0,
    keep: Path | None = None,
) -> Outcome:
    """Screen ``world`` and its variant world; compare every candidate (``keep``: also write
    the variant world there)."""
    import time

    outcome = Outcome()
    with load_world(world, pack=pack) as store, tempfile.TemporaryDirectory() as tmp:
        setup = prepare(store, pack=pack, ruleset=ruleset)
        models = {a.kind: a.ref for a in in_use(setup.pack, setup.ruleset)}
        outcome.models = [a.as_json() for a in in_use(setup.pack, setup.ruleset)]
        target = keep or Path(tmp) / "variant.jsonl"
        variants = make_variant_world(store, world, target, seed=seed)
        with load_world(target, pack=pack) as twin:
            started = time.perf_counter()
            for before, after in zip(
                _screen_all(store, pack, ruleset), _screen_all(twin, pack, ruleset), strict=True
            ):
                outcome.candidates += 1
                cid = before.application.candidate.id
                variant = variants[cid]
                outcome.crossed_age_bands += variant.crossed_bands
                a, b = before.result(), after.result()
                if _verdict(a) != _verdict(b):
                    outcome.flips.append(
                        Flip(
                            cid,
                            _verdict(a),
                            _verdict(b),
                            variant.changes(),
                            _responsible(before, after, models),
                        )
                    )
                if a["excluded"] != b["excluded"]:
                    outcome.exclusion_changes.append(
                        {"candidate": cid, "before": a["excluded"], "after": b["excluded"]}
                    )
            outcome.screened_seconds = time.perf_counter() - started
    return outcome


@dataclass
class SentenceFlip:
    candidate: str
    reference: str
    index: int
    before: dict[str, Any]
    after: dict[str, Any]
    text_before: str
    text_after: str


@dataclass
class ReferenceOutcome:
    references: int = 0
    sentences: int = 0
    flips: list[SentenceFlip] = field(default_factory=list)
    model: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "references": self.references,
            "sentences": self.sentences,
            "changed_sentences": len(self.flips),
            "model": self.model,
            "flips": [
                {
                    "candidate": f.candidate,
                    "reference": f.reference,
                    "sentence": f.index,
                    "before": f.before,
                    "after": f.after,
                }
                for f in self.flips
            ],
        }


def references_only(world: Path, *, seed: int = 0) -> ReferenceOutcome:
    """The reference screener alone: every reference sentence, as written and as rewritten
    for the variant; its kind, category and hearsay flag must not change."""
    from fairscreen.audit.registry import reference_screener

    outcome = ReferenceOutcome(model=reference_screener().ref)
    with load_world(world) as store:
        variants = plan_variants(store, seed=seed)
        for (body,) in store.db.execute("SELECT body FROM records WHERE type = 'reference'"):
            ref = model.RECORD.validate_json(body)
            assert isinstance(ref, model.Reference)
            variant = variants.get(ref.candidate)
            if variant is None:
                continue
            outcome.references += 1
            changed = rewrite_reference(ref.text, variant)
            old = screen_reference(ref.text, ref.language)
            new = screen_reference(changed, ref.language)
            outcome.sentences += len(old)
            for i, (x, y) in enumerate(zip(old, new, strict=False)):
                a = {"kind": x.kind, "category": x.category, "hearsay": x.hearsay}
                b = {"kind": y.kind, "category": y.category, "hearsay": y.hearsay}
                if a != b:
                    outcome.flips.append(
                        SentenceFlip(ref.candidate, ref.id, i, a, b, ref.text, changed)
                    )
            if len(old) != len(new):
                outcome.flips.append(
                    SentenceFlip(
                        ref.candidate,
                        ref.id,
                        -1,
                        {"sentences": len(old)},
                        {"sentences": len(new)},
                        ref.text,
                        changed,
                    )
                )
    return outcome
