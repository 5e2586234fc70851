"""The ledger's tables: the tree state, its tiles, the entry bundles and the signed checkpoints.

The log is stored the way a C2SP tlog-tiles log is served, so that serving is reading a row:

- ``ledger_state``: one row (id 1), the tree size and root hash. Appenders lock it (PostgreSQL
  ``SELECT ... FOR UPDATE``; SQLite takes the write lock with ``BEGIN IMMEDIATE``), which
  sequences every append.
- ``ledger_tiles``: one row per tile ``(level, idx)`` of 256 hashes, stored with its interior
  nodes (``fairscreen.ledger.tiles``). Full tiles never change; the right-edge partial tile of
  each level is rewritten by the append batch that extends it.
- ``ledger_bundles``: one row per entry bundle of 256 entries, in the served byte format; the
  right-edge partial bundle is rewritten by the batch that extends it.
- ``ledger_checkpoints``: every signed checkpoint the log published, by tree size.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime

STATE_ID = 1


class LedgerState(Base):
    """The size and root of the log; the row every appender locks."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerTile(Base):
    """A tile of the Merkle tree with its interior nodes; ``width`` hashes at its lowest level."""

    __tablename__ = "ledger_tiles"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    width: Mapped[int] = mapped_column(SmallInteger)
    nodes: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerBundle(Base):
    """Entries ``idx * 256 ..``, ``count`` of them, each with a 2-byte big-endian length prefix."""

    __tablename__ = "ledger_bundles"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(SmallInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerCheckpoint(Base):
    """A checkpoint the log signed (C2SP tlog-checkpoint signed note), one per tree size."""

    __tablename__ = "ledger_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LedgerCosignature(Base):
    """A witness's cosignature (C2SP tlog-cosignature ``cosignature/v1``) on the checkpoint of
    ``size`` and ``root``: the whole signature line, as the witness returned it from
    ``add-checkpoint``. The root is part of the key so that a cosignature is only ever served
    beside the checkpoint it signs, even after the log's rows were rewritten."""

    __tablename__ = "ledger_cosignatures"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    witness: Mapped[str] = mapped_column(String(255), primary_key=True)
    key_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    line: Mapped[str] = mapped_column(Text)
    cosigned_at: Mapped[int] = mapped_column(BigInteger)  # the cosignature's own timestamp
