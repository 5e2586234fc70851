"""The audit's committed tables: artefact versions in use, and published bias audits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime
from fairscreen.ledger.entry import EventType


class ModelVersion(Base, Committed):
    """An artefact that shapes a light (``kind``: policy_pack, rule_set, reference_screener,
    identity_matching) at one version and digest, recorded (and put on the ledger, digest
    included) the first time a screening used it. Never personal; never deleted."""

    __committed__ = ("kind", "ref", "digest", "first_used_at")
    __events__ = (EventType.MODEL_PUBLISHED,)
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("kind", "ref", "digest"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(80))
    digest: Mapped[str] = mapped_column(String(64))
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BiasAudit(Base, Committed):
    """A bias audit report that was published: what it covered, the SHA-256 of its JSON tables
    and its key figures (aggregates above the suppression threshold only, never a person), and
    the JSON document itself (canonical JSON: its SHA-256 is ``digest``; none for audits
    published before it was kept)."""

    __committed__ = ("scope", "records", "digest", "figures", "created_at")
    __events__ = (EventType.AUDIT_PUBLISHED,)
    __tablename__ = "bias_audits"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    records: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    document: Mapped[str | None] = mapped_column(Text, nullable=True)
