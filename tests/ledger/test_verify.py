"""``fairscreen ledger verify``: a tamper campaign of hundreds of random single mutations,
deletions and reorderings of entries and of the records they commit to, each detected with the
first bad index named; plus tampering with tiles, checkpoints and the tree as a whole."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from fairscreen.consent.models import Consent
from fairscreen.ledger import checkpoints, log, tiles
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.log import BUNDLES, STATE, TILES
from fairscreen.ledger.models import LedgerCheckpoint
from fairscreen.ledger.note import Signer
from fairscreen.ledger.record import record
from fairscreen.retention.models import DestroyedSubject, DestructionCertificate
from tests.conftest import Database
from tests.ledger.conftest import T0, Records, insert_consents, plain_entries
from tests.ledger.full import verify_log

CAMPAIGN = 320  # random tampers per backend


@dataclass
class Fixture:
    entries: list[bytes]
    record_at: dict[str, int]  # consent id -> index of the entry that commits to it
    subject_of: dict[str, str]
    checkpoints: list[int]


def build(db: Database, signer: Signer, n_plain: int = 580, n_records: int = 120) -> Fixture:
    rnd = random.Random(11)
    slots = sorted(rnd.sample(range(n_plain + n_records), n_records))
    with db.sessions.begin() as session:
        records = insert_consents(session, slots) if n_records else Records([], [], [])
    entries = plain_entries(n_plain)
    mixed: list[bytes] = []
    record_at: dict[str, int] = {}
    plain = iter(entries)
    recs = iter(zip(records.consent_ids, records.entries, strict=True))
    for position in range(n_plain + n_records):
        if slots and position == slots[0]:
            slots.pop(0)
            consent_id, entry = next(recs)
            record_at[consent_id] = position
            mixed.append(entry)
        else:
            mixed.append(next(plain))
    sizes = []
    at = 0
    for k in (150, 200, 100, len(mixed) - 450):
        with db.sessions.begin() as session:
            log.append(session, mixed[at : at + k])
        at += k
        sizes.append(checkpoints.publish(db.sessions, signer).size)
    return Fixture(
        mixed, record_at, dict(zip(records.consent_ids, records.subjects, strict=True)), sizes
    )


def rewrite_entries(session: Session, entries: list[bytes]) -> None:
    """What an insider with write access to the entry table does: replace the entries, leaving
    the tree hashes, the state and the checkpoints alone."""
    session.execute(delete(BUNDLES))
    rows = [
        {"idx": j, "count": len(chunk), "data": tiles.encode_entries(chunk)}
        for j, chunk in enumerate(entries[p : p + 256] for p in range(0, len(entries), 256))
    ]
    if rows:
        session.execute(insert(BUNDLES), rows)


def _delete_consent(s: Session, cid: str) -> object:
    return s.execute(delete(Consent).where(Consent.id == cid))


def _point_consent(s: Session, cid: str, index: int) -> object:
    return s.execute(update(Consent).where(Consent.id == cid).values(ledger_index=index))


def tampered(
    db: Database, signer: Signer, mutate: Callable[[Session], object]
) -> tuple[int | None, list[str]]:
    with db.sessions() as session:
        session.begin()
        mutate(session)
        report = verify_log(session, signer.verifier)
        session.rollback()
    return report.first_bad_index, [p.message for p in report.sorted_problems()]


def test_a_clean_log_verifies(db: Database, signer: Signer) -> None:
    fx = build(db, signer)
    report = verify_log(db.sessions, signer.verifier)
    assert report.ok, report.problems
    assert report.entries == len(fx.entries) == 700
    assert report.records == 120
    assert report.checkpoints == 4 and report.latest_checkpoint == 700
    # Chunking does not change the outcome (the pass is streamed a chunk of bundles at a time).
    assert verify_log(db.sessions, signer.verifier, chunk=1).ok


def test_tamper_campaign(db: Database, signer: Signer) -> None:
    fx = build(db, signer)
    rnd = random.Random(2026)
    n = len(fx.entries)
    consents = sorted(fx.record_at, key=fx.record_at.__getitem__)
    detected = 0
    kinds: dict[str, int] = {}

    def entry_change(new: list[bytes]) -> Callable[[Session], object]:
        return lambda s: rewrite_entries(s, new)

    def record_change(consent_id: str, **values: object) -> Callable[[Session], object]:
        return lambda s: s.execute(update(Consent).where(Consent.id == consent_id).values(**values))

    for _ in range(CAMPAIGN):
        kind = rnd.choice(
            [
                "flip",
                "delete",
                "swap",
                "move",
                "insert",
                "duplicate",
                "record-field",
                "record-delete",
                "record-salt",
                "record-swap",
                "record-owner",
                "record-index",
            ]
        )
        entries = list(fx.entries)
        if kind == "flip":
            i = rnd.randrange(n)
            e = bytearray(entries[i])
            p = rnd.randrange(len(e))
            e[p] = (e[p] + rnd.randint(1, 255)) % 256
            entries[i] = bytes(e)
            expected, mutate = i, entry_change(entries)
        elif kind == "delete":
            i = rnd.randrange(n)
            del entries[i]
            expected, mutate = i, entry_change(entries)
        elif kind == "swap":
            i, j = sorted(rnd.sample(range(n), 2))
            entries[i], entries[j] = entries[j], entries[i]
            expected, mutate = i, entry_change(entries)
        elif kind == "move":
            i, j = rnd.sample(range(n), 2)
            entries.insert(j, entries.pop(i))
            expected, mutate = min(i, j), entry_change(entries)
        elif kind == "insert":
            i = rnd.randrange(n + 1)
            entries.insert(i, plain_entries(1, start=10_000 + i, tag="forged")[0])
            expected, mutate = i, entry_change(entries)
        elif kind == "duplicate":
            i, j = rnd.sample(range(n), 2)
            entries[i] = entries[j]
            expected, mutate = i, entry_change(entries)
        elif kind == "record-field":
            cid = rnd.choice(consents)
            field, value = rnd.choice(
                [
                    ("purpose", "marketing"),
                    ("items", ["criminal", "health"]),
                    ("retention_days", 3650),
                    ("signed_at", T0 + timedelta(days=1)),
                ]
            )
            expected, mutate = fx.record_at[cid], record_change(cid, **{field: value})
        elif kind == "record-delete":
            cid = rnd.choice(consents)
            expected = fx.record_at[cid]
            mutate = functools.partial(_delete_consent, cid=cid)
        elif kind == "record-salt":
            cid = rnd.choice(consents)
            expected, mutate = fx.record_at[cid], record_change(cid, commitment_salt=bytes(16))
        elif kind == "record-swap":
            a, b = rnd.sample(consents, 2)
            expected = min(fx.record_at[a], fx.record_at[b])

            def mutate(s: Session, a: str = a, b: str = b) -> None:
                da = s.scalar(select(Consent.digest).where(Consent.id == a))
                db_ = s.scalar(select(Consent.digest).where(Consent.id == b))
                s.execute(update(Consent).where(Consent.id == a).values(digest=db_))
                s.execute(update(Consent).where(Consent.id == b).values(digest=da))
        elif kind == "record-index":
            # The row's link to its entry pointed at another entry (one no record claims; the
            # unique index stops two rows naming one): both the entry it left and the one it
            # names are caught.
            cid = rnd.choice(consents)
            claimed = set(fx.record_at.values())
            target = rnd.choice([i for i in range(n) if i not in claimed])
            expected = min(fx.record_at[cid], target)
            mutate = record_change(cid, ledger_index=target)
        else:  # record-owner: the consent moved to another candidate
            a, b = rnd.sample(consents, 2)
            expected = fx.record_at[a]

            def mutate(s: Session, a: str = a, b: str = b) -> None:
                other = s.scalar(select(Consent.candidate_id).where(Consent.id == b))
                s.execute(update(Consent).where(Consent.id == a).values(candidate_id=other))

        first_bad, messages = tampered(db, signer, mutate)
        assert first_bad == expected, (kind, expected, messages[:3])
        detected += 1
        kinds[kind] = kinds.get(kind, 0) + 1
    assert detected == CAMPAIGN
    assert len(kinds) == 12
    assert verify_log(db.sessions, signer.verifier).ok  # every tamper was rolled back


def test_a_record_destroyed_by_retention_may_be_missing(db: Database, signer: Signer) -> None:
    fx = build(db, signer, n_plain=20, n_records=5)
    cid = next(iter(fx.record_at))
    with db.sessions.begin() as session:
        record(
            session,
            EventType.DATA_DESTROYED,
            DestructionCertificate,
            {
                "id": "cert-1",
                "reason": "retention_expired",
                "rule": "cn@2026.1 default_retention_days",
                "destroyed_at": T0,
                "subjects": 1,
                "data_classes": [],
                "subjects_digest": "",
            },
            at=T0,
        )
        session.execute(
            insert(DestroyedSubject).values(subject=fx.subject_of[cid], certificate_id="cert-1")
        )
        session.execute(delete(Consent).where(Consent.id == cid))
    report = verify_log(db.sessions, signer.verifier)
    assert report.ok, report.problems
    assert report.records_destroyed == 1 and report.records == 5  # 4 consents, 1 certificate
    # Another subject's missing record is still tampering.
    other = next(c for c in fx.record_at if c != cid)
    first_bad, messages = tampered(
        db, signer, lambda s: s.execute(delete(Consent).where(Consent.id == other))
    )
    assert first_bad == fx.record_at[other]
    assert "missing" in messages[0]


def test_a_changed_leaf_hash_in_a_tile_is_caught(db: Database, signer: Signer) -> None:
    build(db, signer, n_plain=600, n_records=0)

    def mutate(s: Session) -> None:
        nodes = s.scalar(select(TILES.c.nodes).where(TILES.c.level == 0, TILES.c.idx == 1))
        assert nodes is not None
        changed = nodes[: 5 * 32] + bytes(32) + nodes[6 * 32 :]
        s.execute(update(TILES).where(TILES.c.level == 0, TILES.c.idx == 1).values(nodes=changed))

    first_bad, _ = tampered(db, signer, mutate)
    assert first_bad == 256 + 5


def test_a_consistently_rewritten_tree_fails_its_signed_checkpoints(
    db: Database, signer: Signer
) -> None:
    fx = build(db, signer, n_plain=700, n_records=0)
    i = 400  # between the checkpoints at 350 and 450

    def mutate(s: Session) -> None:
        # Rebuild entries, tiles and state from scratch around one changed entry: every stored
        # hash agrees with the entries; only the signed checkpoints remember the truth.
        s.execute(delete(BUNDLES))
        s.execute(delete(TILES))
        s.execute(update(STATE).values(size=0, root=bytes(32)))
        forged = list(fx.entries)
        forged[i] = plain_entries(1, start=99_999, tag="forged")[0]
        log.append(s, forged)

    first_bad, messages = tampered(db, signer, mutate)
    assert first_bad == 350, messages
    assert "350..449" in messages[0]


def test_rollback_and_forged_checkpoints(db: Database, signer: Signer) -> None:
    fx = build(db, signer, n_plain=700, n_records=0)

    def shrink(s: Session) -> None:
        s.execute(delete(BUNDLES))
        s.execute(delete(TILES))
        s.execute(update(STATE).values(size=0, root=bytes(32)))
        log.append(s, fx.entries[:600])

    first_bad, messages = tampered(db, signer, shrink)
    assert first_bad == 600 and "rollback" in messages[0]

    def forge_note(s: Session) -> None:
        note = s.scalar(select(LedgerCheckpoint.note).where(LedgerCheckpoint.size == 350))
        assert note is not None
        s.execute(
            update(LedgerCheckpoint)
            .where(LedgerCheckpoint.size == 350)
            .values(note=note.replace("350", "351", 1))
        )

    first_bad, messages = tampered(db, signer, forge_note)
    assert first_bad is not None and "checkpoint 350" in messages[0]

    def change_root_column(s: Session) -> None:
        s.execute(
            update(LedgerCheckpoint).where(LedgerCheckpoint.size == 450).values(root=bytes(32))
        )

    first_bad, messages = tampered(db, signer, change_root_column)
    assert any("differs from the signed note" in m for m in messages)


def test_without_a_key_signatures_are_not_checked_but_roots_are(
    db: Database, signer: Signer
) -> None:
    build(db, signer, n_plain=300, n_records=0)
    assert verify_log(db.sessions).ok
    first_bad, _ = tampered(
        db,
        signer,
        lambda s: s.execute(
            update(LedgerCheckpoint).where(LedgerCheckpoint.size == 150).values(root=bytes(32))
        ),
    )
    assert first_bad is not None


@pytest.mark.parametrize(
    "bad",
    [
        b'{"type":"consent.signed","commitment":"00"}',
        b'{"type":"consent.signed","commitment":5,"subject":7}',
    ],
)
def test_an_entry_no_record_claims_is_named(db: Database, signer: Signer, bad: bytes) -> None:
    with db.sessions.begin() as session:
        log.append(session, [*plain_entries(3), bad])
    report = verify_log(db.sessions)
    assert report.first_bad_index == 3
    assert "missing" in report.sorted_problems()[0].message


def test_a_row_that_names_no_entry_is_caught(db: Database, signer: Signer) -> None:
    fx = build(db, signer, n_plain=20, n_records=5)
    cid = next(iter(fx.record_at))
    for index in (-1, 25, 10_000):
        first_bad, messages = tampered(
            db,
            signer,
            functools.partial(_point_consent, cid=cid, index=index),
        )
        assert first_bad == fx.record_at[cid], messages  # its own entry is left unclaimed
        assert any("names no entry" in m for m in messages), messages


@pytest.mark.parametrize(
    ("column", "value"),
    [("signed_at", "not a date"), ("items", "{not json"), ("retention_days", "many")],
)
def test_an_invalid_value_in_a_committed_column_is_tampering_at_its_entry(
    sqlite_db: Database, signer: Signer, column: str, value: str
) -> None:
    """SQLite stores what it is given: a value that does not load is reported at the entry of
    its row, instead of stopping the verification with a traceback."""
    fx = build(sqlite_db, signer, n_plain=20, n_records=5)
    cid = sorted(fx.record_at, key=fx.record_at.__getitem__)[2]
    first_bad, messages = tampered(
        sqlite_db,
        signer,
        lambda s: s.connection().exec_driver_sql(
            f"UPDATE consents SET {column} = ? WHERE id = ?",  # noqa: S608
            (value, cid),
        ),
    )
    assert first_bad == fx.record_at[cid], messages
    assert messages[0].startswith(f"entry {fx.record_at[cid]}: record consents/{cid}")


def test_worker_processes_find_the_same(db: Database, signer: Signer) -> None:
    fx = build(db, signer, n_plain=1200, n_records=30)
    cid = next(iter(fx.record_at))
    with db.sessions.begin() as session:
        entries = list(fx.entries)
        entries[777] = b"tampered"
        rewrite_entries(session, entries)
        session.execute(update(Consent).where(Consent.id == cid).values(purpose="marketing"))
    one = verify_log(db.sessions, signer.verifier, chunk=1, workers=1)
    two = verify_log(db.sessions, signer.verifier, chunk=1, workers=2)
    assert one.sorted_problems() == two.sorted_problems()
    assert one.first_bad_index == min(777, fx.record_at[cid])
    assert (one.entries, one.records) == (two.entries, two.records)
