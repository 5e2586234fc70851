"""Envelope encryption: data keys, sealing and opening, blind indexes, subject pseudonyms."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.ids import new_id
from fairscreen.vault.keys import KeyProvider

_VERSION = b"\x01"
_NONCE = 12
_AD_PREFIX = b"fairscreen/v1\x00"


class SealError(FairscreenError):
    """A ciphertext that does not open: wrong key, wrong place (table, column, row) or tampered."""


def associated_data(table: str, column: str, row_id: str) -> bytes:
    return b"%s%s\x00%s\x00%s" % (_AD_PREFIX, table.encode(), column.encode(), row_id.encode())


class Sealer:
    """Seals and opens values under one candidate's data key."""

    __slots__ = ("_aead", "_subject_key", "data_key_id")

    def __init__(self, data_key_id: str, key: bytes) -> None:
        self.data_key_id = data_key_id
        self._aead = AESGCM(key)
        self._subject_key = hmac.digest(key, b"fairscreen/ledger-subject", "sha256")

    def seal(self, table: str, column: str, row_id: str, plaintext: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return (
            _VERSION
            + nonce
            + self._aead.encrypt(nonce, plaintext, associated_data(table, column, row_id))
        )

    def open(self, table: str, column: str, row_id: str, sealed: bytes) -> bytes:
        if sealed[:1] != _VERSION or len(sealed) < 1 + _NONCE + 16:
            raise SealError(f"{table}.{column} of {row_id}: not a fairscreen ciphertext")
        try:
            return self._aead.decrypt(
                sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], associated_data(table, column, row_id)
            )
        except InvalidTag:
            raise SealError(
                f"{table}.{column} of {row_id}: does not open under this key here"
            ) from None

    def subject_ref(self, candidate_id: str) -> str:
        """The candidate's pseudonym on the ledger: an HMAC under a key derived from the data key,
        so destroying the data key makes the pseudonym unlinkable for good."""
        return hmac.digest(self._subject_key, candidate_id.encode(), "sha256")[:16].hex()


@dataclass(frozen=True, slots=True)
class NewDataKey:
    """A fresh data key: the row to store (wrapped) and a sealer for immediate use."""

    row: dict[str, Any]
    sealer: Sealer


class Vault:
    """The one place personal data is sealed and opened."""

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider
        self._index_key = provider.index_key()

    def new_data_key(self, now: datetime) -> NewDataKey:
        key = AESGCM.generate_key(bit_length=256)
        version = self.provider.current_version()
        row: dict[str, Any] = {
            "id": new_id(),
            "provider": self.provider.name,
            "kek_version": version,
            "wrapped": self.provider.wrap(version, key),
            "created_at": now,
        }
        return NewDataKey(row, Sealer(row["id"], key))

    def sealer(self, data_key_id: str, kek_version: str, wrapped: bytes) -> Sealer:
        return Sealer(data_key_id, self.provider.unwrap(kek_version, wrapped))

    def blind_index(self, kind: str, value: str) -> bytes:
        """A keyed index of ``value`` (e.g. the ID number): equal values give equal indexes, and
        nobody without the index key can test a guess against it."""
        return hmac.digest(
            self._index_key, kind.encode() + b"\x00" + value.encode(), hashlib.sha256
        )
