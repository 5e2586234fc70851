"""Inclusion and consistency proofs from the stored tree, and their checks.

Every proof is read from stored nodes: the plan (``fairscreen.ledger.merkle``) names the
complete subtrees the proof is made of; they live in at most two tiles per tile level (the tiles
on the paths of the two edges of the proof), which one query reads. Nothing is hashed except the
fold of the O(log n) nodes of a range that ends at the right edge of the requested tree.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from fairscreen.ledger import log, merkle
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.merkle import ProofError, verify_consistency, verify_inclusion


def _size(session: Session, size: int | None) -> int:
    current = log.read_state(session).size
    if size is None:
        return current
    if not 0 <= size <= current:
        raise LedgerError(f"tree size {size} is outside 0..{current}")
    return size


def inclusion_proof(session: Session, index: int, size: int | None = None) -> list[bytes]:
    """The RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` (default: now)."""
    size = _size(session, size)
    try:
        plan = merkle.inclusion_plan(index, size)
    except ProofError as exc:
        raise LedgerError(str(exc)) from None
    return plan.assemble(log.read_nodes(session, plan.keys))


def consistency_proof(session: Session, first: int, second: int | None = None) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of ``first`` to the tree of ``second``."""
    second = _size(session, second)
    try:
        plan = merkle.consistency_plan(first, second)
    except ProofError as exc:
        raise LedgerError(str(exc)) from None
    return plan.assemble(log.read_nodes(session, plan.keys))


def inclusion_with_root(
    session: Session, index: int, size: int
) -> tuple[bytes, list[bytes], bytes]:
    """Leaf hash, inclusion proof and root of ``size``, in one read of the stored tiles."""
    size = _size(session, size)
    try:
        plan = merkle.inclusion_plan(index, size)
    except ProofError as exc:
        raise LedgerError(str(exc)) from None
    root_keys = merkle.root_keys(size)
    nodes = log.read_nodes(session, plan.keys | set(root_keys) | {(0, index)})
    return nodes[(0, index)], plan.assemble(nodes), merkle.fold([nodes[k] for k in root_keys])


__all__ = [
    "ProofError",
    "consistency_proof",
    "inclusion_proof",
    "inclusion_with_root",
    "verify_consistency",
    "verify_inclusion",
]
