"""Receipts: built from the log, checked offline with nothing but the log's public key."""

from __future__ import annotations

import base64
import json

import pytest

from fairscreen.ledger import checkpoints, log, merkle, receipts
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.note import Signer
from fairscreen.ledger.receipts import RECEIPT_FORMAT, ReceiptError, verify_receipt
from tests.conftest import Database
from tests.ledger.conftest import plain_entries


def _receipt(db: Database, signer: Signer, index: int = 700) -> dict[str, object]:
    with db.sessions.begin() as session:
        log.append(session, plain_entries(1000))
    checkpoints.publish(db.sessions, signer)
    with db.sessions() as session:
        return receipts.build_receipt(session, index)


def test_receipt_roundtrip(db: Database, signer: Signer) -> None:
    receipt = json.loads(json.dumps(_receipt(db, signer)))  # it is plain JSON
    assert receipt["format"] == RECEIPT_FORMAT
    checked = verify_receipt(receipt, signer.verifier.text())
    assert (checked.index, checked.tree_size, checked.origin) == (700, 1000, signer.name)
    assert checked.entry == plain_entries(701)[700]
    assert checked.leaf_hash == merkle.leaf_hash(checked.entry)
    # The leaf hash alone is enough: the entry is optional.
    without = {k: v for k, v in receipt.items() if k != "entry"}
    assert verify_receipt(without, signer.verifier).entry is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("format", "fairscreen-receipt/0", "receipt.format"),
        ("index", 701, "receipt.inclusion_proof"),
        ("index", "700", "receipt.index"),
        ("tree_size", 999, "receipt.tree_size"),
        ("leaf_hash", base64.b64encode(bytes(32)).decode(), "receipt.entry"),
        ("leaf_hash", "!!", "receipt.leaf_hash"),
        ("entry", base64.b64encode(b"{}").decode(), "receipt.entry"),
        ("origin", "other.example/log", "receipt.checkpoint"),
        ("inclusion_proof", [], "receipt.inclusion_proof"),
        ("inclusion_proof", ["AAAA"], "receipt.inclusion_proof"),
        ("checkpoint", "not a note", "receipt.checkpoint"),
    ],
)
def test_every_field_is_checked(
    db: Database, signer: Signer, field: str, value: object, message: str
) -> None:
    receipt = _receipt(db, signer)
    receipt[field] = value
    with pytest.raises(ReceiptError, match=message):
        verify_receipt(receipt, signer.verifier.text())


def test_a_swapped_proof_hash_or_forged_checkpoint_fails(db: Database, signer: Signer) -> None:
    receipt = _receipt(db, signer)
    proof = list(receipt["inclusion_proof"])  # type: ignore[call-overload]
    receipt["inclusion_proof"] = [proof[1], proof[0], *proof[2:]]
    with pytest.raises(ReceiptError, match="inclusion_proof"):
        verify_receipt(receipt, signer.verifier)
    receipt = _receipt_from_other_log(signer)
    with pytest.raises(ReceiptError, match="checkpoint"):
        verify_receipt(receipt, signer.verifier)
    with pytest.raises(ReceiptError, match="key"):
        verify_receipt(receipt, "not a key")
    with pytest.raises(ReceiptError, match="JSON object"):
        verify_receipt([], signer.verifier)  # type: ignore[arg-type]


def _receipt_from_other_log(signer: Signer) -> dict[str, object]:
    from fairscreen.ledger.note import Checkpoint, sign_note

    impostor = Signer.generate(signer.name)  # same origin, another key
    note = sign_note(Checkpoint(signer.name, 1, merkle.leaf_hash(b"x")).text(), [impostor])
    return {
        "format": RECEIPT_FORMAT,
        "origin": signer.name,
        "index": 0,
        "leaf_hash": base64.b64encode(merkle.leaf_hash(b"x")).decode(),
        "tree_size": 1,
        "inclusion_proof": [],
        "checkpoint": note,
    }


def test_no_receipt_before_a_checkpoint_covers_the_entry(db: Database, signer: Signer) -> None:
    with db.sessions.begin() as session:
        log.append(session, plain_entries(10))
    with db.sessions() as session, pytest.raises(LedgerError, match="no signed checkpoint"):
        receipts.build_receipt(session, 3)
    checkpoints.publish(db.sessions, signer)
    with db.sessions.begin() as session:
        log.append(session, plain_entries(5, start=10))
    with db.sessions() as session:
        receipts.build_receipt(session, 9)
        with pytest.raises(LedgerError, match="no signed checkpoint covers entry 12"):
            receipts.build_receipt(session, 12)
