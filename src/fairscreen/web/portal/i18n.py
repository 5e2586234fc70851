"""Three languages for the portals: 繁體中文 (the default), 简体中文 and English.

Every string of the pages goes through a gettext catalog (``locale/<locale>/LC_MESSAGES/
messages.po``, in the repository). The catalogs are compiled in memory when the app first needs
them (Babel reads the ``.po`` and writes the ``.mo`` bytes), so an installed package and a
checkout serve the same text and no compiled file can go stale; ``tests/web/portal/
test_catalogs.py`` extracts every marked string from the code and the templates and fails on any
one that a catalog lacks, leaves empty or marks fuzzy.

The language is the person's choice, remembered in a cookie and on their account; before they
choose, their browser's Accept-Language is the first guess (zh-CN, zh-SG: 简体; zh-TW, zh-HK,
zh-MO, bare zh: 繁體; en-*: English). Dates and numbers are formatted by Babel in the chosen
locale, in the jurisdiction's time zone (China Standard Time). Data is shown as it was recorded:
nothing is converted between scripts.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from fairscreen.kit.clock import LOCAL_ZONE

# tag in URLs, cookies and accounts -> Babel locale identifier
LANGUAGES: Mapping[str, str] = {"zh-Hant": "zh_Hant", "zh-Hans": "zh_Hans", "en": "en"}
DEFAULT = "zh-Hant"
COOKIE = "fs_lang"
TIME_ZONE = LOCAL_ZONE  # the one zone the portals show times in (kit.clock)
# each language's own name, shown as it is written (never translated)
NATIVE_NAMES: Mapping[str, str] = {"zh-Hant": "繁體中文", "zh-Hans": "简体中文", "en": "English"}
_HANS_REGIONS = frozenset({"cn", "sg", "my"})


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark, translate later")
    """Marks ``message`` for extraction; it is translated where it is shown."""
    return message


def valid(tag: str | None) -> str | None:
    """``tag`` if it is one of the three languages (case-insensitive), else None."""
    if not tag:
        return None
    for known in LANGUAGES:
        if known.lower() == tag.strip().lower():
            return known
    return None


def _from_tag(tag: str) -> str | None:
    parts = tag.strip().lower().replace("_", "-").split("-")
    if not parts or not parts[0]:
        return None
    if parts[0] == "en":
        return "en"
    if parts[0] != "zh":
        return None
    rest = parts[1:]
    if "hans" in rest or any(r in _HANS_REGIONS for r in rest):
        return "zh-Hans"
    return "zh-Hant"


def from_accept_language(header: str | None) -> str | None:
    """The best of the three languages for an Accept-Language header (RFC 9110 §12.5.4), by
    quality then order; None if none of them is acceptable."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        found = _from_tag(tag)
        if found is not None and quality > 0:
            ranked.append((-quality, position, found))
    return min(ranked)[2] if ranked else None


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """The compiled catalog of ``language`` (read from its ``.po`` once per process)."""
    locale = LANGUAGES[language]
    po = (
        resources.files("fairscreen.web.portal") / "locale" / locale / "LC_MESSAGES" / "messages.po"
    )
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@dataclass(frozen=True, slots=True)
class Text:
    """One request's language: its gettext functions and Babel formatting."""

    language: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(LANGUAGES[self.language])

    @property
    def gettext(self) -> Callable[[str], str]:
        return translations(self.language).gettext

    @property
    def ngettext(self) -> Callable[[str, str, int], str]:
        return translations(self.language).ngettext

    def datetime(self, value: dt.datetime | str | None, form: str = "medium") -> str:
        if value is None or value == "":
            return ""
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        return format_datetime(moment, form, tzinfo=TIME_ZONE, locale=LANGUAGES[self.language])

    def date(self, value: dt.date | dt.datetime | str | None, form: str = "medium") -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = (
                dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
            )
        if isinstance(value, dt.datetime):
            value = value.astimezone(TIME_ZONE).date()
        return format_date(value, form, locale=LANGUAGES[self.language])

    def weekday(self, value: dt.date) -> str:
        """The short name of the day of the week (a calendar's column)."""
        return format_date(value, "EEE", locale=LANGUAGES[self.language])

    def number(self, value: float | int | str | None) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            return value  # recorded as text (a suppressed count such as "<5")
        return format_decimal(value, locale=LANGUAGES[self.language])

    def context(self) -> dict[str, Any]:
        """What every template gets: ``_``, ``gettext``, ``ngettext`` and the formatters."""
        return {
            "_": self.gettext,
            "gettext": self.gettext,
            "ngettext": self.ngettext,
            "lang": self.language,
            "fmt": self,
        }
