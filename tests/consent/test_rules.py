"""Step 1: whether a consent lets a check go ahead at all, and which items it covers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fairscreen.consent.rules import check_consent, consent_covers
from fairscreen.policy.pack import load_pack
from fairscreen.policy.vocabulary import Item, NotCheckedReason
from fairscreen.world.model import ConsentRecord

PACK = load_pack()
SIGNED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
CHECKED = SIGNED + timedelta(days=1)


def consent(**changes: object) -> ConsentRecord:
    body: dict[str, object] = {
        "id": "K1",
        "items": ["identity", "education", "criminal_record", "credit"],
        "separate_items": ["criminal_record"],
        "purpose": "pre_employment_screening",
        "recipient": "E1",
        "agency": "A1",
        "signed_at": SIGNED,
    }
    body.update(changes)
    return ConsentRecord.model_validate(body)


def test_a_valid_consent_lets_the_check_go_ahead() -> None:
    assert check_consent(consent(), pack=PACK, employer="E1", agency="A1", at=CHECKED).stop is None
    # a consent that names no agency lets any agency run it for that employer
    unnamed = consent(agency=None)
    assert check_consent(unnamed, pack=PACK, employer="E1", agency="A9", at=CHECKED).stop is None


@pytest.mark.parametrize(
    ("given", "employer", "agency", "at", "why"),
    [
        (None, "E1", "A1", CHECKED, NotCheckedReason.NO_CONSENT),
        (
            consent(revoked_at=CHECKED - timedelta(hours=1)),
            "E1",
            "A1",
            CHECKED,
            NotCheckedReason.CONSENT_REVOKED,
        ),
        (consent(revoked_at=CHECKED), "E1", "A1", CHECKED, NotCheckedReason.CONSENT_REVOKED),
        (consent(), "E1", "A1", SIGNED - timedelta(seconds=1), NotCheckedReason.CONSENT_INVALID),
        (consent(), "E2", "A1", CHECKED, NotCheckedReason.CONSENT_INVALID),
        (consent(), "E1", "A2", CHECKED, NotCheckedReason.CONSENT_INVALID),
    ],
    ids=["none", "revoked-before", "revoked-at", "signed-after", "other-employer", "other-agency"],
)
def test_a_consent_that_does_not_cover_the_check_stops_it(
    given: ConsentRecord | None, employer: str, agency: str, at: datetime, why: NotCheckedReason
) -> None:
    assert check_consent(given, pack=PACK, employer=employer, agency=agency, at=at).stop == why


def test_a_revocation_after_the_check_does_not_undo_it() -> None:
    later = consent(revoked_at=CHECKED + timedelta(days=1))
    assert check_consent(later, pack=PACK, employer="E1", agency="A1", at=CHECKED).stop is None


def test_sensitive_items_need_their_separate_consent() -> None:
    given = consent()
    assert PACK.items[Item.CRIMINAL_RECORD].separate_consent
    assert PACK.items[Item.CREDIT].separate_consent
    assert consent_covers(given, Item.CRIMINAL_RECORD, PACK) is None
    assert consent_covers(given, Item.CREDIT, PACK) == NotCheckedReason.SEPARATE_CONSENT_MISSING
    assert consent_covers(given, Item.EDUCATION, PACK) is None
    assert consent_covers(given, Item.EMPLOYMENT, PACK) == NotCheckedReason.NO_CONSENT


def test_a_consent_must_be_consistent_to_be_read_at_all() -> None:
    with pytest.raises(ValueError, match="separate_items"):
        consent(separate_items=["health_fitness"])
    with pytest.raises(ValueError, match="revoked_at"):
        consent(revoked_at=SIGNED - timedelta(days=1))
    with pytest.raises(ValueError, match="listed twice"):
        consent(items=["identity", "identity"])
