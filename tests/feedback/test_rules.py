"""The rules of notices and decisions, as plain functions: every rule named, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fairscreen.feedback import rules
from fairscreen.feedback.rules import NoticeFacts, ReportFacts, decision_breaks, notice_breaks

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
YELLOW = ReportFacts("yellow", frozenset({"CN-EMP-01"}))
GREEN = ReportFacts("green", frozenset())
WAITED = NoticeFacts(NOW - timedelta(hours=1), on_latest=True)


def _breaks(report: ReportFacts = YELLOW, **kw: object) -> list[str]:
    args: dict[str, object] = {
        "outcome": "not_hire",
        "reasons": ["CN-EMP-01"],
        "report": report,
        "notices": [WAITED],
        "open_disputes": 0,
        "now": NOW,
    }
    args.update(kw)
    return decision_breaks(**args)  # type: ignore[arg-type]


def test_a_not_hire_that_keeps_every_rule() -> None:
    assert _breaks() == []
    assert _breaks(outcome="hire", reasons=[], notices=[]) == []


def test_each_rule_of_a_decision() -> None:
    assert _breaks(open_disputes=1) == [rules.OPEN_DISPUTE]
    assert _breaks(outcome="hire", open_disputes=2) == [rules.OPEN_DISPUTE]
    assert _breaks(report=GREEN, reasons=[]) == [
        rules.FAVOURABLE_LIGHT,
        rules.REASON_NOT_IN_REPORT,
    ]
    assert _breaks(reasons=["CN-EMP-01", "pregnancy"]) == [rules.FORBIDDEN_REASON]
    assert _breaks(reasons=["civil_litigation"]) == [rules.EXCLUDED_REASON]
    assert _breaks(reasons=["private_life_hearsay"]) == [rules.EXCLUDED_REASON]
    assert _breaks(reasons=["CN-CRIM-99"]) == [rules.REASON_NOT_IN_REPORT]
    assert _breaks(notices=[]) == [rules.NO_NOTICE]
    stale = NoticeFacts(NOW - timedelta(days=9), on_latest=False)  # on an earlier version
    assert _breaks(notices=[stale]) == [rules.NO_NOTICE]
    waiting = NoticeFacts(NOW + timedelta(days=1), on_latest=True)
    assert _breaks(notices=[waiting]) == [rules.WAITING_PERIOD]


def test_zhang_pattern_breaks_several_rules_the_first_one_answers() -> None:
    broken = _breaks(report=GREEN, reasons=["civil_litigation"], notices=[])
    assert broken == [rules.FAVOURABLE_LIGHT, rules.EXCLUDED_REASON, rules.NO_NOTICE]
    assert all(rule in rules.EXPLAINED for rule in broken)


def test_notices() -> None:
    assert notice_breaks(reasons=["CN-EMP-01"], report=YELLOW, already_on_latest=False) == []
    assert notice_breaks(reasons=["CN-EMP-01"], report=GREEN, already_on_latest=False) == [
        rules.NOTICE_FAVOURABLE,
        rules.NOTICE_NOT_IN_REPORT,
    ]
    assert notice_breaks(reasons=[], report=YELLOW, already_on_latest=True) == [
        rules.NOTICE_NO_REASONS,
        rules.NOTICE_ALREADY_SENT,
    ]
    assert notice_breaks(reasons=["pregnancy"], report=YELLOW, already_on_latest=False) == [
        rules.NOTICE_NOT_IN_REPORT
    ]
