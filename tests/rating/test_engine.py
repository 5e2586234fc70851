"""The rating engine: rules as data, reasons with legal bases, and no protected attribute in."""

from __future__ import annotations

import dataclasses
import typing
from importlib import resources

import pytest

from fairscreen.kit.errors import PolicyError
from fairscreen.policy.pack import load_pack
from fairscreen.policy.vocabulary import Culpability, FindingCode, ForbiddenCategory, Item, Penalty
from fairscreen.rating import engine
from fairscreen.rating.engine import (
    Light,
    RatableFinding,
    RatingInput,
    default_ruleset_for,
    parse_ruleset,
)

PACK = load_pack()
RULES = default_ruleset_for(PACK)
RULE_TEXT = (resources.files("fairscreen.rating") / "rulesets" / "cn-2026.2.toml").read_text(
    encoding="utf-8"
)

PROTECTED = {
    "name",
    "sex",
    "gender",
    "age",
    "birth",
    "born",
    "ethnicity",
    "ethnic",
    "race",
    "nationality",
    "religion",
    "faith",
    "marital",
    "marriage",
    "pregnancy",
    "health",
    "disability",
    "hukou",
    "household",
    "union",
    "political",
    "orientation",
    "demographics",
    "id",
    "number",
}


def _fields(cls: type, seen: set[type]) -> list[tuple[str, object]]:
    """Every (field name, type) reachable from ``cls`` through dataclass fields."""
    if cls in seen:
        return []
    seen.add(cls)
    hints = typing.get_type_hints(cls, vars(engine))
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        out.append((f.name, hint))
        stack = [hint]
        while stack:
            t = stack.pop()
            if dataclasses.is_dataclass(t) and isinstance(t, type):
                out.extend(_fields(t, seen))
            stack.extend(typing.get_args(t))
    return out


def test_engine_inputs_have_no_field_for_a_protected_attribute() -> None:
    fields = _fields(RatingInput, set())
    names = {name for name, _ in fields}
    assert names == {
        "category",
        "findings",
        "ref",
        "item",
        "code",
        "subtype",
        "days_since",
        "ongoing",
        "count",
        "culpability",
        "penalty",
        "probation",
        "outside_lookback",
    }
    for name in names:
        assert not set(name.lower().split("_")) & PROTECTED, name
    # the only free-text fields are the category and the finding's subtype and ref; subtypes come
    # from the verifiers' closed vocabulary, which has no forbidden category in it
    types = {t for _, t in fields}
    assert all(
        t in {str, int | None, str | None, bool, Item, FindingCode, Culpability | None}
        or t == Penalty | None
        or typing.get_origin(t) is tuple
        for t in types
    )


def test_rule_set_cannot_name_a_protected_attribute() -> None:
    subtypes = {s for rule in RULES.rules for s in (rule.subtypes or ())}
    assert not subtypes & {c.value for c in ForbiddenCategory}
    assert not {r.code for r in RULES.rules} & {c.value for c in ForbiddenCategory}


def _finding(
    item: Item,
    code: FindingCode,
    subtype: str | None,
    *,
    days_since: int | None = 100,
    ongoing: bool = False,
    count: int | None = None,
    ref: str = "x:1",
    culpability: Culpability | None = None,
    penalty: Penalty | None = None,
    probation: bool = False,
    outside_lookback: bool = False,
) -> RatableFinding:
    return RatableFinding(
        ref,
        item,
        code,
        subtype,
        days_since,
        ongoing,
        count,
        culpability,
        penalty,
        probation,
        outside_lookback,
    )


def test_no_findings_is_green_with_no_reasons() -> None:
    rating = RULES.rate(RatingInput("general_office", ()))
    assert rating.light is Light.GREEN and rating.reasons == ()


def test_sexual_offence_bars_childcare_with_the_minors_protection_law() -> None:
    f = _finding(
        Item.CRIMINAL_RECORD, FindingCode.CRIMINAL_CONVICTION, "sexual", days_since=20 * 365
    )
    rating = RULES.rate(RatingInput("childcare_education", (f,)))
    assert rating.light is Light.RED
    (reason,) = rating.reasons
    assert (
        reason.rule == "CN-CHILD-01"
        and "未成年人保護法" in reason.legal_basis
        and reason.findings == ("x:1",)
    )


def test_property_crime_for_childcare_needs_assessment_not_a_bar() -> None:
    f = _finding(Item.CRIMINAL_RECORD, FindingCode.CRIMINAL_CONVICTION, "property")
    assert RULES.rate(RatingInput("childcare_education", (f,))).light is Light.YELLOW


def test_within_years_limits_a_rule() -> None:
    def economic(days: int) -> RatableFinding:
        return _finding(
            Item.CRIMINAL_RECORD,
            FindingCode.CRIMINAL_CONVICTION,
            "economic_order",
            days_since=days,
            penalty=Penalty.FIXED_TERM,
        )

    old, new = economic(6 * 366), economic(2 * 365)
    assert RULES.rate(RatingInput("executive_legal_rep", (new,))).light is Light.RED
    assert RULES.rate(RatingInput("executive_legal_rep", (old,))).reasons[0].rule == "CN-CRIM-01"


def test_unmatched_findings_are_not_relevant_and_the_light_is_the_worst_reason() -> None:
    civil = _finding(Item.CIVIL_LITIGATION, FindingCode.CIVIL_DEFENDANT, "property_fee", ref="c:1")
    credit = _finding(Item.CREDIT, FindingCode.CREDIT_DELINQUENCY, "serious", ref="k:1", count=2)
    edu = _finding(
        Item.EDUCATION, FindingCode.EDUCATION_DISCREPANCY, "not_found", ref="e:1", ongoing=True
    )
    rating = RULES.rate(RatingInput("executive_legal_rep", (civil, credit, edu)))
    assert rating.not_relevant == ("c:1",)
    assert rating.light is Light.YELLOW
    assert [r.light for r in rating.reasons] == [Light.YELLOW, Light.BLUE]


def test_every_rule_cites_a_legal_basis_of_the_pack() -> None:
    for rule in RULES.rules:
        assert rule.legal_basis in PACK.legal_bases


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'legal_basis = "MPL-62"',
            'legal_basis = "NOWHERE-1"',
            r"rules\[0\] \(CN-CHILD-01\)\.legal_basis",
        ),
        ('light = "red"', 'light = "green"', "cannot give green"),
        ('light = "red"', 'light = "purple"', "rules\\[0\\]"),
        ('finding = "criminal_conviction"', 'finding = "marriage"', "rules\\[0\\]"),
        (
            'categories = ["childcare_education"]',
            'categories = ["astronaut"]',
            "unknown \\['astronaut'\\]",
        ),
        (
            'categories = ["childcare_education"]',
            'categories = ["general_office"]',
            "never in scope",
        ),
        ('id = "CN-SEC-01"', 'id = "CN-CHILD-01"', "duplicate rule id"),
        (
            'item = "criminal_record"\nfinding',
            'sex = "female"\nitem = "criminal_record"\nfinding',
            "unknown key",
        ),
    ],
)
def test_bad_rule_files_name_the_rule(old: str, new: str, message: str) -> None:
    assert old in RULE_TEXT
    with pytest.raises(PolicyError, match=message):
        parse_ruleset(RULE_TEXT.replace(old, new, 1), PACK)


# --- statutory bars, patterns and the distinctions statutes make ---------------------------------


def _conviction(subtype: str, **kw: object) -> RatableFinding:
    return _finding(Item.CRIMINAL_RECORD, FindingCode.CRIMINAL_CONVICTION, subtype, **kw)  # type: ignore[arg-type]


def test_a_finding_beyond_the_lookback_reaches_only_a_statutory_bar() -> None:
    old_violent = _conviction(
        "violent", days_since=20 * 365, outside_lookback=True, culpability=Culpability.INTENTIONAL
    )
    # a bar (未成年人保護法 第62條) sees it; the individual-assessment rule does not
    childcare = RULES.rate(RatingInput("childcare_education", (old_violent,)))
    assert childcare.light is Light.RED and childcare.reasons[0].rule == "CN-CHILD-01"
    office_like = _conviction("property", days_since=20 * 365, outside_lookback=True)
    finance = RULES.rate(RatingInput("finance_accounting", (office_like,)))
    assert finance.light is Light.GREEN and finance.not_relevant == ("x:1",)


def test_a_pattern_needs_its_count_within_its_window() -> None:
    def speeding(n: int, days: int) -> RatableFinding:
        return _finding(
            Item.DRIVING_RECORD,
            FindingCode.DRIVING_VIOLATION,
            "speeding",
            days_since=days,
            ref=f"d:{n}",
        )

    three = (speeding(1, 30), speeding(2, 100), speeding(3, 300))
    rating = RULES.rate(RatingInput("driver", three))
    assert rating.light is Light.RED
    (reason,) = rating.reasons
    assert reason.rule == "CN-DRV-08" and reason.findings == ("d:1", "d:2", "d:3")
    # two in the window and one older than twelve months: no pattern, none matters alone
    spread = (speeding(1, 30), speeding(2, 100), speeding(3, 400))
    rating = RULES.rate(RatingInput("driver", spread))
    assert rating.light is Light.GREEN and len(rating.not_relevant) == 3
    # the same three for an office job: not in scope anyway, and no rule
    assert RULES.rate(RatingInput("general_office", three)).light is Light.GREEN


def test_culpability_penalty_and_probation_are_conditions() -> None:
    negligent = _conviction(
        "traffic", culpability=Culpability.NEGLIGENT, penalty=Penalty.FIXED_TERM
    )
    intentional = _conviction(
        "property", culpability=Culpability.INTENTIONAL, penalty=Penalty.CRIMINAL_DETENTION
    )
    exempted = _conviction(
        "property", culpability=Culpability.INTENTIONAL, penalty=Penalty.EXEMPTED
    )
    guard = "security_guard"
    assert RULES.rate(RatingInput(guard, (negligent,))).light is Light.YELLOW
    assert RULES.rate(RatingInput(guard, (intentional,))).light is Light.RED
    assert RULES.rate(RatingInput(guard, (exempted,))).light is Light.YELLOW
    on_probation = _conviction(
        "embezzlement", penalty=Penalty.FIXED_TERM, probation=True, days_since=3 * 365
    )
    served = _conviction("embezzlement", penalty=Penalty.FIXED_TERM, days_since=3 * 365)
    executive = "executive_legal_rep"
    # 公司法 第178條: five years from the end of the sentence, two from the end of probation
    assert RULES.rate(RatingInput(executive, (served,))).light is Light.RED
    assert RULES.rate(RatingInput(executive, (on_probation,))).light is Light.YELLOW


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("\nbar = true", '\nbar = "yes"', "bar: expected bool"),
        ("min_findings = 3", "min_findings = 1", "at least 2"),
        ('culpability = ["intentional"]', 'culpability = ["reckless"]', "unknown value 'reckless'"),
        ('penalties = ["detention"]', 'penalties = ["flogging"]', "unknown value 'flogging'"),
        ('penalties = ["detention"]', "penalties = []", "empty"),
        ("\nprobation = true", '\nprobation = "maybe"', "probation: expected bool"),
    ],
)
def test_bad_new_rule_keys_name_the_rule(old: str, new: str, message: str) -> None:
    assert old in RULE_TEXT
    with pytest.raises(PolicyError, match=message):
        parse_ruleset(RULE_TEXT.replace(old, new, 1), PACK)
