"""Jurisdiction policy packs: versioned data files that the steps read, never hard-code.

A pack says which items each position category allows, the lookback windows, the forbidden
categories, the court-cause classes, and the notice, dispute and retention periods. Loading checks
the file against the shared vocabulary and names the key that is wrong.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fairscreen.kit.errors import PolicyError
from fairscreen.kit.text import read_text
from fairscreen.policy.vocabulary import ForbiddenCategory, Item, SourceKind

UNLIMITED = "unlimited"


@dataclass(frozen=True, slots=True)
class ItemPolicy:
    item: Item
    title: str
    sources: tuple[SourceKind, ...]
    separate_consent: bool
    legal_basis: str
    lookback_years: int | None


@dataclass(frozen=True, slots=True)
class LegalBasis:
    key: str
    citation: str
    summary: str


@dataclass(frozen=True, slots=True)
class CategoryPolicy:
    name: str
    title: str
    items: frozenset[Item]
    lookback_years: dict[Item, int | None]
    required_licences: tuple[frozenset[str], ...]
    fitness_certificate: str | None


@dataclass(frozen=True, slots=True)
class CauseClass:
    """What a court cause means to the rating: a class, or a forbidden category."""

    cls: str | None
    forbidden: ForbiddenCategory | None


CALENDARS = ("calendar", "business")


@dataclass(frozen=True, slots=True)
class Periods:
    default_retention_days: int
    undecided_retention_days: int
    pre_adverse_notice_days: int
    dispute_days: int
    reinvestigation_days: int
    deletion_request_days: int
    # How ``pre_adverse_notice_days`` count: "calendar" days, or "business" days (Monday to
    # Friday, as US practice reads FCRA §1681b(b)(3)). Read through fairscreen.policy.periods.
    pre_adverse_notice_calendar: str = "calendar"


@dataclass(frozen=True, eq=False)
class PolicyPack:
    id: str
    version: str
    jurisdiction: str
    title: str
    purpose: str
    digest: str
    periods: Periods
    legal_bases: dict[str, LegalBasis]
    items: dict[Item, ItemPolicy]
    categories: dict[str, CategoryPolicy]
    forbidden: frozenset[ForbiddenCategory]
    criminal_causes: dict[str, CauseClass]
    civil_causes: dict[str, CauseClass]
    _lookbacks: dict[tuple[str, Item], int | None] = field(default_factory=dict, repr=False)

    @property
    def ref(self) -> str:
        """``id@version``: what scopes, reports and ledger entries record."""
        return f"{self.id}@{self.version}"

    def category(self, name: str) -> CategoryPolicy:
        try:
            return self.categories[name]
        except KeyError:
            raise PolicyError(
                f"policy pack {self.ref}: unknown position category {name!r}"
            ) from None

    def lookback_years(self, category: str, item: Item) -> int | None:
        """The lookback window for ``item`` in ``category`` (None: no limit)."""
        key = (category, item)
        if key not in self._lookbacks:
            cat = self.category(category)
            self._lookbacks[key] = (
                cat.lookback_years[item]
                if item in cat.lookback_years
                else self.items[item].lookback_years
            )
        return self._lookbacks[key]

    def cause_class(self, kind: str, cause: str) -> CauseClass | None:
        table = self.criminal_causes if kind == "criminal" else self.civil_causes
        return table.get(cause)


def require(table: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    """``table[key]`` checked for presence and type; errors name ``where.key`` (policy files)."""
    if key not in table:
        raise PolicyError(f"{where}.{key}: missing")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise PolicyError(
            f"{where}.{key}: expected {getattr(kind, '__name__', kind)}, got {value!r}"
        )
    return value


def _lookback(value: Any, where: str) -> int | None:
    if value == UNLIMITED:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise PolicyError(
        f"{where}: expected a positive number of years or {UNLIMITED!r}, got {value!r}"
    )


def _item(value: Any, where: str) -> Item:
    try:
        return Item(value)
    except ValueError:
        raise PolicyError(f"{where}: unknown item {value!r}") from None


def _causes(table: dict[str, Any], where: str) -> dict[str, CauseClass]:
    causes: dict[str, CauseClass] = {}
    for cause, value in table.items():
        if not isinstance(value, str) or not value:
            raise PolicyError(f"{where}.{cause}: expected a class name, got {value!r}")
        if value.startswith("forbidden:"):
            name = value.removeprefix("forbidden:")
            try:
                causes[cause] = CauseClass(None, ForbiddenCategory(name))
            except ValueError:
                raise PolicyError(f"{where}.{cause}: unknown forbidden category {name!r}") from None
        else:
            causes[cause] = CauseClass(value, None)
    return causes


def parse_pack(text: str, *, origin: str = "<pack>") -> PolicyPack:
    """Parse and check a pack; errors name ``origin`` and the TOML key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{origin}: {exc}") from None
    head = require(data, "pack", origin, dict)
    where = f"{origin}: pack"
    calendar = head.get("pre_adverse_notice_calendar", "calendar")
    if calendar not in CALENDARS:
        raise PolicyError(
            f"{where}.pre_adverse_notice_calendar: one of {', '.join(CALENDARS)}, got {calendar!r}"
        )
    periods = Periods(
        **{
            name: require(head, name, where, int)
            for name in Periods.__dataclass_fields__
            if name != "pre_adverse_notice_calendar"
        },
        pre_adverse_notice_calendar=calendar,
    )
    legal_bases: dict[str, LegalBasis] = {}
    for key, spec in require(data, "legal_bases", origin, dict).items():
        at = f"{origin}: legal_bases.{key}"
        if not isinstance(spec, dict):
            raise PolicyError(f"{at}: expected {{ citation = ..., summary = ... }}")
        legal_bases[key] = LegalBasis(
            key, require(spec, "citation", at, str), require(spec, "summary", at, str)
        )

    items: dict[Item, ItemPolicy] = {}
    for name, spec in require(data, "items", origin, dict).items():
        at = f"{origin}: items.{name}"
        item = _item(name, at)
        sources = []
        for i, src in enumerate(require(spec, "sources", at, list)):
            try:
                sources.append(SourceKind(src))
            except ValueError:
                raise PolicyError(f"{at}.sources[{i}]: unknown source kind {src!r}") from None
        basis = require(spec, "legal_basis", at, str)
        if basis not in legal_bases:
            raise PolicyError(f"{at}.legal_basis: {basis!r} is not in [legal_bases]")
        items[item] = ItemPolicy(
            item=item,
            title=require(spec, "title", at, str),
            sources=tuple(sources),
            separate_consent=bool(spec.get("separate_consent", False)),
            legal_basis=basis,
            lookback_years=_lookback(spec["lookback_years"], f"{at}.lookback_years")
            if "lookback_years" in spec
            else None,
        )
    missing = set(Item) - set(items)
    if missing:
        raise PolicyError(f"{origin}: items: no policy for {sorted(missing)}")

    categories: dict[str, CategoryPolicy] = {}
    for name, spec in require(data, "categories", origin, dict).items():
        at = f"{origin}: categories.{name}"
        allowed = frozenset(
            _item(v, f"{at}.items[{i}]") for i, v in enumerate(require(spec, "items", at, list))
        )
        overrides: dict[Item, int | None] = {}
        for key, value in spec.get("lookback_years", {}).items():
            item = _item(key, f"{at}.lookback_years.{key}")
            overrides[item] = _lookback(value, f"{at}.lookback_years.{key}")
        licences = tuple(
            frozenset(str(kind) for kind in group) for group in spec.get("required_licences", [])
        )
        if licences and Item.PROFESSIONAL_LICENCE not in allowed:
            raise PolicyError(f"{at}.required_licences: needs professional_licence in items")
        fitness = spec.get("fitness_certificate")
        if fitness is not None and Item.HEALTH_FITNESS not in allowed:
            raise PolicyError(f"{at}.fitness_certificate: needs health_fitness in items")
        categories[name] = CategoryPolicy(
            name, require(spec, "title", at, str), allowed, overrides, licences, fitness
        )

    forbidden_spec = require(data, "forbidden", origin, dict)
    forbidden = set()
    for i, name in enumerate(require(forbidden_spec, "categories", f"{origin}: forbidden", list)):
        try:
            forbidden.add(ForbiddenCategory(name))
        except ValueError:
            raise PolicyError(
                f"{origin}: forbidden.categories[{i}]: unknown category {name!r}"
            ) from None
    court = data.get("court", {})
    return PolicyPack(
        id=require(head, "id", where, str),
        version=require(head, "version", where, str),
        jurisdiction=require(head, "jurisdiction", where, str),
        title=require(head, "title", where, str),
        purpose=require(head, "purpose", where, str),
        digest=hashlib.sha256(text.encode()).hexdigest(),
        periods=periods,
        legal_bases=legal_bases,
        items=items,
        categories=categories,
        forbidden=frozenset(forbidden),
        criminal_causes=_causes(
            court.get("criminal_causes", {}), f"{origin}: court.criminal_causes"
        ),
        civil_causes=_causes(court.get("civil_causes", {}), f"{origin}: court.civil_causes"),
    )


def load_pack_file(path: Path) -> PolicyPack:
    """An organisation's own pack (``--pack``): UTF-8 TOML, checked as a shipped one is."""
    return parse_pack(read_text(path), origin=str(path))


@cache
def load_pack(name: str = "cn-2026.1") -> PolicyPack:
    """A pack shipped with fairscreen, by file stem (``cn-2026.1``)."""
    resource = resources.files("fairscreen.policy") / "packs" / f"{name}.toml"
    if not resource.is_file():
        raise PolicyError(f"no policy pack named {name!r}")
    return parse_pack(resource.read_text(encoding="utf-8"), origin=f"packs/{name}.toml")


def default_pack_for(jurisdiction: str) -> PolicyPack:
    packs = {"CN": "cn-2026.1"}
    try:
        return load_pack(packs[jurisdiction])
    except KeyError:
        raise PolicyError(f"no policy pack for jurisdiction {jurisdiction!r}") from None
