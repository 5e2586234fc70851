from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Sealed, UTCDateTime


class DataKey(Base):
    """A candidate's data key, wrapped by the KEK version ``kek_version`` of ``provider``."""

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    kek_version: Mapped[str] = mapped_column(String(40), index=True)
    wrapped: Mapped[bytes] = mapped_column(Sealed)  # the data key, wrapped by the KEK
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KeyBinding(Base):
    """A key this database depends on, recorded by identity (never the key itself), so that a
    missing key is never silently replaced and a different key put in its place is refused.

    ``kind`` is ``kek`` (a KEK version, ``name`` ``local-N`` or ``hsm-N``, ``fingerprint`` a key
    check value: the SHA-256 of a fixed test key wrapped under it), ``index`` (a blind-index
    secret, ``name`` ``index-N``, ``fingerprint`` an HMAC of a fixed label under its index key)
    or ``signing`` (the ledger's signing key, ``name`` the log origin, ``fingerprint`` its public
    verifier key). ``holder`` says what held the key when it was recorded (``local`` key file,
    ``pkcs11`` token, ``file``). See docs/vault.md, "What the database remembers"."""

    __tablename__ = "key_bindings"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(400))
    holder: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
