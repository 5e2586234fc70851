"""Key-encryption-key providers. A provider wraps and unwraps data keys and never lets its KEK
out; it also holds the secret of the blind index.

``LocalKeyFile`` is the default: a JSON file created on first use with mode 0600, holding
versioned 256-bit KEKs and the blind-index secret. Wrapping is AES key wrap with padding
(RFC 5649). The PKCS#11 provider (an HSM) lives in ``fairscreen.vault.pkcs11`` and produces
the same wrapped format, so the database does not care which provider wrapped a data key
(``data_keys.provider`` and ``data_keys.kek_version`` say which KEK to ask).

No provider puts key bytes or PINs into a message, a log line or a ``repr``.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap_with_padding,
    aes_key_wrap_with_padding,
)

from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.files import atomic_write, fsync_dir

log = logging.getLogger(__name__)

DATA_KEY_BYTES = 32
INDEX_KEY_INFO = b"fairscreen/blind-index/v1"
# A fixed, public 256-bit key whose wrap under a KEK identifies the KEK (a key check value, as
# payment HSMs compute one by encrypting zeros): RFC 5649 wrapping is deterministic, so the same
# KEK always gives the same value, and it tells nothing about the KEK.
_CHECK_KEY = hashlib.sha256(b"fairscreen/kek-check/v1").digest()
_INDEX_CHECK = b"fairscreen/index-check/v1"


def derive_index_key(secret: bytes) -> bytes:
    """The blind-index HMAC key from a provider's index secret: HMAC-SHA256(secret, label).

    Every provider derives it the same way (an HSM computes this HMAC on the token), so the
    secret can move from the key file into an HSM and the blind indexes stay valid."""
    return hmac.digest(secret, INDEX_KEY_INFO, hashlib.sha256)


def kek_check_value(provider: KeyProvider, version: str) -> str:
    """The key check value of KEK ``version``: the first 16 bytes of the SHA-256 of a fixed key
    wrapped under it, in hex. Equal for the same KEK on any provider; different otherwise."""
    return hashlib.sha256(provider.wrap(version, _CHECK_KEY)).hexdigest()[:32]


def index_check_value(index_key: bytes) -> str:
    """The check value of a blind-index key: an HMAC of a fixed label under it, 16 bytes, hex."""
    return hmac.digest(index_key, _INDEX_CHECK, hashlib.sha256)[:16].hex()


class KeyProviderError(FairscreenError):
    """A key operation that cannot be done (unknown or retired version, a bad key file, a token
    that refuses). Messages name versions and places, never key material."""


class KeyProvider(Protocol):
    """What the vault and key rotation need from whoever holds the KEKs.

    Versions are opaque strings, unique across providers (``local-3``, ``hsm-3``); the newest is
    current and wraps every new data key. Wrapped data keys are RFC 5649 blobs.
    """

    name: str

    def describe(self) -> str:
        """Where the KEKs live (a path, a module and token label), for ``keys status``."""
        ...

    def current_version(self) -> str: ...

    def versions(self) -> list[str]:
        """The usable (not retired) versions, oldest first."""
        ...

    def retired_versions(self) -> list[str]:
        """Versions destroyed but remembered by name (a token forgets them: empty there)."""
        ...

    def generate_data_key(self, version: str) -> tuple[bytes, bytes]:
        """A fresh 256-bit data key and the same key wrapped under ``version``."""
        ...

    def wrap(self, version: str, key: bytes) -> bytes: ...

    def unwrap(self, version: str, wrapped: bytes) -> bytes: ...

    def rewrap(self, wrapped: bytes, from_version: str, to_version: str) -> bytes:
        """The same data key wrapped under ``to_version`` (inside the token, where there is one)."""
        ...

    def index_versions(self) -> list[int]:
        """The usable blind-index secret versions, oldest first (two while a rotation runs)."""
        ...

    def current_index_version(self) -> int:
        """The index secret new blind indexes are made under."""
        ...

    def index_key(self, version: int | None = None) -> bytes:
        """The blind-index HMAC key of ``version`` (default: the current one)."""
        ...

    def new_index_version(self) -> int:
        """Create a blind-index secret, durably, and make it current."""
        ...

    def retire_index(self, version: int) -> None:
        """Destroy a blind-index secret that is not current."""
        ...

    def new_version(self) -> str:
        """Create a KEK version, durably, and make it current."""
        ...

    def retire(self, version: str, *, allow_current: bool = False) -> None:
        """Destroy a KEK version. The caller checks that no data key is still wrapped by it."""
        ...

    def close(self) -> None: ...


@dataclass
class _Kek:
    key: bytes = field(repr=False)
    created: str
    retired: str | None = None


@dataclass
class _IndexSecret:
    secret: bytes = field(repr=False)
    created: str
    retired: str | None = None


class LocalKeyFile:
    """KEKs in a local file (mode 0600). Good for one machine; use an HSM for an organisation.

    Several processes may share the file (the server, ``fairscreen keys rotate``): changes are
    made under an exclusive ``flock`` on ``<file>.lock``, written to a temporary file, fsynced,
    renamed over the old one and the directory fsynced, so a new KEK version is on disk before
    any data key is wrapped by it. Every process re-reads the file when it changes, so a new
    current version or a retirement made elsewhere takes effect without a restart; a re-read
    that finds a *different* key under a version name it already knew (another key file put in
    place) is refused rather than used.
    """

    name = "local"
    FORMAT = "fairscreen-local-keys/3"
    _FORMAT_2 = "fairscreen-local-keys/2"  # one index secret; read as index version 1

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self._signature: tuple[int, int, int] | None = None
        self._keks: dict[str, _Kek] = {}
        self._index: dict[int, _IndexSecret] = {}
        if not path.exists():
            if not create:
                raise KeyProviderError(f"{path}: no key file")
            self._create()
        self._load()

    def __repr__(self) -> str:
        return f"LocalKeyFile({str(self.path)!r})"

    def describe(self) -> str:
        return f"key file {self.path}"

    # -- the file ------------------------------------------------------------------------------

    def _create(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        now = datetime.now(UTC).isoformat()
        doc = {
            "format": self.FORMAT,
            "current": "local-1",
            "keks": {"local-1": {"key": _b64(os.urandom(32)), "created": now, "retired": None}},
            "index": {
                "current": 1,
                "secrets": {"1": {"secret": _b64(os.urandom(32)), "created": now, "retired": None}},
            },
        }
        data = json.dumps(doc, indent=2).encode()
        # Written whole under a private name, then linked into place: another process starting at
        # the same moment sees either no file or a complete one, and exactly one of us wins.
        tmp = self.path.with_name(f"{self.path.name}.new.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                return  # another process created it first; load theirs
        finally:
            tmp.unlink(missing_ok=True)
        fsync_dir(self.path.parent)
        log.info("created key file %s with KEK version local-1", self.path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._load()  # what another process wrote before we got the lock
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _save(self) -> None:
        doc = {
            "format": self.FORMAT,
            "current": self._current,
            "keks": {
                version: {"key": _b64(kek.key), "created": kek.created, "retired": kek.retired}
                for version, kek in self._keks.items()
            },
            "index": {
                "current": self._index_current,
                "secrets": {
                    str(version): {
                        "secret": _b64(entry.secret),
                        "created": entry.created,
                        "retired": entry.retired,
                    }
                    for version, entry in self._index.items()
                },
            },
        }
        atomic_write(self.path, json.dumps(doc, indent=2).encode())
        self._load()

    def _load(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            raise KeyProviderError(f"{self.path}: key file is gone") from None
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            mode = st.st_mode & 0o777
            if mode & 0o077:
                raise KeyProviderError(
                    f"{self.path}: key file is open to group or others (mode {mode:o}); "
                    "chmod 600 it"
                )
            raw = handle.read()
        try:
            doc = json.loads(raw)
            if doc.get("format") == "fairscreen-local-keys/1":
                raise KeyProviderError(
                    f"{self.path}: key file from a development version (format 1, raw index "
                    "key); its blind indexes do not match this version: start a new data dir"
                )
            current = str(doc["current"])
            keks = {
                str(version): _Kek(
                    base64.b64decode(spec["key"]), str(spec["created"]), spec.get("retired")
                )
                for version, spec in doc["keks"].items()
            }
            if doc.get("format") == self._FORMAT_2:
                secret = base64.b64decode(doc["index_secret"])
                index = {1: _IndexSecret(secret, keks[current].created)}
                index_current = 1
            elif doc.get("format") == self.FORMAT:
                index = {
                    int(version): _IndexSecret(
                        base64.b64decode(spec["secret"]), str(spec["created"]), spec.get("retired")
                    )
                    for version, spec in doc["index"]["secrets"].items()
                }
                index_current = int(doc["index"]["current"])
            else:
                raise ValueError("unknown format")
            # The current version may be retired: that is a key file whose data keys have all
            # moved to an HSM (it then wraps nothing: see ``_kek``).
            if current not in keks or index_current not in index:
                raise ValueError("inconsistent")
            if index[index_current].retired or any(
                len(entry.secret) != 32 for entry in index.values() if not entry.retired
            ):
                raise ValueError("inconsistent")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # The exception text of a JSON or base64 error can quote the file: leave it out.
            raise KeyProviderError(
                f"{self.path}: not a fairscreen key file ({type(exc).__name__})"
            ) from None
        self._check_same_keys(keks, index)
        self._current, self._keks = current, keks
        self._index, self._index_current = index, index_current
        self._signature = (st.st_ino, st.st_mtime_ns, st.st_size)

    def _check_same_keys(self, keks: dict[str, _Kek], index: dict[int, _IndexSecret]) -> None:
        """A version's key never changes: a re-read that finds other bytes under a name this
        process already used means someone put a different key file in place."""
        for version, kek in keks.items():
            known = self._keks.get(version)
            if known and known.key and kek.key and not hmac.compare_digest(known.key, kek.key):
                raise KeyProviderError(
                    f"{self.path}: the key file was replaced by a different one (KEK "
                    f"{version} changed); put the original back (docs/vault.md, restoring keys)"
                )
        for number, entry in index.items():
            seen = self._index.get(number)
            if seen and seen.secret and entry.secret and seen.secret != entry.secret:
                raise KeyProviderError(
                    f"{self.path}: the key file was replaced by a different one (index secret "
                    f"{number} changed); put the original back (docs/vault.md, restoring keys)"
                )

    def _fresh(self) -> None:
        """Re-read the file if another process replaced it (one ``stat`` per call)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise KeyProviderError(f"{self.path}: key file is gone") from None
        if (st.st_ino, st.st_mtime_ns, st.st_size) != self._signature:
            self._load()

    # -- KeyProvider ---------------------------------------------------------------------------

    def current_version(self) -> str:
        self._fresh()
        return self._current

    def versions(self) -> list[str]:
        self._fresh()
        live = [v for v, kek in self._keks.items() if kek.retired is None]
        return sorted(live, key=_number)

    def retired_versions(self) -> list[str]:
        self._fresh()
        return sorted((v for v, kek in self._keks.items() if kek.retired), key=_number)

    def _kek(self, version: str) -> bytes:
        self._fresh()
        kek = self._keks.get(version)
        if kek is None or kek.retired is not None:
            state = "retired" if kek else "unknown"
            raise KeyProviderError(f"KEK version {version!r} is {state} in {self.path}")
        return kek.key

    def generate_data_key(self, version: str) -> tuple[bytes, bytes]:
        key = os.urandom(DATA_KEY_BYTES)
        return key, self.wrap(version, key)

    def wrap(self, version: str, key: bytes) -> bytes:
        return aes_key_wrap_with_padding(self._kek(version), key)

    def unwrap(self, version: str, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap_with_padding(self._kek(version), wrapped)
        except InvalidUnwrap:
            raise KeyProviderError(f"data key does not unwrap under KEK {version!r}") from None

    def rewrap(self, wrapped: bytes, from_version: str, to_version: str) -> bytes:
        return self.wrap(to_version, self.unwrap(from_version, wrapped))

    # -- blind-index secrets -------------------------------------------------------------------

    def index_versions(self) -> list[int]:
        self._fresh()
        return sorted(n for n, entry in self._index.items() if entry.retired is None)

    def retired_index_versions(self) -> list[int]:
        self._fresh()
        return sorted(n for n, entry in self._index.items() if entry.retired)

    def current_index_version(self) -> int:
        self._fresh()
        return self._index_current

    def _index_secret(self, version: int | None) -> bytes:
        self._fresh()
        number = self._index_current if version is None else version
        entry = self._index.get(number)
        if entry is None or entry.retired is not None:
            state = "retired" if entry else "unknown"
            raise KeyProviderError(f"index secret {number} is {state} in {self.path}")
        return entry.secret

    def index_key(self, version: int | None = None) -> bytes:
        return derive_index_key(self._index_secret(version))

    def export_index_secret(self) -> bytes:
        """The current blind-index secret itself, only to import it into an HSM when moving
        there (``fairscreen.vault.providers.open_provider``); the KEKs have no such door."""
        return self._index_secret(None)

    def export_index_secrets(self) -> dict[int, bytes]:
        """Every usable blind-index secret by version, for the same move."""
        return {n: self._index_secret(n) for n in self.index_versions()}

    def new_index_version(self) -> int:
        """Create a blind-index secret and make it current (``keys rotate --index`` step one)."""
        with self._locked():
            number = 1 + max(self._index)
            self._index[number] = _IndexSecret(os.urandom(32), datetime.now(UTC).isoformat())
            self._index_current = number
            self._save()
        log.info("index secret %d created in %s and made current", number, self.path)
        return number

    def retire_index(self, version: int) -> None:
        """Drop a blind-index secret's bytes from the file, keeping its number as a tombstone."""
        with self._locked():
            entry = self._index.get(version)
            if entry is None:
                raise KeyProviderError(f"unknown index secret {version} in {self.path}")
            if version == self._index_current:
                raise KeyProviderError(f"index secret {version} is current; rotate first")
            if entry.retired is not None:
                return  # already gone (a resumed rotation)
            entry.secret = b""
            entry.retired = datetime.now(UTC).isoformat()
            self._save()
        log.info("index secret %d retired in %s", version, self.path)

    # -- versions ------------------------------------------------------------------------------

    def new_version(self) -> str:
        """Create a KEK version and make it current (``fairscreen keys rotate`` step one)."""
        with self._locked():
            number = 1 + max(_number(v) for v in self._keks)
            version = f"local-{number}"
            self._keks[version] = _Kek(os.urandom(32), datetime.now(UTC).isoformat())
            self._current = version
            self._save()
        log.info("KEK version %s created in %s and made current", version, self.path)
        return version

    def retire(self, version: str, *, allow_current: bool = False) -> None:
        """Destroy a KEK version; data keys still wrapped by it become unreadable.

        The key bytes are dropped from the file (the file is rewritten and renamed over the
        old one); a tombstone keeps the version's name so it is never reused."""
        with self._locked():
            if version == self._current and not allow_current:
                raise KeyProviderError(f"KEK {version!r} is current; rotate first")
            kek = self._keks.get(version)
            if kek is None:
                raise KeyProviderError(f"unknown KEK version {version!r} in {self.path}")
            if kek.retired is not None:
                raise KeyProviderError(f"KEK version {version!r} is already retired")
            kek.key = b""
            kek.retired = datetime.now(UTC).isoformat()
            self._save()
        log.info("KEK version %s retired in %s", version, self.path)

    def close(self) -> None:
        """Nothing to release; present for the protocol."""


def _number(version: str) -> int:
    try:
        return int(version.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        raise KeyProviderError(f"not a KEK version name: {version!r}") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
