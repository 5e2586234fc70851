"""The 普法碼 guidance (``guidance.toml``): a code, the statute it rests on, and what to do in
zh-Hant, zh-Hans and en."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from fairscreen.kit.errors import NotFoundError

LANGUAGES = ("zh-Hant", "zh-Hans", "en")


@dataclass(frozen=True, slots=True)
class Guidance:
    code: str
    statute: str
    text: dict[str, str]  # language -> plain words

    def link(self, lang: str = "zh-Hant") -> str:
        return f"/api/v1/supervision/guidance/{self.code}?lang={lang}"


@cache
def all_guidance() -> dict[str, Guidance]:
    data = tomllib.loads(
        (resources.files("fairscreen.supervision.codes") / "guidance.toml").read_text("utf-8")
    )
    out = {}
    for code, spec in data["guidance"].items():
        missing = [lang for lang in LANGUAGES if not spec.get(lang)]
        if missing:  # a packaging error: the tests load the file
            raise ValueError(f"guidance.toml: [guidance.{code}] lacks {', '.join(missing)}")
        out[code] = Guidance(code, spec["statute"], {lang: spec[lang] for lang in LANGUAGES})
    return out


def guidance_codes() -> frozenset[str]:
    return frozenset(all_guidance())


def guidance(code: str) -> Guidance:
    found = all_guidance().get(code)
    if found is None:
        raise NotFoundError(f"no 普法碼 guidance {code!r} (known: {', '.join(all_guidance())})")
    return found
