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


def _rewrite(db: Database, entries: list[bytes]) -> None:
    """Whoever controls the database rewrites the tree and deletes every checkpoint row."""
    from sqlalchemy import delete

    from fairscreen.ledger import merkle
    from fairscreen.ledger.log import STATE, TILES
    from fairscreen.ledger.models import LedgerCheckpoint

    with db.sessions.begin() as session:
        session.execute(delete(LedgerCheckpoint))
        session.execute(delete(BUNDLES))
        session.execute(delete(TILES))
        session.execute(update(STATE).values(size=0, root=merkle.EMPTY_ROOT))
        log.append(session, entries)


@pytest.mark.parametrize("how", ["rollback", "rewrite", "re-signed"])
def test_verify_against_outside_checkpoints_catches_what_the_database_hides(
    cli_db: Database, settings_env: Path, tmp_path: Path, how: str
) -> None:
    runner.invoke(app, ["ledger", "key", "--init"])
    honest = plain_entries(600)
    with cli_db.sessions.begin() as session:
        log.append(session, honest)
    saved = runner.invoke(app, ["ledger", "checkpoint"]).output  # a regulator keeps it
    (tmp_path / "regulator.checkpoint").write_text(saved)
    receipt = tmp_path / "receipt.json"
    assert (
        runner.invoke(app, ["receipt", "get", "--index", "500", "--out", str(receipt)]).exit_code
        == 0
    )
    assert runner.invoke(app, ["ledger", "verify", "-q", "--against", str(receipt)]).exit_code == 0

    if how == "rollback":
        _rewrite(cli_db, honest[:400])
        expected = "first bad index 400"
        detail = "the log has 400 entries but checkpoint 600"
    elif how == "rewrite":
        _rewrite(cli_db, [*honest[:10], b"forged", *honest[11:]])
        expected = "first bad index 0"
        detail = "the entries do not match checkpoint 600"
    else:
        # The same rewrite, then signed again for the same size once the record beside the key
        # is gone too (a split view): the database's own checkpoint 600 matches its entries, the
        # outside one does not, and the change lies below 600.
        _rewrite(cli_db, [*honest[:10], b"forged", *honest[11:]])
        (settings_env / "ledger-signed.checkpoint").unlink()
        assert runner.invoke(app, ["ledger", "checkpoint"]).exit_code == 0
        expected = "first bad index 0"
        detail = "the entries do not match checkpoint 600 ("
    alone = runner.invoke(app, ["ledger", "verify", "-q"])
    assert alone.exit_code == 0  # with its checkpoints gone, the database agrees with itself
    for outside in (receipt, tmp_path / "regulator.checkpoint"):
        caught = runner.invoke(app, ["ledger", "verify", "-q", "--against", str(outside)])
        assert caught.exit_code == 1, caught.output
        assert (
            expected in caught.output and detail in caught.output and str(outside) in caught.output
        )
        if how != "rollback":
            assert "the first changed entry is in 0..599" in caught.output


def test_verify_needs_a_key_and_names_rows_past_the_tree(
    cli_db: Database, settings_env: Path, tmp_path: Path
) -> None:
    from sqlalchemy import insert

    from fairscreen.ledger.log import TILES

    vkey = runner.invoke(app, ["ledger", "key", "--init"]).output.strip()
    with cli_db.sessions.begin() as session:
        log.append(session, plain_entries(300))
    assert runner.invoke(app, ["ledger", "checkpoint"]).exit_code == 0
    (settings_env / "ledger-signing.key").unlink()
    nokey = runner.invoke(app, ["ledger", "verify", "-q"])
    assert nokey.exit_code == 4 and "--key" in nokey.output and "ok:" not in nokey.output
    recorded = runner.invoke(app, ["ledger", "verify", "-q", "--recorded-key"])
    assert recorded.exit_code == 0 and recorded.output.startswith("ok: 300 entries")

    # A bogus tile row where the next entries would go: not served, and reported.
    with cli_db.sessions.begin() as session:
        session.execute(insert(TILES).values(level=0, idx=2, width=1, nodes=bytes(32 * 1)))
    client = AsgiClient(create_app(cli_db.sessions))
    assert client.get("/ledger/tile/0/002.p/1").status_code == 404
    bad = runner.invoke(app, ["ledger", "verify", "-q", "--key", vkey])
    assert bad.exit_code == 1 and "tile 0/2 lies past the tree of 300 entries" in bad.output


def test_receipt_verify_takes_witness_keys(cli_db: Database, tmp_path: Path) -> None:
    from fairscreen.ledger.note import ALG_COSIGNATURE_V1, Signer

    vkey = runner.invoke(app, ["ledger", "key", "--init"]).output.strip()
    with cli_db.sessions.begin() as session:
        log.append(session, plain_entries(10))
    assert runner.invoke(app, ["ledger", "checkpoint"]).exit_code == 0
    out = tmp_path / "receipt.json"
    assert runner.invoke(app, ["receipt", "get", "--index", "3", "--out", str(out)]).exit_code == 0
    witness = Signer.generate("witness.test/w1", ALG_COSIGNATURE_V1).verifier.text()
    alone = runner.invoke(app, ["receipt", "verify", str(out), "--key", vkey])
    assert alone.exit_code == 0 and "no witness checked" in alone.output
    short = runner.invoke(app, ["receipt", "verify", str(out), "--key", vkey, "--witness", witness])
    assert short.exit_code == 1 and "valid:" not in short.output
    assert "cosigned by 0 of the 1 witnesses given" in short.output
    assert (
        runner.invoke(
            app, ["receipt", "verify", str(out), "--key", vkey, "--witness", vkey]
        ).exit_code
        == 1
    )  # a log key is not a witness key
