"""The feedback periods, read from the pack through ``policy.periods``: calendar days by default,
business days (Monday to Friday) when the pack says so, as the US pack's five business days."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest

from fairscreen.kit.errors import PolicyError
from fairscreen.policy.pack import PolicyPack, load_pack, parse_pack
from fairscreen.policy.periods import (
    add_business_days,
    add_days,
    dispute_window_ends,
    reinvestigation_due,
    waiting_period_ends,
)

_CN = load_pack()  # the current CN pack, whatever its version
CN = (resources.files("fairscreen.policy") / "packs" / f"{_CN.id}-{_CN.version}.toml").read_text(
    encoding="utf-8"
)
WEDNESDAY = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def _with_days(days: int, calendar: str) -> str:
    text, found = re.subn(
        r"(?m)^pre_adverse_notice_days = \d+$",
        f'pre_adverse_notice_days = {days}\npre_adverse_notice_calendar = "{calendar}"',
        CN,
    )
    assert found == 1
    return text


def _business_pack(days: int = 5) -> PolicyPack:
    return parse_pack(_with_days(days, "business"), origin="us-like.toml")


def test_the_cn_pack_counts_calendar_days() -> None:
    pack = load_pack()
    assert pack.periods.pre_adverse_notice_calendar == "calendar"
    assert waiting_period_ends(pack, WEDNESDAY) == WEDNESDAY + timedelta(days=5)
    assert dispute_window_ends(pack, WEDNESDAY) == WEDNESDAY + timedelta(days=15)
    assert reinvestigation_due(pack, WEDNESDAY) == WEDNESDAY + timedelta(days=30)


def test_five_business_days_skip_the_weekend() -> None:
    pack = _business_pack()
    assert waiting_period_ends(pack, WEDNESDAY) == WEDNESDAY + timedelta(days=7)  # next Wed
    friday = WEDNESDAY + timedelta(days=2)
    assert waiting_period_ends(pack, friday) == friday + timedelta(days=7)
    saturday = WEDNESDAY + timedelta(days=3)  # counts from Monday: five days end on Friday
    assert waiting_period_ends(pack, saturday) == saturday + timedelta(days=6)
    assert waiting_period_ends(pack, saturday).time() == saturday.time()


@pytest.mark.parametrize("days", [0, 1, 4, 5, 10, 23])
def test_business_days_are_weekdays_only(days: int) -> None:
    end = add_business_days(WEDNESDAY, days)
    span = [WEDNESDAY + timedelta(days=n) for n in range(1, (end - WEDNESDAY).days + 1)]
    assert sum(1 for d in span if d.weekday() < 5) == days
    assert end.weekday() < 5
    assert add_days(WEDNESDAY, days) == WEDNESDAY + timedelta(days=days)


def test_a_pack_names_its_calendar_or_is_refused() -> None:
    bad = _with_days(5, "lunar")
    with pytest.raises(PolicyError, match=r"bad.toml: pack.pre_adverse_notice_calendar"):
        parse_pack(bad, origin="bad.toml")
    with pytest.raises(ValueError, match="calendar"):
        add_days(WEDNESDAY, 1, "lunar")
    with pytest.raises(ValueError, match="days"):
        add_business_days(WEDNESDAY, -1)


def test_the_us_pack_waits_five_business_days() -> None:
    us = load_pack("us-2026.1")
    assert us.periods.pre_adverse_notice_days == 5
    assert us.periods.pre_adverse_notice_calendar == "business"
    assert waiting_period_ends(us, WEDNESDAY) == WEDNESDAY + timedelta(days=7)
    friday = WEDNESDAY + timedelta(days=2)
    assert waiting_period_ends(us, friday) == friday + timedelta(days=7)
    assert reinvestigation_due(us, WEDNESDAY) == WEDNESDAY + timedelta(days=30)  # §1681i(a)(1)
