"""Receipts: what a candidate keeps to prove, offline, that an event was recorded on the log.

A receipt is a JSON object (format ``fairscreen-receipt/1``)::

    {
      "format": "fairscreen-receipt/1",
      "origin": "<the log's origin line>",
      "index": 1234,                      # the entry's index in the log
      "entry": "<base64 of the entry>",   # optional; the leaf hash alone is enough
      "leaf_hash": "<base64 SHA-256(0x00 || entry)>",
      "tree_size": 5000,                  # the size of the checkpoint below
      "inclusion_proof": ["<base64 hash>", ...],   # RFC 9162 §2.1.3, bottom up
      "checkpoint": "<signed checkpoint note, C2SP tlog-checkpoint>"
    }

``verify_receipt`` needs nothing but the receipt and the log's public key (a signed-note
verifier key): it verifies the checkpoint's Ed25519 signature and origin, that the entry (if
present) hashes to the leaf hash, and the inclusion proof from the leaf to the checkpoint's root.
Entries hold no personal data (pseudonymous references and commitments only), so a receipt can
be shown to anyone.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from fairscreen.kit.errors import FairscreenError
from fairscreen.ledger import cosign, log, merkle, proofs
from fairscreen.ledger.cosign import WitnessPolicy
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.note import (
    ALG_COSIGNATURE_V1,
    NoteError,
    Verifier,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
)

RECEIPT_FORMAT = "fairscreen-receipt/1"


class ReceiptError(FairscreenError):
    """A receipt that is malformed or does not verify; the message names the field."""


class QuorumError(ReceiptError):
    """A receipt whose checkpoint lacks the cosignatures asked for: the log alone vouches for
    it, and a split view (a checkpoint shown to this holder only) cannot be ruled out."""


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    origin: str
    index: int
    tree_size: int
    leaf_hash: bytes
    entry: bytes | None
    cosigned_by: tuple[str, ...] = ()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def build_receipt(
    session: Session,
    index: int,
    *,
    include_entry: bool = True,
    policy: WitnessPolicy | None = None,
) -> dict[str, Any]:
    """The receipt for entry ``index`` against the latest signed checkpoint that covers it (one
    must; publish one first if needed) and, with a witness ``policy``, has its quorum of
    cosignatures if any does. The checkpoint carries every cosignature the log holds for it."""
    if index < 0:
        raise LedgerError(f"no such entry: index {index} is negative")
    size = log.read_state(session).size
    if index >= size:
        raise LedgerError(f"no such entry: index {index} (the log has {size} entries)")
    latest = cosign.covering(session, index, policy)
    if latest is None or latest.size <= index:
        raise LedgerError(
            f"no signed checkpoint covers entry {index} yet (publish one: `fairscreen ledger checkpoint`)"
        )
    origin = parse_checkpoint(parse_note(latest.note).text).origin
    leaf, proof, root = proofs.inclusion_with_root(session, index, latest.size)
    if root != latest.root:
        raise LedgerError(f"the stored tree does not give the root of checkpoint {latest.size}")
    entry = log.read_entry(session, index)
    if merkle.leaf_hash(entry) != leaf:
        raise LedgerError(f"entry {index} does not match its stored leaf hash")
    receipt: dict[str, Any] = {
        "format": RECEIPT_FORMAT,
        "origin": origin,
        "index": index,
        "leaf_hash": _b64(leaf),
        "tree_size": latest.size,
        "inclusion_proof": [_b64(h) for h in proof],
        "checkpoint": cosign.cosigned_note(session, latest),
    }
    if include_entry:
        receipt["entry"] = _b64(entry)
    return receipt


def _field(receipt: Mapping[str, Any], name: str, kind: type) -> Any:
    if name not in receipt:
        raise ReceiptError(f"receipt.{name}: missing")
    value = receipt[name]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ReceiptError(f"receipt.{name}: expected an integer")
    if not isinstance(value, kind):
        raise ReceiptError(f"receipt.{name}: expected {kind.__name__}")
    return value


def _decode(text: Any, where: str) -> bytes:
    if not isinstance(text, str):
        raise ReceiptError(f"{where}: expected a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ReceiptError(f"{where}: not valid base64") from None


def verify_receipt(
    receipt: Mapping[str, Any],
    verifier_key: str | Verifier,
    witnesses: Sequence[str | Verifier] = (),
    quorum: int = 0,
) -> VerifiedReceipt:
    """Check a receipt offline with the log's public key and, given ``witnesses`` (their
    cosignature/v1 verifier keys), that at least ``quorum`` of them cosigned its checkpoint;
    raise ``ReceiptError`` naming what is wrong (``QuorumError`` for too few cosignatures)."""
    if not isinstance(receipt, Mapping):
        raise ReceiptError("receipt: expected a JSON object")
    if receipt.get("format") != RECEIPT_FORMAT:
        raise ReceiptError(f"receipt.format: expected {RECEIPT_FORMAT!r}")
    try:
        verifier = Verifier.parse(verifier_key) if isinstance(verifier_key, str) else verifier_key
    except NoteError as exc:
        raise ReceiptError(f"key: {exc}") from None
    witness_keys: list[Verifier] = []
    for number, given in enumerate(witnesses, start=1):
        try:
            witness = Verifier.parse(given) if isinstance(given, str) else given
        except NoteError as exc:
            raise ReceiptError(f"witness {number}: {exc}") from None
        if witness.alg != ALG_COSIGNATURE_V1:
            raise ReceiptError(f"witness {number}: not a cosignature/v1 (type 0x04) key")
        witness_keys.append(witness)
    if not 0 <= quorum <= len({w.name for w in witness_keys}):
        raise ReceiptError(
            f"quorum: {quorum}, but {len(witness_keys)} witness keys were given to count it"
        )
    index = _field(receipt, "index", int)
    tree_size = _field(receipt, "tree_size", int)
    origin = _field(receipt, "origin", str)
    note = _field(receipt, "checkpoint", str)
    proof_texts = _field(receipt, "inclusion_proof", list)
    leaf = _decode(_field(receipt, "leaf_hash", str), "receipt.leaf_hash")
    if len(leaf) != merkle.HASH_SIZE:
        raise ReceiptError("receipt.leaf_hash: not a 32-byte hash")
    proof = [_decode(p, f"receipt.inclusion_proof[{i}]") for i, p in enumerate(proof_texts)]

    try:
        checkpoint, opened = open_checkpoint(note, verifier, origin)
        cosigned = cosign.quorum_of(opened.text, opened.signatures, witness_keys)
    except NoteError as exc:
        raise ReceiptError(f"receipt.checkpoint: {exc}") from None
    if checkpoint.size != tree_size:
        raise ReceiptError(
            f"receipt.tree_size: {tree_size}, but the checkpoint is for size {checkpoint.size}"
        )
    entry = None
    if "entry" in receipt:
        entry = _decode(receipt["entry"], "receipt.entry")
        if merkle.leaf_hash(entry) != leaf:
            raise ReceiptError("receipt.entry: does not hash to receipt.leaf_hash")
    try:
        merkle.verify_inclusion(index, tree_size, leaf, proof, checkpoint.root)
    except merkle.ProofError as exc:
        raise ReceiptError(f"receipt.inclusion_proof: {exc}") from None
    if len(cosigned) < quorum:
        raise QuorumError(
            f"receipt.checkpoint: cosigned by {len(cosigned)} of the {len(witness_keys)} "
            f"witnesses given ({', '.join(cosigned) or 'none'}), fewer than the quorum of "
            f"{quorum}: only the log vouches for this checkpoint, so it may have been shown to "
            "this holder alone (a split view). Fetch a newer receipt once the witnesses cosign"
        )
    return VerifiedReceipt(origin, index, tree_size, leaf, entry, tuple(cosigned))
