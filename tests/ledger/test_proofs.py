"""Proofs read from the stored tiles agree with pymerkle (the test-only oracle) and with the
independent RFC 9162 reference, for every tree size from 1 to 1,100 and for large random ones."""

from __future__ import annotations

import random

import pytest
from pymerkle import InmemoryTree

from fairscreen.ledger import log, merkle, proofs
from fairscreen.ledger.log import LedgerError
from tests.conftest import Database
from tests.ledger import rfc9162
from tests.ledger.conftest import plain_entries


def _build(db: Database, entries: list[bytes], seed: int) -> None:
    rnd = random.Random(seed)
    at = 0
    while at < len(entries):
        k = rnd.choice([1, 3, 17, 255, 256, 300, 4096])
        with db.sessions.begin() as session:
            log.append(session, entries[at : at + k])
        at += k


def test_every_size_from_1_to_1100(db: Database) -> None:
    n_max = 1100
    entries = plain_entries(n_max)
    _build(db, entries, seed=1)
    oracle = InmemoryTree()
    oracle.append_entries(entries)
    leaves = merkle.leaf_hashes(entries)
    rnd = random.Random(2)
    with db.sessions() as session:
        for n in range(1, n_max + 1):
            root = log.root_at(session, n)
            assert root == oracle.get_root(n), n
            for index in {0, n - 1, rnd.randrange(n)}:
                proof = proofs.inclusion_proof(session, index, n)
                assert proof == oracle.prove_inclusion(index + 1, n).path[1:], (index, n)
                assert rfc9162.verify_inclusion(index, n, leaves[index], proof, root)
                proofs.verify_inclusion(index, n, leaves[index], proof, root)
            for m in {1, n, rnd.randint(1, n)}:
                proof = proofs.consistency_proof(session, m, n)
                old = oracle.get_root(m)
                assert rfc9162.verify_consistency(m, n, proof, old, root), (m, n)
                proofs.verify_consistency(m, n, old, root, proof)
                oracle.prove_consistency(m, n).verify(old, root)
        # The consistency proofs are exactly RFC 9162's PROOF(m, D[n]), node for node.
        for m, n in [(1, 1100), (255, 256), (256, 257), (511, 1024), (700, 1099)]:
            assert proofs.consistency_proof(session, m, n) == rfc9162.proof(m, entries[:n])


def test_large_random_sizes(db: Database) -> None:
    n_max = 140_000
    entries = plain_entries(n_max)
    _build(db, entries, seed=3)
    oracle = InmemoryTree()
    oracle.append_entries(entries)
    leaves = merkle.leaf_hashes(entries)
    rnd = random.Random(4)
    sizes = [65_535, 65_536, 65_537, 131_072, n_max, *(rnd.randint(1_000, n_max) for _ in range(5))]
    with db.sessions() as session:
        for n in sizes:
            root = log.root_at(session, n)
            assert root == oracle.get_root(n), n
            for index in (0, n - 1, rnd.randrange(n)):
                leaf, proof, got_root = proofs.inclusion_with_root(session, index, n)
                assert leaf == leaves[index] and got_root == root
                assert proof == oracle.prove_inclusion(index + 1, n).path[1:]
                assert rfc9162.verify_inclusion(index, n, leaf, proof, root)
            for m in (1, rnd.randint(1, n), n - 1):
                proof = proofs.consistency_proof(session, m, n)
                old = oracle.get_root(m)
                proofs.verify_consistency(m, n, old, root, proof)
                assert rfc9162.verify_consistency(m, n, proof, old, root)


def test_proof_requests_out_of_range(db: Database) -> None:
    with db.sessions.begin() as session:
        log.append(session, plain_entries(10))
    with db.sessions() as session:
        with pytest.raises(LedgerError, match="outside"):
            proofs.inclusion_proof(session, 0, 11)
        with pytest.raises(LedgerError, match="no inclusion proof"):
            proofs.inclusion_proof(session, 10)
        with pytest.raises(LedgerError, match="no consistency proof"):
            proofs.consistency_proof(session, 8, 5)
        assert proofs.consistency_proof(session, 0, 10) == []
        assert proofs.consistency_proof(session, 10) == []
