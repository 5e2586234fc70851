"""Counterfactual worlds: every candidate again, as someone else in every protected respect,
everything job-relevant the same (the input of ``fairscreen audit counterfactual``).

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
  (Simplified, Traditional, or an English name), unique in the world (candidates who shared a
  name share the new one); every register that names the candidate (and every namesake and
  name-only party, so a namesake stays a namesake) carries it;
- their references rewritten: their name and its short forms (小王, 王工, Ms Wang), pronouns
  (他/她, he/she, him/her, his/her), honorifics (先生/女士, Mr/Ms) and their ethnicity words.

Records, dates, claims, decisions and everything else stay as they were. It lives in the
sandbox because it *generates* people (the generator's names and divisions); the audit
(``fairscreen.audit.counterfactual``) screens both worlds and compares them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import opencc
import orjson

from fairscreen.kit.cnid import make_cn_resident_id
from fairscreen.kit.names import name_key
from fairscreen.synth import names as synth_names
from fairscreen.synth import orgs
from fairscreen.synth.decisions import REGIONS
from fairscreen.world import model
from fairscreen.world.load import WorldStore

_S2T = opencc.OpenCC("s2t")
# A variant is never so young that a record of theirs dates from before they were 16 (a job, a
# degree, a licence), nor a criminal record from before they were 18: the age of majority, at
# which the sealing of juvenile records (刑事訴訟法 第286條) reads a conviction. A candidate
# with a criminal record from before their own 18th birthday keeps their birth date: the
# statute reads their age at that record, and so must the counterfactual.
MIN_AGE_AT_FIRST_RECORD = 16
MIN_AGE_AT_CRIMINAL_RECORD = 18
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
    new_surname_en: str  # romanised, for English text ("Mr Li")
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


def _criminal(data: dict[str, Any]) -> bool:
    kind = data.get("type")
    return kind == "criminal_certificate" or (
        kind == "court_case" and data.get("kind") == "criminal"
    )


def _earliest(store: WorldStore, cand: model.CandidateRecord) -> tuple[date | None, date | None]:
    """The earliest date any record about the candidate (or a claim of theirs) speaks of, and
    the earliest any criminal record about them does."""
    found: list[date] = []
    criminal: list[date] = []
    for claim in cand.claims.education:
        found.append(date(claim.graduated, 7, 1))
    for job in cand.claims.employment:
        found.append(date(int(job.start[:4]), int(job.start[5:]), 1))
    # every record held under their number, whatever its type (new record types included)
    bodies = store.db.execute(
        "SELECT DISTINCT r.body FROM by_number b JOIN records r ON r.rowid = b.record "
        "WHERE b.number = ?",
        (cand.id_document.number,),
    )
    for (body,) in bodies:
        data = orjson.loads(body)
        dates = list(_dates_in(data, skip={"birth_date"}))
        found.extend(dates)
        if _criminal(data):
            criminal.extend(dates)
    return (min(found) if found else None), (min(criminal) if criminal else None)


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


def _new_birth(
    rng: random.Random, old: date, as_of: date, earliest: tuple[date | None, date | None]
) -> date:
    age = as_of.year - old.year
    latest_year = as_of.year - AGE_RANGE[0]
    first, criminal = earliest
    if first is not None:
        latest_year = min(latest_year, first.year - MIN_AGE_AT_FIRST_RECORD - 1)
    if criminal is not None:
        latest_year = min(latest_year, criminal.year - MIN_AGE_AT_CRIMINAL_RECORD - 1)
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


def _age_at(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


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
    renamed: dict[str, synth_names.PersonName] = {}
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
            earliest = _earliest(store, cand)
            criminal = earliest[1]
            if (
                criminal is not None
                and _age_at(cand.birth_date, criminal) < MIN_AGE_AT_CRIMINAL_RECORD
            ):
                new_birth = cand.birth_date
            else:
                new_birth = _new_birth(rng, cand.birth_date, as_of, earliest)
            old_age, new_age = as_of.year - cand.birth_date.year, as_of.year - new_birth.year
            # candidates who share a name share its replacement: a record that names one of
            # them without an ID number (a name-only court party, a namesake) names them all,
            # in the variant world as in the world
            key = name_key(cand.name)
            made = renamed.get(key) or alloc.name(new_sex, new_birth.year, _style(cand.name))
            renamed[key] = made
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
                new_surname_en=made.romanised_surname,
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
_TA_AFTER = set("们們人乡鄉国國日律杀殺用者方物")
# 他处 (elsewhere), but not 她处分 / 他处理 (punished her, he handled): 处 then one of these
_CHU = set("处處")
_CHU_VERB = set("分理罚罰置")
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
        if after in _CHU and text[i + 2 : i + 3] not in _CHU_VERB:
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


def _prefixed(mask: Callable[[str], str], surname: str) -> Callable[[re.Match[str]], str]:
    """小王, 老王: the prefix kept, the new surname masked."""
    return lambda m: mask(m.group(1) + surname)


def _suffixed(mask: Callable[[str], str], surname: str) -> Callable[[re.Match[str]], str]:
    """王工, 王先生: the new surname, the honorific of the new sex, masked."""
    return lambda m: mask(surname + _ZH_GENDERED.get(m.group(1), m.group(1)))


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
                lambda _m: mask(f"{title} {variant.new_surname_en}"),
                text,
            )
            continue
        traditional = name_key(surname) != surname
        new = variant.new_surname_hant if traditional else variant.new_surname
        text = re.sub(rf"([小老]){re.escape(surname)}", _prefixed(mask, new), text)
        text = re.sub(rf"{re.escape(surname)}({suffixes})", _suffixed(mask, new), text)
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
        referred = variants.get(data["candidate"])
        if referred is not None:
            data["text"] = rewrite_reference(data["text"], referred)
    else:
        for person in _people(data):
            _person(person, by_number, by_key)
    return data


def _people(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The people a record names: its ``subject``, its ``parties``, and any other object in it
    that carries an ``id_number`` (so record types added later are covered too)."""
    subject = record.get("subject")
    if isinstance(subject, dict):
        yield subject
    for party in record.get("parties") or ():
        if isinstance(party, dict):
            yield party
    stack = [v for k, v in record.items() if k not in ("subject", "parties")]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if "id_number" in value and isinstance(value.get("name"), str):
                yield value
            else:
                stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


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
