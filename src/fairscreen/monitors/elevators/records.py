"""The elevator platform's interface: JSON Lines, one record a line, each with a ``type``.

Modelled on the national elevator-IoT standards (GB/T 24476-2023, the enterprise application
platform's data; GB/T 24475-2023, remote alarms): an elevator identified by its registration
code with its basic information, real-time running status, and fault, event and alarm data.
The field names are fairscreen's own (docs/monitors.md, "Smart elevators", maps them).

- ``elevator``: ``id`` (registration code), ``user_unit`` (使用单位) and ``maintainer``
  (维保单位), both register firm ids, ``x``/``y`` (metres on the district grid), ``place``,
  ``since`` (when the platform starts watching it), ``inspected_on`` (the last periodic
  inspection before that, if known);
- ``event``: ``id``, ``elevator``, ``kind`` (``rules.EVENT_KINDS``), ``at``, ``floor``;
- ``status``: a heartbeat: ``elevator``, ``at``, ``state`` (``running``, ``idle``,
  ``out_of_service``, ``maintenance``) and ``load`` (per cent of rated load: running with
  passengers is ``running`` with a load above 0);
- ``maintenance``: a visit as the maintenance firm logged it: ``id``, ``elevator``, ``firm``,
  ``kind`` (``half_month``, ``quarter``, ``half_year``, ``annual``), ``started_at``,
  ``ended_at``;
- ``inspection``: ``id``, ``elevator``, ``on``, ``passed``.

Times are ISO 8601 with an offset. An error names the file, the line and the field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from fairscreen.kit.errors import ConflictError, InputError

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
EventKind = Literal[
    "entrapment",
    "stop_outside_door_zone",
    "door_open_while_moving",
    "overspeed",
    "over_travel_top",
    "over_travel_bottom",
    "power_loss",
    "alarm_button",
    "rescue_arrived",
]
YEARS = (2000, 2100)  # the years a record's times may fall in
State = Literal["running", "idle", "out_of_service", "maintenance"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Elevator(_Record):
    type: Literal["elevator"]
    id: Code
    user_unit: Id
    maintainer: Id
    x: int = Field(ge=0, le=200_000)
    y: int = Field(ge=0, le=200_000)
    place: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")
    since: AwareDatetime
    inspected_on: date | None = None


class Event(_Record):
    type: Literal["event"]
    id: Id
    elevator: Code
    kind: EventKind
    at: AwareDatetime
    floor: int | None = Field(default=None, ge=-10, le=300)


class Status(_Record):
    type: Literal["status"]
    elevator: Code
    at: AwareDatetime
    state: State
    load: int = Field(default=0, ge=0, le=200)


class Maintenance(_Record):
    type: Literal["maintenance"]
    id: Id
    elevator: Code
    firm: Id
    kind: Literal["half_month", "quarter", "half_year", "annual"]
    started_at: AwareDatetime
    ended_at: AwareDatetime


class Inspection(_Record):
    type: Literal["inspection"]
    id: Id
    elevator: Code
    on: date
    passed: bool


Record = Elevator | Event | Status | Maintenance | Inspection
AnyRecord = Annotated[Record, Field(discriminator="type")]
_RECORD: TypeAdapter[Record] = TypeAdapter(AnyRecord)


def parse(data: object, where: str) -> Record:
    """One record from decoded JSON; an error names ``where`` and the field."""
    try:
        record = _RECORD.validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"][1:]) or "type"
        raise InputError(f"{where}: {field}", first["msg"]) from None
    check(record, where)
    return record


def check(record: Record, where: str) -> None:
    """What the schema cannot say: times within 2000-2100, a visit not ending before it starts
    (a well-formed record the monitor refuses: ``ConflictError``, naming the field)."""
    for name, value in record:
        if isinstance(value, date) and not YEARS[0] <= value.year <= YEARS[1]:
            raise ConflictError(f"{where}: {name}: a year from {YEARS[0]} to {YEARS[1]}")
    if isinstance(record, Maintenance) and record.ended_at < record.started_at:
        raise ConflictError(f"{where}: ended_at: before started_at")


def dump(record: Record) -> bytes:
    return orjson.dumps(record.model_dump(mode="json", exclude_none=True)) + b"\n"
