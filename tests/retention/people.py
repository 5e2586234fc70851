"""A screened world for the retention tests, and what is known about each person before erasure.

``screen_people`` screens a small world with one person of interest (a finance candidate with a
criminal record, a credit delinquency, a hearsay reference, sealed demographics) and a few
others, and returns a ``Person`` for everyone: the clear values the candidate gave (name, ID
number, the client's reference, the texts and source record ids of their findings, opened from
the sealed report), and the exact bytes fairscreen stored for them (every ciphertext, the wrapped
data key, the blind indexes), so that a test can look for each of them afterwards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select, update

import fairscreen.models as m
from fairscreen.candidates.service import ids_by_ref
from fairscreen.kit.db import transaction
from fairscreen.ledger import log
from fairscreen.screening.report import open_content
from fairscreen.screening.run import screen_world
from fairscreen.vault import Vault
from fairscreen.vault.core import SealError
from fairscreen.vault.keys import KeyProviderError
from tests.conftest import Database
from tests.worlds import WorldBuilder

TODAY = date(2026, 11, 29)
EXPIRED = date(2026, 11, 1)  # retain_until of a candidate whose retention has ended

_SEALED = (
    ("candidates", "external_ref_ct"),
    ("candidates", "name_ct"),
    ("candidates", "id_document_ct"),
    ("candidates", "birth_date_ct"),
    ("candidates", "claims_ct"),
)


@dataclass
class Person:
    ref: str  # external reference in the world
    candidate_id: str
    name: str
    id_number: str
    subject: str  # ledger pseudonym
    texts: list[str] = field(default_factory=list)  # finding details and source texts, in clear
    refs: list[str] = field(default_factory=list)  # finding references (stored in clear)
    ciphertexts: list[bytes] = field(default_factory=list)
    wrapped_key: bytes = b""
    blind_index: bytes = b""  # the keyed index of the ID number
    ref_index: bytes = b""  # the keyed index of the client's reference
    ledger_indexes: list[int] = field(default_factory=list)
    # What the world file says of them in clear: name, ID number, birth date, their client
    # reference and consent reference, the ids of their source records, case numbers, the
    # reference text.
    world: list[str] = field(default_factory=list)

    def plaintexts(self) -> list[str]:
        return [self.name, self.id_number, *self.texts]


@dataclass
class Screened:
    people: dict[str, Person]  # by the world's short id (C1, C2, ...)
    ledger_size: int
    target_ref: str = "C1"

    @property
    def target(self) -> Person:
        return self.people[self.target_ref]

    def refs(self, *ids: str) -> list[str]:
        """The client's references of these people (all of them without ``ids``)."""
        return [self.people[i].ref for i in (ids or tuple(self.people))]


def _renamed(line: dict[str, Any], prefix: str, tag: str) -> dict[str, Any]:
    """Give a candidate line (and its consent) references of their own, so that a second world
    screened into the same database adds candidates instead of finding the first ones. The
    client's reference is long and unique (``C1-<tag>``) so that a scan for it in a database's
    files cannot hit by chance."""
    line["id"] = f"{prefix}{line['id']}-{tag}"
    if line.get("consent"):
        line["consent"]["id"] = f"{prefix}{line['consent']['id']}-{tag}"
    return line


def short(ref: str) -> str:
    """``C1`` for ``C1-<tag>`` (and ``again-C1`` for ``again-C1-<tag>``)."""
    return ref.rsplit("-", 1)[0]


def build_world(
    tag: str, others: int = 3, prefix: str = "", *, court_case: bool = False
) -> WorldBuilder:
    """The target (C1) and ``others``; ``court_case``: the target is also the defendant in a
    criminal case whose case number and record id carry ``tag``."""
    w = WorldBuilder()
    a = _renamed(
        w.candidate("finance_accounting", name="歐陽靜怡", birth=date(1986, 3, 14)), prefix, tag
    )
    if court_case:
        case = w.court_case("criminal", "fraud", [w.party(a)], case_number=f"(2024)測刑初{tag}號")
        case["id"] = f"CASE-{tag}"
    w.record(
        "criminal_certificate",
        a,
        id=f"CC-{tag}",
        issued="2026-10-01",
        result="record",
        offences=[{"cause": "fraud", "convicted": "2023-02-01"}],
    )
    w.record(
        "credit_report",
        a,
        id=f"CR-{tag}",
        as_of="2026-10-01",
        serious_delinquencies=2,
        last_delinquency="2025-01-01",
    )
    hearsay = w.reference(a, "她做事認真細緻。不過她生活作風存在問題。", referee="前同事李某")
    hearsay["id"] = f"REF-{tag}"
    w.lines.append(
        {
            "type": "demographics",
            "candidate": a["id"],
            "sex": "female",
            "birth_year": 1986,
            "ethnicity": "Han",
        }
    )
    names = ["司馬光明", "Emily Chen", "諸葛亮亮", "上官婉兒", "張偉強", "李秀蘭"]
    for i in range(others):
        b = _renamed(
            w.candidate(
                "finance_accounting",
                name=names[i % len(names)],
                birth=date(1990, 1, 2) + timedelta(days=37 * i),
            ),
            prefix,
            tag,
        )
        w.record(
            "criminal_certificate",
            b,
            id=f"OTHER{i}-{tag}",
            issued="2026-10-01",
            result="record",
            offences=[{"cause": "fraud", "convicted": "2022-02-01"}],
        )
    return w


def new_tag() -> str:
    return uuid.uuid4().hex[:12].upper()


def screen_people(
    db: Database,
    vault: Vault,
    tmp_path: Path,
    *,
    others: int = 3,
    tag: str | None = None,
    prefix: str = "",
    court_case: bool = False,
) -> Screened:
    tag = tag or new_tag()
    world = build_world(tag, others, prefix, court_case=court_case)
    with world.load(tmp_path, f"world-{tag}.jsonl") as store:
        list(screen_world(store, db.sessions, vault))
    source_texts = {
        line["candidate"]: line["text"] for line in world.lines if line["type"] == "reference"
    }
    people: dict[str, Person] = {}
    with db.sessions() as s:
        candidates = s.scalars(select(m.Candidate)).all()
        for c in candidates:
            person = snapshot(s, vault, c.id)
            people[short(person.ref)] = person
        for p in people.values():
            if p.ref in source_texts:
                p.texts.append(source_texts[p.ref])
            p.world = _clear_values(world, p.ref)
        size = log.read_state(s).size
        for index, entry in enumerate(log.read_entries(s, 0, size)):
            subject = orjson.loads(entry).get("subject")
            for p in people.values():
                if subject == p.subject:
                    p.ledger_indexes.append(index)
    return Screened(people, size, f"{prefix}C1")


def _clear_values(world: WorldBuilder, ref: str) -> list[str]:
    """What the world file says of the candidate ``ref`` that identifies them."""
    lines = [x for x in world.lines if x["type"] == "candidate" and x["id"] == ref]
    if not lines:
        return []  # screened from another world into the same database
    line = lines[0]
    number = line["id_document"]["number"]
    out = [line["name"], number, line["birth_date"], ref]
    if line.get("consent"):
        out.append(line["consent"]["id"])
    for rec in world.lines:
        parties = [rec.get("subject") or {}, *rec.get("parties", [])]
        if any(p.get("id_number") == number for p in parties) or rec.get("candidate") == ref:
            out += [rec[k] for k in ("id", "case_number", "text") if k in rec]
    return out


def snapshot(session: Any, vault: Vault, candidate_id: str) -> Person:
    """Everything fairscreen stored for one live candidate, opened with the vault."""
    c = session.get(m.Candidate, candidate_id)
    key = session.get(m.DataKey, c.data_key_id)
    sealer = vault.sealer(key.id, key.kek_version, key.wrapped)
    document = orjson.loads(sealer.open("candidates", "id_document_ct", c.id, c.id_document_ct))
    person = Person(
        ref=sealer.open("candidates", "external_ref_ct", c.id, c.external_ref_ct).decode(),
        candidate_id=c.id,
        name=sealer.open("candidates", "name_ct", c.id, c.name_ct).decode(),
        id_number=document["number"],
        subject=sealer.subject_ref(c.id),
        wrapped_key=bytes(key.wrapped),
        blind_index=bytes(c.id_number_index),
        ref_index=bytes(c.external_ref_index),
    )
    person.ciphertexts += [bytes(getattr(c, column)) for _, column in _SEALED]
    demo = session.get(m.CandidateDemographics, c.id)
    if demo is not None:
        person.ciphertexts.append(bytes(demo.demographics_ct))
    for report in _reports(session, c.id):
        person.ciphertexts.append(bytes(report.content_ct))
        content = open_content(sealer, report.id, bytes(report.content_ct))
        for finding in content["findings"]:
            person.refs.append(finding["provenance"]["record"].split("#", 1)[0])
            if finding["detail"] is not None:
                person.texts.append(orjson.dumps(finding["detail"]).decode())
    return person


def _reports(session: Any, candidate_id: str) -> list[Any]:
    return list(
        session.scalars(
            select(m.Report)
            .join(m.CheckRequest, m.CheckRequest.id == m.Report.request_id)
            .where(m.CheckRequest.candidate_id == candidate_id)
        )
    )


def opens(db: Database, vault: Vault, candidate_id: str) -> str:
    """``"all"`` if every sealed value of the candidate opens, ``"none"`` if nothing of theirs is
    left (no candidate row, no data key, no row that refers to them), ``"partial"`` otherwise
    (which must never be)."""
    with db.sessions() as s:
        c = s.get(m.Candidate, candidate_id)
        if c is None:
            left = [
                model.__tablename__
                for model, column in (
                    (m.CheckRequest, m.CheckRequest.candidate_id),
                    (m.Consent, m.Consent.candidate_id),
                    (m.CandidateDemographics, m.CandidateDemographics.candidate_id),
                    (m.LegalHold, m.LegalHold.candidate_id),
                    (m.DeletionRequestCandidate, m.DeletionRequestCandidate.candidate_id),
                )
                if s.scalars(select(column).where(column == candidate_id)).first() is not None
            ]
            return "none" if not left else "partial"
        values = [(t, col, c.id, getattr(c, col)) for t, col in _SEALED]
        demo = s.get(m.CandidateDemographics, c.id)
        if demo is not None:
            values.append(("candidate_demographics", "demographics_ct", c.id, demo.demographics_ct))
        for report in _reports(s, c.id):
            values.append(("reports", "content_ct", report.id, report.content_ct))
        key = s.get(m.DataKey, c.data_key_id)
        opened = 0
        if key is not None:
            try:
                sealer = vault.sealer(key.id, key.kek_version, key.wrapped)
            except KeyProviderError:
                return "partial"
            for table, column, row_id, value in values:
                try:
                    sealer.open(table, column, row_id, value)
                    opened += 1
                except SealError:
                    pass
    return "all" if key is not None and opened == len(values) else "partial"


def candidate_ids(db: Database, vault: Vault, *refs: str) -> list[str]:
    """Candidate ids of the given client references (which are stored only blind-indexed)."""
    with db.sessions() as s:
        found = ids_by_ref(s, vault, refs)
    assert set(found) == set(refs), f"no candidate {sorted(set(refs) - set(found))}"
    return [found[ref] for ref in refs]


def expire(db: Database, vault: Vault, *refs: str, on: date = EXPIRED) -> None:
    """End the retention of the candidates with these client references."""
    ids = candidate_ids(db, vault, *refs)
    with transaction(db.sessions) as s:
        s.execute(update(m.Candidate).where(m.Candidate.id.in_(ids)).values(retain_until=on))


def assert_references_whole(db: Database) -> None:
    """Every foreign key resolves (the SQLite sweep runs without per-row checks, by design), and
    the connections the sweep used enforce them again."""
    if db.backend != "sqlite":
        return  # PostgreSQL enforced them all along
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
