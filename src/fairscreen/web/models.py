"""The web layer's one table: idempotency keys (``fairscreen.web.idempotency``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime


class IdempotencyRecord(Base):
    """One account's use of one idempotency key: nothing readable or linkable without the
    client's key (``fairscreen.web.idempotency`` says how)."""

    __tablename__ = "idempotency_keys"

    id: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)  # SHA-256(account, key)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32))  # HMAC(key, the request)
    state: Mapped[str] = mapped_column(String(12))  # in_flight, applied, done
    status: Mapped[int | None] = mapped_column(Integer)
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    response_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # nonce + AES-GCM(answer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
