"""The labour inspector's overview (web/portal/regulator.py, oversight.py) on SQLite and
PostgreSQL: the witnesses of the log (a real ``fairscreen witness`` process cosigning over C2SP
add-checkpoint), the quorum, and the alarm the log's own records show once it signs another
history; reinvestigations past their deadline (open, then deleted by the deadline job) and
candidates past their retention date, counted per organisation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from fairscreen.candidates.models import Candidate
from fairscreen.feedback.jobs import expire_disputes
from fairscreen.kit.clock import frozen, utcnow
from fairscreen.kit.settings import get_settings
from fairscreen.ledger import checkpoints, log
from fairscreen.ledger.cosign import Collector, load_policy
from fairscreen.ledger.note import Signer
from fairscreen.retention import deletion
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow
from tests.feedback.test_cases import ZHANG_CLAIMS
from tests.ledger.conftest import ORIGIN, plain_entries
from tests.ledger.test_cosign import LiveWitness
from tests.ledger.test_witness import rewrite_history

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / "zhang.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def section(html: str, name: str) -> str:
    found = re.search(rf'<section class="card" id="{name}">(.*?)</section>', html, re.S)
    assert found is not None, name
    return found.group(1)


def cell(html: str, org: str, column: str) -> str:
    """One organisation's figure in the per-organisation table."""
    row = re.search(
        rf"<tr><td data-label=\"Organisation\">{re.escape(org)}</td>(.*?)</tr>", html, re.S
    )
    assert row is not None, org
    found = re.search(rf'data-label="{column}">([^<]*)<', row.group(1))
    assert found is not None, column
    return found.group(1)


def test_the_witness_its_quorum_and_an_alarm_on_another_history(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = Signer.generate(ORIGIN)
    inspector = world.client("regulator_inspector")
    none = section(inspector.get("/regulator", headers=EN).text, "witnesses")
    assert "No witness is configured" in none

    witness = LiveWitness(tmp_path / "w1", "witness.test/w1", signer.verifier.text())
    try:
        policy = tmp_path / "witnesses.toml"
        policy.write_text("quorum = 1\n" + witness.policy_entry())
        monkeypatch.setenv("FAIRSCREEN_WITNESS_POLICY", str(policy))
        get_settings.cache_clear()
        honest = plain_entries(500)
        rewrite_history(world.db.sessions, honest, signer)  # the log: 500 entries, signed
        collector = Collector(world.db.sessions, load_policy(policy))
        try:
            outcome = collector.collect()
        finally:
            collector.close()
        assert outcome is not None and outcome.cosigned == ["witness.test/w1"]
    finally:
        witness.stop()

    page = inspector.get("/regulator", headers=EN).text
    witnesses = section(page, "witnesses")
    assert "witness.test/w1" in witnesses and ">500<" in witnesses and ">cosigned<" in witnesses
    assert "No alarm" in witnesses
    assert "1 of the 1 required" in page and "quorum met" in page

    # the log signs a second history of the same size: the witness's cosignature stands on
    # a root the log no longer has
    rewrite_history(world.db.sessions, [*honest[:42], b"forged", *honest[43:]], signer)
    page = inspector.get("/regulator", headers=EN).text
    witnesses = section(page, "witnesses")
    assert "1 alarm" in witnesses and "another history of the first 500 entries" in witnesses
    assert "quorum not met" in page and ">not yet<" in witnesses
    # a larger log than any checkpoint the witness saw is no alarm by itself
    with world.db.sessions.begin() as session:
        log.append(session, plain_entries(10, start=500))
    checkpoints.publish(world.db.sessions, signer)
    assert "1 alarm" in section(inspector.get("/regulator", headers=EN).text, "witnesses")


def test_late_reinvestigations_and_data_past_retention_per_organisation(
    world: World, vault: Vault
) -> None:
    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    agency = world.orgs["agency"][0]
    employer = world.orgs["employer"][0]
    finding = flow.report(flow.staff("recruiter")).json()["versions"][0]["reasons"][0]
    assert flow.candidate is not None
    opened = flow.candidate.post(
        f"{BASE}/checks/{flow.check_id}/disputes",
        json={"finding": finding["findings"][0], "text": "外包"},
    )
    assert opened.status_code == 201, opened.text
    names = {}
    with world.db.sessions() as session:
        from fairscreen.organisations.models import Organisation

        for org in (agency, employer):
            row = session.get(Organisation, org)
            assert row is not None
            names[org] = row.name

    def overview() -> str:
        # signed in afresh each time: a frozen clock moves past a session's life
        page = flow.staff("regulator_inspector", fresh=True).get("/regulator", headers=EN)
        return str(page.text)

    page = overview()
    assert cell(page, names[agency], "Reinvestigations late") == "0"
    later = utcnow() + timedelta(days=40)
    with frozen(later):
        page = overview()
        assert cell(page, names[agency], "Reinvestigations late") == "1"  # open past its due
        assert re.search(r"Disputes open past their deadline</dt><dd>1<", page)
        assert expire_disputes(world.db.sessions, vault, now=later) == [opened.json()["id"]]
        page = overview()
        # deleted at the deadline: now counted from its ledger entry
        assert cell(page, names[agency], "Reinvestigations late") == "1"
        assert re.search(r"Disputes open past their deadline</dt><dd>0<", page)

    assert cell(overview(), names[employer], "Past retention") == "0"
    with world.db.sessions.begin() as session:
        session.execute(update(Candidate).values(retain_until=utcnow().date() - timedelta(days=1)))
    page = overview()
    assert cell(page, names[employer], "Past retention") == "1"
    assert re.search(r"not yet destroyed</dt><dd>1<", page)
    with world.db.sessions.begin() as session:
        (candidate,) = session.scalars(select(Candidate.id)).all()
        deletion.place_hold(
            session, vault, candidate, reason_code="labour_arbitration", now=utcnow()
        )
    page = overview()
    assert cell(page, names[employer], "Past retention") == "0"
    assert "and 1 kept by a legal hold" in page
