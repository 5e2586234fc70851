"""The public model cards: one per artefact in zh-Hant, zh-Hans and en, Markdown and HTML, each
rule in plain words with its legal basis, the measured accuracy as docs/references.md states it,
and the changes from the previous version."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import opencc
import pytest

from fairscreen.audit import cards, registry
from fairscreen.policy.pack import load_pack
from fairscreen.rating.engine import default_ruleset_for

PACK = load_pack()
RULESET = default_ruleset_for(PACK)
DOCS = Path(__file__).parents[2] / "docs"
T2S = opencc.OpenCC("t2s")


@pytest.fixture(scope="module")
def made() -> dict[tuple[str, str], cards.Card]:
    return {(c.slug, c.language): c for c in cards.cards(PACK, RULESET)}


def _text(card: cards.Card) -> str:
    return cards.to_markdown(card)


def test_a_card_per_artefact_and_language(made: dict[tuple[str, str], cards.Card]) -> None:
    slugs = {kind.replace("_", "-") for kind in registry.KINDS}
    assert set(made) == {(s, lang) for s in slugs for lang in cards.LANGUAGES}
    for (slug, _), card in made.items():
        assert card.artefact in registry.in_use(PACK, RULESET)
        text = _text(card)
        assert card.artefact.ref in text and card.artefact.digest in text
        headings = [s.heading for s in card.sections]
        for key in ("reads", "never_reads", "rules", "limits", "diff"):
            assert cards.label(key, card.language) in headings, (slug, key)


def test_every_rule_is_in_its_card_with_its_legal_basis(
    made: dict[tuple[str, str], cards.Card],
) -> None:
    for language in cards.LANGUAGES:
        text = _text(made[("rule-set", language)])
        for rule in RULESET.rules:
            line = next(x for x in text.splitlines() if x.startswith(f"- {rule.id}:"))
            citation = PACK.legal_bases[rule.legal_basis].citation
            if language == "en":  # the statute named in English
                citation = cards._words()["bases"][rule.legal_basis]["en"]
            elif language == "zh-Hans":
                citation = T2S.convert(citation)
            assert line.endswith(cards._basis(PACK, rule.legal_basis, language)), rule.id
            assert citation in line, (language, rule.id)


def test_every_shipped_rule_set_has_a_card_in_words_the_cards_know() -> None:
    """A new finding, subtype, penalty or statute in a shipped pack needs its words in
    cards.toml: English cards never show a Chinese citation or a bare code."""
    for pack, ruleset in cards.shipped().values():
        text = _text(
            next(c for c in cards.cards(pack, ruleset, languages=["en"]) if c.slug == "rule-set")
        )
        lines = text.splitlines()
        for rule in ruleset.rules:
            line = next(x for x in lines if x.startswith(f"- {rule.id}:"))
            assert not cards._cjk(line.split("Legal basis:")[1]), line
            assert f"{rule.finding}" not in line.split("Legal basis:")[0], line  # in words


def test_the_pack_card_lists_every_category_and_the_forbidden_ones(
    made: dict[tuple[str, str], cards.Card],
) -> None:
    text = _text(made[("policy-pack", "en")])
    for category in PACK.categories.values():
        assert cards._zh_or_en(category.title, "en") in text
    for forbidden in PACK.forbidden:
        assert str(forbidden) in text


def test_simplified_cards_hold_no_traditional_characters(
    made: dict[tuple[str, str], cards.Card],
) -> None:
    for (slug, language), card in made.items():
        if language == "zh-Hans":
            text = _text(card)
            assert T2S.convert(text) == text, slug


def test_the_reference_screener_card_states_the_blind_batch_figures_of_the_docs(
    made: dict[tuple[str, str], cards.Card],
) -> None:
    rows = {}
    for line in (DOCS / "references.md").read_text(encoding="utf-8").splitlines():
        found = re.match(r"\| `(references_[a-z0-9_]+)\.tsv`.*?\((\d+)[^)]*\) \| (.*) \|$", line)
        if found:
            cells = [c.strip() for c in found.group(3).split("|")][:3]
            figures = tuple(float(x) for cell in cells for x in cell.split(" / "))
            rows[found.group(1)] = (int(found.group(2)), figures)
    assert rows == {name: (n, s) for name, n, s in cards.REFERENCE_BLIND_BATCHES}
    text = _text(made[("reference-screener", "en")])
    assert "| references_holdout | 70 | 0.962 / 0.893 | 1.000 / 0.958 | 0.971 / 0.756 |" in text
    # blind batch C, the estimate to quote, from its own table in the docs
    name, n, figures = cards.REFERENCE_BLIND_LATEST
    docs = (DOCS / "references.md").read_text(encoding="utf-8")
    assert f"Batch C ({n} sentences" in docs
    for kind, (precision, recall) in zip(
        ("forbidden", "private_life", "misconduct"),
        zip(figures[::2], figures[1::2], strict=True),
        strict=True,
    ):
        assert f"| {kind} | {precision:.3f} | {recall:.3f} |" in docs
    assert f"| {name} | {n} | 0.968 / 0.883 | 0.909 / 0.714 | 0.915 / 0.699 |" in text
    # batch B's first score stays in the table
    name, n, figures = cards.REFERENCE_BLIND_B
    assert f"| {name} | {n} | 0.948 / 0.930 | 0.931 / 0.818 | 0.958 / 0.613 |" in text


def test_the_identity_card_says_no_digit_of_the_id_number_is_read(
    made: dict[tuple[str, str], cards.Card],
) -> None:
    assert "not the region code" in _text(made[("identity-matching", "en")])
    assert "地區碼" in _text(made[("identity-matching", "zh-Hant")])


def test_changes_from_the_previous_rule_set_in_plain_words() -> None:
    rules = list(RULESET.rules)
    removed, changed = rules[0], rules[1]
    older = dataclasses.replace(changed, within_years=(changed.within_years or 0) + 3)
    previous = dataclasses.replace(RULESET, version="2025.9", rules=(removed, older, *rules[2:]))
    current = dataclasses.replace(RULESET, rules=tuple(rules[1:]))
    snapshot = cards.snapshot_ruleset(previous, PACK)
    lines = cards.ruleset_diff(current, snapshot, PACK, "en")
    assert lines == [
        f"removed: {cards.rule_in_words(removed, PACK, 'en')}",
        "changed: "
        + cards.label(
            "from_to",
            "en",
            a=cards.rule_in_words(older, PACK, "en"),
            b=cards.rule_in_words(changed, PACK, "en"),
        ),
    ]
    same = cards.snapshot_ruleset(RULESET, PACK)
    assert cards.ruleset_diff(RULESET, same, PACK, "en") == [cards.label("no_changes", "en")]
    assert cards.ruleset_diff(RULESET, None, PACK, "zh-Hant") == [
        cards.label("no_previous", "zh-Hant")
    ]


def test_changes_from_the_previous_pack_in_plain_words() -> None:
    name, category = next(iter(PACK.categories.items()))
    item = sorted(category.items)[0]
    fewer = dataclasses.replace(category, items=category.items - {item})
    previous = dataclasses.replace(PACK, categories={**PACK.categories, name: fewer})
    lines = cards.pack_diff(PACK, cards.snapshot_pack(previous), "en")
    assert lines == [f"{name}: added {item}"]
    assert cards.pack_diff(PACK, cards.snapshot_pack(PACK), "en") == [
        cards.label("no_changes", "en")
    ]


def test_the_shipped_versions_are_diffed_against_the_archived_ones() -> None:
    """cn 2026.2 replaced cn 2026.1, whose snapshot (the digests the ledger recorded when it
    was in use) is archived: the cards say what the new version added, removed and changed."""
    previous = cards.archived_previous(PACK, RULESET)
    assert previous.pack is not None and previous.ruleset is not None
    assert previous.pack["ref"] == "cn@2026.1" and previous.ruleset["ref"] == "cn-rules@2026.1"
    assert previous.ruleset["digest"] == (
        "ca2238796159d7dc5dc51dc63070a9ac722b21ab45130b43af66ad02c48a24f9"
    )
    made = {(c.slug, c.language): c for c in cards.cards(PACK, RULESET, previous=previous)}
    text = _text(made[("rule-set", "en")])
    assert "added: CN-CHILD-02:" in text and "changed: from CN-EXEC-01:" in text
    assert "childcare_education: added public_security_record" in _text(made[("policy-pack", "en")])
    lexicon = _text(made[("reference-screener", "en")])
    assert previous.lexicon is not None and "macros.nation_en: +1 / -1" in lexicon


def test_the_command_writes_every_card(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fairscreen", "model", "card", "--out", str(tmp_path / "cards")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "cards").iterdir())
    assert len(written) == 4 * 3 * 2
    assert "rule-set.zh-Hans.html" in written and "policy-pack.en.md" in written
    page = (tmp_path / "cards" / "rule-set.zh-Hant.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and 'lang="zh-Hant"' in page
    assert "<script" not in page
    assert RULESET.digest in done.stdout


def test_a_bad_language_is_one_line_naming_the_option(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairscreen",
            "model",
            "card",
            "--out",
            str(tmp_path / "cards"),
            "--language",
            "fr",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error --language: 'fr' is not one of zh-Hant, zh-Hans, en"
    ]
    assert not (tmp_path / "cards").exists()
