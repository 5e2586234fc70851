import pytest

from fairscreen.kit.canonical import canonical_json


def test_sorted_compact_utf8() -> None:
    assert (
        canonical_json({"b": 1, "a": ["羅", True, None]}) == '{"a":["羅",true,null],"b":1}'.encode()
    )


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="floats"):
        canonical_json({"x": [1.5]})


def test_non_string_keys_are_refused() -> None:
    with pytest.raises(TypeError):
        canonical_json({1: "x"})
