from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairscreen.kit.cnid import check_cn_resident_id, make_cn_resident_id


@given(
    birth=st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31)),
    seq=st.integers(0, 999),
    division=st.integers(990000, 999999),
)
def test_made_numbers_check_and_carry_the_birth_date(birth: date, seq: int, division: int) -> None:
    number = make_cn_resident_id(str(division), birth, seq)
    assert check_cn_resident_id(number, birth) is None


def test_a_known_check_character() -> None:
    # GB 11643-1999 annex example: 11010519491231002X
    assert check_cn_resident_id("11010519491231002X") is None


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("99010419880314042", "expected 18 characters"),
        ("99010419880314042A", "expected 17 digits"),
        ("990104198813140421", "not a valid birth date"),
        ("990104198803140425", "check character"),
    ],
)
def test_bad_numbers_say_what_is_wrong(number: str, problem: str) -> None:
    assert problem in (check_cn_resident_id(number) or "")


def test_birth_date_must_match() -> None:
    assert "differs" in (check_cn_resident_id("990104198803140426", date(1988, 3, 15)) or "")
