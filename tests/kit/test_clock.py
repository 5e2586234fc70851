"""The clock: the system's UTC time, which only a test in its own process can freeze."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fairscreen.kit import clock


def test_the_clock_is_the_system_clock_unless_a_test_freezes_it() -> None:
    real = datetime.now(UTC)
    assert abs(clock.utcnow() - real) < timedelta(minutes=1)
    later = datetime(2031, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=8)))
    with clock.frozen(later) as at:
        assert clock.utcnow() == at == later and clock.utcnow().tzinfo is UTC
        assert (
            clock.today().isoformat() == "2031-02-02"
        )  # 04:05 in Beijing is the day before in UTC
        with clock.frozen(later + timedelta(days=1)):
            assert clock.today().isoformat() == "2031-02-03"
        assert clock.utcnow() == later
    assert abs(clock.utcnow() - real) < timedelta(minutes=1)
    with pytest.raises(ValueError, match="aware"), clock.frozen(datetime(2031, 1, 1)):
        pass
