"""What the labour inspector's overview adds to the ledger's size and checkpoint: the witnesses
(who cosigned what, whether the latest checkpoint has its quorum, and the alarms the log's own
records show), and what is overdue (reinvestigations past their deadline, data past its
retention date, deletion requests past theirs). Counts only, from the ledger's tables, the
clear states and deadlines of disputes, retention dates and deletion requests: never a
person's data.

An alarm seen from the log's side is a cosignature the log holds that no checkpoint of the log
stands by any more: one for a size larger than the latest checkpoint (the log was rolled back,
or another copy of its key signed), or for a size whose checkpoint now has another root (a fork
or a rewritten history). The witness keeps its own alarms (``fairscreen witness`` logs them as
``CRITICAL`` and refuses the log from then on), on its own side; the log learns of them only as
refusals, which ``serve`` logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import and_, distinct, exists, func, select
from sqlalchemy.orm import Session

from fairscreen.candidates.models import Candidate
from fairscreen.feedback.models import Dispute
from fairscreen.kit.errors import ConfigError
from fairscreen.ledger import cosign
from fairscreen.ledger.checkpoints import PublishedCheckpoint
from fairscreen.ledger.models import LedgerCheckpoint, LedgerCosignature
from fairscreen.ledger.note import parse_note
from fairscreen.retention import deletion
from fairscreen.retention.models import LegalHold
from fairscreen.screening.models import CheckRequest


@dataclass(frozen=True, slots=True)
class WitnessRow:
    name: str
    key_id: str  # hex, as in the witness's verifier key
    in_policy: bool
    last_size: int  # the largest size it cosigned (0: none)
    last_at: datetime | None  # that cosignature's own time
    on_latest: bool  # it cosigned the latest checkpoint


@dataclass(frozen=True, slots=True)
class Alarm:
    kind: str  # rollback | fork
    witness: str
    size: int


@dataclass
class WitnessState:
    configured: bool  # FAIRSCREEN_WITNESS_POLICY is set
    quorum: int | None
    witnesses: list[WitnessRow] = field(default_factory=list)
    cosigned_latest: int = 0  # valid cosignatures on the latest checkpoint, by known witnesses
    alarms: list[Alarm] = field(default_factory=list)
    problem: str | None = None  # the policy could not be read: its one line

    @property
    def met(self) -> bool | None:
        return None if self.quorum is None else self.cosigned_latest >= self.quorum


def witness_state(session: Session, latest: PublishedCheckpoint | None) -> WitnessState:
    policy: cosign.WitnessPolicy | None = None
    problem: str | None = None
    try:
        policy = cosign.configured_policy()
    except ConfigError as exc:
        problem = str(exc)
    state = WitnessState(
        configured=policy is not None, quorum=policy.quorum if policy else None, problem=problem
    )
    rows = session.execute(
        select(
            LedgerCosignature.witness,
            LedgerCosignature.key_id,
            LedgerCosignature.size,
            LedgerCosignature.root,
            LedgerCosignature.cosigned_at,
            LedgerCheckpoint.root.label("checkpoint_root"),
        ).outerjoin(LedgerCheckpoint, LedgerCheckpoint.size == LedgerCosignature.size)
    ).all()
    seen: dict[tuple[str, int], tuple[int, int]] = {}
    on_latest: set[tuple[str, int]] = set()
    for r in rows:
        key = (r.witness, int(r.key_id))
        stands = r.checkpoint_root is not None and bytes(r.checkpoint_root) == bytes(r.root)
        if latest is not None and r.size > latest.size:
            state.alarms.append(Alarm("rollback", r.witness, int(r.size)))
        elif r.checkpoint_root is not None and not stands:
            state.alarms.append(Alarm("fork", r.witness, int(r.size)))
        if stands and int(r.size) >= seen.get(key, (0, 0))[0]:
            seen[key] = (int(r.size), int(r.cosigned_at))
        if stands and latest is not None and int(r.size) == latest.size:
            on_latest.add(key)
    known = {(w.verifier.name, w.verifier.id) for w in policy.witnesses} if policy else set()
    for name, key_id in sorted(known | set(seen)):
        size, at = seen.get((name, key_id), (0, 0))
        state.witnesses.append(
            WitnessRow(
                name=name,
                key_id=f"{key_id:08x}",
                in_policy=(name, key_id) in known,
                last_size=size,
                last_at=datetime.fromtimestamp(at, UTC) if at else None,
                on_latest=(name, key_id) in on_latest,
            )
        )
    if latest is not None and policy is not None:
        note = parse_note(cosign.cosigned_note(session, latest))
        state.cosigned_latest = len(
            cosign.quorum_of(note.text, note.signatures, policy.verifiers())
        )
    state.alarms.sort(key=lambda a: (a.size, a.witness))
    return state


@dataclass
class Overdue:
    disputes_open_late: dict[str, int]  # per agency (or employer): open past their deadline
    retention_late: dict[str, int]  # per employer: candidates past their retention date
    retention_total: int  # every candidate past retention, not held
    held: int  # candidates past retention kept by an active legal hold
    deletion_requests_late: int


def overdue(session: Session, *, now: datetime, today: date) -> Overdue:
    org = func.coalesce(CheckRequest.agency_id, CheckRequest.employer_id)
    disputes = dict(
        session.execute(
            select(org, func.count(Dispute.id))
            .join(CheckRequest, CheckRequest.id == Dispute.request_id)
            .where(Dispute.status == "open", Dispute.due_at <= now)
            .group_by(org)
        ).all()
    )
    held = exists().where(
        and_(LegalHold.candidate_id == Candidate.id, LegalHold.lifted_at.is_(None))
    )
    late = and_(Candidate.retain_until < today, ~held)
    per_employer = dict(
        session.execute(
            select(CheckRequest.employer_id, func.count(distinct(Candidate.id)))
            .join(Candidate, Candidate.id == CheckRequest.candidate_id)
            .where(late)
            .group_by(CheckRequest.employer_id)
        ).all()
    )
    total = session.scalar(select(func.count()).select_from(Candidate).where(late)) or 0
    kept = (
        session.scalar(
            select(func.count()).select_from(Candidate).where(Candidate.retain_until < today, held)
        )
        or 0
    )
    requests = len(deletion.list_requests(session, today=today, overdue=True))
    return Overdue(
        {str(k): int(v) for k, v in disputes.items()},
        {str(k): int(v) for k, v in per_employer.items()},
        int(total),
        int(kept),
        requests,
    )
