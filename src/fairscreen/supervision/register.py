"""The register a regulator plans from: offices, inspectors and firms with their histories.

A register file is JSON Lines, one record a line, each with a ``type``: ``office`` (a home
office on the district's grid), ``inspector`` (an inspector's id, office, skills and capacity:
no name, nothing personal), ``firm`` (an organisation: its id, name, location, the scenarios it
is supervised under and its history of inspections, complaints and signals, plus the end of an
exemption it was granted). The synthetic city (``fairscreen.synth.city``) writes one; a real
deployment exports one from its own registers. Every error names the file, the line and the
field.

Locations are metres east (``x``) and north (``y``) of the district's south-west corner: the
planner's travel distances are measured on that grid.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from fairscreen.kit.errors import InputError
from fairscreen.kit.jsonl import json_lines

Severity = Literal["minor", "major", "serious"]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Metres = Annotated[int, Field(ge=0, le=200_000)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Office(_Record):
    type: Literal["office"] = "office"
    id: Id
    name: str = Field(min_length=1, max_length=200)
    x: Metres
    y: Metres


class Inspector(_Record):
    """An inspector as the planner sees one: skills, home office, how many visits a day and how
    many days a week they can go out."""

    type: Literal["inspector"] = "inspector"
    id: Id
    office: Id
    skills: tuple[str, ...] = Field(min_length=1)
    visits_per_day: int = Field(ge=1, le=20)
    days_per_week: int = Field(ge=1, le=5)


class Inspection(_Record):
    on: date
    scenario: str
    minor: int = Field(default=0, ge=0)
    major: int = Field(default=0, ge=0)


class Complaint(_Record):
    on: date
    scenario: str
    substantiated: bool


class SignalRecord(_Record):
    """An off-site signal as a count the tiers read: when, under which scenario, how serious,
    and whether it is still open (part 1's ``Signal`` reduces to this)."""

    on: date
    scenario: str
    severity: Severity
    rule: str = "unspecified"
    open: bool = False
    id: str | None = None  # the off-site signal's id when it came from the off-site checks


class Firm(_Record):
    type: Literal["firm"] = "firm"
    id: Id
    name: str = Field(min_length=1, max_length=200)
    x: Metres
    y: Metres
    office: Id
    scenarios: tuple[str, ...] = Field(min_length=1)
    inspections: tuple[Inspection, ...] = ()
    complaints: tuple[Complaint, ...] = ()
    signals: tuple[SignalRecord, ...] = ()
    exempt_until: dict[str, date] = Field(default_factory=dict)


Record = Annotated[Office | Inspector | Firm, Field(discriminator="type")]
_RECORD: TypeAdapter[Office | Inspector | Firm] = TypeAdapter(Record)


class Register:
    """Offices, inspectors and firms, checked against each other and against the tier rules'
    scenarios and skills."""

    def __init__(
        self,
        offices: Iterable[Office],
        inspectors: Iterable[Inspector],
        firms: Iterable[Firm],
    ) -> None:
        self.offices = {o.id: o for o in offices}
        self.inspectors = {i.id: i for i in inspectors}
        self.firms = {f.id: f for f in firms}

    def check(self, scenarios: Mapping[str, Any], skills: Iterable[str], where: str) -> None:
        """Every reference resolves: offices exist, scenarios and skills are the rules' own."""
        known_skills = set(skills)
        for inspector in self.inspectors.values():
            if inspector.office not in self.offices:
                raise InputError(where, f"inspector {inspector.id}: no office {inspector.office!r}")
            for skill in inspector.skills:
                if skill not in known_skills:
                    raise InputError(
                        where, f"inspector {inspector.id}: skills: unknown skill {skill!r}"
                    )
        for firm in self.firms.values():
            if firm.office not in self.offices:
                raise InputError(where, f"firm {firm.id}: office: no office {firm.office!r}")
            for scenario in (
                *firm.scenarios,
                *(e.scenario for e in firm.inspections),
                *(e.scenario for e in firm.complaints),
                *(e.scenario for e in firm.signals),
                *firm.exempt_until,
            ):
                if scenario not in scenarios:
                    raise InputError(where, f"firm {firm.id}: unknown scenario {scenario!r}")


def parse_records(lines: Iterable[bytes | str], where: str) -> Iterator[Office | Inspector | Firm]:
    """Each non-blank line as a record; an error names ``where``, the line and the field."""
    for here, data in json_lines(lines, where):
        try:
            yield _RECORD.validate_python(data)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(record)"
            raise InputError(here, f"{field}: {first['msg']}") from None


def parse_dicts(
    records: Iterable[Mapping[str, Any]], where: str
) -> Iterator[Office | Inspector | Firm]:
    """Records already decoded (the generator's dicts): validated as a file's lines are."""
    for number, data in enumerate(records, start=1):
        try:
            yield _RECORD.validate_python(data)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(record)"
            raise InputError(f"{where}:{number}", f"{field}: {first['msg']}") from None


def register_from(records: Iterable[Office | Inspector | Firm]) -> Register:
    offices: list[Office] = []
    inspectors: list[Inspector] = []
    firms: list[Firm] = []
    for record in records:
        if isinstance(record, Office):
            offices.append(record)
        elif isinstance(record, Inspector):
            inspectors.append(record)
        else:
            firms.append(record)
    return Register(offices, inspectors, firms)


def load_register(path: Path) -> Register:
    """Read a register file (JSON Lines); errors name the file, line and field."""
    try:
        with path.open("rb") as handle:
            return register_from(parse_records(handle, str(path)))
    except FileNotFoundError:
        raise InputError(str(path), "no such register file") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a directory, not a register file") from None


def dump_record(record: Office | Inspector | Firm) -> bytes:
    """One line of a register file (``type`` first, defaults left out)."""
    data = record.model_dump(mode="json", exclude_defaults=True)
    return orjson.dumps({"type": record.type, **data}) + b"\n"
