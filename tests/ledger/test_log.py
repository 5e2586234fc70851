"""Appending: indices, atomicity with the caller's transaction, concurrent writers, and a writer
killed with SIGKILL in the middle of a batch."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fairscreen.consent.models import Consent
from fairscreen.kit.clock import utcnow
from fairscreen.ledger import checkpoints, log, merkle, record
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.models import LedgerTile
from fairscreen.ledger.note import Signer
from fairscreen.ledger.verify import verify_log
from fairscreen.sources.models import SourceQuery
from tests.conftest import Database
from tests.ledger.conftest import insert_consents, plain_entries
from tests.ledger.workers import crash_entry

ROOT = Path(__file__).resolve().parents[2]


def test_append_returns_the_first_index(db: Database) -> None:
    with db.sessions.begin() as session:
        assert log.append(session, plain_entries(3)) == 0
        assert log.append(session, []) == 3
    with db.sessions.begin() as session:
        assert log.append(session, plain_entries(300, start=3)) == 3
    with db.sessions() as session:
        head = log.read_state(session)
        assert head.size == 303
        entries = log.read_entries(session, 0, 303)
        assert entries == plain_entries(303)
        assert head.root == merkle.compute_root(merkle.leaf_hashes(entries))
        assert log.read_entry(session, 299) == entries[299]
        assert log.leaf_hash_at(session, 299) == merkle.leaf_hash(entries[299])


def test_every_batch_shape_gives_the_same_tree(db: Database) -> None:
    entries = plain_entries(2000)
    rnd = random.Random(7)
    at = 0
    while at < len(entries):
        k = rnd.choice([1, 2, 255, 256, 257, 511, 600])
        with db.sessions.begin() as session:
            assert log.append(session, entries[at : at + k]) == at
        at += k
    with db.sessions() as session:
        assert log.read_state(session).root == merkle.compute_root(merkle.leaf_hashes(entries))
        for size in (1, 255, 256, 257, 1024, 1999):
            assert log.root_at(session, size) == merkle.compute_root(
                merkle.leaf_hashes(entries[:size])
            )


def test_rollback_leaves_the_log_as_it_was(db: Database) -> None:
    with db.sessions.begin() as session:
        log.append(session, plain_entries(300))
    with db.sessions() as session:
        before = log.read_state(session)
        tiles_before = session.execute(
            select(LedgerTile.level, LedgerTile.idx, LedgerTile.nodes)
        ).all()
    with db.sessions() as session, session.begin():
        records = insert_consents(session, [300, 301, 302])
        log.append(session, records.entries + plain_entries(500, start=300))
        session.rollback()
    with db.sessions() as session:
        assert log.read_state(session) == before
        assert (
            session.execute(select(LedgerTile.level, LedgerTile.idx, LedgerTile.nodes)).all()
            == tiles_before
        )
        assert session.scalar(select(func.count()).select_from(Consent)) == 0
    with db.sessions.begin() as session:
        assert log.append(session, plain_entries(1, start=300)) == 300


def test_a_row_refused_with_its_entry_leaves_the_log_as_it_was(db: Database) -> None:
    """``record`` sends the row with the ledger's writes (on PostgreSQL in one pipeline, while
    the lock is held): a row the database refuses (here: a query of a check that does not
    exist) fails as SQLAlchemy's statements fail, and the entry goes with it."""
    with db.sessions.begin() as session:
        log.append(session, plain_entries(5))
    with db.sessions() as session:
        before = log.read_state(session)
    row = {"id": "q1", "request_id": "no-such-check", "item": "identity", "source": "x"}
    with db.sessions() as session, pytest.raises(IntegrityError), session.begin():
        record.record(
            session,
            EventType.SOURCE_QUERIED,
            SourceQuery,
            row | {"queried_at": utcnow()},
            at=utcnow(),
            items=["identity"],
        )
    with db.sessions() as session:
        assert log.read_state(session) == before
        assert session.scalar(select(func.count()).select_from(SourceQuery)) == 0
    with db.sessions.begin() as session:
        assert log.append(session, plain_entries(1, start=5)) == 5


def test_bad_entries_are_refused_whole(db: Database) -> None:
    with db.sessions.begin() as session:
        with pytest.raises(LedgerError, match=r"entries\[1\]: expected bytes"):
            log.append(session, [b"ok", "text"])  # type: ignore[list-item]
        with pytest.raises(LedgerError, match=r"entries\[2\]: 70000 bytes"):
            log.append(session, [b"a", b"b", b"x" * 70_000])
        assert log.read_state(session).size == 0
        with pytest.raises(LedgerError, match="outside"):
            log.read_entries(session, 0, 1)


def test_concurrent_threads_leave_no_gap_or_duplicate(db: Database) -> None:
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for b in range(15):
                with db.sessions.begin() as session:
                    log.append(session, [b"%s-%d-%d" % (name.encode(), b, i) for i in range(40)])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with db.sessions() as session:
        entries = log.read_entries(session, 0, log.read_state(session).size)
    assert len(entries) == 4 * 15 * 40
    assert len(set(entries)) == len(entries)
    assert verify_log(db.sessions).ok


def test_concurrent_processes_leave_no_gap_or_duplicate(db: Database) -> None:
    writers, batches, size = 4, 10, 300
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.ledger.workers",
                "writer",
                db.url,
                f"w{w}",
                str(batches),
                str(size),
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
        )
        for w in range(writers)
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr.decode()
    with db.sessions() as session:
        total = log.read_state(session).size
        entries = log.read_entries(session, 0, total)
    assert total == writers * batches * size
    bodies = [orjson.loads(e) for e in entries]
    assert Counter((b["w"], b["b"], b["i"]) for b in bodies).most_common(1)[0][1] == 1
    # Each batch is one append, so its entries are contiguous and in order.
    for start in range(0, total, size):
        chunk = bodies[start : start + size]
        assert {(b["w"], b["b"]) for b in chunk} == {(chunk[0]["w"], chunk[0]["b"])}
        assert [b["i"] for b in chunk] == list(range(size))
    report = verify_log(db.sessions)
    assert report.ok, report.problems


def test_kill_minus_nine_in_the_middle_of_a_batch(
    db: Database, tmp_path: Path, signer: Signer
) -> None:
    key_file = tmp_path / "log.key"
    key_file.write_text(signer.secret_text())
    key_file.chmod(0o600)
    batch = 20_000
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.ledger.workers",
            "crasher",
            db.url,
            str(key_file),
            str(batch),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    published: list[tuple[int, bytes]] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            word, *rest = line.split()
            if word == "published":
                published.append((int(rest[0]), bytes.fromhex(rest[1])))
            elif word == "begin" and len(published) >= 2:
                time.sleep(random.uniform(0.0, 0.05))  # somewhere inside the batch's append
                break
    finally:
        proc.kill()  # SIGKILL: no cleanup, no rollback, no flush
        proc.wait(timeout=60)
    assert proc.returncode == -9

    with db.sessions() as session:
        head = log.read_state(session)
        stored = dict(checkpoints.all_sizes(session))
    # Whole batches only: the killed one is either all in or not at all.
    assert head.size % batch == 0 and head.size >= published[-1][0]
    # Every checkpoint printed was stored, none is beyond the log, and all are still its roots.
    with db.sessions() as session:
        for size, root in published:
            assert stored[size] == root
            assert log.root_at(session, size) == root
        for k in range(head.size // batch):
            first, last = (
                log.read_entries(session, k * batch, k * batch + 1),
                log.read_entry(session, (k + 1) * batch - 1),
            )
            assert first == [crash_entry(k, 0)] and last == crash_entry(k, batch - 1)
    report = verify_log(db.sessions, signer.verifier)
    assert report.ok, report.problems
    assert report.latest_checkpoint is not None and report.latest_checkpoint <= head.size

    # After the restart the log carries on, and the next checkpoint extends every earlier one.
    with db.sessions.begin() as session:
        assert log.append(session, plain_entries(10)) == head.size
    after = checkpoints.publish(db.sessions, signer)
    assert after.size == head.size + 10
    assert verify_log(db.sessions, signer.verifier).ok


def test_entries_can_be_large_but_not_too_large(db: Database) -> None:
    big = os.urandom(65_535)
    with db.sessions.begin() as session:
        log.append(session, [big, b""])
    with db.sessions() as session:
        assert log.read_entries(session, 0, 2) == [big, b""]
