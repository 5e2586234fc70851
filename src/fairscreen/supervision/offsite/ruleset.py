"""The off-site rule set: a TOML file (``rules.toml``, shipped) of rules, each naming a detector
of ``engine.DETECTORS`` and its parameters. Loaded strictly: an unknown key, detector,
severity or guidance code is an error that names the rule and the field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from fairscreen.kit import packfile
from fairscreen.kit.errors import PolicyError
from fairscreen.kit.packfile import need
from fairscreen.supervision.signals import Severity

_PACKAGE = "fairscreen.supervision.offsite"
DETECTORS = (
    "query_without_consent",
    "query_outside_scope",
    "unverified_rated",
    "decision_flag",
    "dispute_overdue",
    "deletion_overdue",
    "witness_alarm",
)
_RULE_KEYS = {
    "id",
    "detect",
    "severity",
    "legal_basis",
    "guidance",
    "title",
    "flags",
    "grace_hours",
}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    detect: str
    severity: Severity
    legal_basis: str
    guidance: str  # a 普法碼 key (fairscreen/supervision/codes/guidance.toml)
    title: str
    flags: frozenset[str] = frozenset()  # decision_flag: the decision's compliance flags
    grace_hours: int = 0  # the overdue detectors: how late counts as overdue


@dataclass(frozen=True, slots=True)
class RuleSet:
    id: str
    version: str
    scenario: str
    digest: str  # SHA-256 of the file's bytes
    rules: tuple[Rule, ...]
    by_detector: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def parse_ruleset(data: bytes, where: str, guidance: frozenset[str] | None = None) -> RuleSet:
    """The rule set in ``data`` (read from ``where``, named in every error)."""
    file = packfile.parse(data, where)
    head = packfile.head(file, "ruleset", scenario=True)
    specs = file.doc.get("rules")
    if not isinstance(specs, list) or not specs:
        raise PolicyError(f"{where}: no [[rules]]")
    rules: list[Rule] = []
    for n, spec in enumerate(specs):
        at = f"{where}: rules[{n}]"
        packfile.unknown_keys(spec, _RULE_KEYS, at)
        detect = packfile.one_of(spec, "detect", at, DETECTORS)
        severity = packfile.one_of(spec, "severity", at, [str(s) for s in Severity])
        code = need(spec, "guidance", at, str)
        if guidance is not None and code not in guidance:
            raise PolicyError(f"{at}.guidance: no 普法碼 guidance {code!r}")
        flags = spec.get("flags", [])
        if detect == "decision_flag" and (
            not isinstance(flags, list) or not flags or not all(isinstance(f, str) for f in flags)
        ):
            raise PolicyError(f"{at}.flags: decision_flag needs a list of decision flags")
        grace = spec.get("grace_hours", 0)
        if not isinstance(grace, int) or isinstance(grace, bool) or grace < 0:
            raise PolicyError(f"{at}.grace_hours: a whole number of hours, 0 or more")
        rule = Rule(
            id=need(spec, "id", at, str),
            detect=detect,
            severity=Severity(severity),
            legal_basis=need(spec, "legal_basis", at, str),
            guidance=code,
            title=need(spec, "title", at, str),
            flags=frozenset(flags),
            grace_hours=grace,
        )
        if any(r.id == rule.id for r in rules):
            raise PolicyError(f"{at}.id: {rule.id!r} twice")
        rules.append(rule)
    by: dict[str, list[Rule]] = {}
    for rule in rules:
        by.setdefault(rule.detect, []).append(rule)
    return RuleSet(
        head.id,
        head.version,
        head.scenario,
        file.digest,
        tuple(rules),
        {k: tuple(v) for k, v in by.items()},
    )


def load_ruleset(path: Path | None = None) -> RuleSet:
    """The shipped rule set, or the one at ``path``."""
    from fairscreen.supervision.codes.guidance import guidance_codes

    if path is None:
        return shipped_ruleset()
    data, where = packfile.read(path, _PACKAGE, "rules.toml", "off-site rule set")
    return parse_ruleset(data, where, guidance_codes())


@cache
def shipped_ruleset() -> RuleSet:
    from fairscreen.supervision.codes.guidance import guidance_codes

    data, where = packfile.read(None, _PACKAGE, "rules.toml", "off-site rule set")
    return parse_ruleset(data, where, guidance_codes())
