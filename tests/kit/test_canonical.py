import pytest
from sqlalchemy import Float, Numeric

import fairscreen.models  # noqa: F401
from fairscreen.kit.canonical import assert_canonical, canonical_json
from fairscreen.kit.db import Base, Committed
from fairscreen.ledger.entry import Event


def test_sorted_compact_utf8() -> None:
    assert (
        canonical_json({"b": 1, "a": ["羅", True, None]}) == '{"a":["羅",true,null],"b":1}'.encode()
    )


def test_strict_walk_refuses_floats_and_non_string_keys() -> None:
    with pytest.raises(TypeError, match="floats"):
        assert_canonical({"x": [1.5]})
    with pytest.raises(TypeError):
        assert_canonical({1: "x"})
    assert_canonical({"x": [1, "a", None, True, {"y": []}]})


def test_nothing_hashed_or_signed_can_hold_a_float() -> None:
    """Canonical JSON trusts its callers not to pass floats; these are all its callers."""
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, Committed):
            for name in cls.__committed__:
                column_type = cls.__table__.c[name].type  # type: ignore[attr-defined]
                assert not isinstance(column_type, Float | Numeric), f"{cls.__name__}.{name}"
    hints = Event.__annotations__
    assert "float" not in " ".join(str(h) for h in hints.values())
