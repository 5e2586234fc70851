"""``fairscreen retention sweep``: destroy every candidate whose retention has ended.

A candidate is expired when ``retain_until < today`` (``retain_until`` is the last day their
data may be kept), they are not yet erased, and no legal hold on them is active. The sweep takes
them in batches, oldest retention first; each batch is one transaction that selects the batch,
destroys it and certifies it (``fairscreen.retention.destroy``). So:

- it is idempotent: an erased candidate is never selected again, and a sweep that finds nothing
  writes nothing (no certificate, no ledger entry);
- it is resumable: a crash loses at most the batch in flight, which rolls back whole (every
  candidate of it still opens, none is half-destroyed) and is taken again by the next sweep;
- it runs beside the server: on PostgreSQL the batch's candidate rows are locked ``FOR UPDATE
  SKIP LOCKED`` (a deletion request or a legal hold being placed on one of them waits or is
  skipped, never interleaved); on SQLite every transaction holds the write lock from its start.

The sweep runs inside ``retention.erasure.erasing``: on SQLite it ends with
``PRAGMA wal_checkpoint(TRUNCATE)`` before it returns its certificates, so the zeroed pages reach
the main file and the write-ahead log, which still holds the earlier page images with the
ciphertexts, is cut to nothing (docs/retention.md, "What stays on disk").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, exists, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.candidates.models import Candidate
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import engine_of, table_of
from fairscreen.kit.errors import InputError
from fairscreen.policy.pack import PolicyPack, load_pack
from fairscreen.retention.destroy import (
    BATCH,
    RETENTION_EXPIRED,
    Certificate,
    destroy_batch,
    prepare_connection,
)
from fairscreen.retention.erasure import CLEAN, WAL_PENDING, erasing
from fairscreen.retention.models import DestructionCertificate, LegalHold

log = logging.getLogger(__name__)

DEFAULT_BATCH = 20_000  # about half a second of the write lock on SQLite
MAX_BATCH = 100_000
# SQLite, for the sweep's own connection and put back afterwards: a larger page cache; a WAL
# checkpoint every 64 MiB instead of every 4 MiB (the sweep rewrites some pages in every batch,
# and each checkpoint copies and syncs them); and no per-row foreign-key lookups, since every
# statement of ``destroy_batch`` keeps the references whole by construction (deleting a data key
# only after its candidate stopped naming it, listing subjects only under the certificate just
# written), which the tests check with ``PRAGMA foreign_key_check`` after each sweep.
SQLITE_SWEEP_PRAGMAS = (
    ("cache_size", -65536),
    ("wal_autocheckpoint", 16384),
    ("foreign_keys", 0),
)
_CANDIDATES = table_of(Candidate)
_HOLDS = table_of(LegalHold)


@dataclass
class SweepResult:
    today: date
    destroyed: int = 0
    certificates: list[Certificate] = field(default_factory=list)
    seconds: float = 0.0
    # What the destruction left on disk (``retention.erasure``): "clean" (SQLite, checkpointed),
    # "wal_pending" (SQLite, a reader kept the checkpoint from completing: retried),
    # "compact_pending" (PostgreSQL); None when nothing was destroyed.
    durability: str | None = None

    @property
    def rate(self) -> float:
        return self.destroyed / self.seconds if self.seconds > 0 else 0.0

    @property
    def wal_checkpoint(self) -> str | None:
        """SQLite only: "truncated" when the WAL was checkpointed and cut to zero bytes, "busy"
        when a reader kept it from completing; None elsewhere or when nothing was destroyed."""
        return {CLEAN: "truncated", WAL_PENDING: "busy"}.get(self.durability or "")


class FutureDayError(InputError):
    """A sweep asked to act as of a day that has not come yet."""


def check_day(today: date, where: str = "today", clock: Callable[[], datetime] = utcnow) -> None:
    """Refuse a sweep day later than the clock's date (UTC).

    A sweep destroys whoever's ``retain_until`` is before ``today`` and certifies on the ledger
    that their retention had ended; a day in the future would destroy people early and the
    ledger would count it as lawful. An earlier day is fine (it destroys less). Tests that need
    another "now" freeze the clock in-process (``fairscreen.kit.clock.frozen``); nothing a
    running fairscreen reads (no option, no environment variable) can move it."""
    real = clock().date()
    if today > real:
        raise FutureDayError(
            where,
            f"{today.isoformat()} is later than today's date ({real.isoformat()}, UTC); a sweep "
            "may not run ahead of the calendar (it would destroy people before their retention "
            "ends and certify that as lawful)",
        )


def sweep_rule(pack: PolicyPack, today: date) -> str:
    """The rule a sweep's certificates cite: the pack, and the day retention was measured on."""
    return f"{pack.ref} retention ended: retain_until < {today.isoformat()}"


def select_expired(session: Session, today: date, limit: int) -> None:
    """Put up to ``limit`` expired candidates (oldest retention first) into the batch table."""
    active_hold = exists().where(
        and_(_HOLDS.c.candidate_id == _CANDIDATES.c.id, _HOLDS.c.lifted_at.is_(None))
    )
    expired = (
        select(_CANDIDATES.c.id, _CANDIDATES.c.data_key_id, _CANDIDATES.c.subject_ref)
        .where(
            _CANDIDATES.c.retain_until < today,
            ~active_hold,
        )
        .order_by(_CANDIDATES.c.retain_until)
        .limit(limit)
        .with_for_update(of=_CANDIDATES, skip_locked=True)
    )
    session.execute(insert(BATCH).from_select(["candidate_id", "data_key_id", "subject"], expired))


def count_expired(sessions: sessionmaker[Session], today: date) -> int:
    """How many candidates a sweep on ``today`` would destroy (held ones excluded)."""
    active_hold = exists().where(
        and_(_HOLDS.c.candidate_id == _CANDIDATES.c.id, _HOLDS.c.lifted_at.is_(None))
    )
    with sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(_CANDIDATES)
                .where(
                    _CANDIDATES.c.retain_until < today,
                    ~active_hold,
                )
            )
            or 0
        )


def sweep(
    sessions: sessionmaker[Session],
    *,
    today: date | None = None,
    batch_size: int = DEFAULT_BATCH,
    pack: PolicyPack | None = None,
    clock: Callable[[], datetime] = utcnow,
    progress: Callable[[int], None] | None = None,
    checkpoint_wait: float | None = None,
) -> SweepResult:
    """Destroy every expired candidate, a committed and certified batch at a time.

    ``today`` defaults to the current UTC date. ``progress`` is called with the running total
    after every batch. It returns once what it destroyed is durable (``retention.erasure``);
    ``seconds`` in the result covers everything, the final WAL checkpoint included."""
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch: between 1 and {MAX_BATCH}, got {batch_size}")
    today = today or clock().date()
    check_day(today, clock=clock)
    pack = pack or load_pack()
    rule = sweep_rule(pack, today)
    result = SweepResult(today)
    engine = engine_of(sessions)
    started = time.perf_counter()
    pragmas = SQLITE_SWEEP_PRAGMAS if engine.dialect.name == "sqlite" else ()
    with erasing(engine, pragmas=pragmas, checkpoint_wait=checkpoint_wait) as erasure:
        while True:
            with erasure.transaction() as session:
                prepare_connection(session)
                select_expired(session, today, batch_size)
                certificate = destroy_batch(
                    session,
                    reason=RETENTION_EXPIRED,
                    rule=rule,
                    now=clock(),
                    policy=pack.ref,
                )
            if certificate is None:
                break
            result.certificates.append(certificate)
            result.destroyed += certificate.subjects
            if progress is not None:
                progress(result.destroyed)
            if certificate.subjects < batch_size:
                break
    result.durability = erasure.durability
    result.seconds = time.perf_counter() - started
    if result.destroyed:
        log.info(
            "retention sweep %s: %d candidate(s) destroyed in %d batch(es)",
            today.isoformat(),
            result.destroyed,
            len(result.certificates),
        )
    return result


def recent_certificates(session: Session, limit: int) -> list[dict[str, object]]:
    """The newest destruction certificates, as the CLI and the API show them (no personal data)."""
    rows = session.scalars(
        select(DestructionCertificate)
        .order_by(DestructionCertificate.destroyed_at.desc(), DestructionCertificate.id)
        .limit(limit)
    ).all()
    return [
        {
            "id": c.id,
            "reason": c.reason,
            "rule": c.rule,
            "destroyed_at": c.destroyed_at.isoformat(),
            "subjects": c.subjects,
            "data_classes": c.data_classes,
            "subjects_digest": c.subjects_digest,
        }
        for c in rows
    ]
