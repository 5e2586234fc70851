"""Positions over a session: an employer declares a position with its category (分類分級) under
the pack of its jurisdiction, and may name the screening agency it engaged for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from fairscreen.kit.db import table_of
from fairscreen.kit.errors import ConflictError, InputError, NotFoundError
from fairscreen.kit.ids import new_id
from fairscreen.organisations.models import Organisation, Position
from fairscreen.policy.pack import PolicyPack

_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"


def _all_categories() -> list[str]:
    from fairscreen.policy.pack import load_pack, shipped_packs

    return sorted({c for stem in shipped_packs().values() for c in load_pack(stem).categories})


# The categories of every jurisdiction's current pack: one of them is well-formed; whether it
# is the employer's pack's is the employer's business (409 otherwise).
CATEGORY_PATTERN = "^(" + "|".join(_all_categories()) + ")$"


@dataclass(frozen=True, slots=True)
class PositionView:
    id: str
    reference: str
    employer_id: str
    agency_id: str | None
    title: str
    category: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reference": self.reference,
            "employer_id": self.employer_id,
            "agency_id": self.agency_id,
            "title": self.title,
            "category": self.category,
        }


def _view(row: Position) -> PositionView:
    return PositionView(
        row.id, row.external_ref, row.employer_id, row.agency_id, row.title, row.category
    )


def declare_position(
    session: Session,
    *,
    employer_id: str,
    title: str,
    category: str,
    reference: str | None,
    agency_id: str | None,
    pack: PolicyPack,
    now: datetime,
) -> PositionView:
    """A new position of ``employer_id``; ``category`` must be one of ``pack``'s, ``agency_id``
    an agency."""
    title = title.strip()
    if not title or len(title) > 200:
        raise InputError("title", "1 to 200 characters")
    if category not in pack.categories:
        allowed = f"a category of {pack.ref}: {', '.join(sorted(pack.categories))}"
        if category in _all_categories():  # another jurisdiction's: refused for this employer
            raise ConflictError(f"category: {allowed}")
        raise InputError("category", allowed)
    if reference is not None and not _REF.fullmatch(reference):
        raise InputError("reference", "1 to 64 letters, digits and . _ : - (starting alphanumeric)")
    if agency_id is not None:
        agency = session.get(Organisation, agency_id)
        if agency is None or agency.kind != "agency":
            raise NotFoundError("agency_id: no such screening agency")
    position_id = new_id()
    reference = reference or f"pos:{position_id}"
    taken = session.scalar(
        select(Position.id).where(
            Position.employer_id == employer_id, Position.external_ref == reference
        )
    )
    if taken:
        raise ConflictError("reference: the organisation has a position with this reference")
    row = {
        "id": position_id,
        "external_ref": reference,
        "employer_id": employer_id,
        "agency_id": agency_id,
        "title": title,
        "category": category,
        "created_at": now,
    }
    session.execute(insert(table_of(Position)), [row])
    return PositionView(position_id, reference, employer_id, agency_id, title, category)


def get_position(session: Session, position_id: str) -> PositionView:
    row = session.get(Position, position_id)
    if row is None:
        raise NotFoundError(f"position {position_id}: no such resource")
    return _view(row)


def list_positions(session: Session, organisation_id: str | None) -> list[PositionView]:
    """Positions of an employer, or those an agency was engaged for (None: all)."""
    stmt = select(Position).order_by(Position.created_at, Position.id)
    if organisation_id is not None:
        stmt = stmt.where(
            or_(Position.employer_id == organisation_id, Position.agency_id == organisation_id)
        )
    return [_view(row) for row in session.scalars(stmt)]
