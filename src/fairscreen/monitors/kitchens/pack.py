"""The bright-kitchens rule pack (``rules.toml``, shipped; or an operator's file): which
confirmed events escalate, how many in what window, how serious, on what legal basis; and when a
camera counts as crying wolf. Loaded strictly: every error names the rule and the field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fairscreen.kit import packfile
from fairscreen.kit.errors import PolicyError
from fairscreen.kit.packfile import need
from fairscreen.monitors.kitchens.events import KINDS
from fairscreen.supervision.signals import Severity

_PACKAGE = "fairscreen.monitors.kitchens"
_RULE_KEYS = {"id", "title", "kinds", "count", "window_days", "severity", "legal_basis"}
_CAMERA_KEYS = {"window_days", "min_reviewed", "max_dismissed_permille"}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # short; the signal's rule is ``kitchens.<id>``
    title: str
    kinds: frozenset[str]
    count: int  # this many confirmed events ...
    window_days: int  # ... within this many days
    severity: Severity
    legal_basis: str

    @property
    def rule_id(self) -> str:
        return f"kitchens.{self.id}"


@dataclass(frozen=True, slots=True)
class CameraPolicy:
    window_days: int
    min_reviewed: int
    max_dismissed_permille: int


@dataclass(frozen=True, slots=True)
class Pack:
    id: str
    version: str
    scenario: str
    digest: str  # SHA-256 of the file's bytes
    cameras: CameraPolicy
    rules: tuple[Rule, ...]

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id or r.rule_id == rule_id), None)


def _positive(spec: Mapping[str, Any], key: str, at: str, top: int) -> int:
    value: int = need(spec, key, at, int)
    if not 1 <= value <= top:
        raise PolicyError(f"{at}.{key}: a whole number from 1 to {top}, got {value}")
    return value


def parse_pack(data: bytes, where: str) -> Pack:
    """The pack in ``data`` (read from ``where``, named in every error)."""
    file = packfile.parse(data, where)
    head = packfile.head(file, "pack", scenario=True)
    cams = packfile.table(file, "cameras")
    at = f"{where}: cameras"
    packfile.unknown_keys(cams, _CAMERA_KEYS, at)
    cameras = CameraPolicy(
        window_days=_positive(cams, "window_days", at, 366),
        min_reviewed=_positive(cams, "min_reviewed", at, 100_000),
        max_dismissed_permille=_positive(cams, "max_dismissed_permille", at, 999),
    )
    specs = file.doc.get("rules")
    if not isinstance(specs, list) or not specs:
        raise PolicyError(f"{where}: no [[rules]]")
    rules: list[Rule] = []
    for n, spec in enumerate(specs):
        at = f"{where}: rules[{n}]"
        if isinstance(spec.get("id"), str):
            at = f"{where}: rule {spec['id']!r}"
        packfile.unknown_keys(spec, _RULE_KEYS, at)
        rid = need(spec, "id", at, str)
        if not rid.replace("_", "").isalnum() or not rid.isascii() or len(rid) > 40:
            raise PolicyError(f"{at}.id: letters, digits and _ only, at most 40")
        kinds = spec.get("kinds")
        if not isinstance(kinds, list) or not kinds:
            raise PolicyError(f"{at}.kinds: a list of event kinds")
        for kind in kinds:
            if kind not in KINDS:
                raise PolicyError(f"{at}.kinds: {kind!r} is not one of {', '.join(KINDS)}")
        severity = packfile.one_of(spec, "severity", at, [str(s) for s in Severity])
        rule = Rule(
            id=rid,
            title=need(spec, "title", at, str),
            kinds=frozenset(kinds),
            count=_positive(spec, "count", at, 10_000),
            window_days=_positive(spec, "window_days", at, 366),
            severity=Severity(severity),
            legal_basis=need(spec, "legal_basis", at, str),
        )
        if any(r.id == rule.id for r in rules):
            raise PolicyError(f"{at}.id: {rule.id!r} twice")
        rules.append(rule)
    return Pack(head.id, head.version, head.scenario, file.digest, cameras, tuple(rules))


def load_pack(path: Path | None = None) -> Pack:
    """The shipped pack, or the one at ``path``."""
    if path is None:
        return shipped_pack()
    return parse_pack(*packfile.read(path, _PACKAGE, "rules.toml", "kitchens rule pack"))


@cache
def shipped_pack() -> Pack:
    return parse_pack(*packfile.read(None, _PACKAGE, "rules.toml", "kitchens rule pack"))
