"""Signed checkpoints: publishing, and the background publisher.

The log signs C2SP tlog-checkpoint notes with Ed25519 under the key name ``Settings.log_origin``.
The signing key (a file, or a key pair on the PKCS#11 token) is found, made and checked by
``fairscreen.ledger.signing``; it is never logged, and ``fairscreen ledger key`` prints the
public verifier key only.

``publish`` never signs a checkpoint that is inconsistent with the last one it signed: under the
append lock it builds the consistency proof from the last signed size to the current size out of
the stored tiles and verifies it (RFC 9162 §2.1.4.2) against both roots before signing. A smaller
tree than a signed one, or a different root for a signed size, is refused (``LedgerError``) and
nothing is signed. Nor does it sign with a key other than the one recorded for the log (or, where
none is recorded yet, the one that signed the last checkpoint): that would fork the log too.
A checkpoint is a row in the same database, so it becomes visible exactly
when the entries it covers are committed: a rolled-back append can never have been published.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import table_of, transaction
from fairscreen.kit.periodic import Periodic
from fairscreen.kit.settings import Settings
from fairscreen.ledger import log, merkle, proofs
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.models import LedgerCheckpoint
from fairscreen.ledger.note import (
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    sign_note,
)

if TYPE_CHECKING:
    from fairscreen.ledger.cosign import Collector

from fairscreen.ledger.signing import (
    KEY_FILE,
    RESTORE_DOC,
    LastSigned,
    check_key,
    key_path,
    load_signer,
    load_verifier,
    record_key,
)

__all__ = [
    "KEY_FILE",
    "PublishedCheckpoint",
    "Publisher",
    "all_sizes",
    "key_path",
    "latest",
    "load_signer",
    "load_verifier",
    "publish",
    "verifier_key",
]

CHECKPOINTS = table_of(LedgerCheckpoint)

logger = logging.getLogger(__name__)


def verifier_key(settings: Settings | None = None) -> Verifier:
    """The public half of the log's signing key (read only: never creates one)."""
    return load_verifier(settings)


# -- checkpoints -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedCheckpoint:
    size: int
    root: bytes
    note: str
    published_at: datetime


def latest(session: Session) -> PublishedCheckpoint | None:
    """The last checkpoint the log signed (the largest)."""
    row = session.execute(select(CHECKPOINTS).order_by(CHECKPOINTS.c.size.desc()).limit(1)).first()
    if row is None:
        return None
    return PublishedCheckpoint(row.size, bytes(row.root), row.note, row.published_at)


def at_size(session: Session, size: int) -> PublishedCheckpoint | None:
    """The checkpoint the log signed for ``size``, if any."""
    row = session.execute(select(CHECKPOINTS).where(CHECKPOINTS.c.size == size)).first()
    if row is None:
        return None
    return PublishedCheckpoint(row.size, bytes(row.root), row.note, row.published_at)


def all_sizes(session: Session) -> list[tuple[int, bytes]]:
    """``(size, root)`` of every signed checkpoint, smallest first."""
    rows = session.execute(
        select(CHECKPOINTS.c.size, CHECKPOINTS.c.root).order_by(CHECKPOINTS.c.size)
    ).all()
    return [(row.size, bytes(row.root)) for row in rows]


def publish(
    target: Session | sessionmaker[Session],
    signer: Signer | None = None,
    *,
    now: datetime | None = None,
) -> PublishedCheckpoint:
    """Sign and store a checkpoint for the log as it is now, unless the last one is current.

    Given a ``Session`` it works in that transaction (the caller commits); given a
    ``sessionmaker`` it runs and commits its own transaction. The pipeline calls it after each
    batch commit; ``fairscreen serve`` runs it in the background at least once a second.
    """
    if isinstance(target, sessionmaker):
        with transaction(target) as session:
            return publish(session, signer, now=now)
    session = target
    signer = signer or load_signer()
    head = log.lock_state(session)  # serialises with appenders and other publishers
    if not check_key(session, signer.verifier, "refusing to sign"):  # another key would fork
        record_key(session, signer)
    record: LastSigned | None = getattr(signer, "last_signed", None)
    last = latest(session)
    if last is not None:
        _check_extends(session, head, last.size, last.root, "the last checkpoint in the database")
    outside = _read_outside(record, signer.verifier, last)
    if record is not None and outside is not None:
        what = f"the last one signed ({record.where})"
        _check_extends(session, head, outside.size, outside.root, what)
    if last is not None and last.size == head.size:
        if record is not None and (outside is None or outside.size < last.size):
            record.write(last.note)
        return last
    text = Checkpoint(signer.name, head.size, head.root).text()
    note = sign_note(text, [signer])
    if record is not None:
        record.write(note)  # before the row: a crash now leaves a record the tree still extends
    published = PublishedCheckpoint(head.size, head.root, note, now or utcnow())
    session.execute(
        insert(CHECKPOINTS).values(
            size=published.size,
            root=published.root,
            note=published.note,
            published_at=published.published_at,
        )
    )
    return published


def _read_outside(
    record: LastSigned | None, verifier: Verifier, last: PublishedCheckpoint | None
) -> Checkpoint | None:
    """The checkpoint in the signer's record of what it last signed (checked with its key)."""
    if record is None:
        return None
    text = record.read()
    if text is None:
        if last is not None:
            logger.warning(
                "%s: no record of the last signed checkpoint; taking the database's latest "
                "(size %d) as the record",
                record.where,
                last.size,
            )
        return None
    try:
        checkpoint, _ = open_checkpoint(text, verifier)
    except NoteError as exc:
        raise LedgerError(
            f"refusing to sign: {record.where} does not hold a checkpoint signed by this key "
            f"({exc}); restore it from backup ({RESTORE_DOC})"
        ) from None
    return checkpoint


def _check_extends(session: Session, head: log.TreeHead, size: int, root: bytes, what: str) -> None:
    """Refuse unless the tree ``head`` extends the signed tree (``size``, ``root``)."""
    if size > head.size:
        raise LedgerError(
            f"refusing to sign: the log has {head.size} entries but {what} has {size} (rollback)"
        )
    if size == head.size:
        if root != head.root:
            raise LedgerError(
                f"refusing to sign: the root of size {size} differs from {what} (fork)"
            )
        return
    proof = proofs.consistency_proof(session, size, head.size)
    try:
        merkle.verify_consistency(size, head.size, root, head.root, proof)
    except merkle.ProofError as exc:
        raise LedgerError(
            f"refusing to sign size {head.size}: not consistent with {what}, size {size} "
            f"(fork: {exc})"
        ) from None


class Publisher:
    """A thread that publishes a checkpoint whenever the log grew, every ``interval`` seconds.

    Errors are logged once per distinct message (a refusal to sign is an alarm, not noise) and
    the thread keeps going; ``stop`` ends it.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        signer: Signer,
        interval: float = 0.5,
        witnesses: Collector | None = None,
    ) -> None:
        self.sessions = sessions
        self.signer = signer
        self.interval = interval
        self.witnesses = witnesses
        self.published = 0
        # errors are logged once per distinct message (kit.periodic): a refusal to sign is an
        # alarm, not noise; the loop keeps going after a transient database error
        self._periodic = Periodic("ledger-publisher", self.tick, interval=interval, first_after=0)

    @property
    def alive(self) -> bool:
        return self._periodic.alive

    def start(self) -> None:
        self._periodic.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._periodic.stop(timeout)
        if self.witnesses is not None:
            self.witnesses.close()

    def tick(self) -> PublishedCheckpoint | None:
        """Publish if the log grew since the last checkpoint, then push the latest checkpoint
        to the witnesses that have not cosigned it; return the new checkpoint."""
        with self.sessions() as session:
            head = log.read_state(session)
            last = latest(session)
        published = None
        if last is None or last.size != head.size or last.root != head.root:
            published = publish(self.sessions, self.signer)
            self.published += 1
        if self.witnesses is not None:
            outcome = self.witnesses.collect()
            if outcome is not None and outcome.failed:
                raise LedgerError(
                    f"checkpoint {outcome.size}: cosigned by {len(outcome.cosigned)}, quorum "
                    f"{outcome.quorum}; "
                    + "; ".join(f"witness {n}: {why}" for n, why in sorted(outcome.failed.items()))
                )
        return published
