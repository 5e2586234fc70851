"""Witnessing from the log's side: the witness policy, pushing each checkpoint to the witnesses
(C2SP tlog-witness ``add-checkpoint``) and keeping the cosignatures they return.

The policy is configuration (``FAIRSCREEN_WITNESS_POLICY``, a TOML file)::

    quorum = 2                                   # how many must cosign (default: all)

    [[witness]]
    key = "witness.example/w1+1c2f5a9b+BAbc…"    # its cosignature/v1 verifier key (type 0x04)
    url = "https://witness.example/w1"           # its submission prefix

For every witness that has not cosigned the latest checkpoint yet, the log POSTs to
``<url>/add-checkpoint`` a body of ``old <size>``, the RFC 6962 consistency proof from that size
(the last one the witness cosigned, as far as the log knows) to the checkpoint's, a blank line and
the checkpoint; a ``409`` with ``Content-Type: text/x.tlog.size`` tells it the size the witness
really holds, and the request is made again once from there. The response's signature lines are
checked with the witness's key over the checkpoint text (anything else is ignored, as the spec
says) and stored in ``ledger_cosignatures``. The log serves its latest checkpoint with every
cosignature it holds for it (``GET /ledger/checkpoint``), and receipts carry them.

A witness that answers that it cosigned a size larger than anything the log signed, or a
different root for the same size, has seen a checkpoint this log no longer stands by: that is
logged as ``CRITICAL`` (a rollback or a fork of the log, or a stolen key).
"""

from __future__ import annotations

import base64
import logging
import time
import tomllib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.db import table_of, transaction
from fairscreen.kit.errors import ConfigError
from fairscreen.ledger import checkpoints, proofs
from fairscreen.ledger.checkpoints import PublishedCheckpoint
from fairscreen.ledger.models import LedgerCosignature
from fairscreen.ledger.note import ALG_COSIGNATURE_V1, NoteError, Verifier, parse_note

COSIGNATURES = table_of(LedgerCosignature)
SIZE_TYPE = "text/x.tlog.size"

logger = logging.getLogger(__name__)


# -- the policy --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessRef:
    verifier: Verifier
    url: str  # the submission prefix (``<url>/add-checkpoint``)


@dataclass(frozen=True)
class WitnessPolicy:
    """Which witnesses the log asks, and how many of them a checkpoint needs."""

    witnesses: tuple[WitnessRef, ...]
    quorum: int

    def verifiers(self) -> list[Verifier]:
        return [w.verifier for w in self.witnesses]


def quorum_of(note_text: bytes, lines: Iterable[Any], witnesses: Sequence[Verifier]) -> list[str]:
    """The names of ``witnesses`` with a valid cosignature over ``note_text`` among the
    signatures ``lines`` (``note.Signature``); unknown keys are ignored."""
    known = {(v.name, v.id): v for v in witnesses}
    good: list[str] = []
    for sig in lines:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None or verifier.alg != ALG_COSIGNATURE_V1 or sig.name in good:
            continue
        if verifier.verify(note_text, sig.signature):
            good.append(sig.name)
    return good


def parse_witness_key(text: str, where: str) -> Verifier:
    try:
        verifier = Verifier.parse(text)
    except NoteError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if verifier.alg != ALG_COSIGNATURE_V1:
        raise ConfigError(
            f"{where}: not a witness key (a cosignature/v1 verifier key has type 0x04); "
            "`fairscreen witness` prints its key at start"
        )
    return verifier


def load_policy(path: Path) -> WitnessPolicy:
    """The witness policy in ``path`` (TOML); a ``ConfigError`` names the file and field."""
    try:
        doc = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such witness policy (FAIRSCREEN_WITNESS_POLICY); unset it or write one"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the witness policy ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not TOML ({exc})") from None
    entries = doc.get("witness", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{path}: witness: expected [[witness]] tables")
    unknown = set(doc) - {"witness", "quorum"}
    if unknown:
        raise ConfigError(f"{path}: unknown key {sorted(unknown)[0]!r} (expected quorum, witness)")
    witnesses = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: witness {number}"
        key, url = entry.get("key"), entry.get("url")
        if not isinstance(key, str):
            raise ConfigError(f"{where}: key: expected the witness's verifier key")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}: url: expected the witness's http(s) submission prefix")
        witnesses.append(WitnessRef(parse_witness_key(key, f"{where}: key"), url.rstrip("/")))
    names = [w.verifier.name for w in witnesses]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: two witnesses share a key name")
    quorum = doc.get("quorum", len(witnesses))
    if isinstance(quorum, bool) or not isinstance(quorum, int) or not 0 <= quorum <= len(names):
        raise ConfigError(f"{path}: quorum: expected a whole number from 0 to {len(names)}")
    return WitnessPolicy(tuple(witnesses), quorum)


def configured_policy() -> WitnessPolicy | None:
    """The policy named by ``FAIRSCREEN_WITNESS_POLICY``, or None when it is unset."""
    from fairscreen.kit.settings import get_settings

    path = get_settings().witness_policy
    return None if path is None else load_policy(path)


# -- stored cosignatures -----------------------------------------------------------------------


def cosignature_lines(session: Session, checkpoint: PublishedCheckpoint) -> list[str]:
    """The cosignature lines the log holds for ``checkpoint`` (its size and its root: lines
    left over from another root of that size, a history since rewritten, are not its own)."""
    rows = session.execute(
        select(COSIGNATURES.c.line)
        .where(COSIGNATURES.c.size == checkpoint.size, COSIGNATURES.c.root == checkpoint.root)
        .order_by(COSIGNATURES.c.witness, COSIGNATURES.c.key_id)
    ).all()
    return [row.line for row in rows]


def cosigned_note(session: Session, checkpoint: PublishedCheckpoint) -> str:
    """The checkpoint with every cosignature the log holds for it."""
    return checkpoint.note + "".join(cosignature_lines(session, checkpoint))


def last_cosigned(session: Session, witness: Verifier) -> int:
    """The largest size ``witness`` cosigned for this log, as far as the log knows (0: none)."""
    size = session.scalar(
        select(func.max(COSIGNATURES.c.size)).where(
            COSIGNATURES.c.witness == witness.name, COSIGNATURES.c.key_id == witness.id
        )
    )
    return int(size or 0)


def covering(
    session: Session, index: int, policy: WitnessPolicy | None
) -> PublishedCheckpoint | None:
    """The checkpoint a receipt for entry ``index`` should rest on: the latest that covers it
    and has the policy's quorum of cosignatures, else the latest that covers it."""
    latest = checkpoints.latest(session)
    if latest is None or latest.size <= index or policy is None or not policy.quorum:
        return latest
    for size in session.scalars(
        select(COSIGNATURES.c.size)
        .where(COSIGNATURES.c.size > index)
        .group_by(COSIGNATURES.c.size)
        .order_by(COSIGNATURES.c.size.desc())
    ):
        checkpoint = checkpoints.at_size(session, int(size))
        if checkpoint is None:
            continue
        note = parse_note(cosigned_note(session, checkpoint))
        if len(quorum_of(note.text, note.signatures, policy.verifiers())) >= policy.quorum:
            return checkpoint
    return latest


# -- pushing -----------------------------------------------------------------------------------


class WitnessRefusedError(Exception):
    """A witness did not cosign; the message says why."""


@dataclass
class Outcome:
    size: int
    cosigned: list[str] = field(default_factory=list)  # witness names holding a cosignature
    failed: dict[str, str] = field(default_factory=dict)  # witness name -> why not (this time)
    quorum: int = 0

    @property
    def met(self) -> bool:
        return len(self.cosigned) >= self.quorum


class Collector:
    """Pushes the latest checkpoint to every witness of the policy that has not cosigned it and
    stores what they return. Thread-safe enough for one publisher thread plus CLI use."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        policy: WitnessPolicy,
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.sessions = sessions
        self.policy = policy
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self._pool = ThreadPoolExecutor(max(1, len(policy.witnesses)), "witness-push")
        self._retry_at: dict[str, float] = {}
        self._delay: dict[str, float] = {}

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        self.client.close()

    def collect(self, *, force: bool = False) -> Outcome | None:
        """Ask the witnesses missing from the latest checkpoint; None if nothing is signed yet.
        A witness that failed is asked again after a growing pause (up to a minute) unless
        ``force``."""
        with self.sessions() as session:
            latest = checkpoints.latest(session)
            if latest is None:
                return None
            have = set(cosignature_lines(session, latest))
            known = parse_note(latest.note + "".join(have)).signatures
            done = set(quorum_of(parse_note(latest.note).text, known, self.policy.verifiers()))
        outcome = Outcome(latest.size, sorted(done), quorum=self.policy.quorum)
        now = time.monotonic()
        asked = [
            w
            for w in self.policy.witnesses
            if w.verifier.name not in done
            and (force or self._retry_at.get(w.verifier.name, 0.0) <= now)
        ]
        results = list(self._pool.map(lambda w: self._ask(w, latest), asked))
        for witness, error in zip(asked, results, strict=True):
            name = witness.verifier.name
            if error is None:
                outcome.cosigned.append(name)
                self._retry_at.pop(name, None)
                self._delay.pop(name, None)
            else:
                outcome.failed[name] = error
                delay = min(60.0, self._delay.get(name, 0.5) * 2)
                self._delay[name] = delay
                self._retry_at[name] = time.monotonic() + delay
        outcome.cosigned.sort()
        return outcome

    def _ask(self, witness: WitnessRef, checkpoint: PublishedCheckpoint) -> str | None:
        """Push ``checkpoint`` to ``witness`` and store its cosignature; the reason on failure."""
        try:
            with self.sessions() as session:
                old = min(last_cosigned(session, witness.verifier), checkpoint.size)
            try:
                line = self._push(witness, checkpoint, old)
            except _SizeConflictError as conflict:
                if conflict.size > checkpoint.size:
                    logger.critical(
                        "witness %s has cosigned size %d of this log, but its latest checkpoint "
                        "is %d: the log was rolled back (or another copy of its key signs)",
                        witness.verifier.name,
                        conflict.size,
                        checkpoint.size,
                    )
                    raise WitnessRefusedError(
                        f"it cosigned size {conflict.size}, more than the log's {checkpoint.size}"
                    ) from None
                line = self._push(witness, checkpoint, conflict.size)
            timestamp = parse_note(checkpoint.note + line).signatures[-1].timestamp or 0
            with transaction(self.sessions) as session:
                key = (checkpoint.size, checkpoint.root, witness.verifier.name, witness.verifier.id)
                if session.get(LedgerCosignature, key) is None:
                    session.add(
                        LedgerCosignature(
                            size=checkpoint.size,
                            root=checkpoint.root,
                            witness=witness.verifier.name,
                            key_id=witness.verifier.id,
                            line=line,
                            cosigned_at=timestamp,
                        )
                    )
            return None
        except (WitnessRefusedError, _SizeConflictError) as exc:
            return str(exc)
        except httpx.HTTPError as exc:
            return f"{witness.url}/add-checkpoint: {type(exc).__name__}: {exc}"

    def _push(self, witness: WitnessRef, checkpoint: PublishedCheckpoint, old: int) -> str:
        with self.sessions() as session:
            proof = proofs.consistency_proof(session, old, checkpoint.size) if old else []
        body = (
            f"old {old}\n"
            + "".join(base64.b64encode(h).decode() + "\n" for h in proof)
            + "\n"
            + checkpoint.note
        )
        url = f"{witness.url}/add-checkpoint"
        response = self.client.post(url, content=body.encode())
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if response.status_code == 409 and kind == SIZE_TYPE:
            text = response.text.strip()
            if not text.isdigit():
                raise WitnessRefusedError(f"{url}: 409 with a malformed size {text[:40]!r}")
            raise _SizeConflictError(int(text), url)
        if response.status_code == 409:
            logger.critical(
                "witness %s refuses checkpoint %d as a conflict with what it has seen of this "
                "log (a fork, or an alarm it already holds): %s",
                witness.verifier.name,
                checkpoint.size,
                response.text.strip()[:200],
            )
        if response.status_code != 200:
            raise WitnessRefusedError(
                f"{url}: HTTP {response.status_code} {response.text.strip()[:200]}"
            )
        return self._cosignature(witness, checkpoint, response.text, url)

    @staticmethod
    def _cosignature(
        witness: WitnessRef, checkpoint: PublishedCheckpoint, body: str, url: str
    ) -> str:
        """The one signature line of ``body`` by ``witness`` that verifies over the checkpoint."""
        text = parse_note(checkpoint.note).text
        for raw in body.split("\n"):
            if not raw:
                continue
            line = raw + "\n"
            try:
                (sig,) = parse_note(checkpoint.note + line).signatures[-1:]
            except NoteError:
                continue
            if quorum_of(text, [sig], [witness.verifier]):
                return line
        raise WitnessRefusedError(f"{url}: the answer holds no valid cosignature by its key")


class _SizeConflictError(Exception):
    def __init__(self, size: int, url: str) -> None:
        super().__init__(f"{url}: the witness holds size {size}")
        self.size = size
