"""A dispute past its reinvestigation deadline: the disputed finding is deleted and the report
re-rated as a new version, by ``fairscreen feedback deadlines`` and by the server's scheduler;
nothing happens before the deadline, and a second run does nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairscreen.cli import app
from fairscreen.feedback.jobs import FeedbackScheduler
from fairscreen.kit.clock import frozen, utcnow
from fairscreen.kit.settings import get_settings
from fairscreen.vault import Vault
from fairscreen.vault.keys import LocalKeyFile
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow, messages, subscribe
from tests.feedback.test_cases import ZHANG_CLAIMS, entry
from tests.ledger.full import verify_log

runner = CliRunner()


@pytest.fixture
def world(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    data = tmp_path / "data"
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(data))
    monkeypatch.setenv("FAIRSCREEN_DATABASE_URL", db.url)
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / "zhang.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    vault = Vault(LocalKeyFile(data / "kek.json"))  # the key file the command opens
    yield subscribe(make_world(db, vault))
    get_settings.cache_clear()


def _disputed(world: World) -> tuple[Flow, str]:
    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    finding = flow.mine()["versions"][0]["reasons"][0]["findings"][0]
    assert flow.candidate is not None
    opened = flow.candidate.post(
        f"{BASE}/checks/{flow.check_id}/disputes",
        json={"finding": finding, "text": "我在那裡工作過"},
    )
    assert opened.status_code == 201, opened.text
    return flow, opened.json()["id"]


def _deleted_by_deadline(world: World, flow: Flow, dispute: str) -> None:
    versions = flow.mine()["versions"]
    assert [(v["version"], v["light"]) for v in versions] == [(1, "yellow"), (2, "green")]
    assert versions[1]["findings"] == [] and versions[1]["reasons"] == []
    assert versions[1]["changes"][0] == {
        **versions[1]["changes"][0],
        "dispute": dispute,
        "outcome": "deleted",
        "by": "deadline",
    }
    assert flow.candidate is not None
    seen = flow.candidate.get(f"{BASE}/disputes/{dispute}").json()
    assert seen["status"] == "resolved"
    assert seen["resolution"]["by"] == "deadline" and seen["resolution"]["new_version"] == 2
    # the employer, the agency and the candidate were told of the new version
    told = {r for _, r, p in messages(world, "report.issued") if p.get("version") == 2}
    assert told == {
        flow.contact,
        f"org:{world.orgs['employer'][0]}",
        f"org:{world.orgs['agency'][0]}",
    }
    assert verify_log(world.db.sessions).ok


def test_the_command_deletes_a_finding_past_its_deadline(world: World) -> None:
    flow, dispute = _disputed(world)
    due = utcnow() + timedelta(days=30)  # the CN pack's reinvestigation_days
    with frozen(due - timedelta(hours=1)):
        early = runner.invoke(app, ["feedback", "deadlines"])
    assert early.exit_code == 0, early.output
    assert early.output.startswith("0 dispute(s)")
    with frozen(due + timedelta(minutes=1)):
        done = runner.invoke(app, ["feedback", "deadlines"])
        assert done.exit_code == 0, done.output
        assert done.output.startswith("1 dispute(s)") and f"dispute {dispute}" in done.output
        again = runner.invoke(app, ["feedback", "deadlines"])
        assert again.output.startswith("0 dispute(s)")
    _deleted_by_deadline(world, flow, dispute)
    resolved = flow.mine()["versions"][1]
    assert resolved["version"] == 2
    report = flow.report(flow.staff("recruiter")).json()
    assert [v["light"] for v in report["versions"]] == ["yellow", "green"]


def test_the_servers_scheduler_does_the_same(world: World) -> None:
    flow, dispute = _disputed(world)
    later = utcnow() + timedelta(days=31)
    scheduler = FeedbackScheduler(
        world.db.sessions, lambda: world.vault, interval=60, clock=lambda: later
    )
    run = scheduler.run_once()
    assert run.disputes == [dispute] and run.errors == []
    assert scheduler.run_once().disputes == []
    _deleted_by_deadline(world, flow, dispute)
    with world.db.sessions() as session:
        from sqlalchemy import select

        from fairscreen.feedback.models import DisputeResolution

        resolution = session.scalars(select(DisputeResolution)).one()
    assert resolution.by == "deadline" and resolution.resolved_by is None
    assert entry(world, resolution.ledger_index)["attrs"] == {
        "employer": world.orgs["employer"][0],
        "by": "deadline",
    }
