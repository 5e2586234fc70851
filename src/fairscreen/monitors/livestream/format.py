"""The livestream input format: JSON Lines, one record a line, each with a ``type``.

``room``: a live room as the firm's monitoring point knows it when the stream starts::

    {"type": "room", "room": "R-0001", "firm": "F000123", "host": "H-3f9a2c",
     "started_at": "2026-12-01T19:00:00+08:00", "ad_label": false,
     "listings": [{"product": "山楂麦芽饮", "category": "ordinary_food",
                   "original_price_cents": 9900, "live_price_cents": 4900,
                   "prior_low_price_cents": 5900, "stock": 200, "paid_promotion": false}]}

``segment``: one stretch of speech recognition output, after its room's line::

    {"type": "segment", "room": "R-0001", "start_ms": 61000, "end_ms": 64500,
     "text": "这款是全网最低价"}

- ``host`` is a pseudonymous id (``H-`` and 4 to 40 letters or digits), never a name.
- ``category``: ``ordinary_food``, ``cosmetics``, ``health_food`` or ``other``.
- Prices are whole cents (no floats). ``prior_low_price_cents`` (optional) is the lowest price
  actually charged before the stream (what a claimed original price is checked against);
  ``stock`` (optional) is the units on hand (what "only 3 left" is checked against);
  ``paid_promotion`` says the firm is paid to promote the product (an advertisement: the room
  must then carry an advertisement label, ``ad_label``).
- ``start_ms``/``end_ms`` are milliseconds from ``started_at``; a room's segments come in order.

Every error names the file, the line and the field (``rooms.jsonl:3 field start_ms: ...``); nothing is read from a file with an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    TypeAdapter,
    ValidationError,
)

from fairscreen.kit.errors import InputError
from fairscreen.kit.jsonl import json_lines

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
NO_NUL = r"^[^\x00]+$"  # PostgreSQL text holds no NUL
# whole numbers: 4900 and 4900.0 are the same JSON number; 49.5 is refused
Cents = Annotated[int, Field(ge=0, le=10**10)]
Ms = Annotated[StrictInt, Field(ge=0, le=7 * 86_400_000)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Listing(_Record):
    product: str = Field(min_length=1, max_length=120, pattern=NO_NUL)
    category: Literal["ordinary_food", "cosmetics", "health_food", "other"]
    original_price_cents: Cents
    live_price_cents: Cents
    prior_low_price_cents: Cents | None = None
    stock: Annotated[int, Field(ge=0, le=10**9)] | None = None
    paid_promotion: StrictBool = False


class RoomRecord(_Record):
    type: Literal["room"]
    room: Id
    firm: Id
    host: str = Field(pattern=r"^H-[A-Za-z0-9]{4,40}$")
    started_at: AwareDatetime
    ad_label: StrictBool = False
    listings: tuple[Listing, ...] = Field(default=(), max_length=500)


class SegmentRecord(_Record):
    type: Literal["segment"]
    room: Id
    start_ms: Ms
    end_ms: Ms
    text: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)


_ADAPTER: TypeAdapter[RoomRecord | SegmentRecord] = TypeAdapter(
    Annotated[RoomRecord | SegmentRecord, Field(discriminator="type")]
)


@dataclass(frozen=True, slots=True)
class Segment:
    index: int  # its place in the room's transcript, from 0
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True, slots=True)
class Room:
    room: str
    firm: str
    host: str
    started_at: datetime
    ad_label: bool
    listings: tuple[Listing, ...]
    segments: tuple[Segment, ...] = ()

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(item.category for item in self.listings)

    @property
    def products(self) -> tuple[str, ...]:
        return tuple(item.product for item in self.listings)


def parse_record(value: Any, where: str) -> RoomRecord | SegmentRecord:
    try:
        return _ADAPTER.validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        if len(loc) > 1 and loc[0] in ("room", "segment"):  # the union's tag, then the field
            loc = loc[1:]
        field = ".".join(loc) or "type"
        raise InputError(f"{where} field {field}", str(first["msg"])) from None


def read_rooms(lines: Iterable[bytes | str], where: str) -> list[Room]:
    """The rooms in ``lines`` (JSON Lines), each with its segments, in the order given."""
    rooms: dict[str, RoomRecord] = {}
    segments: dict[str, list[Segment]] = {}
    for at, value in json_lines(lines, where):
        if not isinstance(value, dict):
            raise InputError(at, "each line is a JSON object with a type")
        record = parse_record(value, at)
        if isinstance(record, RoomRecord):
            if record.room in rooms:
                raise InputError(f"{at} field room", f"room {record.room} is already given")
            rooms[record.room] = record
            segments[record.room] = []
            continue
        if record.room not in rooms:
            raise InputError(f"{at} field room", f"no room {record.room} line before this one")
        if record.end_ms < record.start_ms:
            raise InputError(f"{at} field end_ms", "ends before it starts")
        seen = segments[record.room]
        if seen and record.start_ms < seen[-1].start_ms:
            raise InputError(f"{at} field start_ms", "a room's segments come in order of start")
        seen.append(Segment(len(seen), record.start_ms, record.end_ms, record.text))
    return [
        Room(
            r.room,
            r.firm,
            r.host,
            r.started_at,
            r.ad_label,
            r.listings,
            tuple(segments[r.room]),
        )
        for r in rooms.values()
    ]


def read_file(path: Path) -> list[Room]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read ({exc.strerror})") from None
    return read_rooms(data.splitlines(), str(path))


def room_lines(room: Room) -> Iterator[dict[str, Any]]:
    """``room`` as the JSON Lines records it was read from (the simulator writes these)."""
    yield {
        "type": "room",
        "room": room.room,
        "firm": room.firm,
        "host": room.host,
        "started_at": room.started_at.isoformat(),
        "ad_label": room.ad_label,
        "listings": [item.model_dump(exclude_none=True) for item in room.listings],
    }
    for s in room.segments:
        yield {
            "type": "segment",
            "room": room.room,
            "start_ms": s.start_ms,
            "end_ms": s.end_ms,
            "text": s.text,
        }
