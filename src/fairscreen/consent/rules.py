"""Whether a consent lets a check go ahead at all, and which items it covers.

A consent is specific: it names the items, the purpose, the recipient (the employer) and
optionally the agency. Sensitive items (criminal record, credit, health fitness) need a separate
consent (PIPL art. 29). A revoked consent stops the check: no source is queried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairscreen.policy.pack import PolicyPack
from fairscreen.policy.vocabulary import Item, NotCheckedReason
from fairscreen.world.model import ConsentRecord


@dataclass(frozen=True, slots=True)
class ConsentCheck:
    """``stop`` is None if the check may go ahead; else why it must not query anything."""

    stop: NotCheckedReason | None
    detail: str = ""


def check_consent(
    consent: ConsentRecord | None,
    *,
    pack: PolicyPack,
    employer: str,
    agency: str | None,
    at: datetime,
) -> ConsentCheck:
    """May a check for ``employer`` (run by ``agency``) go ahead at time ``at``?"""
    if consent is None:
        return ConsentCheck(NotCheckedReason.NO_CONSENT, "the candidate has not consented")
    if consent.revoked_at is not None and consent.revoked_at <= at:
        return ConsentCheck(NotCheckedReason.CONSENT_REVOKED, "the candidate revoked the consent")
    if consent.signed_at > at:
        return ConsentCheck(
            NotCheckedReason.CONSENT_INVALID, "the consent is dated after the check"
        )
    if consent.purpose != pack.purpose:
        return ConsentCheck(
            NotCheckedReason.CONSENT_INVALID, f"the consent's purpose is {consent.purpose}"
        )
    if consent.recipient != employer:
        return ConsentCheck(NotCheckedReason.CONSENT_INVALID, "the consent names another recipient")
    if consent.agency is not None and agency is not None and consent.agency != agency:
        return ConsentCheck(NotCheckedReason.CONSENT_INVALID, "the consent names another agency")
    return ConsentCheck(None)


def consent_covers(consent: ConsentRecord, item: Item, pack: PolicyPack) -> NotCheckedReason | None:
    """None if ``consent`` covers ``item``; else why it does not."""
    if item not in consent.items:
        return NotCheckedReason.NO_CONSENT
    if pack.items[item].separate_consent and item not in consent.separate_items:
        return NotCheckedReason.SEPARATE_CONSENT_MISSING
    return None
