"""The rules a pre-adverse notice and a hiring decision must keep, as plain functions over the
facts of a check (no database): what is broken, named by a stable rule code.

A decision (``decision_breaks``), in this order (the first one broken is the one the API
answers with; every one broken is recorded if the organisation insists):

- ``decision.open_dispute``: a dispute of the check is open (it freezes any decision);
- ``decision.favourable_light``: a not-hire on a green or blue report (the Zhang pattern);
- ``decision.forbidden_reason``: a reason cites a forbidden category (marriage, pregnancy,
  litigation as plaintiff, ...), which is never collected, reported or rated;
- ``decision.excluded_reason``: a reason cites a check item or an exclusion (hearsay, a
  name-only match, ...) rather than one of the report's reasons: what the report left out or
  did not cover (whether something was excluded is not said: any item cited that way is
  refused alike);
- ``decision.reason_not_in_report``: a reason that is not among the latest report version's
  reasons (a not-hire needs at least one);
- ``decision.no_notice``: a not-hire without a pre-adverse notice on the latest report version;
- ``decision.waiting_period``: a not-hire before the notice's waiting period ended.

A notice (``notice_breaks``, never recorded in breach):

- ``notice.favourable_light``: a green or blue report has no adverse reason to give;
- ``notice.no_reasons`` / ``notice.reason_not_in_report``: a notice cites one or more of the
  latest version's reasons, and only those;
- ``notice.already_sent``: one notice per report version.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from fairscreen.policy.vocabulary import ExclusionReason, ForbiddenCategory, Item

HIRE, NOT_HIRE = "hire", "not_hire"
OUTCOMES = (HIRE, NOT_HIRE)
FAVOURABLE = frozenset({"green", "blue"})

OPEN_DISPUTE = "decision.open_dispute"
FAVOURABLE_LIGHT = "decision.favourable_light"
FORBIDDEN_REASON = "decision.forbidden_reason"
EXCLUDED_REASON = "decision.excluded_reason"
REASON_NOT_IN_REPORT = "decision.reason_not_in_report"
NO_NOTICE = "decision.no_notice"
WAITING_PERIOD = "decision.waiting_period"
DECISION_RULES = (
    OPEN_DISPUTE,
    FAVOURABLE_LIGHT,
    FORBIDDEN_REASON,
    EXCLUDED_REASON,
    REASON_NOT_IN_REPORT,
    NO_NOTICE,
    WAITING_PERIOD,
)

NOTICE_FAVOURABLE = "notice.favourable_light"
NOTICE_NO_REASONS = "notice.no_reasons"
NOTICE_NOT_IN_REPORT = "notice.reason_not_in_report"
NOTICE_ALREADY_SENT = "notice.already_sent"

_FORBIDDEN = frozenset(str(c) for c in ForbiddenCategory)
_EXCLUSIONS = frozenset(str(r) for r in ExclusionReason)
_ITEMS = frozenset(str(i) for i in Item)

EXPLAINED = {
    OPEN_DISPUTE: "a dispute of this check is open: no decision until it is resolved",
    FAVOURABLE_LIGHT: "the report is green or blue: it gives no reason for a not-hire",
    FORBIDDEN_REASON: "a reason cites a forbidden category, which may never be used",
    EXCLUDED_REASON: "a reason cites something the report did not cover or left out",
    REASON_NOT_IN_REPORT: "a not-hire must cite reasons of the latest report version, and only those",
    NO_NOTICE: "a not-hire needs a pre-adverse notice on the latest report version first",
    WAITING_PERIOD: "the pre-adverse notice's waiting period has not ended",
    NOTICE_FAVOURABLE: "the report is green or blue: there is no adverse reason to notify",
    NOTICE_NO_REASONS: "a notice cites at least one of the report's reasons",
    NOTICE_NOT_IN_REPORT: "a notice cites only reasons of the latest report version",
    NOTICE_ALREADY_SENT: "a notice was sent on this report version already",
}


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What the rules need of the latest report version."""

    light: str
    reasons: frozenset[str]  # the rule ids of its reasons (a reason is cited by its rule id)


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    waiting_until: datetime
    on_latest: bool  # sent on the latest report version


def cited_problem(reason: str, report: ReportFacts) -> str | None:
    """What is wrong with citing ``reason`` (a rule id of the report), or None."""
    if reason in report.reasons:
        return None
    if reason in _FORBIDDEN:
        return FORBIDDEN_REASON
    if reason in _EXCLUSIONS or reason in _ITEMS:
        return EXCLUDED_REASON
    return REASON_NOT_IN_REPORT


def decision_breaks(
    *,
    outcome: str,
    reasons: Sequence[str],
    report: ReportFacts,
    notices: Collection[NoticeFacts],
    open_disputes: int,
    now: datetime,
) -> list[str]:
    """Every rule the decision would break, in the order of ``DECISION_RULES``."""
    broken: set[str] = set()
    if open_disputes:
        broken.add(OPEN_DISPUTE)
    for reason in reasons:
        problem = cited_problem(reason, report)
        if problem is not None:
            broken.add(problem)
    if outcome == NOT_HIRE:
        if report.light in FAVOURABLE:
            broken.add(FAVOURABLE_LIGHT)
        if not reasons:
            broken.add(REASON_NOT_IN_REPORT)
        latest = [n for n in notices if n.on_latest]
        if not latest:
            broken.add(NO_NOTICE)
        elif min(n.waiting_until for n in latest) > now:
            broken.add(WAITING_PERIOD)
    return [rule for rule in DECISION_RULES if rule in broken]


def notice_breaks(
    *, reasons: Sequence[str], report: ReportFacts, already_on_latest: bool
) -> list[str]:
    """Every rule a notice would break (a notice in breach is never recorded)."""
    broken = []
    if report.light in FAVOURABLE:
        broken.append(NOTICE_FAVOURABLE)
    if not reasons:
        broken.append(NOTICE_NO_REASONS)
    if any(r not in report.reasons for r in reasons):
        broken.append(NOTICE_NOT_IN_REPORT)
    if already_on_latest:
        broken.append(NOTICE_ALREADY_SENT)
    return broken
