"""Step 4's tables: pre-adverse notices, disputes (with their documents and resolutions) and
hiring decisions, each a committed row with its ledger entry; and the anonymous decision
tallies the regulator reads.

What these rows say about the person is sealed under the candidate's data key, like the report
they are about: a notice's reasons, a dispute's finding and text, a document, a resolution's
correction, a decision's outcome and reasons. In clear: which check and report version, times,
deadlines, states, and a decision's compliance flags (the employer's conduct, which the
regulator sees). Every one of them is deleted with the candidate (retention.destroy).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, Sealed, UTCDateTime
from fairscreen.ledger.entry import EventType


class Notice(Base, Committed):
    """A pre-adverse notice: the employer tells the candidate which of the report's reasons an
    adverse decision would rest on; no adverse decision before ``waiting_until``."""

    __committed__ = ("request_id", "report_id", "sent_at", "waiting_until", "reasons_ct")
    __events__ = (EventType.NOTICE_SENT,)
    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("check_requests.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    sent_by: Mapped[str] = mapped_column(String(48))  # Actor.label
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    waiting_until: Mapped[datetime] = mapped_column(UTCDateTime())
    reasons_ct: Mapped[bytes] = mapped_column(Sealed)  # the rule ids cited


class Dispute(Base, Committed):
    """A candidate disputing one finding of a report version, with their text (sealed) and
    documents; the agency must resolve it by ``due_at``, or the finding is deleted."""

    __committed__ = ("request_id", "report_id", "opened_at", "due_at", "content_ct")
    __events__ = (EventType.DISPUTE_OPENED,)
    __tablename__ = "disputes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("check_requests.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | resolved
    content_ct: Mapped[bytes] = mapped_column(Sealed)  # {"finding": ref, "text": ...}


class DisputeDocument(Base):
    """A document the candidate gave with a dispute: its type (checked against its first bytes
    when uploaded), its size, and its name and content sealed under the candidate's data key."""

    __tablename__ = "dispute_documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dispute_id: Mapped[str] = mapped_column(
        ForeignKey("disputes.id", ondelete="CASCADE"), index=True
    )
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    name_ct: Mapped[bytes] = mapped_column(Sealed)
    content_ct: Mapped[bytes] = mapped_column(Sealed)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DisputeResolution(Base, Committed):
    """How a dispute ended: the finding ``corrected``, ``confirmed`` or ``deleted``, by a
    reviewer or by the deadline passing; the correction and the reviewer's note are sealed.
    ``report_id`` is the report version re-issued after it."""

    __committed__ = ("dispute_id", "outcome", "by", "resolved_at", "content_ct")
    __events__ = (EventType.DISPUTE_RESOLVED,)
    __tablename__ = "dispute_resolutions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dispute_id: Mapped[str] = mapped_column(
        ForeignKey("disputes.id", ondelete="CASCADE"), unique=True
    )
    outcome: Mapped[str] = mapped_column(String(16))  # corrected | confirmed | deleted
    by: Mapped[str] = mapped_column(String(16))  # reviewer | deadline
    resolved_by: Mapped[str | None] = mapped_column(String(48), nullable=True)  # Actor.label
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_ct: Mapped[bytes] = mapped_column(Sealed)  # {"correction": {...}, "note": ...}
    report_id: Mapped[str | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), nullable=True
    )


class Decision(Base, Committed):
    """A hiring decision on a check: outcome and reasons (sealed), on which report version, and
    the rules it broke (``flags``, empty for a decision that broke none) when the organisation
    insisted on recording it anyway."""

    __committed__ = ("request_id", "report_id", "decided_at", "content_ct", "flags")
    __events__ = (EventType.DECISION_RECORDED,)
    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("check_requests.id", ondelete="CASCADE"), unique=True
    )
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    decided_by: Mapped[str] = mapped_column(String(48))  # Actor.label
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_ct: Mapped[bytes] = mapped_column(Sealed)  # {"outcome": ..., "reasons": [...]}
    flags: Mapped[list[str]] = mapped_column(JSON)
    insisted: Mapped[bool] = mapped_column(Boolean)


class DecisionTally(Base):
    """How many decisions an employer recorded per month, by outcome, by the light of the report
    version decided on, and by compliance flag: the regulator's view of employers' conduct, with
    no link to any check or person (it survives erasure). Like ``report_tallies``, the row with
    flag "" counts every decision, and a row per rule counts the decisions recorded in breach of
    it (an insisted decision that broke several rules is counted under each)."""

    __tablename__ = "decision_tallies"

    employer_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)  # hire | not_hire
    light: Mapped[str] = mapped_column(String(8), primary_key=True)
    flag: Mapped[str] = mapped_column(String(48), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
