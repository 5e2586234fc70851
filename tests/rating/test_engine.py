"""The rating engine: rules as data, reasons with legal bases, and no protected attribute in."""

from __future__ import annotations

import dataclasses
import typing
from importlib import resources

import pytest

from fairscreen.kit.errors import PolicyError
from fairscreen.policy.pack import load_pack
from fairscreen.policy.vocabulary import FindingCode, ForbiddenCategory, Item
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
RULE_TEXT = (resources.files("fairscreen.rating") / "rulesets" / "cn-2026.1.toml").read_text(
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
    }
    for name in names:
        assert not set(name.lower().split("_")) & PROTECTED, name
    # the only free-text fields are the category and the finding's subtype and ref; subtypes come
    # from the verifiers' closed vocabulary, which has no forbidden category in it
    types = {t for _, t in fields}
    assert all(
        t in {str, int | None, str | None, bool, Item, FindingCode} or typing.get_origin(t) is tuple
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
) -> RatableFinding:
    return RatableFinding(ref, item, code, subtype, days_since, ongoing, count)


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
    old = _finding(
        Item.CRIMINAL_RECORD, FindingCode.CRIMINAL_CONVICTION, "fraud", days_since=6 * 366
    )
    new = _finding(
        Item.CRIMINAL_RECORD, FindingCode.CRIMINAL_CONVICTION, "fraud", days_since=2 * 365
    )
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
