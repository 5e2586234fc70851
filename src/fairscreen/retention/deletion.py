"""The right to deletion (PIPL art. 47): a candidate's request, from receipt to destruction.

Lifecycle::

    received --verify--> verified --process--> done      (destroyed, certified)
        |                    |
        +--(5 failed)--------+------process--> refused   (with the legal reason)

- ``receive`` records the request with its deadline (the pack's ``deletion_request_days``) and
  appends ``deletion.requested``. The request names nobody yet.
- ``verify`` takes the ID number and the name the requester gives: the ID number is looked up
  through the blind index (never in clear), each candidate found is opened with the vault and
  its name compared (``fairscreen.kit.names.name_key``: Traditional and Simplified, width, case
  and spacing do not matter). The given values are not stored. A failed attempt says only that
  the two do not match a record (so the request cannot be used to learn whether an ID number is
  known); after ``MAX_FAILED_ATTEMPTS`` the request is refused.
- ``process`` destroys every candidate record the requester proved theirs, exactly as the
  retention sweep does, with its own certificate (reason ``deletion_request``), unless a legal
  hold is active on one of them: then the request is refused with the hold's legal reason.
  Either way it appends ``deletion.resolved``. ``process_request`` and ``process_verified`` run
  it inside ``retention.erasure.erasing`` and return only once the destruction is durable (or
  say that it is not yet: ``Processed.durability``).

Ledger entries carry no personal data and no free text: the resolution's reason is committed
(its record keeps it), the entry says only the reason code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.candidates.models import Candidate
from fairscreen.candidates.service import client_ref_indexes
from fairscreen.kit import errors
from fairscreen.kit.db import engine_of, table_of
from fairscreen.kit.errors import InputError
from fairscreen.kit.ids import new_id
from fairscreen.kit.names import name_key
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record
from fairscreen.policy.pack import PolicyPack
from fairscreen.retention.destroy import (
    BATCH,
    DELETION_REQUEST,
    RetentionError,
    destroy_batch,
    drop_pending_invitations,
    prepare_connection,
)
from fairscreen.retention.erasure import erasing
from fairscreen.retention.holds import hold_reason
from fairscreen.retention.models import (
    DeletionRequest,
    DeletionRequestCandidate,
    DeletionResolution,
    LegalHold,
)
from fairscreen.vault import Vault
from fairscreen.vault.core import SealError
from fairscreen.vault.keys import KeyProviderError
from fairscreen.vault.models import DataKey

RECEIVED, VERIFIED, DONE, REFUSED = "received", "verified", "done", "refused"
OPEN_STATUSES = (RECEIVED, VERIFIED)
STATUSES = (RECEIVED, VERIFIED, DONE, REFUSED)
CHANNELS = ("cli", "api", "portal")
MAX_FAILED_ATTEMPTS = 5
REASON_LEGAL_HOLD = "legal_hold"
REASON_IDENTITY = "identity_not_verified"

_CANDIDATES = table_of(Candidate)
_REQUESTS = table_of(DeletionRequest)
_LINKS = table_of(DeletionRequestCandidate)
_RESOLUTIONS = table_of(DeletionResolution)
_HOLDS = table_of(LegalHold)
_DATA_KEYS = table_of(DataKey)
_ID_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")


class NotFoundError(RetentionError, errors.NotFoundError):
    """No such deletion request, legal hold or candidate."""


class WrongStateError(RetentionError, errors.ConflictError):
    """The request or hold is not in a state that allows the operation."""


@dataclass(frozen=True, slots=True)
class RequestView:
    """A deletion request as shown to the candidate and the operator (no personal data)."""

    id: str
    status: str
    channel: str
    policy: str
    received_at: datetime
    due_by: date
    verified_at: datetime | None
    resolved_at: datetime | None
    failed_attempts: int
    candidates: int  # candidate records proven to be the requester's (and not yet destroyed)
    outcome: str | None
    reason: str | None
    certificate_id: str | None
    ledger_index: int | None

    def overdue(self, today: date) -> bool:
        """Still open after its deadline, or resolved after it."""
        if self.resolved_at is not None:
            return self.resolved_at.date() > self.due_by
        return today > self.due_by

    def as_json(self, today: date) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "channel": self.channel,
            "policy": self.policy,
            "received_at": self.received_at.isoformat(),
            "due_by": self.due_by.isoformat(),
            "overdue": self.overdue(today),
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "failed_attempts": self.failed_attempts,
            "candidates": self.candidates,
            "outcome": self.outcome,
            "reason": self.reason,
            "certificate_id": self.certificate_id,
            "ledger_index": self.ledger_index,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of one identity check: the request after it, and whether it matched."""

    request: RequestView
    verified: bool


@dataclass(frozen=True, slots=True)
class Processed:
    """Requests resolved by one erasure, and what it left on disk (``retention.erasure``:
    "clean", "wal_pending", "compact_pending"; None when nothing was destroyed)."""

    requests: list[RequestView]
    durability: str | None


@dataclass(frozen=True, slots=True)
class HoldView:
    id: str
    candidate_id: str
    reason_code: str
    reference: str | None  # the proceeding's reference: staff only
    placed_at: datetime
    lifted_at: datetime | None

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    def as_json(self) -> dict[str, Any]:
        """As staff see it: the reason code with its approved text, and the reference."""
        return {
            "id": self.id,
            "candidate_id": self.candidate_id,
            "reason": hold_reason(self.reason_code).as_json(),
            "reference": self.reference,
            "placed_at": self.placed_at.isoformat(),
            "lifted_at": self.lifted_at.isoformat() if self.lifted_at else None,
            "active": self.active,
        }

    def for_candidate(self, language: str | None = None) -> dict[str, Any]:
        """As the candidate sees it: the approved text of the reason code, never the staff's
        reference."""
        return {
            "id": self.id,
            "reason": hold_reason(self.reason_code).as_json(language),
            "placed_at": self.placed_at.isoformat(),
            "lifted_at": self.lifted_at.isoformat() if self.lifted_at else None,
            "active": self.active,
        }


# -- reading ---------------------------------------------------------------------------------


def _views(session: Session, where: Any = None) -> list[RequestView]:
    linked = (
        select(_LINKS.c.request_id, func.count().label("n"))
        .group_by(_LINKS.c.request_id)
        .subquery()
    )
    stmt = (
        select(
            _REQUESTS,
            func.coalesce(linked.c.n, 0).label("linked"),
            _RESOLUTIONS.c.outcome,
            _RESOLUTIONS.c.reason,
            _RESOLUTIONS.c.certificate_id,
        )
        .select_from(
            _REQUESTS.outerjoin(linked, linked.c.request_id == _REQUESTS.c.id).outerjoin(
                _RESOLUTIONS, _RESOLUTIONS.c.request_id == _REQUESTS.c.id
            )
        )
        .order_by(_REQUESTS.c.due_by, _REQUESTS.c.id)
    )
    if where is not None:
        stmt = stmt.where(where)
    return [
        RequestView(
            id=row.id,
            status=row.status,
            channel=row.channel,
            policy=row.policy,
            received_at=row.received_at,
            due_by=row.due_by,
            verified_at=row.verified_at,
            resolved_at=row.resolved_at,
            failed_attempts=row.failed_attempts,
            candidates=int(row.linked),
            outcome=row.outcome,
            reason=row.reason,
            certificate_id=row.certificate_id,
            ledger_index=row.ledger_index,
        )
        for row in session.execute(stmt)
    ]


def get_request(session: Session, request_id: str) -> RequestView:
    found = _views(session, _REQUESTS.c.id == request_id)
    if not found:
        raise NotFoundError(f"deletion request {request_id!r}: no such request")
    return found[0]


def list_requests(
    session: Session, *, today: date, overdue: bool = False, status: str | None = None
) -> list[RequestView]:
    """Requests by deadline; ``overdue``: open ones past their deadline only."""
    if status is not None and status not in STATUSES:
        raise InputError("status", f"one of {', '.join(STATUSES)}, got {status!r}")
    where = None
    if status is not None:
        where = _REQUESTS.c.status == status
    if overdue:
        late = _REQUESTS.c.status.in_(OPEN_STATUSES) & (_REQUESTS.c.due_by < today)
        where = late if where is None else where & late
    return _views(session, where)


def _lock_request(session: Session, request_id: str) -> Any:
    row = session.execute(
        select(_REQUESTS).where(_REQUESTS.c.id == request_id).with_for_update()
    ).first()
    if row is None:
        raise NotFoundError(f"deletion request {request_id!r}: no such request")
    return row


# -- the lifecycle ---------------------------------------------------------------------------


def receive(session: Session, *, now: datetime, pack: PolicyPack, channel: str) -> RequestView:
    """Record a new deletion request and its deadline; append ``deletion.requested``."""
    if channel not in CHANNELS:
        raise InputError("channel", f"one of {', '.join(CHANNELS)}, got {channel!r}")
    row: dict[str, Any] = {
        "id": new_id(),
        "status": RECEIVED,
        "channel": channel,
        "policy": pack.ref,
        "received_at": now,
        "due_by": now.date() + timedelta(days=pack.periods.deletion_request_days),
        "verified_at": None,
        "failed_attempts": 0,
        "resolved_at": None,
    }
    record(
        session,
        EventType.DELETION_REQUESTED,
        DeletionRequest,
        row,
        at=now,
        policy=pack.ref,
        attrs={
            "deletion_request": row["id"],  # as on its deletion.resolved entry
            "channel": channel,
            "due_by": row["due_by"].isoformat(),
        },
    )
    return get_request(session, row["id"])


def receive_own(
    session: Session, account_id: str, *, now: datetime, pack: PolicyPack
) -> RequestView:
    """A candidate's request from their own account: received and, since the session proves who
    they are, verified at once, linked to every candidate record of the account (no ID number
    needed). The account's invitations not yet answered with an identity go with it."""
    view = receive(session, now=now, pack=pack, channel="portal")
    mine = list(
        session.scalars(
            select(_CANDIDATES.c.id).where(_CANDIDATES.c.account_id == account_id).with_for_update()
        )
    )
    if mine:
        session.execute(insert(_LINKS), [{"request_id": view.id, "candidate_id": c} for c in mine])
    session.execute(
        update(_REQUESTS)
        .where(_REQUESTS.c.id == view.id)
        .values(status=VERIFIED, verified_at=now, account_id=account_id)
    )
    return get_request(session, view.id)


def account_requests(session: Session, account_id: str) -> list[RequestView]:
    """The deletion requests a candidate account made, by deadline."""
    return _views(session, _REQUESTS.c.account_id == account_id)


def account_request(session: Session, account_id: str, request_id: str) -> RequestView:
    found = _views(session, (_REQUESTS.c.account_id == account_id) & (_REQUESTS.c.id == request_id))
    if not found:
        raise NotFoundError(f"deletion request {request_id!r}: no such request")
    return found[0]


def account_holds(session: Session, account_id: str) -> list[HoldView]:
    """The legal holds on a candidate account's records (to show the candidate)."""
    stmt = (
        select(_HOLDS)
        .join(_CANDIDATES, _CANDIDATES.c.id == _HOLDS.c.candidate_id)
        .where(_CANDIDATES.c.account_id == account_id)
        .order_by(_HOLDS.c.placed_at, _HOLDS.c.id)
    )
    return [_hold_view(row) for row in session.execute(stmt)]


def _check_identity_input(id_kind: str, id_number: str, name: str) -> None:
    if not _ID_KIND.fullmatch(id_kind):
        raise InputError("id_kind", "a document kind such as cn_resident_id")
    if not id_number.strip() or len(id_number) > 64:
        raise InputError("id_number", "required, at most 64 characters")
    if not name.strip() or len(name) > 200:
        raise InputError("name", "required, at most 200 characters")


def _matching_candidates(
    session: Session, vault: Vault, id_kind: str, id_number: str, name: str
) -> list[str]:
    """Live candidates whose blind-indexed ID number and sealed name both match."""
    # Under every index secret in use: during a rotation a row is under the old or the new one.
    indexes = vault.lookup_indexes(id_kind, id_number)
    rows = session.execute(
        select(
            _CANDIDATES.c.id,
            _CANDIDATES.c.name_ct,
            _DATA_KEYS.c.id.label("key_id"),
            _DATA_KEYS.c.kek_version,
            _DATA_KEYS.c.wrapped,
        )
        .join(_DATA_KEYS, _DATA_KEYS.c.id == _CANDIDATES.c.data_key_id)
        .where(_CANDIDATES.c.id_number_index.in_(indexes))
        .order_by(_CANDIDATES.c.id)
    ).all()
    wanted = name_key(name)
    matched = []
    for row in rows:
        try:
            sealer = vault.sealer(row.key_id, row.kek_version, bytes(row.wrapped))
            sealed_name = sealer.open("candidates", "name_ct", row.id, bytes(row.name_ct))
        except (KeyProviderError, SealError):
            continue  # a record that does not open cannot prove anything
        if name_key(sealed_name.decode()) == wanted:
            matched.append(row.id)
    return matched


def verify(
    session: Session,
    vault: Vault,
    request_id: str,
    *,
    id_number: str,
    name: str,
    id_kind: str = "cn_resident_id",
    now: datetime,
) -> Verification:
    """Check the requester's identity; link the candidate records that are theirs."""
    _check_identity_input(id_kind, id_number, name)
    row = _lock_request(session, request_id)
    if row.status != RECEIVED:
        raise WrongStateError(
            f"deletion request {request_id}: is {row.status}, identity is verified only once"
        )
    matched = _matching_candidates(session, vault, id_kind, id_number, name)
    if matched:
        session.execute(
            insert(_LINKS), [{"request_id": request_id, "candidate_id": c} for c in matched]
        )
        session.execute(
            update(_REQUESTS)
            .where(_REQUESTS.c.id == request_id)
            .values(status=VERIFIED, verified_at=now)
        )
        return Verification(get_request(session, request_id), True)
    failures = row.failed_attempts + 1
    session.execute(
        update(_REQUESTS).where(_REQUESTS.c.id == request_id).values(failed_attempts=failures)
    )
    if failures >= MAX_FAILED_ATTEMPTS:
        _resolve(
            session,
            request_id,
            outcome=REFUSED,
            code=REASON_IDENTITY,
            reason=f"identity not verified after {failures} attempts (PIPL art. 50)",
            certificate_id=None,
            now=now,
            policy=row.policy,
        )
    return Verification(get_request(session, request_id), False)


def _resolve(
    session: Session,
    request_id: str,
    *,
    outcome: str,
    code: str | None,
    reason: str | None,
    certificate_id: str | None,
    now: datetime,
    policy: str,
) -> None:
    row: dict[str, Any] = {
        "id": new_id(),
        "request_id": request_id,
        "outcome": outcome,
        "reason": reason[:240] if reason else None,
        "certificate_id": certificate_id,
        "resolved_at": now,
    }
    attrs: dict[str, str | int | bool | list[str] | None] = {
        "deletion_request": request_id,
        "outcome": outcome,
    }
    if code:
        attrs["reason"] = code
    if certificate_id:
        attrs["certificate"] = certificate_id
    record(
        session,
        EventType.DELETION_RESOLVED,
        DeletionResolution,
        row,
        at=now,
        policy=policy,
        attrs=attrs,
    )
    session.execute(
        update(_REQUESTS)
        .where(_REQUESTS.c.id == request_id)
        .values(status=outcome, resolved_at=now)
    )


def process(
    session: Session,
    request_id: str,
    *,
    now: datetime,
    pack: PolicyPack,
) -> RequestView:
    """Resolve a verified request: destroy and certify, or refuse for an active legal hold."""
    row = _lock_request(session, request_id)
    if row.status == RECEIVED:
        raise WrongStateError(f"deletion request {request_id}: identity not verified yet")
    if row.status in (DONE, REFUSED):
        raise WrongStateError(f"deletion request {request_id}: already {row.status}")
    prepare_connection(session)
    # From the request's links to the candidates (a join: with ``id IN (subquery)`` SQLite
    # walks the ``erased_at`` index over every live candidate instead).
    live = (
        select(_CANDIDATES.c.id, _CANDIDATES.c.data_key_id, _CANDIDATES.c.subject_ref)
        .select_from(_LINKS.join(_CANDIDATES, _CANDIDATES.c.id == _LINKS.c.candidate_id))
        .where(_LINKS.c.request_id == request_id)
        .with_for_update(of=_CANDIDATES)
    )
    session.execute(insert(BATCH).from_select(["candidate_id", "data_key_id", "subject"], live))
    holds = session.execute(
        select(_HOLDS.c.reason_code)
        .where(
            _HOLDS.c.candidate_id.in_(select(BATCH.c.candidate_id)),
            _HOLDS.c.lifted_at.is_(None),
        )
        .order_by(_HOLDS.c.placed_at)
    ).all()
    if holds:
        # the approved codes only: the resolution is shown to the candidate
        reasons = ", ".join(sorted({h.reason_code for h in holds}))
        _resolve(
            session,
            request_id,
            outcome=REFUSED,
            code=REASON_LEGAL_HOLD,
            reason=f"legal hold: {reasons}",
            certificate_id=None,
            now=now,
            policy=row.policy,
        )
        return get_request(session, request_id)
    linked = int(session.scalar(select(func.count()).select_from(BATCH)) or 0)
    certificate = destroy_batch(
        session,
        reason=DELETION_REQUEST,
        rule=f"{pack.ref} deletion request {request_id}",
        now=now,
        policy=pack.ref,
    )
    session.execute(_LINKS.delete().where(_LINKS.c.request_id == request_id))
    if row.account_id is not None:
        drop_pending_invitations(session, row.account_id)
    _resolve(
        session,
        request_id,
        outcome=DONE,
        code=None,
        reason=None
        if certificate
        else "already destroyed by the retention sweep"
        if linked or row.account_id is None
        else "no candidate record to destroy",
        certificate_id=certificate.id if certificate else None,
        now=now,
        policy=row.policy,
    )
    return get_request(session, request_id)


def process_request(
    sessions: sessionmaker[Session],
    request_id: str,
    *,
    now: datetime,
    pack: PolicyPack,
    checkpoint_wait: float | None = None,
) -> Processed:
    """``process`` in its own transaction of an erasure: returns once what it destroyed is out
    of the database's files (SQLite), or says why not."""
    with (
        erasing(engine_of(sessions), checkpoint_wait=checkpoint_wait) as erasure,
        erasure.transaction() as session,
    ):
        view = process(session, request_id, now=now, pack=pack)
    return Processed([view], erasure.durability)


def process_verified(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    pack: PolicyPack,
    checkpoint_wait: float | None = None,
) -> Processed:
    """Resolve every verified request, each in its own transaction of one erasure (the
    scheduler's job and ``deletion process --all``)."""
    with sessions() as session:
        pending = list(
            session.scalars(
                select(_REQUESTS.c.id)
                .where(_REQUESTS.c.status == VERIFIED)
                .order_by(_REQUESTS.c.due_by, _REQUESTS.c.id)
            )
        )
    done = []
    with erasing(engine_of(sessions), checkpoint_wait=checkpoint_wait) as erasure:
        for request_id in pending:
            try:
                with erasure.transaction() as session:
                    done.append(process(session, request_id, now=now, pack=pack))
            except WrongStateError:
                continue  # resolved meanwhile by someone else
    return Processed(done, erasure.durability)


# -- legal holds -----------------------------------------------------------------------------


def _hold_view(row: Any) -> HoldView:
    return HoldView(
        row.id, row.candidate_id, row.reason_code, row.reference, row.placed_at, row.lifted_at
    )


def find_candidate(session: Session, vault: Vault, candidate: str, *, lock: bool = False) -> str:
    """A candidate's row id, by row id, by the client's reference (through its blind index) or
    by the id of one of their checks (what an agency knows of a candidate who came in through
    an invitation). A destroyed candidate is not found: nothing of theirs is left to find."""
    from fairscreen.screening.models import CheckRequest

    stmt = select(_CANDIDATES.c.id).where(
        (_CANDIDATES.c.id == candidate)
        | (_CANDIDATES.c.external_ref_index.in_(client_ref_indexes(vault, candidate)))
        | _CANDIDATES.c.id.in_(
            select(CheckRequest.candidate_id).where(CheckRequest.id == candidate)
        )
    )
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalars(stmt).first()
    if found is None:
        raise NotFoundError(
            f"candidate {candidate!r}: no such candidate (or their data was destroyed)"
        )
    return str(found)


def place_hold(
    session: Session,
    vault: Vault,
    candidate: str,
    *,
    reason_code: str,
    reference: str | None = None,
    now: datetime,
) -> HoldView:
    """Record a legal hold on a candidate (by id or the client's reference), for one of the
    approved reasons (``retention.holds``); ``reference`` names the proceeding for staff."""
    hold_reason(reason_code)
    if reference is not None:
        reference = reference.strip() or None
        if reference is not None and len(reference) > 200:
            raise InputError("reference", "the proceeding's reference, at most 200 characters")
    candidate_id = find_candidate(session, vault, candidate, lock=True)
    hold: dict[str, Any] = {
        "id": new_id(),
        "candidate_id": candidate_id,
        "reason_code": reason_code,
        "reference": reference,
        "placed_at": now,
        "lifted_at": None,
    }
    session.execute(insert(_HOLDS), [hold])
    return HoldView(hold["id"], candidate_id, reason_code, reference, now, None)


def release_hold(session: Session, hold_id: str, *, now: datetime) -> HoldView:
    row = session.execute(select(_HOLDS).where(_HOLDS.c.id == hold_id).with_for_update()).first()
    if row is None:
        raise NotFoundError(f"legal hold {hold_id!r}: no such hold")
    if row.lifted_at is not None:
        raise WrongStateError(f"legal hold {hold_id}: already lifted")
    session.execute(update(_HOLDS).where(_HOLDS.c.id == hold_id).values(lifted_at=now))
    return HoldView(row.id, row.candidate_id, row.reason_code, row.reference, row.placed_at, now)


def candidate_organisations(session: Session, candidate_id: str) -> set[str]:
    """The employers and agencies of a candidate's checks: who may act on their legal holds."""
    from fairscreen.screening.models import CheckRequest

    rows = session.execute(
        select(CheckRequest.employer_id, CheckRequest.agency_id).where(
            CheckRequest.candidate_id == candidate_id
        )
    )
    return {org for row in rows for org in row if org}


def hold_candidate(session: Session, hold_id: str) -> str:
    found = session.scalar(select(_HOLDS.c.candidate_id).where(_HOLDS.c.id == hold_id))
    if found is None:
        raise NotFoundError(f"legal hold {hold_id!r}: no such hold")
    return str(found)


def list_holds(
    session: Session, *, active_only: bool = False, organisation_id: str | None = None
) -> list[HoldView]:
    """Holds by when they were placed; with ``organisation_id``, only those on candidates with a
    check of that organisation (as employer or agency)."""
    stmt = select(_HOLDS).order_by(_HOLDS.c.placed_at, _HOLDS.c.id)
    if active_only:
        stmt = stmt.where(_HOLDS.c.lifted_at.is_(None))
    if organisation_id is not None:
        from fairscreen.screening.models import CheckRequest

        stmt = stmt.where(
            _HOLDS.c.candidate_id.in_(
                select(CheckRequest.candidate_id).where(
                    (CheckRequest.employer_id == organisation_id)
                    | (CheckRequest.agency_id == organisation_id)
                )
            )
        )
    return [_hold_view(row) for row in session.execute(stmt)]
