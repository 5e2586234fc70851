"""The ledger's commands: key, status, checkpoint, verify, export, receipt get/verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from fairscreen.cli import app
from fairscreen.ledger import log, tiles
from fairscreen.ledger.log import BUNDLES
from fairscreen.web.app import create_app
from tests.conftest import Database
from tests.ledger.conftest import ORIGIN, AsgiClient, plain_entries

runner = CliRunner()


@pytest.fixture
def cli_db(db: Database, settings_env: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("FAIRSCREEN_DATABASE_URL", db.url)
    return db


def test_every_command_has_help() -> None:
    for args in [
        [],
        ["ledger"],
        ["ledger", "key"],
        ["ledger", "status"],
        ["ledger", "checkpoint"],
        ["ledger", "verify"],
        ["ledger", "export"],
        ["receipt"],
        ["receipt", "get"],
        ["receipt", "verify"],
        ["serve"],
        ["witness"],
    ]:
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output


def test_key_checkpoint_status_verify(cli_db: Database, settings_env: Path) -> None:
    missing = runner.invoke(app, ["ledger", "key"])
    assert missing.exit_code == 4 and "ledger key --init" in missing.output
    assert not settings_env.exists()  # showing the key never makes one
    key = runner.invoke(app, ["ledger", "key", "--init"])
    assert key.exit_code == 0 and key.output.startswith(ORIGIN + "+")
    assert runner.invoke(app, ["ledger", "key"]).output == key.output
    secret = (settings_env / "ledger-signing.key").read_text().strip()
    with cli_db.sessions.begin() as session:
        log.append(session, plain_entries(600))
    published = runner.invoke(app, ["ledger", "checkpoint"])
    assert published.exit_code == 0 and published.output.startswith(f"{ORIGIN}\n600\n")
    status = runner.invoke(app, ["ledger", "status"])
    assert "size 600" in status.output and "latest checkpoint: size 600" in status.output
    ok = runner.invoke(app, ["ledger", "verify", "--quiet"])
    assert ok.exit_code == 0 and ok.output.startswith("ok: 600 entries, 1 checkpoints")
    for result in (key, published, status, ok):
        assert secret.split("+", 4)[4] not in result.output

    with cli_db.sessions.begin() as session:
        entries = plain_entries(600)
        entries[300] = b"tampered"
        session.execute(
            update(BUNDLES)
            .where(BUNDLES.c.idx == 1)
            .values(data=tiles.encode_entries(entries[256:512]))
        )
    bad = runner.invoke(app, ["ledger", "verify", "--quiet", "--key", key.output.strip()])
    assert bad.exit_code == 1
    assert "FAILED: first bad index 300" in bad.output
    assert runner.invoke(app, ["ledger", "verify", "--key", "garbage"]).exit_code == 2


def test_export_is_what_the_server_serves(cli_db: Database, tmp_path: Path) -> None:
    with cli_db.sessions.begin() as session:
        log.append(session, plain_entries(70_000))
    assert runner.invoke(app, ["ledger", "checkpoint"]).exit_code == 0
    out = tmp_path / "static"
    result = runner.invoke(app, ["ledger", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    client = AsgiClient(create_app(cli_db.sessions))
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert len(files) == 1 + 274 + 274 + 2 + 1  # checkpoint, bundles, level 0, level 1, level 2
    for path in files:
        served = client.get("/ledger/" + path.relative_to(out).as_posix())
        assert served.status_code == 200 and served.content == path.read_bytes(), path


def test_receipt_get_and_verify(cli_db: Database, tmp_path: Path) -> None:
    vkey = runner.invoke(app, ["ledger", "key", "--init"]).output.strip()
    with cli_db.sessions.begin() as session:
        log.append(session, plain_entries(50))
    out = tmp_path / "r" / "receipt.json"
    unsigned = runner.invoke(app, ["receipt", "get", "--index", "42", "--out", str(out)])
    assert unsigned.exit_code == 1 and "ledger checkpoint" in unsigned.output
    assert not out.exists()  # reading only: it signs nothing itself
    assert runner.invoke(app, ["ledger", "checkpoint"]).exit_code == 0
    got = runner.invoke(app, ["receipt", "get", "--index", "42", "--out", str(out)])
    assert got.exit_code == 0, got.output
    checked = runner.invoke(app, ["receipt", "verify", str(out), "--key", vkey])
    assert (
        checked.exit_code == 0
        and f"valid: entry 42 is in {ORIGIN} at tree size 50" in checked.output
    )

    receipt = json.loads(out.read_text())
    receipt["index"] = 41
    out.write_text(json.dumps(receipt))
    bad = runner.invoke(app, ["receipt", "verify", str(out), "--key", vkey])
    assert bad.exit_code == 1 and "receipt.inclusion_proof" in bad.output
    assert runner.invoke(app, ["receipt", "get", "--index", "50", "--out", str(out)]).exit_code == 1
    missing = runner.invoke(app, ["receipt", "verify", str(tmp_path / "nope.json"), "--key", vkey])
    assert missing.exit_code == 1
