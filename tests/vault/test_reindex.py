"""Blind-index secret rotation on SQLite and PostgreSQL, with the key file and with SoftHSM2:
every blind index rebuilt under the new secret, the old one destroyed, lookups finding everyone
at every step, and a real ``fairscreen keys rotate --index`` killed with SIGKILL mid-way that a
second run finishes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pkcs11
import pytest
from pkcs11 import Attribute, KeyType, ObjectClass
from sqlalchemy import select, text, update

import fairscreen.models  # noqa: F401  (every table and blind-index registration)
from fairscreen.candidates.models import CLIENT_REF, Candidate
from fairscreen.candidates.service import ids_by_ref
from fairscreen.kit.db import Base, BlindIndex
from fairscreen.retention.deletion import _matching_candidates
from fairscreen.vault import reindex
from fairscreen.vault.blind import VERSION_COLUMN, registered
from fairscreen.vault.core import Vault
from fairscreen.vault.keys import LocalKeyFile
from fairscreen.vault.models import KeyBinding
from fairscreen.vault.pkcs11 import INDEX_LABEL, Pkcs11Provider
from fairscreen.vault.providers import CREATE, open_vault
from tests.conftest import Database
from tests.vault.conftest import PIN, Hsm, KeySetup
from tests.vault.sealed import KIND, Sealed, assert_all_open, make_candidates


class Counter:
    def __init__(self, stop_after: int | None = None) -> None:
        self.started: tuple[int, int, bool] | None = None
        self.batches = 0
        self.stop_after = stop_after

    def start(self, version: int, total: int, *, resumed: bool) -> None:
        self.started = (version, total, resumed)

    def advance(self, rows: int) -> None:
        self.batches += 1
        if self.stop_after is not None and self.batches >= self.stop_after:
            raise KeyboardInterrupt  # the operator's Ctrl-C between two batches


def _rows(db: Database) -> dict[str, tuple[int, bytes | None, bytes | None]]:
    with db.sessions() as session:
        found = session.execute(
            select(
                Candidate.id,
                Candidate.blind_index_version,
                Candidate.id_number_index,
                Candidate.external_ref_index,
            )
        ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in found}


def assert_each_under_exactly_one_secret(db: Database, vault: Vault, people: list[Sealed]) -> None:
    """Both blind indexes of every row are the indexes of its values under the secret the row
    names, and under no other live secret."""
    live = vault.provider.index_versions()
    rows = _rows(db)

    def under(person: Sealed, v: int) -> tuple[bytes, bytes]:
        return (
            vault.blind_index(KIND, person.id_number, version=v),
            vault.blind_index(CLIENT_REF, person.ref, canonical=False, version=v),
        )

    for person in people:
        version, number_index, ref_index = rows[person.candidate_id]
        assert version in live
        assert (number_index, ref_index) == under(person, version)
        for other in live:
            if other != version:
                assert number_index not in under(person, other)
                assert ref_index not in under(person, other)


def assert_everyone_is_found(db: Database, vault: Vault, people: list[Sealed]) -> None:
    """The lookups fairscreen makes find each person, and only them: by ID number and name
    (``fairscreen deletion verify``) and by the client's reference (screening, holds)."""
    with db.sessions() as session:
        for person in people:
            found = _matching_candidates(session, vault, KIND, person.id_number, person.name)
            assert found == [person.candidate_id], person
        by_ref = ids_by_ref(session, vault, [p.ref for p in people])
    assert by_ref == {p.ref: p.candidate_id for p in people}


def _token_index_labels(keys: KeySetup) -> list[str]:
    assert keys.hsm is not None
    lib = pkcs11.lib(str(keys.hsm.module))
    slot = lib.get_token(token_label=keys.hsm.token)
    try:
        opened = slot.open(user_pin=PIN)
    except pkcs11.exceptions.UserAlreadyLoggedIn:
        opened = slot.open()
    with opened as session:
        return sorted(
            str(obj[Attribute.LABEL])
            for obj in session.get_objects(
                {
                    Attribute.CLASS: ObjectClass.SECRET_KEY,
                    Attribute.KEY_TYPE: KeyType.GENERIC_SECRET,
                }
            )
        )


def assert_secret_gone(keys: KeySetup, version: int) -> None:
    """The retired secret is out of the key file (a tombstone is left) or off the token."""
    if keys.hsm is None:
        doc = json.loads((keys.data_dir / "kek.json").read_text())
        entry = doc["index"]["secrets"][str(version)]
        assert entry["secret"] == "" and entry["retired"]
    else:
        assert f"{INDEX_LABEL}{version}" not in _token_index_labels(keys)


def _open(db: Database, keys: KeySetup) -> Vault:
    vault = open_vault(keys.settings(), db.sessions, mode=CREATE)
    if keys.hsm is not None:
        keys.hsm.opened.append(vault.provider)
    return vault


# -- the registry ------------------------------------------------------------------------------


def test_every_blind_index_column_is_registered_for_rebuilding() -> None:
    specs = {spec.name: spec for spec in registered()}
    marked = 0
    for table in Base.metadata.tables.values():
        for column in table.c:
            if isinstance(column.type, BlindIndex):
                marked += 1
                assert table.name in specs, f"{table.name}.{column.name} is not registered"
                assert column.name in specs[table.name].columns, f"{table.name}.{column.name}"
        if VERSION_COLUMN in table.c:
            assert table.name in specs
    assert marked == 4  # candidates (2), candidate_accounts (1), invitations (1)
    assert specs["candidates"].columns.keys() == {"external_ref_index", "id_number_index"}
    assert specs["candidate_accounts"].columns.keys() == {"contact_index"}
    assert specs["invitations"].columns.keys() == {"client_ref_index"}


def test_a_blind_indexed_table_nobody_registered_stops_the_rotation(
    sqlite_db: Database, tmp_path: Path
) -> None:
    with sqlite_db.engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE later_things (id TEXT, {VERSION_COLUMN} INTEGER)"))
    vault = Vault(LocalKeyFile(tmp_path / "kek.json"))
    with pytest.raises(reindex.ReindexError, match="later_things"):
        reindex.rotate_index(sqlite_db.sessions, vault)
    assert vault.provider.index_versions() == [1]  # nothing was started


# -- rotation ------------------------------------------------------------------------------------


def test_rotation_rebuilds_every_index_and_destroys_the_old_secret(
    db: Database, keys: KeySetup
) -> None:
    vault = _open(db, keys)
    people = make_candidates(db, vault, 130)
    counter = Counter()

    result = reindex.rotate_index(db.sessions, vault, batch_size=25, progress=counter)

    assert (result.version, result.created, result.rebuilt, result.failed) == (2, True, 130, 0)
    assert result.retired == [1] and counter.started == (2, 130, False)
    assert counter.batches == 6
    assert vault.provider.index_versions() == [2]
    assert {v for v, _, _ in _rows(db).values()} == {2}
    assert_each_under_exactly_one_secret(db, vault, people)
    assert_everyone_is_found(db, vault, people)
    assert_all_open(db, vault, people)  # no ciphertext touched
    assert_secret_gone(keys, 1)
    with db.sessions() as session:
        old = session.get(KeyBinding, ("index", "index-1"))
        new = session.get(KeyBinding, ("index", "index-2"))
    assert old is not None and old.retired_at is not None
    assert new is not None and new.retired_at is None
    # New rows are indexed under the new secret; a second rotation makes secret 3.
    assert vault.versioned_blind_index(KIND, "x")[0] == 2
    assert reindex.rotate_index(db.sessions, vault).version == 3


def test_an_interrupted_rotation_is_finished_by_the_next_run_and_lookups_never_miss(
    db: Database, keys: KeySetup
) -> None:
    vault = _open(db, keys)
    people = make_candidates(db, vault, 100)
    stale = _open(db, keys)  # a server that opened its vault before the rotation
    with pytest.raises(KeyboardInterrupt):
        reindex.rotate_index(db.sessions, vault, batch_size=30, progress=Counter(stop_after=2))

    versions = [v for v, _, _ in _rows(db).values()]
    assert versions.count(2) == 60 and versions.count(1) == 40
    assert vault.provider.index_versions() == [1, 2]  # both live while rebuilding
    assert_each_under_exactly_one_secret(db, vault, people)
    assert_everyone_is_found(db, vault, people)
    assert_everyone_is_found(db, stale, people)  # it learns of secret 2 at its next lookup
    assert stale.versioned_blind_index(KIND, "y")[0] == 2  # and writes under it

    again = reindex.rotate_index(db.sessions, vault, batch_size=30)
    assert (again.version, again.created, again.rebuilt, again.retired) == (2, False, 40, [1])
    assert_everyone_is_found(db, stale, people)
    assert_secret_gone(keys, 1)


def test_a_row_that_does_not_open_keeps_the_old_secret_alive(db: Database, tmp_path: Path) -> None:
    vault = Vault(LocalKeyFile(tmp_path / "kek.json"))
    people = make_candidates(db, vault, 10)
    broken = people[4].candidate_id
    with db.sessions.begin() as session:
        session.execute(
            update(Candidate).where(Candidate.id == broken).values(id_document_ct=b"\x01garbage")
        )
    result = reindex.rotate_index(db.sessions, vault, batch_size=4)
    assert (result.rebuilt, result.failed, result.retired) == (9, 1, [])
    assert result.failures[0][0] == f"candidates/{broken}"
    assert vault.provider.index_versions() == [1, 2]  # the broken row is still findable
    assert_everyone_is_found(db, vault, people[:4] + people[5:])


def test_rows_a_stale_writer_left_under_a_retired_secret_are_rebuilt_by_a_rerun(
    db: Database, tmp_path: Path
) -> None:
    vault = Vault(LocalKeyFile(tmp_path / "kek.json"))
    people = make_candidates(db, vault, 5)
    old_number = vault.blind_index(KIND, people[0].id_number, version=1)
    old_ref = vault.blind_index(CLIENT_REF, people[0].ref, canonical=False, version=1)
    reindex.rotate_index(db.sessions, vault)
    with db.sessions.begin() as session:  # written by a process that still had secret 1
        session.execute(
            update(Candidate)
            .where(Candidate.id == people[0].candidate_id)
            .values(id_number_index=old_number, external_ref_index=old_ref, blind_index_version=1)
        )
    assert reindex.pending(db.sessions, 2) == 1
    again = reindex.rotate_index(db.sessions, vault)
    assert (again.version, again.created, again.rebuilt) == (2, False, 1)
    assert_everyone_is_found(db, vault, people)


# -- kill -9 -------------------------------------------------------------------------------------

_KILLER = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

seen = 0
target, when = sys.argv[1], int(sys.argv[2])

@event.listens_for(Engine, "after_cursor_execute")
def _die(conn, cursor, statement, params, context, executemany):
    # The statement has run but its transaction is not committed: kill -9 now.
    global seen
    if statement.lstrip().upper().startswith(target):
        seen += 1
        if seen == when:
            os.kill(os.getpid(), signal.SIGKILL)

from fairscreen.cli import app
app(["keys", "rotate", "--index", "--batch-size", "40", "--quiet"])
"""


def _cli_env(db: Database, keys: KeySetup) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    env.update(keys.env())
    env["FAIRSCREEN_DATABASE_URL"] = db.url
    return env


def _kill_then_rerun(
    db: Database, keys: KeySetup, tmp_path: Path, statement: str, when: int
) -> str:
    """Kill ``keys rotate --index`` when ``statement`` has run for the ``when``-th time (before
    its commit), check the state it left, run it again, check the end state; the rerun's output."""
    vault = _open(db, keys)
    people = make_candidates(db, vault, 300)
    script = tmp_path / "reindex_and_die.py"
    script.write_text(_KILLER)
    env = _cli_env(db, keys)
    killed = subprocess.run(
        [sys.executable, str(script), statement, str(when)],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()

    # Whatever was committed, every row is under exactly one live secret and is found.
    assert_each_under_exactly_one_secret(db, vault, people)
    assert_everyone_is_found(db, vault, people)

    rerun = subprocess.run(
        [sys.executable, "-m", "fairscreen", "keys", "rotate", "--index", "--quiet"],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert {v for v, _, _ in _rows(db).values()} == {2}  # finished, and no secret 3 was made
    assert vault.provider.index_versions() == [2]
    assert_each_under_exactly_one_secret(db, vault, people)
    assert_everyone_is_found(db, vault, people)
    assert_secret_gone(keys, 1)
    return rerun.stdout.decode()


def test_kill_9_mid_rebuild_loses_nothing_and_a_rerun_finishes(
    db: Database, keys: KeySetup, tmp_path: Path
) -> None:
    # Killed inside the third batch: two batches (80 rows) are under secret 2, the rest under 1.
    out = _kill_then_rerun(db, keys, tmp_path, "UPDATE CANDIDATES", 3)
    assert "index secret 2: 220 blind indexes rebuilt" in out
    assert "retired index secret 1" in out


@pytest.mark.parametrize(
    ("statement", "when", "rebuilt_by_rerun"),
    [
        ("UPDATE CANDIDATES", 1, 300),  # the new secret exists, no batch committed yet
        ("UPDATE KEY_BINDINGS", 1, 0),  # secret 1 destroyed, its record not yet marked retired
    ],
)
def test_kill_9_before_the_first_batch_or_while_retiring(
    sqlite_db: Database,
    keys: KeySetup,
    tmp_path: Path,
    statement: str,
    when: int,
    rebuilt_by_rerun: int,
) -> None:
    out = _kill_then_rerun(sqlite_db, keys, tmp_path, statement, when)
    assert f"index secret 2: {rebuilt_by_rerun} blind indexes rebuilt" in out
    with sqlite_db.sessions() as session:
        old = session.get(KeyBinding, ("index", "index-1"))
    assert old is not None and old.retired_at is not None


def test_keys_status_shows_the_secrets_and_their_indexes(
    db: Database, keys: KeySetup, tmp_path: Path
) -> None:
    vault = _open(db, keys)
    make_candidates(db, vault, 12)
    with pytest.raises(KeyboardInterrupt):
        reindex.rotate_index(db.sessions, vault, batch_size=5, progress=Counter(stop_after=1))
    env = _cli_env(db, keys)
    shown = subprocess.run(
        [sys.executable, "-m", "fairscreen", "keys", "status"],
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert any("│ 1 " in line and "active" in line and "│ 7 " in line for line in lines)
    assert any("│ 2 " in line and "current" in line and "│ 5 " in line for line in lines)


def test_a_pkcs11_index_secret_rotation_never_exports_a_secret(
    db: Database, hsm: Hsm, tmp_path: Path
) -> None:
    keys = KeySetup("pkcs11", tmp_path / "data", hsm)
    vault = _open(db, keys)
    make_candidates(db, vault, 3)
    reindex.rotate_index(db.sessions, vault)
    assert _token_index_labels(keys) == [f"{INDEX_LABEL}2"]
    provider = vault.provider
    assert isinstance(provider, Pkcs11Provider)
    secret = provider._indexes[2]
    assert not secret[Attribute.EXTRACTABLE] and secret[Attribute.SENSITIVE]
    assert secret[Attribute.NEVER_EXTRACTABLE]  # made on the token, never imported
