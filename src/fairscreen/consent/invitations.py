"""Consent online: an invitation, its link, the candidate's account, their identity and their
signature, item by item; and revoking it.

1. ``create_invitation``: a staff member of the employer (or of the agency it engaged for the
   position) invites a person by their contact. The invitation fixes what may be checked (the
   position category's items under the employer's pack), why, for whom and for how long; the
   contact, the client's reference and the name the employer knows are sealed. The link is a
   random token (only its SHA-256 is kept), sent to the contact through the outbox.
2. ``public_view``: whoever holds the link reads, in plain words, what will be checked, why,
   for whom, for how long, and their rights; ``send_invitation_code`` sends a one-time code to
   the invited contact (never to whoever asks).
3. ``accept``: with the code, the candidate gets their account (``accounts.service
   .candidate_account``) and a session.
4. ``sign``: signed in, the candidate gives their identity (name, ID document, birth date) and
   claims, and signs item by item (a separate consent for the pack's sensitive items, PIPL art.
   29). The candidate record is sealed under the invitation's data key; the consent is recorded
   with its ``consent.signed`` entry, whose ledger index is the candidate's receipt. The check
   then runs (``screening.online.run_invited_check``).
5. ``revoke``: at any time, a ``consent.revoked`` entry; a check not yet run stops before any
   query.

Nothing here commits: callers own the transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fairscreen.accounts import secrets
from fairscreen.accounts.policy import Actor, Target, authorize, reach
from fairscreen.accounts.service import candidate_account, normal_contact, send_code, use_code
from fairscreen.candidates.models import CLIENT_REF, Candidate
from fairscreen.consent.models import Consent, ConsentRevocation, Invitation
from fairscreen.kit.db import table_of
from fairscreen.kit.errors import ConflictError, InputError, NotFoundError
from fairscreen.kit.ids import new_id
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record
from fairscreen.notify.outbox import enqueue
from fairscreen.organisations.models import Organisation, Position
from fairscreen.policy.pack import PolicyPack
from fairscreen.policy.vocabulary import Item
from fairscreen.screening.online import (
    candidate_ref,
    consent_record,
    data_key_sealer,
    pack_for,
    shipped_pack,
)
from fairscreen.screening.service import candidate_row, consent_digest, consent_entry
from fairscreen.vault import Vault
from fairscreen.vault.models import DataKey
from fairscreen.world import model

INVITATION_LIFE = timedelta(days=14)
PURPOSE = "pre_employment_screening"
PURPOSES = {
    PURPOSE: "to verify, before you are hired, the facts the position requires and the law allows"
}
# The law that allows it, by the pack's jurisdiction (each item also cites its own basis).
PURPOSE_BASIS = {
    "CN": "勞動合同法 第8條: facts directly related to the employment contract",
    "US": "FCRA §1681b(a)(3)(B): a consumer report may be furnished for employment purposes",
}
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_INVITATIONS = table_of(Invitation)

SENT, ACCEPTED, SIGNED, CHECKED, EXPIRED, REVOKED = (
    "sent",
    "accepted",
    "signed",
    "checked",
    "expired",
    "revoked",
)


def _code_purpose(invitation_id: str) -> str:
    return f"invitation:{invitation_id}"


# -- staff: inviting ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewInvitation:
    token: str  # the link's secret, shown once
    view: dict[str, Any]


def create_invitation(
    session: Session,
    vault: Vault,
    actor: Actor,
    *,
    position_id: str,
    contact: str,
    client_reference: str,
    known_name: str | None,
    now: datetime,
) -> NewInvitation:
    """Invite the person at ``contact`` to a check for a position of the actor's organisation
    (or one the employer engaged the actor's agency for)."""
    position = session.get(Position, position_id)
    if position is None:
        raise NotFoundError(f"position {position_id}: no such resource")
    authorize(
        actor,
        "invitation.create",
        Target.of(position.employer_id, position.agency_id),
        what=f"position {position_id}",
    )
    employer = session.get(Organisation, position.employer_id)
    assert employer is not None
    pack = pack_for(employer.jurisdiction)
    category = pack.category(position.category)
    channel, contact = normal_contact(contact)
    if not _REF.fullmatch(client_reference):
        raise InputError(
            "client_reference", "1 to 64 letters, digits and . _ : - (starting alphanumeric)"
        )
    if known_name is not None:
        known_name = known_name.strip() or None
        if known_name is not None and len(known_name) > 100:
            raise InputError("known_name", "at most 100 characters")
    items = sorted(str(i) for i in category.items)
    key = vault.new_data_key(now)
    session.execute(insert(table_of(DataKey)), [key.row])
    invitation_id = new_id()
    seal = key.sealer.seal
    version = vault.index_version()
    token = secrets.new_token("fsi_")
    row: dict[str, Any] = {
        "id": invitation_id,
        "token_hash": secrets.token_hash(token),
        "employer_id": position.employer_id,
        "agency_id": position.agency_id,
        "position_id": position.id,
        "policy": pack.ref,
        "items": items,
        "separate_items": [i for i in items if pack.items[Item(i)].separate_consent],
        "purpose": PURPOSE,
        "retention_days": pack.periods.default_retention_days,
        "data_key_id": key.sealer.data_key_id,
        "contact_ct": seal("invitations", "contact_ct", invitation_id, contact.encode()),
        "client_ref_ct": seal(
            "invitations", "client_ref_ct", invitation_id, client_reference.encode()
        ),
        "client_ref_index": vault.blind_index(
            CLIENT_REF, client_reference, canonical=False, version=version
        ),
        "known_name_ct": seal("invitations", "known_name_ct", invitation_id, known_name.encode())
        if known_name
        else None,
        "blind_index_version": version,
        "created_by": actor.label,
        "created_at": now,
        "expires_at": now + INVITATION_LIFE,
        "account_id": None,
        "accepted_at": None,
        "candidate_id": None,
        "consent_id": None,
        "request_id": None,
    }
    session.execute(insert(_INVITATIONS), [row])
    enqueue(
        session,
        vault=vault,
        channel=channel,
        recipient=contact,
        template="invitation",
        params={
            "invitation": invitation_id,
            "token": token,
            "employer": employer.name,
            "position": position.title,
            "expires_at": row["expires_at"].isoformat(),
        },
        now=now,
    )
    invitation = session.get(Invitation, invitation_id)
    assert invitation is not None
    return NewInvitation(token, staff_view(session, vault, invitation, now=now))


def _status(session: Session, invitation: Invitation, now: datetime) -> str:
    if invitation.consent_id is not None:
        revoked = session.scalar(
            select(ConsentRevocation.id).where(
                ConsentRevocation.consent_id == invitation.consent_id
            )
        )
        if revoked:
            return REVOKED
        return CHECKED if invitation.request_id else SIGNED
    if invitation.account_id is not None:
        return ACCEPTED
    return EXPIRED if invitation.expires_at <= now else SENT


def _common(session: Session, invitation: Invitation, now: datetime) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "status": _status(session, invitation, now),
        "position_id": invitation.position_id,
        "employer_id": invitation.employer_id,
        "agency_id": invitation.agency_id,
        "policy": invitation.policy,
        "items": list(invitation.items),
        "separate_items": list(invitation.separate_items),
        "purpose": invitation.purpose,
        "retention_days": invitation.retention_days,
        "created_at": invitation.created_at.isoformat(),
        "expires_at": invitation.expires_at.isoformat(),
        "accepted_at": invitation.accepted_at.isoformat() if invitation.accepted_at else None,
        "consent_id": invitation.consent_id,
        "check_id": invitation.request_id,
    }


def staff_view(
    session: Session, vault: Vault, invitation: Invitation, *, now: datetime
) -> dict[str, Any]:
    """What the inviting organisations see: the invitation's state and what they typed."""
    sealer = data_key_sealer(session, vault, invitation.data_key_id)

    def opened(column: str) -> str | None:
        value = getattr(invitation, column)
        if value is None:
            return None
        return sealer.open("invitations", column, invitation.id, bytes(value)).decode()

    return {
        **_common(session, invitation, now),
        "client_reference": opened("client_ref_ct"),
        "known_name": opened("known_name_ct"),
        "contact": opened("contact_ct"),
    }


def get_for(session: Session, actor: Actor, invitation_id: str, action: str) -> Invitation:
    """The invitation ``invitation_id`` if ``actor`` may do ``action`` to it (else 404)."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFoundError(f"invitation {invitation_id}: no such resource")
    authorize(
        actor,
        action,
        Target.of(
            invitation.employer_id, invitation.agency_id, candidate_account=invitation.account_id
        ),
        what=f"invitation {invitation_id}",
    )
    return invitation


def list_invitations(
    session: Session,
    vault: Vault,
    actor: Actor,
    *,
    client_reference: str | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """Invitations the actor may read, newest first: an organisation's (optionally those for one
    client reference, found through its blind index), or a candidate's own."""
    scope = reach(actor, "invitation.read")
    stmt = select(Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc())
    if scope.reach == "own_org":
        stmt = stmt.where(
            (Invitation.employer_id == scope.organisation_id)
            | (Invitation.agency_id == scope.organisation_id)
        )
    elif scope.reach == "self":
        stmt = stmt.where(Invitation.account_id == scope.candidate_account_id)
    if client_reference is not None:
        stmt = stmt.where(
            Invitation.client_ref_index.in_(
                vault.lookup_indexes(CLIENT_REF, client_reference, canonical=False)
            )
        )
    rows = session.scalars(stmt.limit(500))
    if scope.reach == "self":
        return [candidate_view(session, row, now=now) for row in rows]
    return [staff_view(session, vault, row, now=now) for row in rows]


# -- the link: reading, a code, accepting ------------------------------------------------------


def by_token(session: Session, token: str, *, now: datetime, lock: bool = False) -> Invitation:
    stmt = select(Invitation).where(Invitation.token_hash == secrets.token_hash(token.strip()))
    if lock:
        stmt = stmt.with_for_update()
    invitation = session.scalars(stmt).first()
    if invitation is None or invitation.expires_at <= now:
        raise NotFoundError("invitation: the link is unknown or has expired")
    return invitation


def _what_is_checked(
    pack: PolicyPack, invitation: Invitation, category: str
) -> list[dict[str, Any]]:
    out = []
    for name in invitation.items:
        item = Item(name)
        policy = pack.items[item]
        basis = pack.legal_bases[policy.legal_basis]
        out.append(
            {
                "item": name,
                "title": policy.title,
                "separate_consent": name in invitation.separate_items,
                "sources": [str(s) for s in policy.sources],
                "lookback_years": pack.lookback_years(category, item),
                "why": {"citation": basis.citation, "summary": basis.summary},
            }
        )
    return out


def candidate_view(session: Session, invitation: Invitation, *, now: datetime) -> dict[str, Any]:
    """What the invited person reads, in plain words: what will be checked and why, for whom,
    for how long, what is never collected, and their rights with their periods."""
    pack = shipped_pack(invitation.policy)
    position = session.get(Position, invitation.position_id)
    employer = session.get(Organisation, invitation.employer_id)
    agency = session.get(Organisation, invitation.agency_id) if invitation.agency_id else None
    assert position is not None and employer is not None
    periods = pack.periods
    return {
        **_common(session, invitation, now),
        "for_whom": {
            "employer": employer.name,
            "agency": agency.name if agency else None,
            "position": position.title,
            "category": {
                "name": position.category,
                "title": pack.category(position.category).title,
            },
        },
        "why": PURPOSES.get(invitation.purpose, invitation.purpose)
        + (f" ({PURPOSE_BASIS[pack.jurisdiction]})" if pack.jurisdiction in PURPOSE_BASIS else ""),
        "what_is_checked": _what_is_checked(pack, invitation, position.category),
        "never_collected": sorted(str(c) for c in pack.forbidden),
        "how_long": {
            "days_after_the_decision": invitation.retention_days,
            "days_without_a_decision": periods.undecided_retention_days,
            "then": "destroyed, with a destruction certificate on the ledger",
        },
        "your_rights": {
            "report": "you see the report when the employer does: every finding, its source, "
            "the rule it triggered, and what was excluded and why",
            "pre_adverse_notice_days": periods.pre_adverse_notice_days,
            "pre_adverse_notice_calendar": periods.pre_adverse_notice_calendar,
            "dispute_days": periods.dispute_days,
            "reinvestigation_days": periods.reinvestigation_days,
            "revoke": "you may revoke your consent at any time",
            "deletion": "you may ask for your data to be deleted from your account",
        },
    }


def public_view(session: Session, token: str, *, now: datetime) -> dict[str, Any]:
    return candidate_view(session, by_token(session, token, now=now), now=now)


def send_invitation_code(session: Session, vault: Vault, token: str, *, now: datetime) -> None:
    """Send a one-time code to the invited contact (whoever holds the link; the code goes only
    to the contact the employer invited)."""
    invitation = by_token(session, token, now=now)
    sealer = data_key_sealer(session, vault, invitation.data_key_id)
    contact = sealer.open(
        "invitations", "contact_ct", invitation.id, bytes(invitation.contact_ct)
    ).decode()
    send_code(session, contact, vault=vault, purpose=_code_purpose(invitation.id), now=now)


def accept(
    session: Session, vault: Vault, token: str, code: str, *, now: datetime
) -> tuple[str, str]:
    """Accept with the one-time code: ``(candidate account id, invitation id)``. The account
    is the invited contact's (made on first use). Run it with ``accounts.service.committed``: a
    wrong code counts."""
    invitation = by_token(session, token, now=now, lock=True)
    use_code(session, code, purpose=_code_purpose(invitation.id), now=now)
    sealer = data_key_sealer(session, vault, invitation.data_key_id)
    contact = sealer.open(
        "invitations", "contact_ct", invitation.id, bytes(invitation.contact_ct)
    ).decode()
    account = candidate_account(session, vault, contact, now=now)
    if invitation.account_id is None:
        invitation.account_id = account
        invitation.accepted_at = now
    return account, invitation.id


# -- signing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signed:
    consent_id: str
    candidate_id: str
    ledger_index: int  # the consent.signed entry: the candidate's receipt


def _input_errors(exc: ValidationError) -> InputError:
    """The first problem of a candidate's identity, naming the field, never the value."""
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in error["loc"]) or "identity"
    message = str(error["msg"])
    if error["type"] == "value_error":
        text = message.removeprefix("Value error, ")
        if ":" in text and not error["loc"]:
            field = text.split(":", 1)[0]
        message = "is not valid (check it against the document)"
    return InputError(field, message)


def sign(
    session: Session,
    vault: Vault,
    actor: Actor,
    invitation_id: str,
    *,
    identity: dict[str, Any],
    claims: dict[str, Any],
    items: list[str],
    separate_items: list[str],
    now: datetime,
) -> Signed:
    """The candidate's identity and signature, item by item. ``identity``: ``name``,
    ``id_document`` (``kind``, ``number``), ``birth_date``; ``claims`` as in the world format."""
    invitation = session.get(Invitation, invitation_id, with_for_update=True)
    if invitation is None:
        raise NotFoundError(f"invitation {invitation_id}: no such resource")
    authorize(
        actor,
        "consent.sign",
        Target.of(candidate_account=invitation.account_id),
        what=f"invitation {invitation_id}",
    )
    if invitation.consent_id is not None:
        raise ConflictError(f"invitation {invitation_id}: already signed")
    if invitation.expires_at <= now:
        raise ConflictError(f"invitation {invitation_id}: expired; ask for a new invitation")
    offered = list(invitation.items)
    if not items:
        raise InputError("items", "sign at least one item (or do not sign at all)")
    for i, item in enumerate(items):
        if item not in offered:
            raise InputError(f"items[{i}]", f"one of the items offered: {', '.join(offered)}")
    if len(set(items)) != len(items):
        raise InputError("items", "an item is listed twice")
    for i, item in enumerate(separate_items):
        if item not in items or item not in invitation.separate_items:
            raise InputError(
                f"separate_items[{i}]",
                "a sensitive item you signed for (one of "
                f"{', '.join(x for x in invitation.separate_items if x in items) or 'none'})",
            )
    employer = session.get(Organisation, invitation.employer_id)
    agency = session.get(Organisation, invitation.agency_id) if invitation.agency_id else None
    position = session.get(Position, invitation.position_id)
    assert employer is not None and position is not None
    pack = shipped_pack(invitation.policy)
    consent_id = new_id()
    consent_row: dict[str, Any] = {
        "id": consent_id,
        "candidate_id": "",
        "items": sorted(items),
        "separate_items": sorted(set(separate_items)),
        "purpose": invitation.purpose,
        "recipient_id": employer.id,
        "agency_id": agency.id if agency else None,
        "retention_days": invitation.retention_days,
        "signed_at": now,
        "digest": "",
    }
    signed = consent_record(
        Consent(**consent_row),
        recipient=employer.external_ref,
        agency=agency.external_ref if agency else None,
        revoked_at=None,
    )
    try:
        person = model.CandidateRecord.model_validate(
            {
                "type": "candidate",
                "id": candidate_ref(invitation.id),
                **identity,
                "applies_to": position.external_ref,
                "claims": claims,
            }
        )
    except ValidationError as exc:
        raise _input_errors(exc) from None
    sealer = data_key_sealer(session, vault, invitation.data_key_id)
    candidate_id = new_id()
    retain = now.date() + timedelta(days=pack.periods.undecided_retention_days)
    session.execute(
        insert(table_of(Candidate)),
        [
            candidate_row(
                vault, sealer, candidate_id, person, now=now, retain=retain, account_id=actor.id
            )
        ],
    )
    consent_row["candidate_id"] = candidate_id
    consent_row["digest"] = consent_digest(signed)
    index = record(
        session,
        EventType.CONSENT_SIGNED,
        Consent,
        consent_row,
        at=now,
        subject=sealer.subject_ref(candidate_id),
        **consent_entry(consent_row),
    )
    invitation.candidate_id = candidate_id
    invitation.consent_id = consent_id
    return Signed(consent_id, candidate_id, index)


# -- consents: reading and revoking ------------------------------------------------------------


def _consent_target(session: Session, consent: Consent) -> Target:
    candidate = session.get(Candidate, consent.candidate_id)
    return Target.of(
        consent.recipient_id,
        consent.agency_id,
        candidate_account=candidate.account_id if candidate else None,
    )


def consent_view(session: Session, consent: Consent) -> dict[str, Any]:
    revoked = session.scalar(
        select(ConsentRevocation.revoked_at)
        .where(ConsentRevocation.consent_id == consent.id)
        .order_by(ConsentRevocation.revoked_at)
        .limit(1)
    )
    employer = session.get(Organisation, consent.recipient_id)
    agency = session.get(Organisation, consent.agency_id) if consent.agency_id else None
    invitation = session.scalars(
        select(Invitation).where(Invitation.consent_id == consent.id)
    ).first()
    return {
        "id": consent.id,
        "items": list(consent.items),
        "separate_items": list(consent.separate_items),
        "purpose": consent.purpose,
        "recipient": employer.name if employer else None,
        "agency": agency.name if agency else None,
        "retention_days": consent.retention_days,
        "signed_at": consent.signed_at.isoformat(),
        "revoked_at": revoked.isoformat() if revoked else None,
        "invitation_id": invitation.id if invitation else None,
        "check_id": invitation.request_id if invitation else None,
        "receipt": {
            "ledger_index": consent.ledger_index,
            "url": f"/ledger/receipt/{consent.ledger_index}",
        },
    }


def get_consent(session: Session, actor: Actor, consent_id: str, action: str) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None:
        raise NotFoundError(f"consent {consent_id}: no such resource")
    authorize(actor, action, _consent_target(session, consent), what=f"consent {consent_id}")
    return consent


def list_consents(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The candidate's own consents, newest first."""
    scope = reach(actor, "consent.read")
    stmt = (
        select(Consent)
        .join(Candidate, Candidate.id == Consent.candidate_id)
        .order_by(Consent.signed_at.desc(), Consent.id)
    )
    if scope.reach == "self":
        stmt = stmt.where(Candidate.account_id == scope.candidate_account_id)
    elif scope.reach == "own_org":
        stmt = stmt.where(
            (Consent.recipient_id == scope.organisation_id)
            | (Consent.agency_id == scope.organisation_id)
        )
    return [consent_view(session, c) for c in session.scalars(stmt.limit(500))]


def revoke(session: Session, actor: Actor, consent_id: str, *, now: datetime) -> dict[str, Any]:
    """Revoke a consent (a ``consent.revoked`` entry of its own): a check not yet run stops
    before any source is asked."""
    consent = get_consent(session, actor, consent_id, "consent.revoke")
    already = session.scalar(
        select(ConsentRevocation.id).where(ConsentRevocation.consent_id == consent.id)
    )
    if already:
        raise ConflictError(f"consent {consent_id}: already revoked")
    candidate = session.get(Candidate, consent.candidate_id)
    assert candidate is not None
    record(
        session,
        EventType.CONSENT_REVOKED,
        ConsentRevocation,
        {"id": new_id(), "consent_id": consent.id, "revoked_at": now},
        at=now,
        org=consent.recipient_id,
        subject=candidate.subject_ref,
    )
    return consent_view(session, consent)
