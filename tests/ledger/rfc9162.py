"""A tiny RFC 9162 reference, written from the RFC's recursive definitions (§2.1.1, §2.1.3.1,
§2.1.4.1) and verified recursively over the same structure. Deliberately independent of
``fairscreen.ledger.merkle`` (which walks the tree iteratively and verifies by bit twiddling,
RFC §2.1.3.2 / §2.1.4.2): two readings of the RFC that must agree."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over entries (not leaf hashes)."""
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = _k(n)
    return _h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""

    def subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if b else [mth(d)]
        k = _k(n)
        if m <= k:
            return [*subproof(m, d[:k], b), mth(d[k:])]
        return [*subproof(m - k, d[k:], False), mth(d[:k])]

    return subproof(m, d, True)


def verify_inclusion(
    index: int, size: int, leaf: bytes, hashes: Sequence[bytes], root: bytes
) -> bool:
    """Rebuild the root along the same recursion as PATH, consuming the path from its top."""
    remaining = list(hashes)

    def walk(m: int, n: int) -> bytes:
        if n == 1:
            return leaf
        if not remaining:
            raise ValueError("path too short")
        sibling = remaining.pop()
        k = _k(n)
        if m < k:
            return _h(b"\x01" + walk(m, k) + sibling)
        return _h(b"\x01" + sibling + walk(m - k, n - k))

    try:
        if not 0 <= index < size:
            return False
        got = walk(index, size)
    except ValueError:
        return False
    return not remaining and got == root


def verify_consistency(
    m: int, n: int, hashes: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """Rebuild both roots along the same recursion as SUBPROOF."""
    if m == n:
        return not hashes and old_root == new_root
    if m == 0:
        return not hashes
    remaining = list(hashes)

    def walk(m: int, n: int, b: bool) -> tuple[bytes, bytes]:
        if m == n:
            if b:
                return old_root, old_root
            node = remaining.pop()
            return node, node
        k = _k(n)
        sibling = remaining.pop()
        if m <= k:
            old, new = walk(m, k, b)
            return old, _h(b"\x01" + new + sibling)
        old, new = walk(m - k, n - k, False)
        return _h(b"\x01" + sibling + old), _h(b"\x01" + sibling + new)

    try:
        old, new = walk(m, n, True)
    except IndexError:
        return False
    return not remaining and old == old_root and new == new_root
