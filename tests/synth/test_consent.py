"""Consent: each planted departure is in the candidate's consent, and an ordinary consent covers
exactly the items the category allows, the sensitive ones separately."""

from __future__ import annotations

from datetime import datetime

from tests.synth.generated import PACK, Planted, World, check_planted


def _check(p: Planted) -> None:
    consent = p.candidate["consent"]
    if p.tag == "consent_refused":
        assert consent is None
    elif p.tag == "consent_revoked":
        assert datetime.fromisoformat(consent["revoked_at"]) > datetime.fromisoformat(
            consent["signed_at"]
        )
    elif p.base == "separate_consent_missing" and p.detail:
        assert p.detail in consent["items"]
        assert p.detail not in consent["separate_items"]
    elif p.base == "consent_item_declined" and p.detail:
        assert p.detail not in consent["items"]


def test_consent_departures_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(
        worlds,
        _check,
        "consent_refused",
        "consent_revoked",
        "separate_consent_missing",
        "consent_item_declined",
    )


def test_an_ordinary_consent_covers_what_the_category_allows(worlds: tuple[World, World]) -> None:
    sensitive = {str(i) for i, p in PACK.items.items() if p.separate_consent}
    for world in worlds:
        for t in world.truth:
            tags = set(t["tags"])
            cand = world.candidates[t["candidate"]]
            consent = cand["consent"]
            if consent is None:
                assert "consent_refused" in tags
                continue
            allowed = {str(i) for i in PACK.categories[t["category"]].items}
            assert consent["recipient"] == world.positions[cand["applies_to"]]["employer"]
            assert world.organisations[consent["agency"]]["kind"] == "agency"
            assert set(consent["items"]) <= allowed
            if "consent_item_declined" not in tags:
                assert set(consent["items"]) == allowed
            if "separate_consent_missing" not in tags:
                assert set(consent["separate_items"]) == sensitive & set(consent["items"])
            if "consent_revoked" not in tags:
                assert "revoked_at" not in consent
