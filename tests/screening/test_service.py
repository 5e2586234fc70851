"""Storing screenings: every step's rows, sealed personal data and one ledger entry per state
change, all in one transaction, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.orm import Session

import fairscreen.models as m
from fairscreen.candidates.service import ids_by_ref
from fairscreen.kit.clock import utcnow
from fairscreen.kit.commitment import commit
from fairscreen.kit.db import Base, Committed, transaction
from fairscreen.ledger import log
from fairscreen.models import LEDGER_RECORDS
from fairscreen.rating import tallies
from fairscreen.screening.report import open_content
from fairscreen.screening.run import screen_world
from fairscreen.vault import Vault
from fairscreen.vault.core import SealError
from tests.conftest import Database
from tests.ledger.full import verify_log
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
        offences=[{"cause": "job_embezzlement", "convicted": "2023-02-01"}],
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


def candidate_ids_of(session: Session, vault: Vault, *refs: str) -> list[str]:
    found = ids_by_ref(session, vault, refs)
    return [found[ref] for ref in refs if ref in found]


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
    assert {mapper.class_ for mapper in committed} == set(LEDGER_RECORDS.tables)
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
        "report.issued",
        "model.published",  # the four artefacts, on their first use (fairscreen.audit.registry)
    }
    # every committed row names its entry, whose commitment opens against the row
    with db.sessions() as s:
        claimed = set()
        for mapper in committed:
            for row in s.scalars(select(mapper.class_)):
                entry = entries[row.ledger_index]
                assert entry["type"] in row.__events__
                assert commit(row.commitment_salt, row.committed_fields()) == entry["commitment"]
                claimed.add(row.ledger_index)
    assert claimed == set(range(size))
    assert verify_log(db.sessions).ok


def test_the_ledger_says_nothing_of_what_was_found(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    """Entries carry event types, pseudonyms, organisations, the items consented to, scoped and
    queried, versions and process codes; never a light, a rule, a finding, an exclusion reason,
    a record count, a row id of a person's record or a check request's id."""
    with _world().load(tmp_path) as store:
        results = list(screen_world(store, db.sessions, vault))
    said = {reason[k] for r in results for reason in r["reasons"] for k in ("rule", "code")}
    said |= {x["finding"] for r in results for x in r["excluded"]}
    assert said, "the world has reasons and exclusions to keep off the ledger"
    with db.sessions() as s:
        entries = [orjson.loads(e) for e in log.read_entries(s, 0, log.read_state(s).size)]
        request_ids = set(s.scalars(select(m.CheckRequest.id)))
        row_ids = (
            request_ids | set(s.scalars(select(m.Report.id))) | set(s.scalars(select(m.Consent.id)))
        )
    allowed = {
        "v",
        "type",
        "at",
        "org",
        "subject",
        "check",
        "commitment",
        "items",
        "policy",
        "ruleset",
        "attrs",
    }
    allowed_attrs = {
        "purpose",
        "separate_items",
        "retention_days",
        "employer",
        "category",
        "reason",
        "source",
        "kind",  # model.published: the artefact's kind, id@version and digest
        # report.issued: how many rated findings are neither authoritative nor corroborated, for
        # the regulator's off-site rule; the platform never rates one, so it is 0 whatever the light
        "unverified",
        "ref",
        "digest",
    }
    for entry in entries:
        assert set(entry) <= allowed, entry
        assert set(entry.get("attrs", {})) <= allowed_attrs, entry
        assert entry.get("attrs", {}).get("unverified", 0) == 0, entry  # says nothing of a light
        text = orjson.dumps(entry).decode()
        assert not any(f'"{light}"' in text for light in ("green", "blue", "yellow", "red"))
        assert not any(x in text for x in said), entry
        assert not any(row_id in text for row_id in row_ids), entry
    # the check pseudonym groups a check's entries: scope, queries and report share it
    checks = Counter(e["check"] for e in entries if "check" in e)
    assert len(checks) == 3 and max(checks.values()) > 2


def test_the_report_is_sealed_whole_and_opens_to_what_was_screened(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    with _world().load(tmp_path) as store:
        results = {r["candidate"]: r for r in screen_world(store, db.sessions, vault)}
    with db.sessions() as s:
        (cid,) = candidate_ids_of(s, vault, "C1")
        report = s.scalars(
            select(m.Report)
            .join(m.CheckRequest, m.CheckRequest.id == m.Report.request_id)
            .where(m.CheckRequest.candidate_id == cid)
        ).one()
        cand = s.get(m.Candidate, cid)
        assert cand is not None
        key = s.get(m.DataKey, cand.data_key_id)
        assert key is not None
        sealer = vault.sealer(key.id, key.kek_version, key.wrapped)
        content = open_content(sealer, report.id, report.content_ct)
        # moved to another report's row, it does not open
        other = s.scalars(select(m.Report).where(m.Report.id != report.id)).first()
        assert other is not None
        with pytest.raises(SealError):
            open_content(sealer, other.id, report.content_ct)
    expected = results["C1"]
    assert content["light"] == expected["light"] == "red"
    assert content["reasons"] == expected["reasons"]
    assert content["excluded"] == expected["excluded"]
    assert content["not_checked"] == expected["not_checked"]
    conviction = next(f for f in content["findings"] if f["code"] == "criminal_conviction")
    assert (
        conviction["detail"]["cause"] == "job_embezzlement" and conviction["status"] == "verified"
    )
    assert sum(q["records"] for q in content["queries"]) > 0


def test_the_regulator_gets_counts_not_people(db: Database, vault: Vault, tmp_path: Path) -> None:
    with _world().load(tmp_path) as store:
        results = list(screen_world(store, db.sessions, vault))
    with db.sessions() as s:
        counted = tallies.read(s)
    by_light = Counter(r["light"] for r in results if r["light"])
    assert {t.light: t.count for t in counted if t.rule == ""} == dict(by_light)
    red_rules = {reason["rule"] for r in results if r["light"] == "red" for reason in r["reasons"]}
    assert {t.rule for t in counted if t.light == "red" and t.rule} == red_rules
    assert all(t.shown == f"<{tallies.MIN_CELL}" for t in counted)  # a cell of one is not shown


def test_deleting_a_revocation_is_caught_by_the_ledger(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    """The revocation state is its own committed row: deleting it to make a revoked consent
    valid again leaves its ledger entry unclaimed, and verification names it."""
    with _world().load(tmp_path) as store:
        list(screen_world(store, db.sessions, vault))
    with db.sessions() as s:
        revocation = s.scalars(select(m.ConsentRevocation)).one()
        index = revocation.ledger_index
    with transaction(db.sessions) as s:
        s.execute(delete(m.ConsentRevocation).where(m.ConsentRevocation.id == revocation.id))
    report = verify_log(db.sessions)
    assert report.first_bad_index == index
    assert "missing" in report.sorted_problems()[0].message


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
        (cid,) = candidate_ids_of(s, vault, "C1")
        cand = s.get(m.Candidate, cid)
        assert cand is not None
        key = s.get(m.DataKey, cand.data_key_id)
        assert key is not None and cand.name_ct is not None
        sealer = vault.sealer(key.id, key.kek_version, key.wrapped)
        assert sealer.open("candidates", "name_ct", cand.id, cand.name_ct).decode() == "歐陽靜怡"
        with pytest.raises(SealError):
            sealer.open("candidates", "claims_ct", cand.id, cand.name_ct)
        assert sealer.open("candidates", "external_ref_ct", cand.id, cand.external_ref_ct) == b"C1"
        # the ID number is found through its blind index, never through plaintext
        assert cand.id_number_index == vault.blind_index("cn_resident_id", number)
        found = s.scalars(
            select(m.Candidate.id).where(
                m.Candidate.id_number_index == vault.blind_index("cn_resident_id", number)
            )
        ).all()
        assert found == [cid]
        # and the client's reference through its own, exactly as given
        assert candidate_ids_of(s, vault, "c1") == []


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
            receipt = receipts.build_receipt(s, receipt_index(s, vault, "C1", event))
            checked = receipts.verify_receipt(receipt, checkpoints.verifier_key(settings))
            assert checked.entry is not None and json.loads(checked.entry)["type"] == kind
        with pytest.raises(InputError, match="has no report"):
            receipt_index(s, vault, "C2", "report")  # revoked: stopped, no report
        with pytest.raises(InputError, match="no candidate"):
            receipt_index(s, vault, "C-NOBODY", "consent")
