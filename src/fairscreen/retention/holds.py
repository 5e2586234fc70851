"""The approved reasons of legal holds (``hold_reasons.toml``): a code staff pick, and the words
the candidate is shown for it in zh-Hant, zh-Hans and en. Staff never type what a candidate
reads; the proceeding reference they may add is for staff only."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from fairscreen.kit.errors import InputError, PolicyError

LANGUAGES = ("zh-Hant", "zh-Hans", "en")
DEFAULT_LANGUAGE = "zh-Hant"


@dataclass(frozen=True, slots=True)
class HoldReason:
    code: str
    legal_basis: str
    text: dict[str, str]  # language -> approved text

    def as_json(self, language: str | None = None) -> dict[str, object]:
        """The code, its legal basis and its text (in ``language``, or in all three)."""
        texts = self.text if language is None else {language: self.text[language]}
        return {"code": self.code, "legal_basis": self.legal_basis, "text": texts}


@cache
def hold_reasons() -> dict[str, HoldReason]:
    """The approved reasons, by code (read once)."""
    data = tomllib.loads(
        (resources.files("fairscreen.retention") / "hold_reasons.toml").read_text("utf-8")
    )
    reasons: dict[str, HoldReason] = {}
    for code, body in data.get("reasons", {}).items():
        where = f"hold_reasons.toml [reasons.{code}]"
        texts = {lang: body.get(lang) for lang in LANGUAGES}
        if not isinstance(body.get("legal_basis"), str) or not all(
            isinstance(t, str) and t for t in texts.values()
        ):
            raise PolicyError(f"{where}: needs legal_basis and a text in {', '.join(LANGUAGES)}")
        reasons[code] = HoldReason(code, body["legal_basis"], {k: str(v) for k, v in texts.items()})
    return reasons


def hold_reason(code: str, *, field: str = "reason_code") -> HoldReason:
    """The approved reason ``code``; an unknown code is bad input naming ``field``."""
    found = hold_reasons().get(code)
    if found is None:
        raise InputError(field, f"one of {', '.join(sorted(hold_reasons()))}")
    return found
