"""Key-encryption-key providers. A provider wraps and unwraps data keys and never lets its KEK
out; it also holds the secret of the blind index.

``LocalKeyFile`` is the default: a JSON file created on first use with mode 0600, holding
versioned 256-bit KEKs and the blind-index key. Wrapping is AES key wrap with padding
(RFC 5649). The PKCS#11 provider (an HSM) lives in ``fairscreen.vault.pkcs11``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap_with_padding,
    aes_key_wrap_with_padding,
)

from fairscreen.kit.errors import FairscreenError


class KeyProviderError(FairscreenError):
    """A key operation that cannot be done (unknown or retired version, a bad key file)."""


class KeyProvider(Protocol):
    """What the vault needs from whoever holds the KEK."""

    name: str

    def current_version(self) -> str: ...

    def versions(self) -> list[str]: ...

    def wrap(self, version: str, key: bytes) -> bytes: ...

    def unwrap(self, version: str, wrapped: bytes) -> bytes: ...

    def index_key(self) -> bytes: ...


@dataclass
class _Kek:
    key: bytes
    created: str
    retired: str | None = None


class LocalKeyFile:
    """KEKs in a local file (mode 0600). Good for one machine; use an HSM for an organisation."""

    name = "local"
    FORMAT = "fairscreen-local-keys/1"

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            self._create()
        self._load()

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC).isoformat()
        doc = {
            "format": self.FORMAT,
            "current": "local-1",
            "keks": {"local-1": {"key": _b64(os.urandom(32)), "created": now, "retired": None}},
            "index_key": _b64(os.urandom(32)),
        }
        self._write(doc, exclusive=True)

    def _write(self, doc: Mapping[str, object], *, exclusive: bool = False) -> None:
        data = json.dumps(doc, indent=2).encode()
        if exclusive:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return  # another process created it first; load theirs
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.path)

    def _load(self) -> None:
        mode = self.path.stat().st_mode & 0o777
        if mode & 0o077:
            raise KeyProviderError(
                f"{self.path}: key file is readable by others (mode {mode:o}); chmod 600 it"
            )
        try:
            doc = json.loads(self.path.read_text())
            if doc.get("format") != self.FORMAT:
                raise ValueError("unknown format")
            self._current = str(doc["current"])
            self._keks = {
                version: _Kek(base64.b64decode(spec["key"]), spec["created"], spec.get("retired"))
                for version, spec in doc["keks"].items()
            }
            self._index_key = base64.b64decode(doc["index_key"])
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyProviderError(f"{self.path}: not a fairscreen key file ({exc})") from None

    def _save(self) -> None:
        doc = {
            "format": self.FORMAT,
            "current": self._current,
            "keks": {
                version: {"key": _b64(kek.key), "created": kek.created, "retired": kek.retired}
                for version, kek in self._keks.items()
            },
            "index_key": _b64(self._index_key),
        }
        self._write(doc)

    def current_version(self) -> str:
        return self._current

    def versions(self) -> list[str]:
        return [v for v, kek in self._keks.items() if kek.retired is None]

    def _kek(self, version: str) -> bytes:
        kek = self._keks.get(version)
        if kek is None or kek.retired is not None:
            state = "retired" if kek else "unknown"
            raise KeyProviderError(f"KEK version {version!r} is {state} in {self.path}")
        return kek.key

    def wrap(self, version: str, key: bytes) -> bytes:
        return aes_key_wrap_with_padding(self._kek(version), key)

    def unwrap(self, version: str, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap_with_padding(self._kek(version), wrapped)
        except InvalidUnwrap:
            raise KeyProviderError(f"data key does not unwrap under KEK {version!r}") from None

    def index_key(self) -> bytes:
        return self._index_key

    def new_version(self) -> str:
        """Create a KEK version and make it current (``fairscreen keys rotate`` step one)."""
        number = 1 + max(int(v.rsplit("-", 1)[1]) for v in self._keks)
        version = f"local-{number}"
        self._keks[version] = _Kek(os.urandom(32), datetime.now(UTC).isoformat())
        self._current = version
        self._save()
        return version

    def retire(self, version: str) -> None:
        """Destroy a KEK version; data keys still wrapped by it become unreadable."""
        if version == self._current:
            raise KeyProviderError(f"KEK {version!r} is current; rotate first")
        kek = self._keks.get(version)
        if kek is None:
            raise KeyProviderError(f"unknown KEK version {version!r}")
        kek.key = b""
        kek.retired = datetime.now(UTC).isoformat()
        self._save()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
