"""PRC resident identity numbers (GB 11643-1999): 6-digit division, 8-digit birth date,
3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character.

The synthetic world generator only issues numbers in division ``99xxxx``, which no province
uses, so a generated number can never be a real person's.
"""

from __future__ import annotations

from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def make_cn_resident_id(division: str, birth: date, sequence: int) -> str:
    if len(division) != 6 or not division.isdigit():
        raise ValueError("division must be six digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be 0..999")
    first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def check_cn_resident_id(number: str, birth: date | None = None) -> str | None:
    """None if ``number`` is well formed (and carries ``birth``), else what is wrong with it."""
    if len(number) != 18:
        return f"expected 18 characters, got {len(number)}"
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "expected 17 digits and a digit or X"
    try:
        embedded = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "characters 7-14 are not a valid birth date"
    if check_character(number[:17]) != number[17]:
        return "check character does not match (ISO 7064 MOD 11-2)"
    if birth is not None and embedded != birth:
        return f"embedded birth date {embedded.isoformat()} differs from birth_date {birth.isoformat()}"
    return None
