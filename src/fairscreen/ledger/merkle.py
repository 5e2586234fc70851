"""RFC 9162 Merkle tree hashing, proofs and their verification, with no storage.

Hashes: a leaf is ``SHA-256(0x00 || entry)``, an interior node ``SHA-256(0x01 || left || right)``,
the empty tree ``SHA-256("")`` (RFC 9162 §2.1.1).

A *node* is named ``(level, index)``: it is the root of the complete subtree over the leaves
``[index * 2**level, (index + 1) * 2**level)``. Only complete nodes are ever stored; a tree of any
size is the fold of the complete nodes along its right edge (its *compact range*).

Proofs are built in two steps so that the database and an HTTP tile client can share them:
``inclusion_plan`` / ``consistency_plan`` say which leaf ranges the proof is made of and hence
which stored nodes are needed (``plan.keys``); ``plan.assemble(nodes)`` turns the fetched nodes
into the list of hashes. Nothing is recomputed beyond folding the O(log n) nodes of a range that
ends at the tree's right edge.

Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from hmac import compare_digest

HASH_SIZE = 32
_sha256 = hashlib.sha256

EMPTY_ROOT = _sha256(b"").digest()

NodeKey = tuple[int, int]
"""``(level, index)`` of a complete subtree."""

Range = tuple[int, int]
"""``(start, end)`` leaf range, end exclusive."""


class ProofError(ValueError):
    """A proof that does not verify, or a proof request that makes no sense."""


def leaf_hash(entry: bytes) -> bytes:
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    sha = _sha256
    return [sha(b"\x00" + e).digest() for e in entries]


def pair_up(hashes: Sequence[bytes]) -> list[bytes]:
    """The parents of ``hashes[0], hashes[1]``, ``hashes[2], hashes[3]``, ... (an odd last one is
    left out)."""
    sha = _sha256
    pairs = iter(hashes)
    return [sha(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]


def split_point(width: int) -> int:
    """The largest power of two strictly less than ``width`` (``width`` > 1)."""
    return 1 << ((width - 1).bit_length() - 1)


def range_keys(start: int, end: int) -> list[NodeKey]:
    """The complete nodes that make up ``[start, end)``, left to right.

    ``start`` must be aligned to a power of two at least ``end - start`` (which every range that
    the RFC 9162 recursion produces is), so the nodes follow the bits of the width, highest first.
    """
    width = end - start
    keys: list[NodeKey] = []
    position = start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            keys.append((level, position >> level))
            position += 1 << level
    return keys


def fold(hashes: Sequence[bytes]) -> bytes:
    """The root of adjacent complete subtrees given left to right, largest first."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for h in reversed(hashes[:-1]):
        root = _sha256(b"\x01" + h + root).digest()
    return root


def root_keys(size: int) -> list[NodeKey]:
    """The compact range of a tree of ``size`` leaves: the nodes whose fold is its root."""
    return range_keys(0, size)


@dataclass(frozen=True)
class ProofPlan:
    """The leaf ranges a proof is made of, bottom up, and the stored nodes it needs."""

    ranges: tuple[Range, ...]

    @property
    def keys(self) -> set[NodeKey]:
        keys: set[NodeKey] = set()
        for start, end in self.ranges:
            keys.update(range_keys(start, end))
        return keys

    def assemble(self, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
        out = []
        for start, end in self.ranges:
            try:
                out.append(fold([nodes[k] for k in range_keys(start, end)]))
            except KeyError as exc:
                raise ProofError(f"node {exc.args[0]} is not available") from None
        return out


def inclusion_plan(index: int, size: int) -> ProofPlan:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size]) as leaf ranges, bottom up."""
    if not 0 <= index < size:
        raise ProofError(f"no inclusion proof for index {index} in a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ProofPlan(tuple(ranges))


def consistency_plan(first: int, second: int) -> ProofPlan:
    """RFC 9162 §2.1.4.1 PROOF(first, D[0:second]) as leaf ranges, bottom up.

    ``first == 0`` and ``first == second`` have empty proofs (every tree extends the empty tree;
    a tree is consistent with itself when the roots are equal).
    """
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return ProofPlan(())
    ranges: list[Range] = []
    start, end, m = 0, second, first
    complete = True  # SUBPROOF's b: the subtree so far is the old tree's own root
    while m != end:
        k = split_point(end - start)
        if m - start <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ProofPlan(tuple(ranges))


def _lsb(x: int) -> int:
    return x & 1


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root that ``proof`` implies for ``leaf`` at ``index``."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        _check_hash(p)
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if _lsb(fn) or fn == sn:
            r = node_hash(p, r)
            if not _lsb(fn):
                while not (_lsb(fn) or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ``ProofError`` unless ``proof`` shows ``leaf`` at ``index`` under ``root``."""
    if not compare_digest(root_from_inclusion(index, size, leaf, proof), root):
        raise ProofError(
            f"inclusion proof for index {index} does not lead to the root of size {size}"
        )


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2; raise ``ProofError`` unless the tree of size ``second`` with
    ``second_root`` extends the tree of size ``first`` with ``first_root``."""
    if not 0 <= first <= second:
        raise ProofError(f"size {second} is smaller than size {first}: the log went back")
    if first == second:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if not compare_digest(first_root, second_root):
            raise ProofError(f"two different roots for size {first}: the log forked")
        return
    if first == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    for p in path:
        _check_hash(p)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while _lsb(fn):
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if _lsb(fn) or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not _lsb(fn):
                while not (_lsb(fn) or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if not compare_digest(fr, first_root):
        raise ProofError(f"consistency proof does not lead to the root of size {first}")
    if not compare_digest(sr, second_root):
        raise ProofError(f"consistency proof does not lead to the root of size {second}")


def _check_hash(h: bytes) -> None:
    if not isinstance(h, bytes) or len(h) != HASH_SIZE:
        raise ProofError("a proof hash is not 32 bytes")


def compute_root(leaves: Sequence[bytes]) -> bytes:
    """The root over ``leaves`` (leaf hashes), level by level; for tests and full verification."""
    if not leaves:
        return EMPTY_ROOT
    # The compact range: at each level keep an odd last node aside, pair the rest.
    carry: list[bytes] = []  # right-edge nodes, highest level last
    level = list(leaves)
    while len(level) > 1:
        if len(level) & 1:
            carry.append(level.pop())
        level = pair_up(level)
    carry.append(level[0])
    return fold(carry[::-1])
