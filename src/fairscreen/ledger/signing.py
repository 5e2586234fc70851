"""The log's signing key: where it lives, when it may be made, and how it is checked.

With the local key provider the key is ``{data_dir}/ledger-signing.key`` (Go ``sumdb/note`` text
form, mode 0600). With ``FAIRSCREEN_KEY_PROVIDER=pkcs11`` it is an Ed25519 key pair on the token
(``fairscreen/ledger/<origin>``; ``CKM_EDDSA``), whose private half never leaves it; a key file
found next to it is imported once (moving to the HSM) and must then be shredded.

A signing key is never made silently. It is made only by a command allowed to (``create``: the
first screening, ``fairscreen keys init``, ``fairscreen ledger key --init``, ``serve``), and only
when the database holds nothing that depends on it: no signed checkpoint and no recorded key.
Otherwise a missing key is an error that says what depends on it and how to restore it; a new
key would sign checkpoints that no witness can reconcile with the old ones (a fork). The key
that signs a database's checkpoints is recorded in it (``key_bindings``, kind ``signing``) and
``checkpoints.publish`` refuses to sign with any other.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import transaction
from fairscreen.kit.files import atomic_write
from fairscreen.kit.settings import Settings, get_settings
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.models import LedgerCheckpoint, LedgerState
from fairscreen.ledger.note import (
    ALG_ED25519,
    NoteError,
    Signer,
    SigningKey,
    Verifier,
    open_checkpoint,
)
from fairscreen.vault import bindings
from fairscreen.vault.models import KeyBinding

if TYPE_CHECKING:
    from fairscreen.vault.pkcs11 import Pkcs11Provider

KEY_FILE = "ledger-signing.key"
SIGNED_FILE = "ledger-signed.checkpoint"
RESTORE_DOC = "docs/ledger.md, 'Restoring the signing key'"
SIGNED_LABEL = "fairscreen/ledger-signed/"

logger = logging.getLogger(__name__)


class SigningKeyError(LedgerError):
    """A signing key that is missing, unreadable, or not the one the log was signed with."""


class MissingSigningKeyError(SigningKeyError, bindings.MissingKeyError):
    """The signing key is not there."""


class WrongSigningKeyError(SigningKeyError, bindings.KeyMismatchError):
    """A signing key is there, but not the one the database's checkpoints were signed with."""


def key_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / KEY_FILE


def signed_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / SIGNED_FILE


# -- the last signed checkpoint, kept where the database cannot reach it -----------------------


class LastSigned(Protocol):
    """Where the log keeps the last checkpoint it signed, beside its signing key (a file next to
    the key file, or a data object on the token): deleting or rewriting database rows cannot
    change it, so the publisher can refuse to sign anything inconsistent with it."""

    where: str

    def read(self) -> str | None: ...

    def write(self, note: str) -> None: ...


class SignedFile:
    """``{data_dir}/ledger-signed.checkpoint``: the last signed checkpoint note (0600, replaced
    atomically: a crash leaves the old note or the new one)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def read(self) -> str | None:
        try:
            mode = self.path.stat().st_mode & 0o777
        except FileNotFoundError:
            return None
        if mode & 0o077:
            raise SigningKeyError(
                f"{self.path}: the last signed checkpoint is writable or readable by others "
                f"(mode {mode:o}); chmod 600 it"
            )
        try:
            return self.path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise SigningKeyError(f"{self.path}: cannot read it ({type(exc).__name__})") from None

    def write(self, note: str) -> None:
        atomic_write(self.path, note.encode())


class SignedObject:
    """The same record as a data object on the token (``CKO_DATA``, private, on the token),
    labelled ``fairscreen/ledger-signed/<origin>``."""

    def __init__(self, provider: Pkcs11Provider, origin: str) -> None:
        self.provider = provider
        self.origin = origin
        self.where = f"{provider.describe()}, data object {SIGNED_LABEL}{origin}"

    def read(self) -> str | None:
        data = self.provider.read_data(SIGNED_LABEL + self.origin)
        if data is None:
            return None
        try:
            return data.decode()
        except UnicodeDecodeError:
            raise SigningKeyError(f"{self.where}: not a signed checkpoint") from None

    def write(self, note: str) -> None:
        self.provider.write_data(SIGNED_LABEL + self.origin, note.encode())


class LogSigner(Signer):
    """The log's signer together with its record of the last checkpoint it signed."""

    def __init__(self, name: str, private_key: SigningKey, last_signed: LastSigned) -> None:
        super().__init__(name, private_key)
        self.last_signed = last_signed


# -- what depends on the key -----------------------------------------------------------------


@dataclass(frozen=True)
class SigningDependents:
    checkpoints: int
    entries: int
    binding: KeyBinding | None
    database: str

    def needs(self) -> list[str]:
        needs = []
        if self.checkpoints:
            needs.append(
                f"{bindings.counted(self.checkpoints, 'signed checkpoint')} over "
                f"{bindings.counted(self.entries, 'ledger entry', 'ledger entries')} "
                "(witnesses and receipt holders have its public key)"
            )
        if self.binding is not None and not self.checkpoints:
            needs.append(f"the signing key it recorded ({self.binding.fingerprint})")
        return needs


def signing_dependents(session: Session, origin: str) -> SigningDependents:
    binding = session.get(KeyBinding, (bindings.SIGNING, origin))
    if binding is not None and binding.retired_at is not None:
        binding = None
    return SigningDependents(
        checkpoints=int(session.scalar(select(func.count()).select_from(LedgerCheckpoint)) or 0),
        entries=int(session.scalar(select(func.max(LedgerState.size))) or 0),
        binding=binding,
        database=bindings.database_name(session),
    )


def check_key(session: Session, verifier: Verifier, where: str) -> bool:
    """Refuse ``verifier`` unless it is the key recorded for its origin, or, where none is
    recorded yet, the key that signed the latest checkpoint. True if it is already recorded."""
    binding = session.get(KeyBinding, (bindings.SIGNING, verifier.name))
    if binding is not None and binding.retired_at is None:
        if binding.fingerprint == verifier.text():
            return True
        raise WrongSigningKeyError(
            f"{where}: this signing key ({verifier.text()}) is not the one the database "
            f"{bindings.database_name(session)} signs its checkpoints with "
            f"({binding.fingerprint}); signing with it would fork the log. Put the original "
            f"back from backup ({RESTORE_DOC})"
        )
    note = session.scalar(
        select(LedgerCheckpoint.note).order_by(LedgerCheckpoint.size.desc()).limit(1)
    )
    if note is None:
        return False
    try:
        open_checkpoint(note, verifier)
    except NoteError:
        raise WrongSigningKeyError(
            f"{where}: this signing key ({verifier.text()}) did not sign the checkpoints in "
            f"{bindings.database_name(session)}; signing with it would fork the log. Put the "
            f"original back from backup ({RESTORE_DOC})"
        ) from None
    return False


def record_key(session: Session, signer: Signer) -> None:
    """Record ``signer`` as the key of its origin (in the session's transaction)."""
    bindings.record(
        session, bindings.SIGNING, signer.name, signer.verifier.text(), signer.holder, utcnow()
    )


# -- the key file ----------------------------------------------------------------------------


def read_key_file(path: Path, origin: str) -> Signer | None:
    """The signer in ``path`` (``None`` if there is no file), refused if others can read it, if
    it is not a signing key, or if it names another origin."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return None
    if mode & 0o077:
        raise SigningKeyError(
            f"{path}: signing key is readable by others (mode {mode:o}); chmod 600 it"
        )
    try:
        signer = Signer.parse(path.read_text())
    except NoteError as exc:
        raise SigningKeyError(f"{path}: not a ledger signing key ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningKeyError(f"{path}: cannot read it ({type(exc).__name__})") from None
    if signer.name != origin:
        raise SigningKeyError(
            f"{path}: the key is for origin {signer.name!r} but FAIRSCREEN_LOG_ORIGIN is {origin!r}"
        )
    return signer


def _create_key_file(path: Path, origin: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    signer = Signer.generate(origin)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first; use theirs
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.secret_text() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    logger.info("created the ledger signing key for %s (%s)", origin, signer.verifier.text())


# -- the token -------------------------------------------------------------------------------


class TokenSigningKey:
    """An Ed25519 key on a PKCS#11 token: signs inside it (``CKM_EDDSA``)."""

    holder = "pkcs11"

    def __init__(self, provider: Pkcs11Provider, origin: str, public: bytes) -> None:
        self.provider = provider
        self.origin = origin
        self._public = Ed25519PublicKey.from_public_bytes(public)

    def __repr__(self) -> str:
        return f"TokenSigningKey({self.provider!r}, {self.origin!r})"

    def sign(self, data: bytes) -> bytes:
        return self.provider.sign(self.origin, data)

    def public_key(self) -> Ed25519PublicKey:
        return self._public

    def close(self) -> None:
        self.provider.close()


def _token(settings: Settings) -> Pkcs11Provider:
    from fairscreen.vault.keys import KeyProviderError
    from fairscreen.vault.pkcs11 import Pkcs11Provider

    if not settings.pkcs11_token or settings.pkcs11_pin is None:
        raise KeyProviderError(
            "FAIRSCREEN_KEY_PROVIDER=pkcs11 needs FAIRSCREEN_PKCS11_TOKEN and FAIRSCREEN_PKCS11_PIN"
        )
    return Pkcs11Provider(
        settings.pkcs11_module,
        settings.pkcs11_token,
        settings.pkcs11_pin.get_secret_value(),
        signing_only=True,
    )


# -- opening ---------------------------------------------------------------------------------


def _dependents(sessions: sessionmaker[Session] | None, origin: str) -> SigningDependents | None:
    if sessions is None:
        return None
    with sessions() as session:
        return signing_dependents(session, origin)


def _missing(where: str, deps: SigningDependents | None, create: bool) -> SigningKeyError:
    needs = deps.needs() if deps is not None else []
    db = deps.database if deps is not None else "the database"
    if needs:
        return MissingSigningKeyError(
            f"{where}: the ledger signing key is missing, and the database {db} depends on it: "
            f"{'; '.join(needs)}. A new key would sign a fork, so none is made. Restore it from "
            f"backup ({RESTORE_DOC}); to only verify, pass the log's public key with --key"
        )
    if create:
        raise AssertionError("a key may be created")  # pragma: no cover
    return MissingSigningKeyError(
        f"{where}: no ledger signing key yet, and this command does not make one; "
        "`fairscreen keys init` or `fairscreen ledger key --init` makes it"
    )


def load_signer(
    settings: Settings | None = None,
    *,
    sessions: sessionmaker[Session] | None = None,
    create: bool = False,
) -> LogSigner:
    """The log's signer. With ``create``, and a database (``sessions``) that depends on no
    signing key yet, a missing one is made (and recorded); otherwise a missing key is an error.
    With ``sessions`` the key is checked against the database (``check_key``) and recorded."""
    settings = settings or get_settings()
    origin = settings.log_origin
    path = key_path(settings)
    if settings.key_provider == "pkcs11":
        signer = _token_signer(settings, sessions, create=create, path=path)
    else:
        found = read_key_file(path, origin)
        if found is None:
            deps = _dependents(sessions, origin)
            if not create or (deps is not None and deps.needs()):
                raise _missing(str(path), deps, create)
            _create_key_file(path, origin)
            found = read_key_file(path, origin)
            assert found is not None
        signer = LogSigner(origin, found._key, SignedFile(signed_path(settings)))
    if sessions is not None:
        with transaction(sessions) as session:
            if not check_key(session, signer.verifier, _where(settings)):
                record_key(session, signer)
    return signer


def _where(settings: Settings) -> str:
    if settings.key_provider == "pkcs11":
        return f"PKCS#11 token {settings.pkcs11_token!r}"
    return str(key_path(settings))


def _token_signer(
    settings: Settings, sessions: sessionmaker[Session] | None, *, create: bool, path: Path
) -> LogSigner:
    origin = settings.log_origin
    token = _token(settings)
    moved = False
    try:
        public = token.signing_public_key(origin)
        in_file = read_key_file(path, origin)
        if public is None and in_file is not None:
            # Moving to the HSM: the key file's key goes into the token, once, after it has
            # passed the same checks as any other key (it must be the log's).
            if sessions is not None:
                with sessions() as session:
                    check_key(session, in_file.verifier, str(path))
            public = token.create_signing_key(origin, seed=in_file.seed())
            moved = True
        elif public is None:
            deps = _dependents(sessions, origin)
            if not create or (deps is not None and deps.needs()):
                raise _missing(token.describe(), deps, create)
            public = token.create_signing_key(origin)
        if in_file is not None:
            if in_file.verifier.public_key != public:
                raise WrongSigningKeyError(
                    f"{path}: a key file with another signing key lies next to the token's "
                    f"{origin!r} key; find out which signed the log ({RESTORE_DOC}), then shred "
                    "the other"
                )
            logger.warning(
                "%s still holds the ledger signing key in clear; it now lives on %s: shred the "
                "file (shred -u) and remove it from backups",
                path,
                token.describe(),
            )
        record = SignedObject(token, origin)
        if moved:
            # What the file key last signed moves with it (publish checks it with the key), so
            # the move does not fall back on the deletable database rows.
            kept = SignedFile(signed_path(settings)).read()
            if kept is not None and record.read() is None:
                record.write(kept)
        return LogSigner(origin, TokenSigningKey(token, origin, public), record)
    except BaseException:
        token.close()
        raise


def load_verifier(
    settings: Settings | None = None, *, sessions: sessionmaker[Session] | None = None
) -> Verifier:
    """The public half of the log's signing key, for commands that only read: nothing is
    created, imported or recorded. Checked against the database when ``sessions`` is given."""
    settings = settings or get_settings()
    origin = settings.log_origin
    path = key_path(settings)
    verifier: Verifier | None = None
    where = str(path)
    if settings.key_provider == "pkcs11":
        token = _token(settings)
        try:
            public = token.signing_public_key(origin)
            where = token.describe()
        finally:
            token.close()
        if public is not None:
            verifier = Verifier(origin, ALG_ED25519, public)
    if verifier is None:
        found = read_key_file(path, origin)
        verifier = found.verifier if found is not None else None
    if verifier is None:
        raise _missing(where, _dependents(sessions, origin), create=False)
    if sessions is not None:
        with sessions() as session:
            check_key(session, verifier, where)
    return verifier
