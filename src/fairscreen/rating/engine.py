"""The rating engine: a declared, versioned rule set (a data file) applied to verified findings.

Its inputs are ``RatingInput`` and ``RatableFinding`` and nothing else. They carry the position
category and, per finding, the item, what the finding says, how long ago it happened (or ended),
a count, and what the statutes distinguish: intentional or negligent, the kind of punishment,
probation, whether it lies beyond the lookback. They have no field for a person's name, sex, age,
ethnicity, religion, marital status, health, household registration or any other protected
attribute, so no rule can read one (a test walks the types to prove it). Same inputs, same rule
set: same light.

Two kinds of rule go beyond one finding at a time:

- a **statutory bar** (``bar = true``) also sees findings older than the item's lookback: a
  lookback limits what is weighed in an individual assessment, a lifetime bar applies whatever
  the lookback (未成年人保護法 第62條, 保安服務管理條例 第17條). Every other rule ignores them;
- a **pattern** (``min_findings = N``) applies only when at least N findings satisfy the rule's
  other conditions (all within its ``within_years``): three speeding violations in twelve months
  matter for a passenger driver when one does not.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TypeVar

from fairscreen.kit.errors import PolicyError
from fairscreen.kit.text import read_text
from fairscreen.policy.pack import PolicyPack, require
from fairscreen.policy.vocabulary import Culpability, FindingCode, Item, Penalty


class Light(StrEnum):
    GREEN = "green"  # 綠燈 nothing relevant
    BLUE = "blue"  # 藍燈 informational only
    YELLOW = "yellow"  # 黃燈 needs an individualised assessment
    RED = "red"  # 紅燈 a job-related rule with a legal basis disqualifies

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Light.GREEN: 0, Light.BLUE: 1, Light.YELLOW: 2, Light.RED: 3}
DAYS_PER_YEAR = 365.2425


@dataclass(frozen=True, slots=True)
class RatableFinding:
    """A verified, in-scope finding as the engine sees it."""

    ref: str
    item: Item
    code: FindingCode
    subtype: str | None
    days_since: int | None  # days between the event and the screening date; None if undated
    ongoing: bool
    count: int | None
    culpability: Culpability | None = None
    penalty: Penalty | None = None
    probation: bool = False
    outside_lookback: bool = False


@dataclass(frozen=True, slots=True)
class RatingInput:
    category: str  # the position category (分類分級)
    findings: tuple[RatableFinding, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    light: Light
    code: str
    legal_basis: str  # a key of the policy pack's legal bases
    item: Item
    finding: FindingCode
    categories: frozenset[str] | None
    subtypes: frozenset[str] | None
    within_years: int | None
    min_count: int | None
    culpability: frozenset[Culpability] | None = None
    penalties: frozenset[Penalty] | None = None
    probation: bool | None = None
    bar: bool = False  # a statutory bar: sees findings beyond the lookback
    min_findings: int | None = None  # a pattern: at least this many findings match

    def matches(self, category: str, f: RatableFinding) -> bool:
        """Whether ``f`` meets this rule's per-finding conditions (a pattern's count aside)."""
        if f.item is not self.item or f.code is not self.finding:
            return False
        if f.outside_lookback and not self.bar:
            return False
        if self.categories is not None and category not in self.categories:
            return False
        if self.subtypes is not None and f.subtype not in self.subtypes:
            return False
        if (
            self.within_years is not None
            and not f.ongoing
            and (f.days_since is None or f.days_since > self.within_years * DAYS_PER_YEAR)
        ):
            return False
        if self.culpability is not None and f.culpability not in self.culpability:
            return False
        if self.penalties is not None and f.penalty not in self.penalties:
            return False
        if self.probation is not None and f.probation is not self.probation:
            return False
        return self.min_count is None or (f.count is not None and f.count >= self.min_count)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a light is what it is: a rule, its legal basis, the findings it applied to."""

    code: str
    rule: str
    legal_basis: str  # the citation, e.g. 未成年人保護法 第62條
    light: Light
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rating:
    light: Light
    reasons: tuple[Reason, ...]
    not_relevant: tuple[str, ...]  # refs of verified findings no rule matched
    ruleset: str


@dataclass(frozen=True, eq=False)
class RuleSet:
    id: str
    version: str
    pack: str
    title: str
    digest: str  # SHA-256 of the rule file: what the model registry publishes
    rules: tuple[Rule, ...]
    citations: dict[str, str]

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @cached_property
    def _by_finding(self) -> dict[tuple[Item, FindingCode], tuple[Rule, ...]]:
        """The rules of each (item, finding code), in file order: a finding is matched against
        these only (the first condition of every rule)."""
        out: dict[tuple[Item, FindingCode], list[Rule]] = {}
        for rule in self.rules:
            out.setdefault((rule.item, rule.finding), []).append(rule)
        return {key: tuple(rules) for key, rules in out.items()}

    @cached_property
    def _rules_by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    def rate(self, data: RatingInput) -> Rating:
        applied: dict[str, list[str]] = {}
        rules_by_id = self._rules_by_id
        not_relevant: list[str] = []
        patterns: dict[str, bool] = {}
        category = data.category
        for finding in data.findings:
            rule = None
            for candidate in self._by_finding.get((finding.item, finding.code), ()):
                if not candidate.matches(category, finding):
                    continue
                if candidate.min_findings is not None:
                    # a pattern: enough findings meet the rule's other conditions (counted once)
                    if candidate.id not in patterns:
                        patterns[candidate.id] = (
                            sum(1 for f in data.findings if candidate.matches(category, f))
                            >= candidate.min_findings
                        )
                    if not patterns[candidate.id]:
                        continue
                rule = candidate
                break
            if rule is None:
                not_relevant.append(finding.ref)
            else:
                applied.setdefault(rule.id, []).append(finding.ref)
        reasons = tuple(
            Reason(
                rule.code,
                rule.id,
                self.citations[rule.legal_basis],
                rule.light,
                tuple(refs),
            )
            for rule_id, refs in sorted(
                applied.items(), key=lambda kv: (-rules_by_id[kv[0]].light.severity, kv[0])
            )
            for rule in (rules_by_id[rule_id],)
        )
        light = max((r.light for r in reasons), key=lambda lt: lt.severity, default=Light.GREEN)
        return Rating(light, reasons, tuple(not_relevant), self.ref)


_RULE_KEYS = {
    "id",
    "light",
    "code",
    "legal_basis",
    "item",
    "finding",
    "categories",
    "subtypes",
    "within_years",
    "min_count",
    "culpability",
    "penalties",
    "probation",
    "bar",
    "min_findings",
}


_E = TypeVar("_E", Culpability, Penalty)


def _members(spec: dict[str, object], key: str, kind: type[_E], at: str) -> frozenset[_E] | None:
    if key not in spec:
        return None
    values = require(spec, key, at, list)
    out = set()
    for i, value in enumerate(values):
        try:
            out.add(kind(value))
        except ValueError:
            raise PolicyError(
                f"{at}.{key}[{i}]: unknown value {value!r} (one of {[str(v) for v in kind]})"
            ) from None
    if not out:
        raise PolicyError(f"{at}.{key}: empty (leave the key out to match any)")
    return frozenset(out)


def parse_ruleset(text: str, pack: PolicyPack, *, origin: str = "<rules>") -> RuleSet:
    """Parse and check a rule file against ``pack``; errors name the rule and key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{origin}: {exc}") from None
    head = require(data, "ruleset", origin, dict)
    where = f"{origin}: ruleset"
    if require(head, "pack", where, str) != pack.id:
        raise PolicyError(f"{where}.pack: rule set is for pack {head['pack']!r}, not {pack.id!r}")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, spec in enumerate(require(data, "rules", origin, list)):
        at = f"{origin}: rules[{i}]"
        unknown = set(spec) - _RULE_KEYS
        if unknown:
            raise PolicyError(f"{at}: unknown key(s) {sorted(unknown)}")
        rule_id = require(spec, "id", at, str)
        at = f"{origin}: rules[{i}] ({rule_id})"
        if rule_id in seen:
            raise PolicyError(f"{at}.id: duplicate rule id")
        seen.add(rule_id)
        try:
            light = Light(require(spec, "light", at, str))
            item = Item(require(spec, "item", at, str))
            finding = FindingCode(require(spec, "finding", at, str))
        except ValueError as exc:
            raise PolicyError(f"{at}: {exc}") from None
        if light is Light.GREEN:
            raise PolicyError(
                f"{at}.light: a rule cannot give green (green is the absence of reasons)"
            )
        basis = require(spec, "legal_basis", at, str)
        if basis not in pack.legal_bases:
            raise PolicyError(
                f"{at}.legal_basis: {basis!r} is not a legal basis of pack {pack.ref}"
            )
        categories = spec.get("categories")
        if categories is not None:
            unknown_cats = set(categories) - set(pack.categories)
            if unknown_cats:
                raise PolicyError(f"{at}.categories: unknown {sorted(unknown_cats)}")
            for cat in categories:
                if item not in pack.categories[cat].items:
                    raise PolicyError(f"{at}: item {item} is never in scope for category {cat!r}")
        rules.append(
            Rule(
                id=rule_id,
                light=light,
                code=require(spec, "code", at, str),
                legal_basis=basis,
                item=item,
                finding=finding,
                categories=frozenset(categories) if categories is not None else None,
                subtypes=frozenset(spec["subtypes"]) if "subtypes" in spec else None,
                within_years=require(spec, "within_years", at, int)
                if "within_years" in spec
                else None,
                min_count=require(spec, "min_count", at, int) if "min_count" in spec else None,
                culpability=_members(spec, "culpability", Culpability, at),
                penalties=_members(spec, "penalties", Penalty, at),
                probation=require(spec, "probation", at, bool) if "probation" in spec else None,
                bar=require(spec, "bar", at, bool) if "bar" in spec else False,
                min_findings=_at_least_two(spec, at),
            )
        )
    return RuleSet(
        id=require(head, "id", where, str),
        version=require(head, "version", where, str),
        pack=pack.id,
        title=require(head, "title", where, str),
        digest=hashlib.sha256(text.encode()).hexdigest(),
        rules=tuple(rules),
        citations={key: basis.citation for key, basis in pack.legal_bases.items()},
    )


def _at_least_two(spec: dict[str, object], at: str) -> int | None:
    if "min_findings" not in spec:
        return None
    value = int(require(spec, "min_findings", at, int))
    if value < 2:
        raise PolicyError(f"{at}.min_findings: a pattern needs at least 2 findings, got {value}")
    return value


def load_ruleset_file(path: Path, pack: PolicyPack) -> RuleSet:
    """An organisation's own rule set (``--rules``): UTF-8 TOML, checked against ``pack``."""
    return parse_ruleset(read_text(path), pack, origin=str(path))


@cache
def load_ruleset(name: str, pack: PolicyPack) -> RuleSet:
    """A rule set shipped with fairscreen, by file stem (``cn-2026.2``)."""
    resource = resources.files("fairscreen.rating") / "rulesets" / f"{name}.toml"
    if not resource.is_file():
        raise PolicyError(f"no rule set named {name!r}")
    return parse_ruleset(resource.read_text(encoding="utf-8"), pack, origin=f"rulesets/{name}.toml")


@cache
def _shipped_rulesets() -> dict[str, dict[str, str]]:
    """The rule sets shipped with fairscreen: pack id -> {version: file stem}. A new
    jurisdiction's rule set is a data file; nothing here names one."""
    found: dict[str, dict[str, str]] = {}
    for entry in (resources.files("fairscreen.rating") / "rulesets").iterdir():
        if not entry.name.endswith(".toml"):
            continue
        try:
            head = tomllib.loads(entry.read_text(encoding="utf-8"))["ruleset"]
            pack_id, version = str(head["pack"]), str(head["version"])
        except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            raise PolicyError(f"rulesets/{entry.name}: not a rule set ({exc})") from None
        found.setdefault(pack_id, {})[version] = entry.name.removesuffix(".toml")
    return found


def default_ruleset_for(pack: PolicyPack) -> RuleSet:
    """The rule set a new check under ``pack`` is rated with: the one released with it (the
    same version), else the latest shipped for the pack's id. A released pack keeps its own
    rule set when newer ones ship (docs/policy-packs.md, "Released packs")."""
    versions = _shipped_rulesets().get(pack.id)
    if not versions:
        raise PolicyError(f"no rule set for pack {pack.id!r}")
    stem = versions.get(pack.version) or versions[max(versions)]
    return load_ruleset(stem, pack)
