"""Proof that it is gone: after erasure, the raw database files hold nothing of the person.

fairscreen never stores a name, an ID number, the client's reference or anything found about
the person (finding details, source record ids) in clear, so finding none of them proves little
by itself. What these tests show besides:

- before erasure, the scanner finds none of those in clear, but finds the person's stored bytes
  (every ciphertext, the wrapped data key, the blind indexes) in the files, and the vault opens
  all of it;
- after the sweep, none of those bytes is anywhere in the SQLite main file or its WAL (secure
  delete zeroed what was freed, the checkpoint moved it into the main file and cut the WAL),
  nothing is left to open, and another person's bytes are still found (the scan works);
- the ledger still verifies, and the person's pseudonym leads nowhere.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

import fairscreen.models as m
from fairscreen.kit.db import secret_columns
from fairscreen.ledger import log
from fairscreen.retention.compact import compact
from fairscreen.retention.sweep import sweep
from fairscreen.vault import Vault, reindex, rotation
from fairscreen.vault.keys import KeyProviderError
from tests.conftest import Database
from tests.ledger.full import verify_log
from tests.retention.footprint import footprint, gone, haystack, labels
from tests.retention.people import TODAY, Person, expire, new_tag, opens, screen_people
from tests.retention.scan import Hit, Needle, byte_needles, scan, sqlite_files, text_needles


def plaintext_needles(p: Person) -> list[Needle]:
    """What is never stored in clear: who they are and what was found (the source record ids
    too, which can name a public judgment)."""
    return (
        text_needles("name", [p.name])
        + text_needles("id number", [p.id_number])
        + text_needles("client reference", [p.ref])
        + text_needles("finding text", p.texts)
        + text_needles("finding reference", p.refs)
    )


def stored_needles(p: Person) -> list[Needle]:
    """The bytes fairscreen stored for the person: ciphertexts, wrapped key, the blind indexes
    of their ID number and of the client's reference."""
    return (
        byte_needles("ciphertext", p.ciphertexts)
        + byte_needles("wrapped data key", [p.wrapped_key])
        + byte_needles("blind index", [p.blind_index], prefix=32)
        + byte_needles("client reference index", [p.ref_index], prefix=32)
    )


def world_needles(p: Person) -> list[Needle]:
    """What the world file says of them in clear (client and consent references, source record
    ids, case number, birth date, ...), in every encoding the scan knows."""
    return text_needles("world", [v for v in p.world if len(v) >= 6])


def _labels(hits: list[Hit]) -> list[str]:
    return sorted({f"{h.needle} in {Path(h.path).name}" for h in hits})


def test_an_erased_candidate_leaves_no_trace_in_the_sqlite_files(
    sqlite_db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(sqlite_db, vault, tmp_path)
    target, other = world.target, world.people["C2"]
    database = Path(make_url(sqlite_db.url).database or "")
    files = sqlite_files(database)
    assert target.refs and target.texts and len(target.ciphertexts) >= 6

    # Before: never in clear, but every stored byte of theirs is there and opens.
    assert scan(files, plaintext_needles(target)) == []
    found = {h.needle for h in scan(files, stored_needles(target))}
    stored_as = {n.label for n in stored_needles(target) if "utf-16" not in n.label}
    assert found == stored_as, "the scan finds what is stored, as it is stored"
    assert opens(sqlite_db, vault, target.candidate_id) == "all"

    expire(sqlite_db, vault, target.ref)
    result = sweep(sqlite_db.sessions, today=TODAY)
    assert result.destroyed == 1 and result.wal_checkpoint == "truncated"
    assert Path(f"{database}-wal").stat().st_size == 0

    # After: nothing of theirs, in any encoding, anywhere in the files; nothing left to open.
    assert _labels(scan(files, plaintext_needles(target) + stored_needles(target))) == []
    assert opens(sqlite_db, vault, target.candidate_id) == "none"
    # The scan still finds the same kinds of bytes of someone who was not erased.
    assert scan(files, stored_needles(other)), "positive control"
    assert opens(sqlite_db, vault, other.candidate_id) == "all"

    # The ledger verifies; their pseudonym is only in the log and the destroyed-subjects list,
    # and nothing can recompute it (the data key is gone) or find them by ID number.
    report = verify_log(sqlite_db.sessions)
    assert report.ok and report.records_destroyed > 0
    with sqlite_db.sessions() as s:
        kept = [orjson.loads(log.read_entry(s, i)) for i in target.ledger_indexes]
    assert kept and all(e["subject"] == target.subject for e in kept), "the log is unchanged"
    with sqlite_db.sessions() as s:
        assert s.get(m.DestroyedSubject, target.subject) is not None
        assert (
            s.scalars(select(m.Candidate).where(m.Candidate.subject_ref == target.subject)).all()
            == []
        )
        index = vault.blind_index("cn_resident_id", target.id_number)
        assert (
            s.scalars(select(m.Candidate).where(m.Candidate.id_number_index == index)).all() == []
        )


PG_DATA = os.environ.get("FAIRSCREEN_TEST_PG_DATA")
PG_BIN = os.environ.get("FAIRSCREEN_TEST_PG_BIN")


def _hex_needles(needles: list[Needle]) -> list[Needle]:
    """pg_dump writes bytea as ``\\x`` and lowercase hex."""
    return [Needle(f"{n.label} (hex)", n.data.hex().encode()) for n in needles]


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_after_the_documented_procedure_postgresql_keeps_nothing_that_opens(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    """PostgreSQL, after erasure and the procedure of docs/retention.md ("Operator duties"):
    ``fairscreen retention compact``, then the KEK rotated and the old version retired.

    - table files (the database's directory: every table, index, TOAST table and the catalogs,
      ``pg_statistic`` among them) and ``pg_dump``: no value of any row that was theirs (found
      generically: tests/retention/footprint.py), nothing the world file says of them in clear,
      no ciphertext, wrapped key or blind index of theirs;
    - ``pg_stats``: no sealed or blind-index column sampled at all;
    - ``pg_wal``: it keeps what was written at screening time, the wrapped data key among
      them; none of it opens any more, because the KEK version that wrapped it is destroyed.
    - the blind index in ``pg_wal`` no longer confirms the ID number: the index secret it was
      computed under is destroyed (``keys rotate --index``)."""
    if not PG_DATA or not PG_BIN:
        pytest.skip(
            "the PostgreSQL file scan needs the server's data directory and binaries: run it "
            "under scripts/test (FAIRSCREEN_TEST_PG_DATA and FAIRSCREEN_TEST_PG_BIN are not set)"
        )
    data_dir, pg_dump = Path(PG_DATA), Path(PG_BIN) / "pg_dump"
    if not os.access(data_dir / "base", os.R_OK | os.X_OK):
        pytest.skip(f"{data_dir} is not readable by this user (the scan reads it as root)")
    tag = new_tag()
    world = screen_people(
        db, vault, tmp_path, tag=tag, prefix=f"CLIENT-{tag}-", court_case=True, others=3
    )
    target, other = world.target, world.people[f"CLIENT-{tag}-C2"]
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        oid = conn.execute(
            text("SELECT oid FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
        conn.execute(text("ANALYZE"))  # what autovacuum does while the data is live
        conn.execute(text("CHECKPOINT"))
    database_files = [data_dir / "base" / str(oid)]
    wal = [data_dir / "pg_wal"]
    before = footprint(db.engine, target.candidate_id)

    # Before: stored as ciphertext only; the bytes are in the table files and they open.
    assert scan([data_dir], plaintext_needles(target)) == []
    found = {h.needle for h in scan(database_files, stored_needles(target))}
    assert {n.label for n in byte_needles("ciphertext", target.ciphertexts)} <= found
    assert opens(db, vault, target.candidate_id) == "all"

    # Erasure, then the documented procedure.
    expire(db, vault, target.ref)
    assert sweep(db.sessions, today=TODAY).durability == "compact_pending"
    assert opens(db, vault, target.candidate_id) == "none"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CHECKPOINT"))
        dead = len(scan(database_files, stored_needles(target)))
    compacted = compact(db.engine)
    assert compacted.complete, compacted
    old_version = vault.provider.current_version()
    rotation.rotate(db.sessions, vault.provider, new_version=True)
    rotation.retire(db.sessions, old_version, [vault.provider])
    old_index = vault.provider.current_index_version()
    rotated = reindex.rotate_index(db.sessions, vault)
    assert rotated.retired == [old_index] and not rotated.failed

    after = haystack(db.engine)
    generic = gone(before, after)
    assert {
        "candidates.name_ct",
        "candidates.id_number_index",
        "candidates.external_ref_index",
        "candidates.external_ref_ct",
        "data_keys.wrapped",
        "reports.content_ct",
    } <= labels(generic), "the footprint found their rows, and erasure took these out"
    theirs = generic + plaintext_needles(target) + stored_needles(target) + world_needles(target)

    # The table files, the catalogs (pg_statistic and its TOAST table) included.
    hits = _labels(scan(database_files, theirs))
    assert hits == [], f"in the table files after compact (right after the sweep: {dead} hits)"
    assert scan(database_files, stored_needles(other)), "positive control"
    with db.engine.connect() as conn:
        sampled = {
            (r.tablename, r.attname)
            for r in conn.execute(
                text("SELECT tablename, attname FROM pg_stats WHERE schemaname = current_schema()")
            )
        }
    assert sampled & {(c.table.name, c.name) for c in secret_columns()} == set()
    assert ("candidates", "retain_until") in sampled

    # pg_dump: the logical copy a backup takes.
    dump = tmp_path / "dump.sql"
    url = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run([str(pg_dump), "--dbname", url, "--file", str(dump)], check=True)
    assert _labels(scan([dump], theirs + _hex_needles(generic + stored_needles(target)))) == []
    assert scan([dump], _hex_needles(byte_needles("ciphertext", other.ciphertexts))), (
        "positive control: pg_dump writes the others' ciphertexts"
    )

    # pg_wal: the name, ID number, birth date and texts were never written in clear; what was
    # written (ciphertexts, the wrapped data key) no longer opens: its KEK version is gone.
    assert _labels(scan(wal, plaintext_needles(target))) == []
    in_wal = {h.needle for h in scan(wal, stored_needles(target))}
    assert "wrapped data key[0]" in in_wal, "the WAL keeps the wrapped key (the scan works)"
    with pytest.raises(KeyProviderError):
        vault.sealer("wal-copy", old_version, target.wrapped_key)
    assert opens(db, vault, other.candidate_id) == "all", "the living still open"

    # The blind index in the WAL is an HMAC under an index secret that is destroyed now: with
    # today's key file (or token) it no longer confirms their ID number.
    assert old_index not in vault.provider.index_versions()
    assert target.blind_index not in vault.lookup_indexes("cn_resident_id", target.id_number)
