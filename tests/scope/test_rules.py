"""Step 2: the scope is the position category's items narrowed by the consent, fixed before any
query, with every item of the vocabulary either in it (with its lookback) or recorded as not
checked and why."""

from __future__ import annotations

from fairscreen.policy.pack import load_pack
from fairscreen.policy.vocabulary import Item, NotCheckedReason
from fairscreen.scope.rules import fix_scope
from tests.consent.test_rules import consent

PACK = load_pack()


def test_the_scope_is_the_category_narrowed_by_the_consent() -> None:
    scope = fix_scope(PACK, "finance_accounting", consent(), None)
    assert list(scope.items) == [Item.IDENTITY, Item.EDUCATION, Item.CRIMINAL_RECORD]
    why = dict(scope.not_checked)
    assert why[Item.CREDIT] == NotCheckedReason.SEPARATE_CONSENT_MISSING
    assert why[Item.EMPLOYMENT] == NotCheckedReason.NO_CONSENT
    assert why[Item.DRIVING_RECORD] == NotCheckedReason.NOT_ALLOWED_FOR_POSITION
    # every item of the vocabulary is accounted for, once
    assert set(scope.items) | set(why) == set(Item)
    assert not set(scope.items) & set(why)
    assert scope.policy == PACK.ref and scope.category == "finance_accounting"


def test_consent_cannot_widen_what_the_position_allows() -> None:
    wide = consent(
        items=[str(i) for i in Item],
        separate_items=[str(i) for i in Item if PACK.items[i].separate_consent],
    )
    scope = fix_scope(PACK, "general_office", wide, None)
    assert set(scope.items) == set(PACK.category("general_office").items)
    assert Item.CRIMINAL_RECORD not in scope.items


def test_lookback_windows_come_from_the_pack_per_category() -> None:
    wide = consent(
        items=["identity", "criminal_record", "driving_record", "employment"],
        separate_items=["criminal_record"],
    )
    driver = fix_scope(PACK, "driver", wide, None)
    assert driver.items[Item.DRIVING_RECORD] == 10 and driver.items[Item.CRIMINAL_RECORD] == 10
    childcare = fix_scope(
        PACK,
        "childcare_education",
        consent(items=["identity", "criminal_record"], separate_items=["criminal_record"]),
        None,
    )
    # The bars of 未成年人保護法 第62條 have no time limit, yet the window still bounds the
    # individual assessment: the bar's rules look through it (`bar = true` in the rule set).
    assert (
        childcare.items[Item.CRIMINAL_RECORD]
        == PACK.lookback_years("childcare_education", Item.CRIMINAL_RECORD)
        == 5
    )


def test_a_stopped_check_has_an_empty_scope_and_says_why_for_every_item() -> None:
    scope = fix_scope(PACK, "finance_accounting", consent(), NotCheckedReason.CONSENT_REVOKED)
    assert scope.items == {}
    why = dict(scope.not_checked)
    allowed = PACK.category("finance_accounting").items
    assert all(why[i] == NotCheckedReason.CONSENT_REVOKED for i in allowed)
    assert scope.not_checked_json() is not scope.not_checked_json()  # callers may change it


def test_forbidden_categories_are_not_items_so_no_scope_holds_one() -> None:
    from fairscreen.policy.vocabulary import ForbiddenCategory

    assert not {str(c) for c in ForbiddenCategory} & {str(i) for i in Item}
