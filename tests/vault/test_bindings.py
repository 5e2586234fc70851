"""Keys never appear or change silently: a key is made only for a database that depends on none,
a missing one is an error naming what depends on it, and a different one put in its place is
refused, with the key file and with a SoftHSM2 token, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from fairscreen.vault import bindings
from fairscreen.vault.core import Vault
from fairscreen.vault.keys import LocalKeyFile, index_check_value, kek_check_value
from fairscreen.vault.models import KeyBinding
from fairscreen.vault.providers import CREATE, READ, USE, key_file_path, open_vault
from fairscreen.vault.rotation import rotate
from tests.conftest import Database
from tests.vault.conftest import Hsm, KeySetup, init_token
from tests.vault.sealed import assert_all_open, make_candidates


def _recorded(db: Database) -> dict[tuple[str, str], str]:
    with db.sessions() as session:
        return {(b.kind, b.name): b.fingerprint for b in session.scalars(select(KeyBinding))}


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def test_keys_are_made_only_by_a_command_that_may_and_then_recorded(
    db: Database, keys: KeySetup
) -> None:
    settings = keys.settings()
    for mode in (READ, USE):
        with pytest.raises(bindings.MissingKeyError, match="keys init"):
            open_vault(settings, db.sessions, mode=mode)
    assert _tree(keys.data_dir) == []  # no key file (nor anything else) was made
    vault = open_vault(settings, db.sessions, mode=CREATE)
    try:
        version = vault.provider.current_version()
        assert _recorded(db) == {
            ("kek", version): kek_check_value(vault.provider, version),
            ("index", "index-1"): index_check_value(vault.provider.index_key(1)),
        }
        make_candidates(db, vault, 3)
    finally:
        vault.close()
    again = open_vault(settings, db.sessions, mode=CREATE)  # the same keys, checked, kept
    try:
        assert again.provider.current_version() == version
    finally:
        again.close()


def test_a_missing_key_file_is_an_error_that_says_what_depends_on_it(
    db: Database, tmp_path: Path
) -> None:
    settings = KeySetup("local", tmp_path / "data").settings()
    vault = open_vault(settings, db.sessions, mode=CREATE)
    sealed = make_candidates(db, vault, 3)
    path = key_file_path(settings)
    backup = tmp_path / "backup.json"
    shutil.copy2(path, backup)
    path.unlink()

    for mode in (READ, USE, CREATE):  # even the first-screening mode makes no new one
        with pytest.raises(bindings.MissingKeyError) as caught:
            open_vault(settings, db.sessions, mode=mode)
        message = str(caught.value)
        assert f"{path}: the key file is missing" in message
        assert "3 data keys under local-1" in message
        assert "3 blind indexes under index secret 1" in message
        assert "Restore kek.json from backup" in message and "docs/vault.md" in message
        assert not path.exists()

    shutil.copy2(backup, path)  # the restore procedure
    assert_all_open(db, open_vault(settings, db.sessions, mode=READ), sealed)


def test_a_token_without_the_keys_the_database_needs_is_an_error(
    db: Database, hsm: Hsm, tmp_path: Path
) -> None:
    settings = KeySetup("pkcs11", tmp_path / "data", hsm).settings()
    vault = open_vault(settings, db.sessions, mode=CREATE)
    make_candidates(db, vault, 4)
    vault.close()
    other = Hsm(hsm.conf, hsm.token + "-new")  # a fresh token, or a wrong label in the settings
    init_token(hsm.conf, other.token)
    for mode in (READ, CREATE):
        with pytest.raises(bindings.MissingKeyError) as caught:
            open_vault(
                KeySetup("pkcs11", tmp_path / "data", other).settings(), db.sessions, mode=mode
            )
        assert other.token in str(caught.value) and "4 data keys under hsm-1" in str(caught.value)
    with pytest.raises(Exception, match="no fairscreen KEK"):
        other.open(create=False)  # and the fresh token was left empty


def test_a_different_key_file_put_in_place_is_refused(db: Database, tmp_path: Path) -> None:
    settings = KeySetup("local", tmp_path / "data").settings()
    vault = open_vault(settings, db.sessions, mode=CREATE)
    make_candidates(db, vault, 2)
    path = key_file_path(settings)
    path.unlink()
    LocalKeyFile(path)  # a fresh file where the old one was: its own local-1

    for mode in (READ, USE, CREATE):
        with pytest.raises(bindings.KeyMismatchError) as caught:
            open_vault(settings, db.sessions, mode=mode)
        message = str(caught.value)
        assert f"key file {path}: KEK local-1 is not the one the database" in message
        assert "check value" in message and "Put the original back" in message


def test_a_different_index_secret_alone_is_refused(db: Database, tmp_path: Path) -> None:
    settings = KeySetup("local", tmp_path / "data").settings()
    vault = open_vault(settings, db.sessions, mode=CREATE)
    make_candidates(db, vault, 2)
    path = key_file_path(settings)
    doc = json.loads(path.read_text())
    doc["index"]["secrets"]["1"]["secret"] = base64.b64encode(os.urandom(32)).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(bindings.KeyMismatchError, match="index secret 1 is not the one"):
        open_vault(settings, db.sessions, mode=USE)


def test_another_token_with_its_own_keys_is_refused(db: Database, hsm: Hsm, tmp_path: Path) -> None:
    vault = open_vault(KeySetup("pkcs11", tmp_path / "a", hsm).settings(), db.sessions, mode=CREATE)
    make_candidates(db, vault, 2)
    vault.close()
    other = Hsm(hsm.conf, hsm.token + "-other")
    init_token(hsm.conf, other.token)
    other.open().close()  # that token has its own hsm-1 and index secret 1
    with pytest.raises(bindings.KeyMismatchError, match="KEK hsm-1 is not the one"):
        open_vault(KeySetup("pkcs11", tmp_path / "b", other).settings(), db.sessions, mode=READ)


def test_a_database_from_before_the_record_is_checked_by_trial_then_recorded(
    db: Database, tmp_path: Path
) -> None:
    right = LocalKeyFile(tmp_path / "right" / "kek.json")
    make_candidates(db, Vault(right), 3)  # written as the previous version did: nothing recorded
    assert _recorded(db) == {}
    settings = KeySetup("local", tmp_path / "data").settings()
    key_file_path(settings).parent.mkdir()
    LocalKeyFile(key_file_path(settings))  # the wrong file
    with pytest.raises(bindings.KeyMismatchError, match="do not unwrap"):
        open_vault(settings, db.sessions, mode=USE)

    shutil.copy2(right.path, key_file_path(settings))
    open_vault(settings, db.sessions, mode=READ).close()
    assert _recorded(db) == {}  # a reader records nothing
    open_vault(settings, db.sessions, mode=USE).close()
    assert set(_recorded(db)) == {("kek", "local-1"), ("index", "index-1")}


def test_a_wrong_index_secret_is_found_by_trial_before_anything_is_recorded(
    db: Database, tmp_path: Path
) -> None:
    settings = KeySetup("local", tmp_path / "data").settings()
    vault = open_vault(settings, db.sessions, mode=CREATE)
    make_candidates(db, vault, 2)
    with db.sessions.begin() as session:
        session.execute(delete(KeyBinding))
    path = key_file_path(settings)
    doc = json.loads(path.read_text())
    doc["index"]["secrets"]["1"]["secret"] = base64.b64encode(os.urandom(32)).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(bindings.KeyMismatchError, match="blind indexes stored under it"):
        open_vault(settings, db.sessions, mode=USE)
    assert _recorded(db) == {}


def test_a_key_file_restored_from_before_a_rotation_is_missing_a_version(
    db: Database, tmp_path: Path
) -> None:
    settings = KeySetup("local", tmp_path / "data").settings()
    vault = open_vault(settings, db.sessions, mode=CREATE)
    make_candidates(db, vault, 5)
    old = tmp_path / "old-backup.json"
    shutil.copy2(key_file_path(settings), old)
    rotate(db.sessions, vault.provider)  # everything now under local-2
    shutil.copy2(old, key_file_path(settings))  # the wrong (too old) backup
    with pytest.raises(bindings.MissingKeyError, match="KEK version local-2 is missing"):
        open_vault(settings, db.sessions, mode=READ)


def test_keys_init_makes_the_keys_of_an_empty_database_once(
    db: Database, keys: KeySetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from fairscreen.cli import app
    from fairscreen.kit.settings import get_settings

    for name in [k for k in os.environ if k.startswith("FAIRSCREEN_")]:
        monkeypatch.delenv(name)
    for name, value in {**keys.env(), "FAIRSCREEN_DATABASE_URL": db.url}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        made = runner.invoke(app, ["keys", "init"])
        assert made.exit_code == 0, made.output
        assert "index secret 1" in made.output and "ledger signing key" in made.output
        recorded = _recorded(db)
        assert {kind for kind, _ in recorded} == {"kek", "index", "signing"}
        again = runner.invoke(app, ["keys", "init"])  # checks, replaces nothing
        assert again.exit_code == 0
        assert ("checked" if keys.hsm is None else "ready on the token") in again.output
        assert _recorded(db) == recorded
        if keys.hsm is None:
            assert sorted(p.name for p in keys.data_dir.iterdir() if p.suffix != ".lock") == [
                "kek.json",
                "ledger-signing.key",
            ]
            vault = open_vault(keys.settings(), db.sessions)
            make_candidates(db, vault, 1)
            key_file_path(keys.settings()).unlink()
            refused = runner.invoke(app, ["keys", "init"])
            assert refused.exit_code == 4  # the environment (README, "Exit status")
            assert "the key file is missing" in refused.output
            assert not key_file_path(keys.settings()).exists()
        else:
            assert sorted(p.name for p in keys.data_dir.iterdir()) == []  # all on the token
    finally:
        get_settings.cache_clear()
