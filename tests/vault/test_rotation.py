"""Key rotation on SQLite and PostgreSQL, with the local key file and with SoftHSM2: every data
key rewrapped, no sealed value touched, resumable after kill -9, retirement refused while needed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import delete, update
from typer.testing import CliRunner

from fairscreen.candidates.models import Candidate
from fairscreen.kit.ids import new_id
from fairscreen.kit.settings import get_settings
from fairscreen.vault import rotation
from fairscreen.vault.core import Vault
from fairscreen.vault.keys import KeyProvider, KeyProviderError, LocalKeyFile
from fairscreen.vault.models import DataKey
from fairscreen.vault.providers import CREATE, open_vault
from tests.conftest import Database
from tests.vault.conftest import Hsm, KeySetup
from tests.vault.sealed import assert_all_open, data_keys, make_candidates


class Recorder:
    def __init__(self) -> None:
        self.started: tuple[str, int, bool] | None = None
        self.advanced: list[int] = []

    def start(self, version: str, total: int, *, resumed: bool) -> None:
        self.started = (version, total, resumed)

    def advance(self, rows: int) -> None:
        self.advanced.append(rows)


def test_rotation_rewraps_every_data_key_and_touches_no_ciphertext(
    db: Database, keys: KeySetup
) -> None:
    provider = keys.open()
    vault = Vault(provider)
    first = provider.current_version()
    sealed = make_candidates(db, vault, 130)
    before = data_keys(db)
    progress = Recorder()

    result = rotation.rotate(db.sessions, provider, batch_size=25, progress=progress)

    second = provider.current_version()
    assert second != first and result.version == second and result.created
    assert (result.rewrapped, result.failed, result.vanished) == (130, 0, 0)
    assert progress.started == (second, 130, False)
    assert progress.advanced == [25] * 5 + [5]
    after = data_keys(db)
    assert set(after) == set(before)
    for key_id, (name, version, wrapped) in after.items():
        assert (name, version) == (provider.name, second)
        assert wrapped != before[key_id][2]
    assert_all_open(db, vault, sealed)  # same ciphertexts, same pseudonyms, same blind indexes
    assert rotation.pending(db.sessions, provider.name, second) == 0


def test_rerun_with_nothing_pending_makes_a_new_version(db: Database, keys: KeySetup) -> None:
    provider = keys.open()
    make_candidates(db, Vault(provider), 10)
    v2 = rotation.rotate(db.sessions, provider).version
    v3 = rotation.rotate(db.sessions, provider).version
    assert len({provider.versions()[0], v2, v3}) == 3
    assert {v for _, v, _ in data_keys(db).values()} == {v3}


def test_unfinished_rotation_is_resumed_not_restarted(db: Database, keys: KeySetup) -> None:
    provider = keys.open()
    vault = Vault(provider)
    sealed = make_candidates(db, vault, 40)
    new = provider.new_version()  # as if a run stopped right after making its version
    progress = Recorder()
    result = rotation.rotate(db.sessions, provider, progress=progress)
    assert not result.created and result.version == new and result.rewrapped == 40
    assert progress.started == (new, 40, True)
    assert provider.current_version() == new
    assert_all_open(db, vault, sealed)


def test_a_data_key_wrapped_by_a_stale_process_is_picked_up(db: Database, keys: KeySetup) -> None:
    provider = keys.open()
    old = provider.current_version()
    make_candidates(db, Vault(provider), 5)
    new = rotation.rotate(db.sessions, provider).version
    late = _insert_data_key(db, provider, old)  # a process that had not noticed the rotation
    result = rotation.rotate(db.sessions, provider)
    assert (result.created, result.version, result.rewrapped) == (False, new, 1)
    assert data_keys(db)[late][1] == new


def test_forced_new_version_moves_everything_to_it(db: Database, keys: KeySetup) -> None:
    provider = keys.open()
    vault = Vault(provider)
    sealed = make_candidates(db, vault, 12)
    provider.new_version()  # unfinished
    result = rotation.rotate(db.sessions, provider, new_version=True)
    assert result.created and result.rewrapped == 12
    assert {v for _, v, _ in data_keys(db).values()} == {result.version}
    assert_all_open(db, vault, sealed)


def _insert_data_key(db: Database, provider: KeyProvider, version: str) -> str:
    key_id = new_id()
    with db.sessions() as session, session.begin():
        session.add(
            DataKey(
                id=key_id,
                provider=provider.name,
                kek_version=version,
                wrapped=provider.wrap(version, os.urandom(32)),
                created_at=datetime.now(UTC),
            )
        )
    return key_id


# -- crashes ------------------------------------------------------------------------------------

_KILLER = """
import os, signal
from sqlalchemy import event
from sqlalchemy.engine import Engine

updates = 0

@event.listens_for(Engine, "after_cursor_execute")
def _die_inside_the_third_batch(conn, cursor, statement, params, context, executemany):
    # The third batch's UPDATE has run but its transaction is not committed: kill -9 now.
    global updates
    if statement.lstrip().upper().startswith("UPDATE DATA_KEYS"):
        updates += 1
        if updates == 3:
            os.kill(os.getpid(), signal.SIGKILL)

from fairscreen.cli import app
app(["keys", "rotate", "--batch-size", "40", "--quiet"])
"""


def _cli_env(db: Database, keys: KeySetup) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    env.update(keys.env())
    env["FAIRSCREEN_DATABASE_URL"] = db.url
    return env


def test_kill_9_mid_rotation_loses_nothing_and_a_rerun_finishes(
    db: Database, keys: KeySetup, tmp_path: Path
) -> None:
    provider = keys.open()
    vault = Vault(provider)
    old = provider.current_version()
    sealed = make_candidates(db, vault, 300)
    script = tmp_path / "rotate_and_die.py"
    script.write_text(_KILLER)
    env = _cli_env(db, keys)

    killed = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, timeout=300
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()

    # Two batches committed, the third rolled back: every row names the KEK that wraps it.
    versions = [v for _, v, _ in data_keys(db).values()]
    new = next(v for v in versions if v != old)
    assert versions.count(new) == 80 and versions.count(old) == 220
    assert_all_open(db, vault, sealed)  # the vault re-reads the key file / asks the token

    rerun = subprocess.run(
        [sys.executable, "-m", "fairscreen", "keys", "rotate", "--quiet"],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert f"KEK version {new}: 220 data keys rewrapped" in rerun.stdout.decode()
    assert {v for _, v, _ in data_keys(db).values()} == {new}
    assert provider.versions()[-1] == new  # the rerun finished that version and made no other
    assert_all_open(db, vault, sealed)


# -- concurrent changes and failures ---------------------------------------------------------


class DeletesDuringRewrap:
    """A provider that, while rewrapping one data key, has someone else delete that row (as a
    retention sweep running at the same time would)."""

    def __init__(self, inner: KeyProvider, db: Database, victim: str) -> None:
        self.inner, self.db, self.victim = inner, db, victim
        self.name = inner.name

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.inner, attr)

    def rewrap(self, wrapped: bytes, from_version: str, to_version: str) -> bytes:
        out = self.inner.rewrap(wrapped, from_version, to_version)
        if self.victim:
            with self.db.engine.begin() as conn:
                conn.execute(delete(DataKey).where(DataKey.id == self.victim))
            self.victim = ""
        return out


def test_a_row_deleted_meanwhile_stays_deleted(db: Database, tmp_path: Path) -> None:
    provider = LocalKeyFile(tmp_path / "kek.json")
    make_candidates(db, Vault(provider), 20)
    victim = sorted(data_keys(db))[3]
    with db.sessions() as session, session.begin():  # a sweep deletes the candidate first
        session.execute(delete(Candidate).where(Candidate.data_key_id == victim))
    version = provider.new_version()
    wrapper = cast(KeyProvider, DeletesDuringRewrap(provider, db, victim))
    result = rotation.rewrap_all(db.sessions, wrapper, version, batch_size=50)
    assert (result.rewrapped, result.vanished) == (19, 1)
    assert victim not in data_keys(db) and len(data_keys(db)) == 19


def test_rows_that_do_not_unwrap_are_reported_and_left_alone(db: Database, tmp_path: Path) -> None:
    provider = LocalKeyFile(tmp_path / "kek.json")
    make_candidates(db, Vault(provider), 6)
    broken = sorted(data_keys(db))[2]
    with db.sessions() as session, session.begin():
        session.execute(update(DataKey).where(DataKey.id == broken).values(wrapped=b"\x00" * 40))
    result = rotation.rotate(db.sessions, provider, batch_size=4)
    assert (result.rewrapped, result.failed) == (5, 1)
    assert result.failures[0][0] == broken and "does not unwrap" in result.failures[0][1]
    assert data_keys(db)[broken][1] == "local-1"  # untouched
    with pytest.raises(rotation.RetireError, match="1 data key still wrapped under local-1"):
        rotation.retire(db.sessions, "local-1", [provider])


# -- retirement and status ---------------------------------------------------------------------


def test_retire_is_refused_while_needed_then_destroys(db: Database, keys: KeySetup) -> None:
    provider = keys.open()
    vault = Vault(provider)
    old = provider.current_version()
    sealed = make_candidates(db, vault, 30)
    with pytest.raises(rotation.RetireError, match="current KEK version"):
        rotation.retire(db.sessions, old, [provider])
    new = provider.new_version()
    rotation.rewrap_all(db.sessions, provider, new, batch_size=10)
    _insert_data_key(db, provider, old)  # one left behind
    with pytest.raises(rotation.RetireError, match=f"1 data key still wrapped under {old}"):
        rotation.retire(db.sessions, old, [provider])
    assert old in provider.versions()  # nothing destroyed
    rotation.rotate(db.sessions, provider)
    rotation.retire(db.sessions, old, [provider])
    assert old not in provider.versions()
    with pytest.raises(rotation.RetireError, match="no open key provider"):
        rotation.retire(db.sessions, old, [provider])
    assert_all_open(db, vault, sealed)
    table = {(s.version, s.state): s.data_keys for s in rotation.status(db.sessions, [provider])}
    assert table[(new, "current")] == 31
    if provider.name == "local":
        assert table[(old, "retired")] == 0


def test_status_flags_data_keys_under_a_version_nobody_has(db: Database, tmp_path: Path) -> None:
    provider = LocalKeyFile(tmp_path / "kek.json")
    make_candidates(db, Vault(provider), 3)
    with db.sessions() as session, session.begin():
        session.execute(update(DataKey).values(kek_version="local-77"))
    rows = rotation.status(db.sessions, [provider])
    assert [(r.version, r.state, r.data_keys) for r in rows] == [
        ("local-1", "current", 0),
        ("local-77", "missing", 3),
    ]


# -- moving from the key file to an HSM --------------------------------------------------------


def test_moving_from_the_key_file_to_an_hsm(db: Database, hsm: Hsm, tmp_path: Path) -> None:
    before = open_vault(KeySetup("local", tmp_path).settings(), db.sessions, mode=CREATE)
    sealed = make_candidates(db, before, 25)
    local = before.provider

    on_token = KeySetup("pkcs11", tmp_path, hsm).settings()
    with pytest.raises(KeyProviderError, match="keys init"):
        open_vault(on_token, db.sessions)  # setting up the token is an explicit step
    during = open_vault(on_token, db.sessions, mode=CREATE)  # what `fairscreen keys init` does
    assert [r.name for r in during.readers] == ["local"]  # the key file still unwraps
    assert during.new_data_key(datetime.now(UTC)).row["provider"] == "pkcs11"
    assert_all_open(db, during, sealed)

    result = rotation.rotate(
        db.sessions, during.provider, sources={"local": during.readers[0]}, batch_size=10
    )
    assert not result.created and result.rewrapped == 25  # moved to hsm-1, no new version
    assert {(p, v) for p, v, _ in data_keys(db).values()} == {("pkcs11", "hsm-1")}
    assert_all_open(db, Vault(during.provider), sealed)

    owner = rotation.retire(db.sessions, "local-1", [during.provider, *during.readers])
    assert owner.name == "local" and local.versions() == []
    during.close()


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def cli_keys(db: Database, keys: KeySetup, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeySetup]:
    for name in [k for k in os.environ if k.startswith("FAIRSCREEN_")]:
        monkeypatch.delenv(name)
    for name, value in _cli_env(db, keys).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield keys
    get_settings.cache_clear()


def test_cli_status_rotate_retire(db: Database, cli_keys: KeySetup) -> None:
    from fairscreen.cli import app

    provider = cli_keys.open()
    old = provider.current_version()
    make_candidates(db, Vault(provider), 7)
    provider.close()  # the command opens its own (one login per token and process)
    runner = CliRunner()

    shown = runner.invoke(app, ["keys", "status"])
    assert shown.exit_code == 0, shown.output
    assert old in shown.output and "current" in shown.output and "7" in shown.output

    refused = runner.invoke(app, ["keys", "retire", old])
    assert refused.exit_code == 1 and "current KEK version" in refused.output

    rotated = runner.invoke(app, ["keys", "rotate", "--batch-size", "3"])
    assert rotated.exit_code == 0, rotated.output
    assert "new KEK version" in rotated.output and "7 data keys rewrapped" in rotated.output

    retired = runner.invoke(app, ["keys", "retire", old])
    assert retired.exit_code == 0, retired.output
    assert f"KEK version {old} destroyed" in retired.output

    unknown = runner.invoke(app, ["keys", "retire", "nope-1"])
    assert unknown.exit_code == 1 and "no open key provider" in unknown.output
