"""A signal's evidence, provable to anyone: each ledger index with its entry and its RFC 9162
inclusion proof in the tree of a checkpoint the log signed. ``verify_bundle`` needs nothing but
the bundle and the log's public key (``fairscreen ledger key``): the firm and the regulator
check it alike (``fairscreen supervision verify-signal FILE --key VKEY``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.kit.errors import FairscreenError, InputError
from fairscreen.ledger import checkpoints, log, proofs
from fairscreen.ledger.merkle import ProofError, leaf_hash, verify_inclusion
from fairscreen.ledger.models import LedgerCheckpoint
from fairscreen.ledger.note import NoteError, Verifier, open_checkpoint
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.supervision.offsite.service import signal_json

FORMAT = "fairscreen-signal-evidence/1"


class EvidenceError(FairscreenError):
    """Evidence that does not verify: the message says which entry and why."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def bundle(session: Session, row: SignalRow) -> dict[str, Any]:
    """The signal with its entries and their inclusion proofs in the tree of the smallest signed
    checkpoint that holds them all."""
    need = max(row.evidence) + 1 if row.evidence else 1
    size = session.scalar(
        select(LedgerCheckpoint.size)
        .where(LedgerCheckpoint.size >= need)
        .order_by(LedgerCheckpoint.size)
        .limit(1)
    )
    if size is None:
        raise EvidenceError(
            f"no signed checkpoint holds ledger entry {need - 1} yet: sign one "
            "(`fairscreen ledger checkpoint`, or wait for `serve` to) and ask again"
        )
    checkpoint = checkpoints.at_size(session, size)
    assert checkpoint is not None
    entries = []
    for index in row.evidence:
        entries.append(
            {
                "index": index,
                "entry": _b64(log.read_entry(session, index)),
                "proof": [_b64(h) for h in proofs.inclusion_proof(session, index, size)],
            }
        )
    return {
        "format": FORMAT,
        "signal": signal_json(row),
        "checkpoint": checkpoint.note,
        "entries": entries,
    }


@dataclass(frozen=True, slots=True)
class Verified:
    origin: str
    size: int
    entries: list[dict[str, Any]]  # index and the decoded entry


def _field(doc: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind):
        raise InputError(f"{where}.{key}", f"expected a {kind.__name__}")
    return value


def verify_bundle(doc: Any, verifier: Verifier, where: str = "evidence") -> Verified:
    """Check the bundle: the checkpoint is signed by ``verifier``'s key, every entry is in its
    tree at its index, and the signal names exactly these indexes."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(where, f"not a signal evidence file (format {FORMAT})")
    try:
        checkpoint, _ = open_checkpoint(_field(doc, "checkpoint", str, where), verifier)
    except NoteError as exc:
        raise EvidenceError(
            f"{where}.checkpoint: not signed by the log's key {verifier.text()} ({exc})"
        ) from None
    signal = _field(doc, "signal", dict, where)
    entries = _field(doc, "entries", list, where)
    out = []
    for n, item in enumerate(entries):
        at = f"{where}.entries[{n}]"
        if not isinstance(item, dict):
            raise InputError(at, "expected an object")
        index = _field(item, "index", int, at)
        try:
            entry = base64.b64decode(_field(item, "entry", str, at), validate=True)
            proof = [base64.b64decode(h, validate=True) for h in _field(item, "proof", list, at)]
        except (binascii.Error, TypeError):
            raise InputError(at, "entry and proof must be base64") from None
        try:
            verify_inclusion(index, checkpoint.size, leaf_hash(entry), proof, checkpoint.root)
        except ProofError as exc:
            raise EvidenceError(
                f"{at}: entry {index} is not in the log's tree of size {checkpoint.size} ({exc})"
            ) from None
        try:
            decoded = orjson.loads(entry)
        except orjson.JSONDecodeError:
            raise EvidenceError(f"{at}: entry {index} is not a ledger entry") from None
        out.append({"index": index, "entry": decoded})
    if sorted(e["index"] for e in out) != sorted(signal.get("evidence") or []):
        raise EvidenceError(
            f"{where}: the entries are not the signal's evidence {signal.get('evidence')}"
        )
    return Verified(checkpoint.origin, checkpoint.size, out)
