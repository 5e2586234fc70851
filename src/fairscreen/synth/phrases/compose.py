"""Composing one reference: slots filled from what the referee knows, templates picked so that one
candidate's referees do not repeat each other, sentences labelled with their kind."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import opencc

from fairscreen.synth.phrases.en import EN
from fairscreen.synth.phrases.table import Templates
from fairscreen.synth.phrases.zh import ZH_HANS, ZH_HANT_OWN

# --- slot material ------------------------------------------------------------------------------

_ZH_NUMBERS = "一两三四五六七八九十"
PROJECTS = (
    ("去年的重点项目", "去年的重點項目", "last year's flagship project"),
    ("系统升级项目", "系統升級項目", "the system upgrade"),
    ("年度预算编制", "年度預算編製", "the annual budget round"),
    ("新园区开业筹备", "新園區開業籌備", "the opening of the new site"),
    ("客户迁移项目", "客戶遷移項目", "the client migration"),
    ("仓储改造项目", "倉儲改造項目", "the warehouse refit"),
)
TEAMS = {
    # category: (zh-Hans, zh-Hant, en)
    "general_office": ("行政部", "行政部", "operations team"),
    "software_engineering": ("研发部", "研發部", "engineering team"),
    "finance_accounting": ("财务部", "財務部", "finance team"),
    "executive_legal_rep": ("管理层", "管理層", "management team"),
    "driver": ("车队", "車隊", "transport team"),
    "childcare_education": ("教研组", "教研組", "teaching team"),
    "security_guard": ("安保部", "安保部", "security team"),
    "healthcare": ("护理部", "護理部", "clinical team"),
}
EN_ROLES = {
    "general_office": "an office administrator",
    "software_engineering": "an engineer",
    "finance_accounting": "an accountant",
    "executive_legal_rep": "a senior manager",
    "driver": "a driver",
    "childcare_education": "a teacher",
    "security_guard": "a security officer",
    "healthcare": "a member of the clinical staff",
}
PLACES = (
    ("河南", "河南", "Henan"),
    ("四川", "四川", "Sichuan"),
    ("安徽", "安徽", "Anhui"),
    ("湖南", "湖南", "Hunan"),
    ("江西", "江西", "Jiangxi"),
    ("广西", "廣西", "Guangxi"),
    ("贵州", "貴州", "Guizhou"),
    ("甘肃", "甘肅", "Gansu"),
    ("河北", "河北", "Hebei"),
    ("山东", "山東", "Shandong"),
    ("湖北", "湖北", "Hubei"),
    ("云南", "雲南", "Yunnan"),
)

_S2T = opencc.OpenCC("s2tw")


@lru_cache(maxsize=65536)
def to_hant(text: str) -> str:
    """Simplified to Traditional (OpenCC ``s2tw``, Taiwan standard characters), cached: slot values repeat a lot."""
    return str(_S2T.convert(text))


# Each template with the key of the sentence it says: a converted Simplified template keeps its
# Simplified key, so two referees of one candidate never say the very same sentence in two scripts.
Keyed = dict[str, tuple[tuple[str, bool, str], ...]]


def _keyed(templates: Templates, tag: str) -> Keyed:
    return {
        kind: tuple((text, hearsay, f"{tag}/{kind}/{i}") for i, (text, hearsay) in enumerate(items))
        for kind, items in templates.items()
    }


def _hant_templates() -> Keyed:
    out: dict[str, list[tuple[str, bool, str]]] = {}
    for kind, items in _keyed(ZH_HANS, "zh").items():
        out.setdefault(kind, []).extend((to_hant(t), h, key) for t, h, key in items)
    for kind, items in _keyed(ZH_HANT_OWN, "hant").items():
        out.setdefault(kind, []).extend(items)
    return {kind: tuple(items) for kind, items in out.items()}


TEMPLATES: dict[str, Keyed] = {
    "zh-Hans": _keyed(ZH_HANS, "zh"),
    "zh-Hant": _hant_templates(),
    "en": _keyed(EN, "en"),
}


def kinds() -> set[str]:
    return set(ZH_HANS)


# --- composing a reference ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class About:
    """What a referee knows of the candidate, in each script."""

    sex: str  # "female" or "male"
    name_hans: str  # how a Simplified-Chinese writer names the candidate
    name_hant: str
    name_en: str
    category: str
    org: str  # where they worked together
    role: str  # the candidate's title there (zh-Hans or English)
    months_together: int
    left_year: int
    ethnicity: tuple[str, str, str]  # (zh-Hans, zh-Hant, en phrase)
    place: int  # index into PLACES


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    label: str
    hearsay: bool


def _years_zh(months: int) -> str:
    years, rest = divmod(max(months, 6), 12)
    if years == 0:
        return "半年"
    head = "两" if years == 2 else _ZH_NUMBERS[min(years, 10) - 1]
    if rest >= 9:
        return f"快{'两' if years + 1 == 2 else _ZH_NUMBERS[min(years + 1, 10) - 1]}年"
    if rest >= 5:
        return f"{head}年半" if years < 10 else f"{head}年多"
    if rest >= 2:
        return f"{head}年多"
    return f"{head}年"


_EN_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _years_en(months: int) -> str:
    years, rest = divmod(max(months, 6), 12)
    if years == 0:
        return "about six months"
    word = _EN_NUMBERS[min(years, 10) - 1]
    unit = "year" if years == 1 else "years"
    if rest >= 6:
        return f"more than {word} {unit}"
    return f"about {word} {unit}" if rest >= 2 else f"{word} {unit}"


def _amount(rng: random.Random) -> tuple[str, str]:
    value = rng.choice((3000, 5000, 8000, 12000, 18000, 26000, 35000, 60000, 85000))
    zh = f"{value // 10000}万" if value % 10000 == 0 else f"{value:d}"
    return zh, f"{value:,} yuan"


def slots(rng: random.Random, about: About, language: str) -> dict[str, str]:
    project = rng.choice(PROJECTS)
    team = TEAMS.get(about.category, TEAMS["general_office"])
    place = PLACES[about.place]
    amt_zh, amt_en = _amount(rng)
    if language == "en":
        female = about.sex == "female"
        he, his, him = ("she", "her", "her") if female else ("he", "his", "him")
        return {
            "n": about.name_en,
            "he": he,
            "He": he.capitalize(),
            "his": his,
            "His": his.capitalize(),
            "him": him,
            "org": about.org,
            "yrs": _years_en(about.months_together),
            "team": team[2],
            "a_role": EN_ROLES.get(about.category, "a member of staff"),
            "year": str(about.left_year),
            "proj": project[2],
            "amt": amt_en,
            "eth": about.ethnicity[2],
            "place": place[2],
        }
    hant = language == "zh-Hant"
    ta = "她" if about.sex == "female" else "他"
    yrs = _years_zh(about.months_together)
    return {
        "n": about.name_hant if hant else about.name_hans,
        "ta": ta,
        "org": to_hant(about.org) if hant else about.org,
        "yrs": to_hant(yrs) if hant else yrs,
        "team": team[1] if hant else team[0],
        "role": to_hant(about.role) if hant else about.role,
        "year": str(about.left_year),
        "proj": project[1] if hant else project[0],
        "amt": to_hant(amt_zh) if hant else amt_zh,
        "eth": about.ethnicity[1] if hant else about.ethnicity[0],
        "place": place[1] if hant else place[0],
    }


def _pick(
    rng: random.Random,
    language: str,
    kind: str,
    used: set[str],
    *,
    left: bool,
) -> tuple[str, bool]:
    """A template of ``kind`` not used before in this candidate's references (if possible);
    templates that speak of the year the candidate left only if they have left."""
    options = TEMPLATES[language][kind]
    allowed = [opt for opt in options if left or "{year}" not in opt[0]]
    fresh = [opt for opt in allowed if opt[2] not in used]
    text, hearsay, key = rng.choice(fresh or allowed)
    used.add(key)
    return text, hearsay


def _label(kind: str) -> str:
    if kind.startswith(("opening:", "closing_neutral")) or kind == "neutral":
        return "neutral"
    if kind in ("positive", "closing_positive"):
        return "positive"
    return kind


def compose(
    rng: random.Random,
    language: str,
    about: About,
    relationship: str,
    remarks: list[str],
    used: set[str],
    *,
    left: bool = True,
) -> tuple[str, list[Sentence]]:
    """One reference: an opening, a few positive or neutral sentences with ``remarks`` (kinds
    such as ``misconduct:safety`` or ``forbidden:religion``) among them, maybe a closing."""
    values = slots(rng, about, language)
    body: list[str] = []
    hr = relationship == "hr"
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        body.append("neutral" if hr or rng.random() < 0.35 else "positive")
    for remark in remarks:
        body.insert(rng.randint(0, len(body)), remark)
    kinds_ = [f"opening:{relationship}", *body]
    if rng.random() < 0.6:
        adverse = any(r.startswith(("misconduct:", "private_life")) for r in remarks)
        kinds_.append("closing_neutral" if adverse or hr else "closing_positive")
    sentences = []
    for kind in kinds_:
        template, hearsay = _pick(rng, language, kind, used, left=left)
        sentences.append(Sentence(template.format_map(values), _label(kind), hearsay))
    joiner = " " if language == "en" else ""
    return joiner.join(s.text for s in sentences), sentences
