"""Envelope encryption: data keys, sealing and opening, blind indexes, subject pseudonyms.

A sealed value is ``0x01 || nonce (12 bytes) || AES-256-GCM ciphertext || tag (16 bytes)``,
under the candidate's data key, with associated data that names the format, the table, the
column and the row (see ``associated_data``): moved to another row, column or table it no longer
opens. The layout is described for operators and auditors in ``docs/vault.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.ids import new_id
from fairscreen.vault.keys import KeyProvider, KeyProviderError

FORMAT_VERSION = 1
_VERSION = FORMAT_VERSION.to_bytes(1, "big")
_NONCE = 12
_TAG = 16
_AD_HEAD = b"fairscreen-seal" + _VERSION
_INDEX_HEAD = b"fairscreen-blind-index/1"


class SealError(FairscreenError):
    """A ciphertext that does not open: wrong key, wrong place (table, column, row) or tampered."""


def _field(part: str) -> bytes:
    data = part.encode()
    if len(data) > 0xFFFF:
        raise ValueError("associated-data field longer than 65535 bytes")
    return len(data).to_bytes(2, "big") + data


@lru_cache(maxsize=256)
def _place(table: str, column: str) -> bytes:
    return _AD_HEAD + _field(table) + _field(column)


def associated_data(table: str, column: str, row_id: str) -> bytes:
    """``"fairscreen-seal" || 0x01 || len || table || len || column || len || row``.

    Each part carries its length (two bytes, big-endian), so no choice of names can make two
    different places share associated data; the format byte is authenticated with them."""
    return _place(table, column) + _field(row_id)


class Sealer:
    """Seals and opens values under one candidate's data key."""

    __slots__ = ("_aead", "_subject_key", "data_key_id")

    def __init__(self, data_key_id: str, key: bytes) -> None:
        self.data_key_id = data_key_id
        self._aead = AESGCM(key)
        self._subject_key = hmac.digest(key, b"fairscreen/ledger-subject", "sha256")

    def __repr__(self) -> str:
        return f"Sealer(data_key_id={self.data_key_id!r})"

    def seal(self, table: str, column: str, row_id: str, plaintext: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return (
            _VERSION
            + nonce
            + self._aead.encrypt(nonce, plaintext, associated_data(table, column, row_id))
        )

    def open(self, table: str, column: str, row_id: str, sealed: bytes) -> bytes:
        if sealed[:1] != _VERSION or len(sealed) < 1 + _NONCE + _TAG:
            raise SealError(f"{table}.{column} of {row_id}: not a fairscreen ciphertext")
        try:
            return self._aead.decrypt(
                sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], associated_data(table, column, row_id)
            )
        except InvalidTag:
            raise SealError(
                f"{table}.{column} of {row_id}: does not open under data key "
                f"{self.data_key_id} here (wrong key, wrong place or altered)"
            ) from None

    def subject_ref(self, candidate_id: str) -> str:
        """The candidate's pseudonym on the ledger: an HMAC under a key derived from the data key,
        so destroying the data key makes the pseudonym unlinkable for good."""
        return hmac.digest(self._subject_key, candidate_id.encode(), "sha256")[:16].hex()

    def check_ref(self, request_id: str) -> str:
        """A check request's pseudonym on the ledger, under the same derived key: the entries of
        one check can be grouped, and nobody who knows the request's id (the employer, the
        agency) can find them once the data key is destroyed."""
        return hmac.digest(self._subject_key, b"check\x00" + request_id.encode(), "sha256")[
            :16
        ].hex()


@dataclass(frozen=True, slots=True)
class NewDataKey:
    """A fresh data key: the row to store (wrapped) and a sealer for immediate use."""

    row: dict[str, Any]
    sealer: Sealer


def canonical_index_value(value: str) -> str:
    """The form a value is indexed in: Unicode NFKC (full-width digits and letters become ASCII),
    surrounding spaces dropped, case folded (a check character ``x`` matches ``X``)."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


class Vault:
    """The one place personal data is sealed and opened.

    ``provider`` wraps every new data key; ``readers`` are providers that only unwrap, for data
    keys not yet moved off them (a move from the local key file to an HSM, see
    ``docs/vault.md``). A data key is unwrapped by the provider that has its KEK version.
    """

    def __init__(self, provider: KeyProvider, *, readers: Sequence[KeyProvider] = ()) -> None:
        self.provider = provider
        self.readers = tuple(readers)
        # Index keys are read once per secret version and then used in-process (see
        # docs/vault.md, "Blind index"); the current one right away.
        self._index_keys: dict[int, bytes] = {}
        self.index_version()

    def __repr__(self) -> str:
        return f"Vault({self.provider!r})"

    def close(self) -> None:
        for provider in (self.provider, *self.readers):
            provider.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def new_data_key(self, now: datetime) -> NewDataKey:
        version = self.provider.current_version()
        key, wrapped = self.provider.generate_data_key(version)
        row: dict[str, Any] = {
            "id": new_id(),
            "provider": self.provider.name,
            "kek_version": version,
            "wrapped": wrapped,
            "created_at": now,
        }
        return NewDataKey(row, Sealer(row["id"], key))

    def _holder(self, kek_version: str) -> KeyProvider:
        for reader in self.readers:
            if kek_version in reader.versions():
                return reader
        return self.provider

    def sealer(self, data_key_id: str, kek_version: str, wrapped: bytes) -> Sealer:
        try:
            key = self._holder(kek_version).unwrap(kek_version, wrapped)
        except KeyProviderError as exc:
            raise KeyProviderError(f"data key {data_key_id}: {exc}") from None
        return Sealer(data_key_id, key)

    # -- blind indexes ---------------------------------------------------------------------------

    def index_version(self) -> int:
        """The index secret version new blind indexes are made under. Asked of the provider each
        time (a ``stat`` of the key file; the token at most every few seconds), so a rotation
        run by another process is followed without a restart."""
        version = self.provider.current_index_version()
        if version not in self._index_keys:
            self._index_keys[version] = self.provider.index_key(version)
        return version

    def _index_key(self, version: int) -> bytes:
        key = self._index_keys.get(version)
        if key is None:
            key = self._index_keys[version] = self.provider.index_key(version)
        return key

    def blind_index(
        self, kind: str, value: str, *, canonical: bool = True, version: int | None = None
    ) -> bytes:
        """A keyed index of ``value`` (e.g. the ID number): equal values give equal indexes, and
        nobody without the index key can test a guess against it. ``kind`` keeps indexes of
        different things apart; the value is taken in its canonical form (``canonical_index_value``)
        unless ``canonical`` is false (identifiers such as a client's reference, where ``A1`` and
        ``a1`` are different people). Made under the current index secret unless ``version``
        names another; a row stores the version with its indexes (``index_version``)."""
        text = canonical_index_value(value) if canonical else value
        key = self._index_key(self.index_version() if version is None else version)
        return hmac.digest(key, _INDEX_HEAD + _field(kind) + text.encode(), hashlib.sha256)

    def versioned_blind_index(
        self, kind: str, value: str, *, canonical: bool = True
    ) -> tuple[int, bytes]:
        """``(version, index)`` under the current index secret, for a row to store both."""
        version = self.index_version()
        return version, self.blind_index(kind, value, canonical=canonical, version=version)

    def lookup_versions(self) -> list[int]:
        """The index secrets still in use, asked of the provider now (a rotation elsewhere is
        seen at once); forgets the keys of secrets retired since."""
        versions = self.provider.index_versions()
        for stale in set(self._index_keys) - set(versions):
            del self._index_keys[stale]
        return versions

    def lookup_indexes(self, kind: str, value: str, *, canonical: bool = True) -> list[bytes]:
        """The blind index of ``value`` under every index secret still in use, for a lookup
        (``WHERE column IN (...)``): while a rotation rebuilds the indexes, a row is under the
        old secret or the new one, and is found either way."""
        return [
            self.blind_index(kind, value, canonical=canonical, version=v)
            for v in self.lookup_versions()
        ]
