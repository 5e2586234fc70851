"""The bright-kitchens feed: JSON Lines, one record a line, each with a ``type``.

- ``event``: what an AI camera saw. ``id`` (the camera system's own, unique), ``restaurant``
  (the firm's id), ``camera``, ``at`` (ISO 8601 with a zone), ``kind`` (one of ``KINDS``),
  ``snapshot`` (``{"ref": an opaque id or URI at the firm, "sha256": 64 hex}``: the image stays
  with the firm, it shows staff) and ``confidence`` (the model's, in per mille, 0 to 1000).
- ``review``: a person's verdict on an event: ``event`` (its id), ``verdict`` (``confirmed`` or
  ``dismissed``), ``by`` (the reviewer's account id), ``at``.
- ``camera_fixed``: the firm had a flagged camera serviced: ``restaurant``, ``camera``, ``by``,
  ``at``.

Errors name the file, the line and the field; a file is read whole before anything is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal, get_args

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from fairscreen.kit.errors import InputError
from fairscreen.kit.jsonl import json_lines

Kind = Literal[
    "no_mask",
    "no_hat",
    "no_work_clothes",
    "smoking",
    "phone",
    "rodent",
    "bin_uncovered",
    "raw_cooked_mixed",
]
KINDS: tuple[str, ...] = get_args(Kind)
Verdict = Literal["confirmed", "dismissed"]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Snapshot(_Record):
    ref: str = Field(min_length=1, max_length=500)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Event(_Record):
    type: Literal["event"]
    id: Id
    restaurant: Id
    camera: Id
    at: AwareDatetime
    kind: Kind
    snapshot: Snapshot
    confidence: int = Field(ge=0, le=1000)


class Review(_Record):
    type: Literal["review"]
    event: Id
    verdict: Verdict
    by: Id
    at: AwareDatetime


class CameraFixed(_Record):
    type: Literal["camera_fixed"]
    restaurant: Id
    camera: Id
    by: Id
    at: AwareDatetime


Record = Event | Review | CameraFixed
_RECORD: TypeAdapter[Record] = TypeAdapter(
    Annotated[Event | Review | CameraFixed, Field(discriminator="type")]
)


def _where(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "(record)"
    return f"{field}: {first['msg']}"


def parse_lines(lines: Iterable[bytes | str], where: str) -> Iterator[Record]:
    for here, data in json_lines(lines, where):
        try:
            yield _RECORD.validate_python(data)
        except ValidationError as error:
            raise InputError(here, _where(error)) from None


def read_feed(path: Path) -> list[Record]:
    """Every record of a feed file, checked (nothing is stored if a line is wrong)."""
    try:
        with path.open("rb") as handle:
            return list(parse_lines(handle, str(path)))
    except FileNotFoundError:
        raise InputError(str(path), "no such feed file") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a directory, not a feed file") from None


def dump(record: Record) -> bytes:
    return orjson.dumps(record.model_dump(mode="json")) + b"\n"


def at_utc(at: datetime) -> datetime:
    from datetime import UTC

    return at.astimezone(UTC)
