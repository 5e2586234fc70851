"""The livestream rule pack: ``rules.toml`` (shipped) or an operator's file of the same shape.

Loaded strictly with pydantic: an unknown key, a missing field or a bad value is one error that
names the file, the rule and the field. The pack's ``id@version`` and the SHA-256 of the file's
bytes are what ``escalate.publish_pack`` puts on the ledger the first time a run uses it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fairscreen.kit import packfile
from fairscreen.kit.errors import PolicyError
from fairscreen.supervision.signals import Severity

_PACKAGE = "fairscreen.monitors.livestream"
_TABLES = {"pack", "escalation", "context", "rules"}
CATEGORIES = ("ordinary_food", "cosmetics", "health_food", "other")
SEGMENT_RULES = (
    "absolute_terms",
    "medical_claims",
    "unsupported_figures",
    "guarantees",
    "fake_scarcity",
)
RULES = (*SEGMENT_RULES, "false_original_price", "ad_disclosure")
Category = Literal["ordinary_food", "cosmetics", "health_food", "other"]
Term = Annotated[str, Field(min_length=1, max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Escalation(_Strict):
    repeat_count: int = Field(ge=1, le=1000)
    repeat_window_s: int = Field(ge=1, le=7 * 86400)
    ack_deadline_s: int = Field(ge=1, le=7 * 86400)


class Context(_Strict):
    ordinal_phrases: tuple[Term, ...] = ()
    substantiation: tuple[Term, ...] = ()
    negation: tuple[Term, ...] = ()
    quotes: tuple[Annotated[str, Field(min_length=2, max_length=2)], ...] = ()


class Rule(_Strict):
    id: Literal[
        "absolute_terms",
        "medical_claims",
        "unsupported_figures",
        "guarantees",
        "fake_scarcity",
        "false_original_price",
        "ad_disclosure",
    ]
    title: str = Field(min_length=1, max_length=120)
    title_zh: str = Field(min_length=1, max_length=120)
    legal_basis: str = Field(min_length=1, max_length=200)
    severity: Severity
    scope: Literal["segment", "listing", "room"]
    guidance: str | None = None
    terms: tuple[Term, ...] = ()
    comparative: tuple[Term, ...] = ()
    categories: tuple[Category, ...] = ()
    patterns: tuple[str, ...] = ()
    effects: tuple[Term, ...] = ()
    tolerance_pct: int = Field(default=0, ge=0, le=100)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression ({exc})") from None
        return value


class Pack(_Strict):
    escalation: Escalation
    context: Context
    rules: tuple[Rule, ...] = Field(min_length=1)
    id: str = ""  # the [pack] head's (set by the loader)
    version: str = ""
    digest: str = ""  # SHA-256 of the file's bytes (set by the loader)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def parse_pack(data: bytes, where: str) -> Pack:
    """The pack in ``data`` (read from ``where``, named in every error)."""
    file = packfile.parse(data, where)
    head = packfile.head(file, "pack")
    packfile.unknown_keys(file.doc, _TABLES, where)
    body = {k: v for k, v in file.doc.items() if k != "pack"}
    pack = packfile.validated(
        Pack, {**body, "id": head.id, "version": head.version, "digest": file.digest}, where
    )
    seen: set[str] = set()
    for rule in pack.rules:
        if rule.id in seen:
            raise PolicyError(f"{where}: rules[{rule.id}]: the rule is defined twice")
        seen.add(rule.id)
    return pack


@cache
def shipped_pack() -> Pack:
    return parse_pack(*packfile.read(None, _PACKAGE, "rules.toml", "livestream rule pack"))


def load_pack(path: Path | None) -> Pack:
    """The pack at ``path``, or the shipped one."""
    if path is None:
        return shipped_pack()
    return parse_pack(*packfile.read(path, _PACKAGE, "rules.toml", "livestream rule pack"))
