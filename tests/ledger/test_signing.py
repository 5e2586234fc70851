"""The log's signing key: made only when nothing depends on it, never replaced silently, checked
against the key the database recorded, and kept on the PKCS#11 token (Ed25519, CKM_EDDSA) in
HSM mode."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pkcs11
import pytest
from pkcs11 import Attribute, KeyType, ObjectClass
from sqlalchemy import delete, func, select

from fairscreen.kit.settings import Settings
from fairscreen.ledger import checkpoints, log
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.models import LedgerCheckpoint
from fairscreen.ledger.note import Signer, open_checkpoint, sign_note
from fairscreen.ledger.signing import (
    MissingSigningKeyError,
    WrongSigningKeyError,
    load_signer,
    load_verifier,
)
from fairscreen.vault.models import KeyBinding
from fairscreen.vault.pkcs11 import SIGNING_LABEL
from tests.conftest import Database
from tests.ledger.conftest import ORIGIN, plain_entries
from tests.vault.conftest import PIN, Hsm


def _settings(data: Path, **extra: object) -> Settings:
    return Settings(data_dir=data, log_origin=ORIGIN, **extra)  # type: ignore[arg-type]


def _hsm_settings(data: Path, token: Hsm) -> Settings:
    return _settings(
        data,
        key_provider="pkcs11",
        pkcs11_module=token.module,
        pkcs11_token=token.token,
        pkcs11_pin=token.pin,
    )


def _signed_log(db: Database, signer: Signer, n: int = 100) -> None:
    with db.sessions.begin() as session:
        log.append(session, plain_entries(n))
    checkpoints.publish(db.sessions, signer)


def _checkpoints(db: Database) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(LedgerCheckpoint)) or 0)


# -- the key file ------------------------------------------------------------------------------


def test_key_file_is_created_private_and_reused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(tmp_path / "d")
    caplog.set_level(logging.INFO, logger="fairscreen.ledger.signing")
    signer = checkpoints.load_signer(settings, create=True)
    path = checkpoints.key_path(settings)
    assert path.stat().st_mode & 0o777 == 0o600
    assert signer.name == ORIGIN and signer.holder == "file"
    assert checkpoints.load_signer(settings).verifier == signer.verifier
    secret = path.read_text().strip()
    assert secret.split("+", 4)[4] not in caplog.text  # the key is never logged
    assert signer.verifier.text() in caplog.text  # the public key may be


def test_key_file_is_refused_when_readable_or_for_another_origin(tmp_path: Path) -> None:
    path = tmp_path / "d" / checkpoints.KEY_FILE
    path.parent.mkdir()
    path.write_text(Signer.generate("someone.else/log").secret_text())
    path.chmod(0o600)
    with pytest.raises(LedgerError, match=r"someone\.else/log"):
        checkpoints.load_signer(_settings(tmp_path / "d"))
    path.write_text(Signer.generate(ORIGIN).secret_text())
    path.chmod(0o644)
    with pytest.raises(LedgerError, match="chmod 600"):
        checkpoints.load_signer(Settings(data_dir=tmp_path / "d", log_origin=ORIGIN + "x"))
    with pytest.raises(LedgerError, match="no ledger signing key yet"):
        checkpoints.load_signer(_settings(tmp_path / "none"))
    assert not (tmp_path / "none").exists()  # without create nothing is made, not even the dir


def test_a_missing_key_is_never_remade_once_checkpoints_depend_on_it(
    db: Database, tmp_path: Path
) -> None:
    settings = _settings(tmp_path / "d")
    signer = load_signer(settings, sessions=db.sessions, create=True)
    _signed_log(db, signer)
    checkpoints.key_path(settings).unlink()  # lost: a disk swap, a careless clean-up

    with pytest.raises(MissingSigningKeyError) as caught:
        load_signer(settings, sessions=db.sessions, create=True)
    message = str(caught.value)
    assert str(checkpoints.key_path(settings)) in message
    assert "1 signed checkpoint over 100 ledger entries" in message
    assert "Restore it from backup" in message and "docs/ledger.md" in message
    assert "--key" in message  # verifying still works with the public key alone
    assert not checkpoints.key_path(settings).exists()
    with pytest.raises(MissingSigningKeyError):
        load_verifier(settings, sessions=db.sessions)

    # Put back from backup: everything works again.
    path = checkpoints.key_path(settings)
    path.write_text(signer.secret_text() + "\n")
    path.chmod(0o600)
    assert load_signer(settings, sessions=db.sessions).verifier == signer.verifier


def test_a_different_key_is_refused_and_signs_nothing(db: Database, tmp_path: Path) -> None:
    settings = _settings(tmp_path / "d")
    signer = load_signer(settings, sessions=db.sessions, create=True)
    with db.sessions() as session:
        recorded = session.get(KeyBinding, ("signing", ORIGIN))
    assert recorded is not None and recorded.fingerprint == signer.verifier.text()
    _signed_log(db, signer)
    impostor = Signer.generate(ORIGIN)
    path = checkpoints.key_path(settings)
    path.write_text(impostor.secret_text() + "\n")  # another key file put in place

    with pytest.raises(WrongSigningKeyError, match="fork"):
        load_signer(settings, sessions=db.sessions)
    with pytest.raises(WrongSigningKeyError):
        load_verifier(settings, sessions=db.sessions)
    with db.sessions.begin() as session:
        log.append(session, plain_entries(5, start=100))
    with pytest.raises(LedgerError, match="refusing to sign"):
        checkpoints.publish(db.sessions, impostor)  # whoever calls it, with whatever key
    assert _checkpoints(db) == 1


def test_a_database_from_before_the_record_is_checked_against_its_checkpoints(
    db: Database, signer: Signer, tmp_path: Path
) -> None:
    _signed_log(db, signer)
    with db.sessions.begin() as session:
        session.execute(delete(KeyBinding))  # as a database migrated from 0003 looks
    settings = _settings(tmp_path / "d")
    path = checkpoints.key_path(settings)
    path.parent.mkdir()
    path.write_text(Signer.generate(ORIGIN).secret_text() + "\n")
    path.chmod(0o600)
    with pytest.raises(WrongSigningKeyError, match="did not sign the checkpoints"):
        load_signer(settings, sessions=db.sessions)
    path.write_text(signer.secret_text() + "\n")
    assert load_signer(settings, sessions=db.sessions).verifier == signer.verifier
    with db.sessions() as session:  # and now it is recorded
        assert session.get(KeyBinding, ("signing", ORIGIN)) is not None


def test_a_log_with_entries_but_no_checkpoint_may_get_its_first_key(
    db: Database, tmp_path: Path
) -> None:
    with db.sessions.begin() as session:
        log.append(session, plain_entries(10))  # nothing signed them: no key depends on them
    settings = _settings(tmp_path / "d")
    with pytest.raises(MissingSigningKeyError, match="does not make one"):
        load_signer(settings, sessions=db.sessions)
    signer = load_signer(settings, sessions=db.sessions, create=True)
    assert checkpoints.publish(db.sessions, signer).size == 10


# -- on the token ------------------------------------------------------------------------------


@pytest.fixture
def signers() -> Iterator[list[Signer]]:
    """Token signers made by a test, whose logins are closed after it (one per process)."""
    made: list[Signer] = []
    yield made
    for signer in reversed(made):
        signer.close()


def _token_objects(token: Hsm) -> dict[ObjectClass, dict[Attribute, object]]:
    lib = pkcs11.lib(str(token.module))
    found: dict[ObjectClass, dict[Attribute, object]] = {}
    slot = lib.get_token(token_label=token.token)
    try:
        opened = slot.open(user_pin=PIN)
    except pkcs11.exceptions.UserAlreadyLoggedIn:  # a signer of this test holds the login
        opened = slot.open()
    with opened as session:
        for obj in session.get_objects({Attribute.KEY_TYPE: KeyType.EC_EDWARDS}):
            attrs = [Attribute.LABEL, Attribute.TOKEN]
            if obj.object_class == ObjectClass.PRIVATE_KEY:
                attrs += [
                    Attribute.SENSITIVE,
                    Attribute.EXTRACTABLE,
                    Attribute.ALWAYS_SENSITIVE,
                    Attribute.NEVER_EXTRACTABLE,
                    Attribute.SIGN,
                ]
            assert obj.object_class is not None
            found[obj.object_class] = {a: obj[a] for a in attrs}
    return found


def test_in_hsm_mode_the_signing_key_is_an_ed25519_pair_on_the_token(
    db: Database, hsm: Hsm, tmp_path: Path, signers: list[Signer]
) -> None:
    settings = _hsm_settings(tmp_path / "d", hsm)
    with pytest.raises(MissingSigningKeyError, match="does not make one"):
        load_signer(settings, sessions=db.sessions)
    signer = load_signer(settings, sessions=db.sessions, create=True)
    signers.append(signer)
    assert signer.holder == "pkcs11"
    with pytest.raises(Exception, match="held by a token"):
        signer.secret_text()
    objects = _token_objects(hsm)
    private = objects[ObjectClass.PRIVATE_KEY]
    assert private[Attribute.LABEL] == SIGNING_LABEL + ORIGIN
    assert private[Attribute.TOKEN] and private[Attribute.SENSITIVE]
    assert not private[Attribute.EXTRACTABLE]
    assert private[Attribute.ALWAYS_SENSITIVE] and private[Attribute.NEVER_EXTRACTABLE]
    assert ObjectClass.PUBLIC_KEY in objects

    _signed_log(db, signer)  # a C2SP checkpoint signed inside the token (CKM_EDDSA)
    with db.sessions() as session:
        note = session.scalars(select(LedgerCheckpoint.note)).one()
    checkpoint, _ = open_checkpoint(note, signer.verifier)
    assert checkpoint.size == 100
    assert load_verifier(settings, sessions=db.sessions) == signer.verifier
    again = load_signer(settings, sessions=db.sessions, create=True)
    signers.append(again)
    assert again.verifier == signer.verifier  # the same key, not a second one
    assert not (tmp_path / "d").exists()  # no key file, no data directory: nothing on disk


def test_moving_to_the_hsm_imports_the_key_file_and_asks_to_shred_it(
    db: Database,
    hsm: Hsm,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    signers: list[Signer],
) -> None:
    data = tmp_path / "d"
    signer = load_signer(_settings(data), sessions=db.sessions, create=True)
    _signed_log(db, signer)
    caplog.set_level(logging.WARNING, logger="fairscreen.ledger.signing")
    settings = _hsm_settings(data, hsm)
    assert load_verifier(settings, sessions=db.sessions) == signer.verifier  # read: no import
    assert _token_objects(hsm) == {}
    moved = load_signer(settings, sessions=db.sessions)
    signers.append(moved)
    assert moved.holder == "pkcs11" and moved.verifier == signer.verifier
    assert not _token_objects(hsm)[ObjectClass.PRIVATE_KEY][Attribute.EXTRACTABLE]
    assert "shred" in caplog.text and str(checkpoints.key_path(settings)) in caplog.text
    assert signer.secret_text().split("+")[4] not in caplog.text
    # What the file key last signed moved onto the token with it.
    kept = (data / "ledger-signed.checkpoint").read_text()
    assert open_checkpoint(kept, signer.verifier)[0].size == 100
    assert moved.last_signed is not None and moved.last_signed.read() == kept
    with db.sessions.begin() as session:
        log.append(session, plain_entries(10, start=100))
    assert checkpoints.publish(db.sessions, moved).size == 110  # the log goes on, same key

    checkpoints.key_path(settings).unlink()  # shredded, as asked
    signers.append(load_signer(settings, sessions=db.sessions))
    assert signers[-1].verifier == signer.verifier


def test_a_token_without_the_key_the_checkpoints_need_is_an_error(
    db: Database, hsm: Hsm, tmp_path: Path, signer: Signer
) -> None:
    _signed_log(db, signer)
    with pytest.raises(MissingSigningKeyError) as caught:
        load_signer(_hsm_settings(tmp_path / "d", hsm), sessions=db.sessions, create=True)
    assert hsm.token in str(caught.value) and "1 signed checkpoint over" in str(caught.value)
    assert _token_objects(hsm) == {}


# -- the last signed checkpoint, outside the database ------------------------------------------


def _rewrite(db: Database, entries: list[bytes]) -> None:
    """Whoever controls the database drops every checkpoint and rewrites the tree."""
    from sqlalchemy import update

    from fairscreen.ledger import merkle
    from fairscreen.ledger.log import BUNDLES, STATE, TILES

    with db.sessions.begin() as session:
        session.execute(delete(LedgerCheckpoint))
        session.execute(delete(BUNDLES))
        session.execute(delete(TILES))
        session.execute(update(STATE).values(size=0, root=merkle.EMPTY_ROOT))
        log.append(session, entries)


@pytest.mark.parametrize("how", ["rollback", "rewrite", "rewrite-and-grow"])
def test_the_signer_refuses_what_contradicts_its_record_with_checkpoints_deleted(
    db: Database, tmp_path: Path, how: str
) -> None:
    settings = _settings(tmp_path / "d")
    signer = load_signer(settings, sessions=db.sessions, create=True)
    honest = plain_entries(1000)
    with db.sessions.begin() as session:
        log.append(session, honest)
    published = checkpoints.publish(db.sessions, signer)
    record = tmp_path / "d" / "ledger-signed.checkpoint"
    assert record.read_text() == published.note and record.stat().st_mode & 0o777 == 0o600

    forged = [*honest[:10], b"forged", *honest[11:]]
    if how == "rollback":
        _rewrite(db, honest[:500])
        expected = r"has 1000 \(rollback\)"
    elif how == "rewrite":
        _rewrite(db, forged)
        expected = "differs from the last one signed"
    else:
        _rewrite(db, [*forged, *plain_entries(50, start=1000)])
        expected = "not consistent with the last one signed"
    with pytest.raises(LedgerError, match=expected) as caught:
        checkpoints.publish(db.sessions, signer)
    assert str(record) in str(caught.value)
    assert _checkpoints(db) == 0  # nothing was signed
    assert record.read_text() == published.note


def test_the_record_is_adopted_from_the_database_once_and_must_verify(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(tmp_path / "d")
    signer = load_signer(settings, sessions=db.sessions, create=True)
    _signed_log(db, signer)
    record = tmp_path / "d" / "ledger-signed.checkpoint"
    record.unlink()  # a database from before the record
    with db.sessions.begin() as session:
        log.append(session, plain_entries(5, start=100))
    caplog.set_level(logging.WARNING)
    checkpoints.publish(db.sessions, signer)
    assert "no record of the last signed checkpoint" in caplog.text
    assert open_checkpoint(record.read_text(), signer.verifier)[0].size == 105

    record.write_text(sign_note(b"x\n1\n" + b"A" * 43 + b"=\n", [Signer.generate("x")]))
    with db.sessions.begin() as session:
        log.append(session, plain_entries(5, start=105))
    with pytest.raises(LedgerError, match="does not hold a checkpoint signed by this key"):
        checkpoints.publish(db.sessions, signer)


def test_in_hsm_mode_the_record_is_a_data_object_on_the_token(
    db: Database, hsm: Hsm, tmp_path: Path, signers: list[Signer]
) -> None:
    settings = _hsm_settings(tmp_path / "d", hsm)
    signer = load_signer(settings, sessions=db.sessions, create=True)
    signers.append(signer)
    honest = plain_entries(300)
    with db.sessions.begin() as session:
        log.append(session, honest[:200])
    checkpoints.publish(db.sessions, signer)
    with db.sessions.begin() as session:
        log.append(session, honest[200:])
    published = checkpoints.publish(db.sessions, signer)
    slot = pkcs11.lib(str(hsm.module)).get_token(token_label=hsm.token)
    with slot.open() as session:  # the signer holds this process's login
        (data,) = session.get_objects({Attribute.CLASS: ObjectClass.DATA})
        assert data[Attribute.LABEL] == "fairscreen/ledger-signed/" + ORIGIN
        assert data[Attribute.PRIVATE] and data[Attribute.TOKEN]
        assert bytes(data[Attribute.VALUE]).decode() == published.note
    _rewrite(db, [*honest[:299], b"forged"])
    with pytest.raises(LedgerError, match="differs from the last one signed"):
        checkpoints.publish(db.sessions, signer)
    assert not (tmp_path / "d").exists()
