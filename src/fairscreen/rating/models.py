from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime


class Report(Base, Committed):
    """The issued result of a check request: the light, its reasons (rule, legal basis, finding
    refs), what was excluded and what was not checked, under one rule-set version."""

    __committed__ = (
        "request_id",
        "light",
        "reasons",
        "excluded",
        "not_checked",
        "ruleset",
        "policy",
        "issued_at",
    )
    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("check_requests.id", ondelete="CASCADE"), unique=True
    )
    light: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    excluded: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    not_checked: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    ruleset: Mapped[str] = mapped_column(String(40))
    policy: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # report.issued
    commitment_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
