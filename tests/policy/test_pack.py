from importlib import resources

import pytest

from fairscreen.kit.errors import PolicyError
from fairscreen.policy.pack import load_pack, parse_pack
from fairscreen.policy.vocabulary import ForbiddenCategory, Item

CN = (resources.files("fairscreen.policy") / "packs" / "cn-2026.1.toml").read_text(encoding="utf-8")
CATEGORIES = {
    "general_office",
    "software_engineering",
    "finance_accounting",
    "executive_legal_rep",
    "driver",
    "childcare_education",
    "security_guard",
    "healthcare",
}


def test_cn_pack_has_the_required_categories_and_forbidden_list() -> None:
    pack = load_pack("cn-2026.1")
    assert pack.ref == "cn@2026.1"
    assert set(pack.categories) >= CATEGORIES
    assert pack.forbidden == frozenset(ForbiddenCategory)
    assert {Item.CRIMINAL_RECORD, Item.CREDIT, Item.HEALTH_FITNESS} == {
        item for item, policy in pack.items.items() if policy.separate_consent
    }


def test_general_office_checks_no_court_or_criminal_records() -> None:
    office = load_pack().category("general_office")
    assert Item.CIVIL_LITIGATION not in office.items
    assert Item.CRIMINAL_RECORD not in office.items


def test_lookbacks_fall_back_to_the_item_and_unlimited_is_none() -> None:
    pack = load_pack()
    assert pack.lookback_years("general_office", Item.EMPLOYMENT) == 10
    assert pack.lookback_years("driver", Item.DRIVING_RECORD) == 10
    assert pack.lookback_years("childcare_education", Item.CRIMINAL_RECORD) is None


def test_forbidden_civil_causes_are_marked() -> None:
    cause = load_pack().cause_class("civil", "divorce")
    assert cause is not None and cause.forbidden is ForbiddenCategory.MARRIAGE_ROMANCE


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            'items = ["identity", "education", "employment", "reference"]',
            'items = ["identity", "hobbies"]',
            "categories.general_office.items[1]",
        ),
        (
            'sources = ["identity_registry"]',
            'sources = ["gossip_column"]',
            "items.identity.sources[0]",
        ),
        ('legal_basis = "PIPL-29"', 'legal_basis = "PIPL-999"', "legal_basis"),
        (
            "default_retention_days = 180",
            'default_retention_days = "soon"',
            "pack.default_retention_days",
        ),
        (
            '  "litigation_as_plaintiff", "private_life",',
            '  "litigation_as_plaintiff", "astrology",',
            "forbidden.categories[9]",
        ),
        ("lookback_years = 10\n", "lookback_years = -1\n", "lookback_years"),
    ],
)
def test_bad_packs_name_the_key(old: str, new: str, where: str) -> None:
    assert old in CN
    with pytest.raises(PolicyError, match=where.replace("[", r"\[").replace("]", r"\]")):
        parse_pack(CN.replace(old, new, 1), origin="test.toml")
