from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime


class Report(Base):
    """The issued result of a check request: the light, its reasons (rule, legal basis, finding
    refs), what was excluded and what was not checked, under one rule-set version."""

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
    commitment_salt: Mapped[bytes] = mapped_column(LargeBinary(16))

    def committed_fields(self) -> dict[str, Any]:
        return {
            "request": self.request_id,
            "light": self.light,
            "reasons": self.reasons,
            "excluded": self.excluded,
            "not_checked": self.not_checked,
            "ruleset": self.ruleset,
            "policy": self.policy,
            "issued_at": self.issued_at,
        }
