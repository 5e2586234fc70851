"""The one sentence split, used by the reference screener and by the generator's truth labels."""

from __future__ import annotations

import pytest

from fairscreen.kit.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("", []),
        ("   。！？ ", []),
        ("他很好。她也很好！", ["他很好", "她也很好"]),
        ("他很好。她也好！真的吗？", ["他很好", "她也好", "真的吗"]),
        ("他很好？？她也很好", ["他很好", "她也很好"]),
        ("He left. She stayed! Why? Fine", ["He left", "She stayed", "Why", "Fine"]),
        ("He is fine. She is too! Really? Yes.", ["He is fine", "She is too", "Really", "Yes"]),
        ("Costs rose 3.5 percent. Then fell.", ["Costs rose 3.5 percent", "Then fell"]),
        ("Line one\nstill one. Two", ["Line one\nstill one", "Two"]),
        ("Ends with a stop.", ["Ends with a stop"]),
        ("Worked at Foo Co.,Ltd.工作。", ["Worked at Foo Co.,Ltd.工作"]),
        ("Mr. Lee left.", ["Mr", "Lee left"]),  # an abbreviation splits, as the rule says
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_the_screener_and_the_generator_share_it() -> None:
    from fairscreen.verify import references

    assert references.split_sentences is split_sentences
