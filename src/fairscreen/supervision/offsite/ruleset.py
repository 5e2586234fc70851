"""The off-site rule set: a TOML file (``rules.toml``, shipped) of rules, each naming a detector
of ``engine.DETECTORS`` and its parameters. Loaded strictly: an unknown key, detector,
severity or guidance code is an error that names the rule and the field."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fairscreen.kit.errors import PolicyError
from fairscreen.supervision.signals import Severity

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


def _need(spec: Mapping[str, Any], key: str, at: str, kind: type) -> Any:
    value = spec.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise PolicyError(f"{at}.{key}: expected a {kind.__name__}, got {value!r}")
    return value


def parse_ruleset(data: bytes, where: str, guidance: frozenset[str] | None = None) -> RuleSet:
    """The rule set in ``data`` (read from ``where``, named in every error)."""
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{where}: not a TOML file ({exc})") from None
    head = doc.get("ruleset")
    if not isinstance(head, dict):
        raise PolicyError(f"{where}: no [ruleset] table")
    at = f"{where}: ruleset"
    rid, version = _need(head, "id", at, str), _need(head, "version", at, str)
    scenario = _need(head, "scenario", at, str)
    specs = doc.get("rules")
    if not isinstance(specs, list) or not specs:
        raise PolicyError(f"{where}: no [[rules]]")
    rules: list[Rule] = []
    for n, spec in enumerate(specs):
        at = f"{where}: rules[{n}]"
        unknown = set(spec) - _RULE_KEYS
        if unknown:
            raise PolicyError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}")
        detect = _need(spec, "detect", at, str)
        if detect not in DETECTORS:
            raise PolicyError(f"{at}.detect: {detect!r} is not one of {', '.join(DETECTORS)}")
        severity = _need(spec, "severity", at, str)
        if severity not in {str(s) for s in Severity}:
            raise PolicyError(
                f"{at}.severity: {severity!r} is not one of low, medium, high, serious"
            )
        code = _need(spec, "guidance", at, str)
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
            id=_need(spec, "id", at, str),
            detect=detect,
            severity=Severity(severity),
            legal_basis=_need(spec, "legal_basis", at, str),
            guidance=code,
            title=_need(spec, "title", at, str),
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
        rid,
        version,
        scenario,
        hashlib.sha256(data).hexdigest(),
        tuple(rules),
        {k: tuple(v) for k, v in by.items()},
    )


def load_ruleset(path: Path | None = None) -> RuleSet:
    """The shipped rule set, or the one at ``path``."""
    from fairscreen.supervision.codes.guidance import guidance_codes

    if path is None:
        return shipped_ruleset()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the off-site rule set ({exc.strerror})") from None
    return parse_ruleset(data, str(path), guidance_codes())


@cache
def shipped_ruleset() -> RuleSet:
    from fairscreen.supervision.codes.guidance import guidance_codes

    data = (resources.files("fairscreen.supervision.offsite") / "rules.toml").read_bytes()
    return parse_ruleset(data, "fairscreen/supervision/offsite/rules.toml", guidance_codes())
