"""The signing key file, publishing, refusing to sign an inconsistent log, the publisher."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, update

from fairscreen.ledger import checkpoints, log
from fairscreen.ledger.log import STATE, TILES, LedgerError
from fairscreen.ledger.models import LedgerCheckpoint
from fairscreen.ledger.note import Signer, open_checkpoint
from tests.conftest import Database
from tests.ledger.conftest import plain_entries


def test_publish_signs_the_current_tree(db: Database, signer: Signer) -> None:
    empty = checkpoints.publish(db.sessions, signer)
    assert empty.size == 0
    with db.sessions.begin() as session:
        log.append(session, plain_entries(1000))
    published = checkpoints.publish(db.sessions, signer)
    checkpoint, _ = open_checkpoint(published.note, signer.verifier)
    with db.sessions() as session:
        head = log.read_state(session)
        assert (
            (checkpoint.size, checkpoint.root) == (head.size, head.root) == (1000, published.root)
        )
        assert checkpoints.latest(session) == published
    assert checkpoints.publish(db.sessions, signer) == published  # nothing new: nothing signed
    with db.sessions() as session:
        assert [s for s, _ in checkpoints.all_sizes(session)] == [0, 1000]


def test_a_checkpoint_published_in_a_rolled_back_transaction_never_existed(
    db: Database, signer: Signer
) -> None:
    with db.sessions() as session, session.begin():
        log.append(session, plain_entries(10))
        checkpoints.publish(session, signer)
        session.rollback()
    with db.sessions() as session:
        assert checkpoints.latest(session) is None


def test_publish_refuses_an_inconsistent_log(db: Database, signer: Signer) -> None:
    with db.sessions.begin() as session:
        log.append(session, plain_entries(600))
    checkpoints.publish(db.sessions, signer)
    with db.sessions.begin() as session:
        log.append(session, plain_entries(100, start=600))

    # A stored subtree hash of the signed part changed (the node over entries 0..511, which the
    # proof from 600 to 700 uses): the consistency proof fails and nothing is signed.
    with db.sessions() as session, session.begin():
        nodes = session.scalar(select(TILES.c.nodes).where(TILES.c.level == 1, TILES.c.idx == 0))
        assert nodes is not None and len(nodes) == 3 * 32  # width 2: two hashes and their parent
        session.execute(
            update(TILES)
            .where(TILES.c.level == 1, TILES.c.idx == 0)
            .values(nodes=nodes[:64] + bytes(32))
        )
        with pytest.raises(LedgerError, match="refusing to sign size 700"):
            checkpoints.publish(session, signer)
        session.rollback()

    # The new root is not the one the stored tree gives.
    with db.sessions() as session, session.begin():
        session.execute(update(STATE).values(root=bytes(32)))
        with pytest.raises(LedgerError, match="refusing to sign size 700"):
            checkpoints.publish(session, signer)
        session.rollback()

    # The log went back below a signed size.
    with db.sessions() as session, session.begin():
        session.execute(update(STATE).values(size=500))
        with pytest.raises(LedgerError, match="rollback"):
            checkpoints.publish(session, signer)
        session.rollback()

    # Same size, another root.
    with db.sessions() as session, session.begin():
        session.execute(update(STATE).values(size=600, root=bytes(32)))
        with pytest.raises(LedgerError, match="fork"):
            checkpoints.publish(session, signer)
        session.rollback()

    with db.sessions() as session:
        assert checkpoints.latest(session) is not None
        assert (
            session.scalar(select(LedgerCheckpoint.size).order_by(LedgerCheckpoint.size.desc()))
            == 600
        )
    assert checkpoints.publish(db.sessions, signer).size == 700


def test_the_publisher_thread_keeps_up(db: Database, signer: Signer) -> None:
    publisher = checkpoints.Publisher(db.sessions, signer, interval=0.05)
    publisher.start()
    try:
        for k in range(3):
            with db.sessions.begin() as session:
                log.append(session, plain_entries(100, start=100 * k))
            deadline = time.monotonic() + 30
            while True:
                with db.sessions() as session:
                    latest = checkpoints.latest(session)
                if latest is not None and latest.size == 100 * (k + 1):
                    break
                assert time.monotonic() < deadline, "the publisher did not publish"
                time.sleep(0.02)
    finally:
        publisher.stop()
    assert publisher.published >= 3
    assert publisher.tick() is None  # nothing new to sign
