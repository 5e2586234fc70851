"""Storing screenings: every step's rows, sealed personal data and one ledger entry per state
change, all in one transaction, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, inspect, select, text

import fairscreen.models as m
from fairscreen.kit.clock import utcnow
from fairscreen.kit.commitment import commit
from fairscreen.kit.db import Base, Committed, transaction
from fairscreen.ledger import log
from fairscreen.screening.run import screen_world
from fairscreen.vault import Vault
from tests.conftest import Database
from tests.worlds import WorldBuilder


def _world() -> WorldBuilder:
    w = WorldBuilder()
    a = w.candidate("finance_accounting", name="歐陽靜怡")
    a["claims"]["education"] = [
        {"institution": "測試財經大學", "degree": "master", "graduated": 2014}
    ]
    w.record(
        "criminal_certificate",
        a,
        issued="2026-10-01",
        result="record",
        offences=[{"cause": "fraud", "convicted": "2023-02-01"}],
    )
    w.record(
        "credit_report",
        a,
        as_of="2026-10-01",
        serious_delinquencies=2,
        last_delinquency="2025-01-01",
    )
    w.record(
        "enforcement_record",
        subject={"name": "歐陽靜怡"},
        court="x",
        case_number="y",
        listed="2025-02-01",
    )
    b = w.candidate("driver", name="Emily Chen")
    b["consent"]["revoked_at"] = "2026-11-02T09:00:00+08:00"
    c = w.candidate("general_office", name="司馬光明")
    w.lines.append(
        {
            "type": "demographics",
            "candidate": c["id"],
            "sex": "male",
            "birth_year": 1990,
            "ethnicity": "Han",
        }
    )
    return w


def _count(db: Database, model: type[Any]) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_world_is_stored_with_one_ledger_entry_per_state_change(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    with _world().load(tmp_path) as store:
        results = list(screen_world(store, db.sessions, vault))
    assert [r["status"] for r in results] == ["reported", "stopped", "reported"]
    assert [r["light"] for r in results] == ["red", None, "green"]
    assert _count(db, m.Candidate) == _count(db, m.DataKey) == 3
    assert _count(db, m.Consent) == 3 and _count(db, m.ConsentRevocation) == 1
    assert _count(db, m.CheckRequest) == 3 and _count(db, m.Report) == 2
    assert _count(db, m.CandidateDemographics) == 1

    committed = [t for t in Base.registry.mappers if issubclass(t.class_, Committed)]
    rows = sum(_count(db, mapper.class_) for mapper in committed)
    with db.sessions() as s:
        size = log.read_state(s).size
        entries = [orjson.loads(e) for e in log.read_entries(s, 0, size)]
    assert size == rows, "one entry per committed record"
    assert {e["type"] for e in entries} == {
        "consent.signed",
        "consent.revoked",
        "scope.fixed",
        "check.stopped",
        "source.queried",
        "finding.verified",
        "finding.excluded",
        "report.issued",
    }
    # every entry's commitment opens against its record
    by_table = {mapper.class_.__tablename__: mapper.class_ for mapper in committed}
    with db.sessions() as s:
        for entry in entries:
            table, row_id = entry["record"].split("/")
            row = s.get(by_table[table], row_id)
            assert row is not None
            assert commit(row.commitment_salt, row.committed_fields()) == entry["commitment"], (
                entry["type"]
            )
    # the report and the consent know where their entries are, for receipts
    with db.sessions() as s:
        for report in s.scalars(select(m.Report)):
            assert (
                json.loads(log.read_entry(s, report.ledger_index))["record"]
                == f"reports/{report.id}"
            )


def test_nothing_personal_is_stored_in_clear(db: Database, vault: Vault, tmp_path: Path) -> None:
    w = _world()
    with w.load(tmp_path) as store:
        list(screen_world(store, db.sessions, vault))
    secrets = []
    for line in w.lines:
        if line["type"] == "candidate":
            secrets += [line["name"], line["id_document"]["number"], line["birth_date"]]
    secrets += ["測試財經大學", "Han"]
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                blob = repr(tuple(row)).encode() + b"".join(
                    v for v in row if isinstance(v, bytes | memoryview)
                )
                for secret in secrets:
                    assert secret.encode() not in blob, f"{secret!r} in clear in {table}"
                    assert secret not in repr(tuple(row)), f"{secret!r} in clear in {table}"


def test_sealed_values_open_only_in_their_own_place(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    from fairscreen.vault.core import SealError

    w = _world()
    number = w.lines[w.lines.index(next(x for x in w.lines if x.get("id") == "C1"))]["id_document"][
        "number"
    ]
    with w.load(tmp_path) as store:
        list(screen_world(store, db.sessions, vault))
    with db.sessions() as s:
        cand = s.scalars(select(m.Candidate).where(m.Candidate.external_ref == "C1")).one()
        key = s.get(m.DataKey, cand.data_key_id)
        assert key is not None and cand.name_ct is not None
        sealer = vault.sealer(key.id, key.kek_version, key.wrapped)
        assert sealer.open("candidates", "name_ct", cand.id, cand.name_ct).decode() == "歐陽靜怡"
        with pytest.raises(SealError):
            sealer.open("candidates", "claims_ct", cand.id, cand.name_ct)
        finding = s.scalars(select(m.Finding).where(m.Finding.code == "criminal_conviction")).one()
        assert finding.detail_ct is not None
        detail = json.loads(sealer.open("findings", "detail_ct", finding.id, finding.detail_ct))
        assert detail["cause"] == "fraud"
        # the ID number is found through its blind index, never through plaintext
        assert cand.id_number_index == vault.blind_index("cn_resident_id", number)
        found = s.scalars(
            select(m.Candidate.external_ref).where(
                m.Candidate.id_number_index == vault.blind_index("cn_resident_id", number)
            )
        ).all()
        assert found == ["C1"]


def test_screening_twice_adds_requests_not_people(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    w = _world()
    for name in ("first.jsonl", "second.jsonl"):
        with w.load(tmp_path, name) as store:
            list(screen_world(store, db.sessions, vault))
    assert _count(db, m.Candidate) == 3
    assert _count(db, m.Consent) == 3
    assert _count(db, m.CheckRequest) == 6


def test_a_failed_batch_leaves_no_row_and_no_entry(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    from fairscreen.pipeline import Application, screen
    from fairscreen.screening.run import prepare
    from fairscreen.screening.service import Recorder, import_organisations

    with _world().load(tmp_path) as store:
        setup = prepare(store)
        positions = {p.id: p for p in store.positions()}
        screenings = [
            screen(
                Application(c, positions[c.applies_to], "A1"),
                sources=setup.sources,
                pack=setup.pack,
                ruleset=setup.ruleset,
                as_of=setup.as_of,
                at=utcnow(),
            )
            for c in store.candidates()
        ]
        with transaction(db.sessions) as s:
            directory = import_organisations(
                s, store.organisations(), positions.values(), screenings[0].at
            )
        with pytest.raises(RuntimeError, match="power cut"), transaction(db.sessions) as s:
            Recorder(vault, directory, setup.pack).write(s, screenings, now=screenings[0].at)
            assert log.read_state(s).size > 0
            raise RuntimeError("power cut")
    assert _count(db, m.Candidate) == 0 and _count(db, m.Report) == 0
    with db.sessions() as s:
        assert log.read_state(s).size == 0


def test_candidates_get_receipts_for_their_consent_and_report(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    from fairscreen.kit.errors import InputError
    from fairscreen.kit.settings import Settings
    from fairscreen.ledger import checkpoints, receipts
    from fairscreen.screening.service import receipt_index

    settings = Settings(data_dir=tmp_path / "data")
    signer = checkpoints.load_signer(settings, sessions=db.sessions, create=True)
    with _world().load(tmp_path) as store:
        list(screen_world(store, db.sessions, vault, signer=signer))
    with db.sessions() as s:
        assert checkpoints.latest(s) is not None, "a checkpoint was published after the batch"
        for event, kind in (("consent", "consent.signed"), ("report", "report.issued")):
            receipt = receipts.build_receipt(s, receipt_index(s, "C1", event))
            checked = receipts.verify_receipt(receipt, checkpoints.verifier_key(settings))
            assert json.loads(checked.entry)["type"] == kind
        with pytest.raises(InputError, match="has no report"):
            receipt_index(s, "C2", "report")  # revoked: stopped, no report
        with pytest.raises(InputError, match="no candidate"):
            receipt_index(s, "C-NOBODY", "consent")
