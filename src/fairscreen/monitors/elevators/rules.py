"""The elevator monitor's rule pack: data (TOML), versioned (``id@version``), each rule citing
its legal basis. ``load_pack`` checks every rule and names the rule and the field that is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from fairscreen.kit import packfile
from fairscreen.kit.errors import PolicyError
from fairscreen.monitors.elevators.records import EventKind
from fairscreen.supervision.signals import Severity

_PACKAGE = "fairscreen.monitors.elevators"
SHIPPED = "rules-2026.12.1.toml"
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
RULES = (
    "entrapment_unanswered",
    "maintenance_overdue",
    "inspection_overdue",
    "repeated_faults",
    "impossible_maintenance",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    title: str = Field(min_length=1, max_length=200)
    severity: Severity
    to: Literal["maintainer", "user_unit"]
    legal_basis: str = Field(min_length=1, max_length=400)
    minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    days: int | None = Field(default=None, ge=1, le=3660)
    count: int | None = Field(default=None, ge=2, le=1000)


class _Faults(_Strict):
    kinds: tuple[str, ...] = Field(min_length=1)


class _File(_Strict):
    faults: _Faults
    rules: dict[str, Rule]


# the settings each rule needs
NEEDS: dict[str, tuple[str, ...]] = {
    "entrapment_unanswered": ("minutes",),
    "maintenance_overdue": ("days",),
    "inspection_overdue": ("days",),
    "repeated_faults": ("count", "days"),
    "impossible_maintenance": (),
}


@dataclass(frozen=True, slots=True)
class Pack:
    ref: str  # id@version
    digest: str  # SHA-256 of the file
    faults: frozenset[str]
    rules: dict[str, Rule]

    def setting(self, rule: str, name: str) -> int:
        value = getattr(self.rules[rule], name)
        assert isinstance(value, int)  # checked by load_pack
        return value


def load_pack(path: Path | None = None) -> Pack:
    """The pack at ``path`` (the shipped one when None); an error names the rule and field."""
    file = packfile.parse(*packfile.read(path, _PACKAGE, SHIPPED, "elevators rule pack"))
    head = packfile.head(file, "pack")
    where = file.where
    parsed = packfile.validated(_File, {k: v for k, v in file.doc.items() if k != "pack"}, where)
    for kind in parsed.faults.kinds:
        if kind not in EVENT_KINDS:
            raise PolicyError(f"{where}: faults.kinds: unknown event kind {kind!r}")
    for name in parsed.rules:
        if name not in RULES:
            raise PolicyError(f"{where}: rules.{name}: unknown rule (known: {', '.join(RULES)})")
    for name in RULES:
        rule = parsed.rules.get(name)
        if rule is None:
            raise PolicyError(f"{where}: rules.{name}: missing")
        for setting in NEEDS[name]:
            if getattr(rule, setting) is None:
                raise PolicyError(f"{where}: rules.{name}.{setting}: required by this rule")
    return Pack(
        ref=head.ref,
        digest=file.digest,
        faults=frozenset(parsed.faults.kinds),
        rules=dict(parsed.rules),
    )
