"""The phrase tables: every template of every kind fills its slots and is one sentence of the one
sentence split; every misconduct and forbidden category has remarks; the Wang remark exists."""

from __future__ import annotations

import random

from fairscreen.kit.sentences import split_sentences
from fairscreen.synth import phrases
from tests.synth.generated import PACK


def _about(sex: str) -> phrases.About:
    return phrases.About(
        sex=sex,
        name_hans="王晓明",
        name_hant="王曉明",
        name_en="Mr Wang",
        category="finance_accounting",
        org="Northbridge Consulting (Jiangzhou)",
        role="总账会计",
        months_together=30,
        left_year=2025,
        ethnicity=("回族", "回族", "of Hui ethnicity"),
        place=3,
    )


def test_every_template_fills_and_is_one_sentence() -> None:
    rng = random.Random(0)
    for language, table in phrases.TEMPLATES.items():
        assert set(table) == phrases.kinds(), language
        for kind, options in table.items():
            assert options, (language, kind)
            for text, hearsay, _ in options:
                for sex in ("female", "male"):
                    filled = text.format_map(phrases.slots(rng, _about(sex), language))
                    assert filled[-1] in "。！？.!?", (language, kind, filled)
                    assert split_sentences(filled) == [filled[:-1]], (language, kind, filled)
                    assert isinstance(hearsay, bool)
    for category in ("misconduct", "forbidden"):
        values = phrases.MISCONDUCT if category == "misconduct" else phrases.FORBIDDEN
        for value in values:
            assert f"{category}:{value}" in phrases.kinds()
    # every forbidden category has remarks (private life is the separate private_life kind)
    assert set(phrases.FORBIDDEN) == {str(c) for c in PACK.forbidden} - {"private_life"}


def test_the_wang_remark_exists_in_all_three_languages() -> None:
    hans = [t for t, _, _ in phrases.TEMPLATES["zh-Hans"]["private_life"]]
    hant = [t for t, _, _ in phrases.TEMPLATES["zh-Hant"]["private_life"]]
    english = [t for t, _, _ in phrases.TEMPLATES["en"]["private_life"]]
    assert any("生活作风存在问题" in t for t in hans)
    assert any("生活作風存在問題" in t for t in hant)
    assert len(english) >= 3
