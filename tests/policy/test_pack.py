from importlib import resources

import pytest

from fairscreen.kit.errors import PolicyError
from fairscreen.policy.pack import load_pack, parse_pack
from fairscreen.policy.vocabulary import Culpability, ForbiddenCategory, Item

CN = (resources.files("fairscreen.policy") / "packs" / "cn-2026.2.toml").read_text(encoding="utf-8")
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
    pack = load_pack("cn-2026.2")
    assert pack.ref == "cn@2026.2"
    assert set(pack.categories) >= CATEGORIES
    assert pack.forbidden == frozenset(ForbiddenCategory)
    assert {
        Item.CRIMINAL_RECORD,
        Item.PUBLIC_SECURITY_RECORD,
        Item.CREDIT,
        Item.HEALTH_FITNESS,
    } == {item for item, policy in pack.items.items() if policy.separate_consent}


def test_general_office_checks_no_court_or_criminal_records() -> None:
    office = load_pack().category("general_office")
    assert Item.CIVIL_LITIGATION not in office.items
    assert Item.CRIMINAL_RECORD not in office.items


def test_lookbacks_fall_back_to_the_item_and_unlimited_is_none() -> None:
    pack = load_pack()
    assert pack.lookback_years("general_office", Item.EMPLOYMENT) == 10
    assert pack.lookback_years("driver", Item.DRIVING_RECORD) == 10
    # the bars for work with minors have no time limit, but that is the rules' business
    # (`bar = true`): the lookback still limits the individual assessment
    assert pack.lookback_years("childcare_education", Item.CRIMINAL_RECORD) == 5
    assert pack.lookback_years("general_office", Item.IDENTITY) is None
    unlimited = parse_pack(
        CN.replace(
            "[categories.driver.lookback_years]",
            '[categories.driver.lookback_years]\ncredit = "unlimited"',
        ),
        origin="t.toml",
    )
    assert unlimited.lookback_years("driver", Item.CREDIT) is None


def test_the_legal_limit_of_credit_information_cannot_be_widened_by_a_lookback() -> None:
    pack = load_pack()
    limit = pack.legal_limit("finance_accounting", Item.CREDIT)
    assert limit is not None and limit.years == 5 and limit.legal_basis == "CRC-16"
    assert "征信業管理條例 第16條" in pack.legal_bases[limit.legal_basis].citation
    assert pack.legal_limit("finance_accounting", Item.CRIMINAL_RECORD) is None


def test_a_category_exempt_from_a_legal_limit_must_name_an_item_that_has_one() -> None:
    exempt = CN.replace(
        "[categories.executive_legal_rep.lookback_years]",
        'legal_limit_exempt = ["credit"]\n\n[categories.executive_legal_rep.lookback_years]',
    )
    assert parse_pack(exempt).legal_limit("executive_legal_rep", Item.CREDIT) is None
    with pytest.raises(PolicyError, match=r"legal_limit_exempt\[0\]: item education has no"):
        parse_pack(
            exempt.replace('legal_limit_exempt = ["credit"]', 'legal_limit_exempt = ["education"]')
        )


def test_juvenile_sealing_and_the_culpability_of_crimes_are_read() -> None:
    pack = load_pack()
    assert pack.juvenile_sealing is not None
    assert (pack.juvenile_sealing.age_below, pack.juvenile_sealing.max_fixed_term_years) == (18, 5)
    accident = pack.cause_class("criminal", "traffic_accident_crime")
    drunk = pack.cause_class("criminal", "dangerous_driving")
    assert accident is not None and accident.culpability is Culpability.NEGLIGENT
    assert drunk is not None and drunk.culpability is Culpability.INTENTIONAL
    assert accident.cls == drunk.cls == "traffic"
    detention = pack.cause_class("administrative", "assault")
    assert detention is not None and detention.cls == "violent"


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
        ("lookback_years = 10\n", "lookbak_years = 10\n", "items.employment: unknown key"),
        (
            'legal_limit = { years = 5, legal_basis = "CRC-16" }',
            'legal_limit = { years = 0, legal_basis = "CRC-16" }',
            "legal_limit.years: expected a positive",
        ),
        (
            'legal_limit = { years = 5, legal_basis = "CRC-16" }',
            'legal_limit = { years = 5, legal_basis = "NOPE" }',
            "legal_limit.legal_basis: 'NOPE' is not in",
        ),
        (
            'legal_limit = { years = 5, legal_basis = "CRC-16" }',
            'legal_limit = { years = 5, basis = "CRC-16" }',
            "legal_limit: unknown key",
        ),
        ("age_below = 18", "age_below = 0", "sealed_juvenile_records.age_below"),
        (
            "max_fixed_term_years = 5",
            'max_fixed_term_years = "5"',
            "max_fixed_term_years: expected int",
        ),
        (
            'theft = { class = "property", culpability = "intentional" }',
            'theft = { class = "property", culpability = "careless" }',
            "criminal_causes.theft.culpability",
        ),
        (
            'assault = "violent"',
            'assault = { class = "violent", culpability = "intentional" }',
            "conducts.assault: expected a class name",
        ),
        ("[sealed_juvenile_records]", "[sealed_juvenile_record]", "'sealed_juvenile_record'"),
    ],
)
def test_bad_packs_name_the_key(old: str, new: str, where: str) -> None:
    assert old in CN
    with pytest.raises(PolicyError, match=where.replace("[", r"\[").replace("]", r"\]")):
        parse_pack(CN.replace(old, new, 1), origin="test.toml")
