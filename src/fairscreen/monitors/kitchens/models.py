"""The bright-kitchens tables (migration ``0023_kitchens``).

``kitchen_events``: one row per AI-camera event (restaurant, camera, time, kind, the snapshot's
reference and SHA-256, never the image; the model's confidence in per mille) with its review:
confirmed or dismissed, by which account, when. ``kitchen_camera_flags``: a camera found crying
wolf (its dismissed share over the pack's window passed the threshold): a maintenance alert to
the firm, open until the camera is fixed; while open, the camera's events since its previous fix
do not count against the restaurant. Neither table holds a person: staff appear only in the
snapshots, which stay with the firm.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime


class KitchenEvent(Base):
    __tablename__ = "kitchen_events"
    __table_args__ = (
        Index("ix_kitchen_events_org", "org", "at"),
        Index("ix_kitchen_events_camera", "org", "camera", "at"),
        Index("ix_kitchen_events_verdict", "verdict", "at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the camera system's id
    org: Mapped[str] = mapped_column(String(64))  # the restaurant (firm id)
    camera: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(24))
    snapshot: Mapped[str] = mapped_column(String(500))  # an opaque id or URI at the firm
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[int] = mapped_column(Integer)  # per mille
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verdict: Mapped[str | None] = mapped_column(String(12), nullable=True)  # None: awaiting
    reviewed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # account id
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CameraFlag(Base):
    __tablename__ = "kitchen_camera_flags"
    __table_args__ = (Index("ix_kitchen_camera_flags_camera", "org", "camera", "flagged_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    camera: Mapped[str] = mapped_column(String(64))
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # events of the camera from here (its previous fix, or its first event) to ``fixed_at``
    # do not count against the restaurant
    discounted_from: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed: Mapped[int] = mapped_column(Integer)  # over the window, when flagged
    dismissed: Mapped[int] = mapped_column(Integer)
    pack: Mapped[str] = mapped_column(String(80))
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fixed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
