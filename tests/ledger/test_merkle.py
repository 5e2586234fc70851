"""RFC 9162 hashing, proof plans and verification, against known answers, pymerkle and the
independent reference in ``tests/ledger/rfc9162.py``."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from fairscreen.ledger import merkle
from fairscreen.ledger.merkle import ProofError
from tests.ledger import rfc9162

# The RFC 6962 test vectors of certificate-transparency (merkle_tree_test.cc): eight leaves and
# the roots of their prefixes.
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def all_nodes(leaves: list[bytes]) -> dict[merkle.NodeKey, bytes]:
    nodes: dict[merkle.NodeKey, bytes] = {}
    level, h = leaves, 0
    while level:
        nodes.update({(h, i): x for i, x in enumerate(level)})
        level, h = merkle.pair_up(level), h + 1
    return nodes


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert (
        merkle.EMPTY_ROOT.hex()
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.compute_root([]) == merkle.EMPTY_ROOT
    assert merkle.fold([]) == merkle.EMPTY_ROOT


def test_certificate_transparency_vectors() -> None:
    leaves = merkle.leaf_hashes(CT_LEAVES)
    for n in range(1, 9):
        assert merkle.compute_root(leaves[:n]).hex() == CT_ROOTS[n - 1]
        assert rfc9162.mth(CT_LEAVES[:n]).hex() == CT_ROOTS[n - 1]


def test_domain_separation() -> None:
    # A leaf and an interior node over the same bytes never hash alike (RFC 9162 §2.1.1).
    a, b = os.urandom(32), os.urandom(32)
    assert merkle.leaf_hash(a + b) != merkle.node_hash(a, b)


def test_range_keys_follow_the_bits_of_the_width() -> None:
    assert merkle.range_keys(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert merkle.range_keys(8, 12) == [(2, 2)]
    assert merkle.range_keys(64, 70) == [(2, 16), (1, 34)]
    assert merkle.root_keys(0) == []


@pytest.mark.parametrize("n", [*range(1, 70), 255, 256, 257, 1000, 1024, 1025])
def test_plans_match_the_reference_and_pymerkle(n: int) -> None:
    entries = [os.urandom(random.randint(0, 40)) for _ in range(n)]
    leaves = merkle.leaf_hashes(entries)
    nodes = all_nodes(leaves)
    oracle = InmemoryTree()
    oracle.append_entries(entries)
    root = merkle.compute_root(leaves)
    assert root == oracle.get_root(n) == rfc9162.mth(entries)
    assert root == merkle.fold([nodes[k] for k in merkle.root_keys(n)])
    rnd = random.Random(n)
    for index in {0, n - 1, n // 2, rnd.randrange(n), rnd.randrange(n)}:
        got = merkle.inclusion_plan(index, n).assemble(nodes)
        assert got == rfc9162.path(index, entries)
        assert got == oracle.prove_inclusion(index + 1, n).path[1:]  # pymerkle: 1-based, leaf first
        merkle.verify_inclusion(index, n, leaves[index], got, root)
        assert rfc9162.verify_inclusion(index, n, leaves[index], got, root)
    for m in {1, n, n // 2 or 1, rnd.randint(1, n), rnd.randint(1, n)}:
        got = merkle.consistency_plan(m, n).assemble(nodes)
        assert got == rfc9162.proof(m, entries)
        old = oracle.get_root(m)
        merkle.verify_consistency(m, n, old, root, got)
        assert rfc9162.verify_consistency(m, n, got, old, root)
        oracle.prove_consistency(m, n).verify(old, root)  # pymerkle agrees on both roots


def test_inclusion_rejects_every_wrong_input() -> None:
    entries = [os.urandom(8) for _ in range(37)]
    leaves = merkle.leaf_hashes(entries)
    nodes = all_nodes(leaves)
    root = merkle.compute_root(leaves)
    proof = merkle.inclusion_plan(20, 37).assemble(nodes)
    merkle.verify_inclusion(20, 37, leaves[20], proof, root)
    bad_cases = [
        (21, 37, leaves[20], proof, root),  # wrong index
        (20, 100, leaves[20], proof, root),  # a size with another shape
        (20, 37, leaves[21], proof, root),  # wrong leaf
        (20, 37, leaves[20], proof[:-1], root),  # too short
        (20, 37, leaves[20], [*proof, proof[0]], root),  # too long
        (20, 37, leaves[20], [proof[1], proof[0], *proof[2:]], root),  # reordered
        (20, 37, leaves[20], proof, merkle.EMPTY_ROOT),  # wrong root
        (37, 37, leaves[20], proof, root),  # index out of range
    ]
    for args in bad_cases:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*args)
        assert not rfc9162.verify_inclusion(*args)
    with pytest.raises(ProofError, match="32 bytes"):
        merkle.verify_inclusion(20, 37, leaves[20], [b"short", *proof[1:]], root)


def test_consistency_rejects_forks_and_rollbacks() -> None:
    entries = [os.urandom(8) for _ in range(50)]
    leaves = merkle.leaf_hashes(entries)
    nodes = all_nodes(leaves)
    root20, root50 = merkle.compute_root(leaves[:20]), merkle.compute_root(leaves)
    proof = merkle.consistency_plan(20, 50).assemble(nodes)
    merkle.verify_consistency(20, 50, root20, root50, proof)
    forked = merkle.leaf_hashes([*entries[:10], b"fork", *entries[11:]])
    with pytest.raises(ProofError):
        merkle.verify_consistency(20, 50, root20, merkle.compute_root(forked), proof)
    with pytest.raises(ProofError, match="went back"):
        merkle.verify_consistency(50, 20, root50, root20, proof)
    with pytest.raises(ProofError, match="forked"):
        merkle.verify_consistency(50, 50, root50, root20, [])
    with pytest.raises(ProofError, match="empty"):
        merkle.verify_consistency(20, 50, root20, root50, [])
    with pytest.raises(ProofError):
        merkle.verify_consistency(20, 50, root20, root50, proof[:-1])
    with pytest.raises(ProofError):
        merkle.verify_consistency(20, 50, root20, root50, [*proof, proof[0]])
    merkle.verify_consistency(0, 50, merkle.EMPTY_ROOT, root50, [])
    merkle.verify_consistency(50, 50, root50, root50, [])


def test_plans_refuse_impossible_requests() -> None:
    with pytest.raises(ProofError):
        merkle.inclusion_plan(5, 5)
    with pytest.raises(ProofError):
        merkle.consistency_plan(6, 5)
    with pytest.raises(ProofError, match="not available"):
        merkle.inclusion_plan(0, 4).assemble({})


@given(st.lists(st.binary(max_size=16), min_size=1, max_size=90), st.data())
def test_any_tree_any_proof(entries: list[bytes], data: st.DataObject) -> None:
    n = len(entries)
    leaves = merkle.leaf_hashes(entries)
    nodes = all_nodes(leaves)
    root = merkle.compute_root(leaves)
    index = data.draw(st.integers(0, n - 1))
    m = data.draw(st.integers(1, n))
    inclusion = merkle.inclusion_plan(index, n).assemble(nodes)
    assert rfc9162.verify_inclusion(index, n, leaves[index], inclusion, root)
    consistency = merkle.consistency_plan(m, n).assemble(nodes)
    assert rfc9162.verify_consistency(m, n, consistency, merkle.compute_root(leaves[:m]), root)
    merkle.verify_consistency(m, n, merkle.compute_root(leaves[:m]), root, consistency)
