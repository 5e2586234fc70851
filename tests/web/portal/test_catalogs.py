"""Every string the portals show is in every catalog, translated, not fuzzy, with the same
placeholders: the messages are extracted from the code and the templates the way
``pybabel extract -F babel.cfg -k N_`` does, and compared with each ``.po`` in the repository."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from fairscreen.web.portal import i18n

PORTAL = Path(str(resources.files("fairscreen.web.portal")))
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(PORTAL), METHODS, keywords=KEYWORDS, comment_tags=()
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


MESSAGES = extracted()


def test_extraction_finds_the_pages_strings() -> None:
    assert len(MESSAGES) > 300
    assert {"My report", "Green", "Sign, item by item"} <= MESSAGES


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_every_string_is_translated_in_every_catalog(language: str) -> None:
    locale = i18n.LANGUAGES[language]
    path = PORTAL / "locale" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    assert not catalog.fuzzy, f"{path}: the header is marked fuzzy"
    have = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        have[key] = message
    missing = sorted(MESSAGES - set(have))
    assert not missing, f"{path}: not in the catalog: {missing[:10]}"
    for key in MESSAGES:
        message = have[key]
        raw = message.string
        strings = [str(s) for s in raw] if isinstance(raw, (tuple, list)) else [str(raw or "")]
        assert all(s.strip() for s in strings), f"{path}: untranslated: {key!r}"
        assert not message.fuzzy, f"{path}: fuzzy: {key!r}"
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) == set(PLACEHOLDER.findall(key)), (
                f"{path}: placeholders differ: {key!r} -> {s!r}"
            )


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_catalogs_compile_and_translate(language: str) -> None:
    text = i18n.Text(language)
    expected = {"zh-Hant": "綠燈", "zh-Hans": "绿灯", "en": "Green"}[language]
    assert text.gettext("Green") == expected
