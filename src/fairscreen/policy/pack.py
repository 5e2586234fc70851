"""Jurisdiction policy packs: versioned data files that the steps read, never hard-code.

A pack says which items each position category allows, the lookback windows, the legal limits
(records the law seals or expires, whatever a lookback says), the forbidden categories, the
cause classes of court cases, arbitrations and administrative penalties, and the notice, dispute
and retention periods. Loading checks the file against the shared vocabulary and names the key
that is wrong; an unknown key is an error, so a misspelt limit cannot be silently ignored.
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
from fairscreen.policy.vocabulary import Culpability, ForbiddenCategory, Item, SourceKind

UNLIMITED = "unlimited"

# Released packs stay loadable (a check keeps the pack it was made under): the items that
# entered the vocabulary after a pack was released, which that pack may therefore omit. An
# omitted item has no policy and no category allows it: a check under that pack never covers it.
# The shipped files are kept byte for byte (their digest is what the model registry recorded);
# this table is their vocabulary migration (docs/policy-packs.md, "Released packs").
ITEMS_ADDED_SINCE: dict[str, frozenset[Item]] = {
    "cn@2026.1": frozenset({Item.PUBLIC_SECURITY_RECORD}),
}


@dataclass(frozen=True, slots=True)
class LegalLimit:
    """A limit the law itself sets on using an item's adverse records: older than ``years``
    since the conduct ended, a record must not be used (征信業管理條例 第16條: five years). Unlike
    a lookback, a category cannot widen it, and no rule can look through it."""

    years: int
    legal_basis: str


@dataclass(frozen=True, slots=True)
class ItemPolicy:
    item: Item
    title: str
    sources: tuple[SourceKind, ...]
    separate_consent: bool
    legal_basis: str
    lookback_years: int | None
    legal_limit: LegalLimit | None = None


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
    # items whose legal limit does not apply to this category (FCRA §1681c(b)(3): a position
    # paying $75,000 a year or more); each needs a legal basis
    legal_limit_exempt: frozenset[Item] = frozenset()


@dataclass(frozen=True, slots=True)
class CauseClass:
    """What a cause (a court case's 案由, an arbitration's cause, the conduct an administrative
    penalty punished) means to the rating: a class, or a forbidden category; for a crime, whether
    the offence is intentional or negligent where the offence itself decides it."""

    cls: str | None
    forbidden: ForbiddenCategory | None
    culpability: Culpability | None = None


@dataclass(frozen=True, slots=True)
class JuvenileSealing:
    """Criminal records the law seals (刑事訴訟法 第286條): an offence committed before the age
    of ``age_below``, sentenced to at most ``max_fixed_term_years`` of fixed-term imprisonment
    (or a lighter punishment, or none). A sealed record is never used, whatever a source returns."""

    legal_basis: str
    age_below: int
    max_fixed_term_years: int


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
    arbitration_causes: dict[str, CauseClass] = field(default_factory=dict)
    administrative_conducts: dict[str, CauseClass] = field(default_factory=dict)
    juvenile_sealing: JuvenileSealing | None = None
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

    def legal_limit(self, category: str, item: Item) -> LegalLimit | None:
        """The legal limit of ``item``'s records for ``category`` (None: the law sets none, or
        the category is exempt from it)."""
        if item in self.category(category).legal_limit_exempt:
            return None
        return self.items[item].legal_limit

    def cause_class(self, kind: str, cause: str) -> CauseClass | None:
        """What ``cause`` means: ``kind`` is ``criminal`` or ``civil`` (court cases),
        ``arbitration`` (labour arbitration) or ``administrative`` (public-security penalties)."""
        table = {
            "criminal": self.criminal_causes,
            "civil": self.civil_causes,
            "arbitration": self.arbitration_causes,
            "administrative": self.administrative_conducts,
        }[kind]
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


def _known_keys(table: dict[str, Any], known: frozenset[str], where: str) -> None:
    unknown = set(table) - known
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {sorted(unknown)}")


def _causes(table: Any, where: str, *, culpability: bool = False) -> dict[str, CauseClass]:
    """A cause table: ``cause = "class"``, ``cause = "forbidden:<category>"`` or (where
    ``culpability`` is allowed, for crimes) ``cause = { class = "...", culpability = "..." }``."""
    if not isinstance(table, dict):
        raise PolicyError(f"{where}: expected a table of causes")
    causes: dict[str, CauseClass] = {}
    for cause, value in table.items():
        at = f"{where}.{cause}"
        mind: Culpability | None = None
        if isinstance(value, dict) and culpability:
            _known_keys(value, frozenset({"class", "culpability"}), at)
            name = require(value, "culpability", at, str)
            try:
                mind = Culpability(name)
            except ValueError:
                raise PolicyError(
                    f"{at}.culpability: expected one of {[str(c) for c in Culpability]}, "
                    f"got {name!r}"
                ) from None
            value = require(value, "class", at, str)
        if not isinstance(value, str) or not value:
            raise PolicyError(f"{at}: expected a class name, got {value!r}")
        if value.startswith("forbidden:"):
            name = value.removeprefix("forbidden:")
            try:
                causes[cause] = CauseClass(None, ForbiddenCategory(name))
            except ValueError:
                raise PolicyError(f"{at}: unknown forbidden category {name!r}") from None
        else:
            causes[cause] = CauseClass(value, None, mind)
    return causes


_ITEM_KEYS = frozenset(
    {"title", "sources", "legal_basis", "separate_consent", "lookback_years", "legal_limit"}
)
_CATEGORY_KEYS = frozenset(
    {
        "title",
        "items",
        "lookback_years",
        "required_licences",
        "fitness_certificate",
        "legal_limit_exempt",
    }
)
_TOP_KEYS = frozenset(
    {
        "pack",
        "legal_bases",
        "items",
        "categories",
        "forbidden",
        "court",
        "public_security",
        "sealed_juvenile_records",
    }
)


def _basis(legal_bases: dict[str, LegalBasis], value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise PolicyError(f"{where}: expected a key of [legal_bases], got {value!r}")
    if value not in legal_bases:
        raise PolicyError(f"{where}: {value!r} is not in [legal_bases]")
    return value


def _positive(table: dict[str, Any], key: str, where: str) -> int:
    value = require(table, key, where, int)
    if value <= 0:
        raise PolicyError(f"{where}.{key}: expected a positive number, got {value!r}")
    return int(value)


def parse_pack(text: str, *, origin: str = "<pack>") -> PolicyPack:
    """Parse and check a pack; errors name ``origin`` and the TOML key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{origin}: {exc}") from None
    _known_keys(data, _TOP_KEYS, origin)
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
        if not isinstance(spec, dict):
            raise PolicyError(f"{at}: expected a table")
        _known_keys(spec, _ITEM_KEYS, at)
        limit = None
        if "legal_limit" in spec:
            lim = require(spec, "legal_limit", at, dict)
            _known_keys(lim, frozenset({"years", "legal_basis"}), f"{at}.legal_limit")
            limit = LegalLimit(
                _positive(lim, "years", f"{at}.legal_limit"),
                _basis(legal_bases, lim.get("legal_basis"), f"{at}.legal_limit.legal_basis"),
            )
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
            legal_limit=limit,
        )
    head_ref = f"{head.get('id')}@{head.get('version')}"
    missing = set(Item) - set(items) - ITEMS_ADDED_SINCE.get(head_ref, frozenset())
    if missing:
        raise PolicyError(f"{origin}: items: no policy for {sorted(missing)}")

    categories: dict[str, CategoryPolicy] = {}
    for name, spec in require(data, "categories", origin, dict).items():
        at = f"{origin}: categories.{name}"
        if not isinstance(spec, dict):
            raise PolicyError(f"{at}: expected a table")
        _known_keys(spec, _CATEGORY_KEYS, at)
        allowed = frozenset(
            _item(v, f"{at}.items[{i}]") for i, v in enumerate(require(spec, "items", at, list))
        )
        if unknown := sorted(allowed - set(items)):
            raise PolicyError(f"{at}.items: {unknown} have no policy in [items]")
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
        exempt: set[Item] = set()
        for i, key in enumerate(spec.get("legal_limit_exempt", [])):
            item = _item(key, f"{at}.legal_limit_exempt[{i}]")
            if items[item].legal_limit is None:
                raise PolicyError(
                    f"{at}.legal_limit_exempt[{i}]: item {item} has no legal_limit to be exempt from"
                )
            exempt.add(item)
        categories[name] = CategoryPolicy(
            name,
            require(spec, "title", at, str),
            allowed,
            overrides,
            licences,
            fitness,
            frozenset(exempt),
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
    if not isinstance(court, dict):
        raise PolicyError(f"{origin}: court: expected a table")
    _known_keys(
        court,
        frozenset({"criminal_causes", "civil_causes", "arbitration_causes"}),
        f"{origin}: court",
    )
    security = data.get("public_security", {})
    if not isinstance(security, dict):
        raise PolicyError(f"{origin}: public_security: expected a table")
    _known_keys(security, frozenset({"conducts"}), f"{origin}: public_security")
    sealing = None
    if "sealed_juvenile_records" in data:
        at = f"{origin}: sealed_juvenile_records"
        spec = require(data, "sealed_juvenile_records", origin, dict)
        _known_keys(spec, frozenset({"legal_basis", "age_below", "max_fixed_term_years"}), at)
        sealing = JuvenileSealing(
            _basis(legal_bases, spec.get("legal_basis"), f"{at}.legal_basis"),
            _positive(spec, "age_below", at),
            _positive(spec, "max_fixed_term_years", at),
        )
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
            court.get("criminal_causes", {}), f"{origin}: court.criminal_causes", culpability=True
        ),
        civil_causes=_causes(court.get("civil_causes", {}), f"{origin}: court.civil_causes"),
        arbitration_causes=_causes(
            court.get("arbitration_causes", {}), f"{origin}: court.arbitration_causes"
        ),
        administrative_conducts=_causes(
            security.get("conducts", {}), f"{origin}: public_security.conducts"
        ),
        juvenile_sealing=sealing,
    )


def load_pack_file(path: Path) -> PolicyPack:
    """An organisation's own pack (``--pack``): UTF-8 TOML, checked as a shipped one is."""
    return parse_pack(read_text(path), origin=str(path))


@cache
def load_pack(name: str = "cn-2026.2") -> PolicyPack:
    """A pack shipped with fairscreen, by file stem (``cn-2026.2``)."""
    resource = resources.files("fairscreen.policy") / "packs" / f"{name}.toml"
    if not resource.is_file():
        raise PolicyError(f"no policy pack named {name!r}")
    return parse_pack(resource.read_text(encoding="utf-8"), origin=f"packs/{name}.toml")


@cache
def shipped_packs() -> dict[str, str]:
    """The packs shipped with fairscreen, by jurisdiction: file stems, the latest version of
    each jurisdiction (a new jurisdiction is a new data file, not a code change)."""
    found: dict[str, tuple[str, str]] = {}
    for entry in (resources.files("fairscreen.policy") / "packs").iterdir():
        if not entry.name.endswith(".toml"):
            continue
        stem = entry.name.removesuffix(".toml")
        pack = load_pack(stem)
        if pack.jurisdiction not in found or found[pack.jurisdiction][0] < pack.version:
            found[pack.jurisdiction] = (pack.version, stem)
    return {jurisdiction: stem for jurisdiction, (_, stem) in found.items()}


def default_pack_for(jurisdiction: str) -> PolicyPack:
    try:
        return load_pack(shipped_packs()[jurisdiction])
    except KeyError:
        raise PolicyError(f"no policy pack for jurisdiction {jurisdiction!r}") from None
