"""The permission policy: the shipped file is consistent, and a bad one is refused by name."""

from __future__ import annotations

import pytest

from fairscreen.accounts.policy import (
    Actor,
    Target,
    _parse,
    authorize,
    policy,
    reach,
)
from fairscreen.kit.errors import ForbiddenError, NotFoundError, PolicyError


def test_the_shipped_policy_loads_and_every_role_belongs_somewhere() -> None:
    known = policy()
    assert set(known.roles) >= {
        "platform_admin",
        "employer_admin",
        "recruiter",
        "hiring_manager",
        "agency_analyst",
        "agency_reviewer",
        "regulator_inspector",
        "candidate",
    }
    # the regulator sees aggregates, never a person's report
    assert known.grant("regulator_inspector", "report.read") is None
    assert known.grant("platform_admin", "report.read") is None
    assert known.grant("candidate", "report.read") == "self"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ({"actions": {}, "roles": {}}, "candidate role is missing"),
        (
            {
                "actions": {"a": "x"},
                "roles": {"candidate": {"organisation_kind": "", "grants": {"b": "self"}}},
            },
            "unknown action 'b'",
        ),
        (
            {
                "actions": {"a": "x"},
                "roles": {"candidate": {"organisation_kind": "", "grants": {"a": "everything"}}},
            },
            "grants.a: one of",
        ),
        (
            {
                "actions": {"a": "x"},
                "roles": {
                    "candidate": {"organisation_kind": "", "grants": {}},
                    "clerk": {"organisation_kind": "employer", "grants": {"a": "self"}},
                },
            },
            "'self' is for candidates only",
        ),
        (
            {
                "actions": {"a": "x"},
                "roles": {"clerk": {"organisation_kind": "bank", "grants": {}}},
            },
            "organisation_kind",
        ),
    ],
)
def test_a_bad_policy_is_refused_by_name(text: dict[str, object], words: str) -> None:
    with pytest.raises(PolicyError, match=words):
        _parse(text)


def test_authorize_role_then_reach() -> None:
    recruiter = Actor("staff", "s1", "recruiter", "org-a")
    assert authorize(recruiter, "report.read", Target.of("org-a", "agency-x")) == "own_org"
    with pytest.raises(NotFoundError):  # another tenant's check looks like no check at all
        authorize(recruiter, "report.read", Target.of("org-b"))
    with pytest.raises(ForbiddenError, match="recruiter may not"):
        authorize(recruiter, "decision.record", Target.of("org-a"))
    candidate = Actor("candidate", "acc-1", "candidate")
    assert authorize(candidate, "report.read", Target.of("org-a", candidate_account="acc-1"))
    with pytest.raises(NotFoundError):
        authorize(candidate, "report.read", Target.of("org-a", candidate_account="acc-2"))
    assert reach(candidate, "check.read").candidate_account_id == "acc-1"
    assert reach(recruiter, "check.read").organisation_id == "org-a"


def test_a_token_is_limited_to_its_scopes() -> None:
    token = Actor("token", "t1", "employer_admin", "org-a", scopes=frozenset({"check.read"}))
    assert authorize(token, "check.read", Target.of("org-a"))
    with pytest.raises(ForbiddenError):
        authorize(token, "report.read", Target.of("org-a"))


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(PolicyError, match="unknown action"):
        authorize(Actor("staff", "s", "recruiter", "o"), "report.delete")
