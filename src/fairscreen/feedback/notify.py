"""Telling both sides at once: messages about a check, put in the outbox in the transaction of
the change they announce (``notify.outbox.enqueue``; the transports deliver them).

- the candidate, at the contact of their account (e-mail or SMS), when the check has one;
- the employer and the agency of the check, as organisation webhooks: recipient
  ``org:<organisation id>``, for the transport to deliver to the organisation's endpoints that
  subscribe to the template (the event type).

Templates are named after the event (``report.issued``, ``notice.sent``, ``dispute.opened``,
``dispute.resolved``, ``decision.recorded``, ``check.item_unavailable``); their params are ids, versions and dates only, for
every channel: what the candidate reads is in their account, behind their session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from fairscreen.accounts.models import CandidateAccount
from fairscreen.accounts.service import normal_contact
from fairscreen.candidates.models import Candidate
from fairscreen.notify.outbox import enqueue
from fairscreen.notify.webhooks import emit, ids_only
from fairscreen.screening.models import CheckRequest
from fairscreen.vault import Vault
from fairscreen.vault.models import DataKey

REPORT_ISSUED = "report.issued"
NOTICE_SENT = "notice.sent"
DISPUTE_OPENED = "dispute.opened"
DISPUTE_RESOLVED = "dispute.resolved"
DECISION_RECORDED = "decision.recorded"
# An item of a check run as jobs that will not be checked: its source did not answer by the
# deadline (``jobs.graph``; the candidate only, the organisations see it in the check's status).
ITEM_UNAVAILABLE = "check.item_unavailable"
TEMPLATES = (
    REPORT_ISSUED,
    NOTICE_SENT,
    DISPUTE_OPENED,
    DISPUTE_RESOLVED,
    DECISION_RECORDED,
    ITEM_UNAVAILABLE,
)


def organisation_recipient(organisation_id: str) -> str:
    return f"org:{organisation_id}"


def candidate_contact(session: Session, vault: Vault, account_id: str) -> str | None:
    """The contact of a candidate account, opened under the account's data key."""
    account = session.get(CandidateAccount, account_id)
    if account is None:
        return None
    key = session.get(DataKey, account.data_key_id)
    if key is None:
        return None
    sealer = vault.sealer(key.id, key.kek_version, bytes(key.wrapped))
    return sealer.open(
        "candidate_accounts", "contact_ct", account.id, bytes(account.contact_ct)
    ).decode()


def tell(
    session: Session,
    vault: Vault,
    request: CheckRequest,
    template: str,
    params: dict[str, Any],
    *,
    now: datetime,
    candidate: bool = True,
    organisations: bool = True,
) -> list[str]:
    """Enqueue ``template`` about ``request`` to its candidate and its organisations, at once
    (in the caller's transaction); returns the message ids."""
    assert template in TEMPLATES, template
    body = {"check": request.id, **params}
    sent: list[str] = []
    if candidate:
        person = session.get(Candidate, request.candidate_id)
        contact = (
            candidate_contact(session, vault, person.account_id)
            if person is not None and person.account_id
            else None
        )
        if contact is not None:
            channel, address = normal_contact(contact)
            sent.append(
                enqueue(
                    session,
                    vault=vault,
                    channel=channel,
                    recipient=address,
                    template=template,
                    params=body,
                    now=now,
                )
            )
    if organisations:
        for org in dict.fromkeys(o for o in (request.employer_id, request.agency_id) if o):
            # ids only, to the endpoints the organisation registered for this event
            sent += emit(session, organisation_id=org, event=template, data=ids_only(body), now=now)
    return sent
