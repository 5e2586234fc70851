"""``fairscreen retention ...`` and ``fairscreen deletion ...`` as an operator runs them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairscreen.cli import app
from fairscreen.kit.settings import get_settings
from fairscreen.vault import Vault
from fairscreen.vault.keys import LocalKeyFile
from tests.conftest import Database
from tests.retention.people import Screened, expire, opens, screen_people

runner = CliRunner()


@pytest.fixture
def setup(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Database, Vault, Screened]]:
    data = tmp_path / "data"
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(data))
    monkeypatch.setenv("FAIRSCREEN_DATABASE_URL", db.url)
    get_settings.cache_clear()
    vault = Vault(LocalKeyFile(data / "kek.json"))  # the key file the commands will open
    world = screen_people(db, vault, tmp_path, others=1)
    yield db, vault, world
    get_settings.cache_clear()


def test_every_command_has_help() -> None:
    for args in (
        ["retention"],
        ["retention", "sweep"],
        ["retention", "compact"],
        ["retention", "certificates"],
        ["deletion"],
        *[["deletion", c] for c in ("request", "verify", "process", "list", "hold", "release")],
    ):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)


def test_sweep_from_the_command_line(setup: tuple[Database, Vault, Screened]) -> None:
    db, vault, world = setup
    expire(db, vault, *world.refs("C1"))
    dry = runner.invoke(app, ["retention", "sweep", "--today", "2026-11-29", "--dry-run"])
    assert dry.exit_code == 0 and "1 candidate(s)" in dry.output
    assert opens(db, vault, world.target.candidate_id) == "all"
    swept = runner.invoke(app, ["retention", "sweep", "--today", "2026-11-29"])
    assert swept.exit_code == 0, swept.output
    assert "destroyed 1 candidate(s) in 1 batch(es)" in swept.output
    assert opens(db, vault, world.target.candidate_id) == "none"
    again = runner.invoke(app, ["retention", "sweep", "--today", "2026-11-29"])
    assert again.exit_code == 0 and "nothing to destroy" in again.output
    listed = runner.invoke(app, ["retention", "certificates", "--json"])
    (line,) = listed.output.strip().splitlines()
    cert = json.loads(line)
    assert cert["reason"] == "retention_expired" and cert["subjects"] == 1
    bad = runner.invoke(app, ["retention", "sweep", "--today", "29/11/2026"])
    assert bad.exit_code == 2 and "--today" in bad.output
    compact = runner.invoke(app, ["retention", "compact"])
    assert compact.exit_code == 0, compact.output
    if db.backend == "sqlite":
        assert "checkpoint: truncated" in compact.output
    else:
        assert "candidates" in compact.output and "pg_statistic: done" in compact.output
        assert "checkpoint: done" in compact.output


def test_a_deletion_request_from_the_command_line(
    setup: tuple[Database, Vault, Screened],
) -> None:
    db, vault, world = setup
    target = world.target
    received = runner.invoke(app, ["deletion", "request"])
    assert received.exit_code == 0, received.output
    match = re.search(r"deletion request ([0-9a-f]{32}) received, due by (\S+)", received.output)
    assert match is not None
    rid = match.group(1)

    wrong = runner.invoke(
        app, ["deletion", "verify", rid, "--id-number", target.id_number, "--name", "別人"]
    )
    assert wrong.exit_code == 1 and "4 attempt(s) left" in wrong.output
    # asked for when not given, without echoing it
    right = runner.invoke(
        app, ["deletion", "verify", rid], input=f"{target.id_number}\n{target.name}\n"
    )
    assert right.exit_code == 0, right.output
    assert "identity verified: 1 record(s)" in right.output
    for output in (wrong.output, right.output):
        assert target.id_number not in output and target.name not in output

    listed = runner.invoke(app, ["deletion", "list", "--json"])
    assert json.loads(listed.output)["status"] == "verified"
    assert runner.invoke(app, ["deletion", "list", "--overdue", "--json"]).output == ""

    neither = runner.invoke(app, ["deletion", "process"])
    assert neither.exit_code == 2
    done = runner.invoke(app, ["deletion", "process", rid])
    assert done.exit_code == 0, done.output
    assert "done" in done.output
    assert opens(db, vault, target.candidate_id) == "none"
    again = runner.invoke(app, ["deletion", "process", rid])
    assert again.exit_code == 1 and "already done" in again.output


def test_holds_from_the_command_line(setup: tuple[Database, Vault, Screened]) -> None:
    db, vault, world = setup
    placed = runner.invoke(
        app, ["deletion", "hold", world.target.ref, "--reason", "勞動仲裁 pending"]
    )
    assert placed.exit_code == 0, placed.output
    hold = re.search(r"legal hold ([0-9a-f]{32}) placed", placed.output)
    assert hold is not None
    rid = re.search(r"request ([0-9a-f]{32})", runner.invoke(app, ["deletion", "request"]).output)
    assert rid is not None
    runner.invoke(
        app,
        [
            "deletion",
            "verify",
            rid.group(1),
            "--id-number",
            world.target.id_number,
            "--name",
            world.target.name,
        ],
    )
    processed = runner.invoke(app, ["deletion", "process", "--all"])
    assert processed.exit_code == 0, processed.output
    refused = json.loads(runner.invoke(app, ["deletion", "list", "--json"]).output)
    assert refused["status"] == "refused" and refused["reason"] == "legal hold: 勞動仲裁 pending"
    assert opens(db, vault, world.target.candidate_id) == "all"
    holds = runner.invoke(app, ["deletion", "holds", "--active"])
    assert hold.group(1) in holds.output
    released = runner.invoke(app, ["deletion", "release", hold.group(1)])
    assert released.exit_code == 0 and "lifted" in released.output
    missing = runner.invoke(app, ["deletion", "release", hold.group(1)])
    assert missing.exit_code == 1 and "already lifted" in missing.output
    empty = runner.invoke(app, ["deletion", "hold", world.target.ref, "--reason", " "])
    assert empty.exit_code == 1 and "reason" in empty.output  # invalid input (README)
