"""``fairscreen retention ...`` and ``fairscreen deletion ...`` as an operator runs them."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from select import select as select_fds

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from fairscreen.cli import app
from fairscreen.kit import clock
from fairscreen.kit.settings import get_settings
from fairscreen.retention.models import DestructionCertificate
from fairscreen.vault import Vault
from fairscreen.vault.keys import LocalKeyFile
from tests.conftest import Database
from tests.retention.people import Screened, expire, opens, screen_people

runner = CliRunner()
SWEEP_DRY = ["retention", "sweep", "--dry-run", "--today"]


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

    # never from the command line (every user sees it in ps): refused, and no attempt used up
    argv = runner.invoke(
        app, ["deletion", "verify", rid, "--id-number", target.id_number, "--name", target.name]
    )
    assert argv.exit_code == 2 and "--id-number" in argv.output and "(ps)" in argv.output
    assert "--stdin" in argv.output
    no_tty = runner.invoke(app, ["deletion", "verify", rid], input="x\ny\n")
    assert no_tty.exit_code == 1 and "--stdin" in no_tty.output  # nowhere to prompt
    short = runner.invoke(app, ["deletion", "verify", rid, "--stdin"], input="only-one\n")
    assert short.exit_code == 1 and "two lines" in short.output
    wrong = runner.invoke(
        app, ["deletion", "verify", rid, "--stdin"], input=f"{target.id_number}\n別人\n"
    )
    assert wrong.exit_code == 1 and "4 attempt(s) left" in wrong.output
    right = runner.invoke(
        app, ["deletion", "verify", rid, "--stdin"], input=f"{target.id_number}\n{target.name}\n"
    )
    assert right.exit_code == 0, right.output
    assert "identity verified: 1 record(s)" in right.output
    for output in (argv.output, wrong.output, right.output):
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
        app,
        [
            "deletion",
            "hold",
            world.target.ref,
            "--reason",
            "labour_arbitration",
            "--reference",
            "(2026)示勞仲字第113號",
        ],
    )
    assert placed.exit_code == 0, placed.output
    hold = re.search(r"legal hold ([0-9a-f]{32}) placed", placed.output)
    assert hold is not None
    rid = re.search(r"request ([0-9a-f]{32})", runner.invoke(app, ["deletion", "request"]).output)
    assert rid is not None
    verified = runner.invoke(
        app,
        ["deletion", "verify", rid.group(1), "--stdin"],
        input=f"{world.target.id_number}\n{world.target.name}\n",
    )
    assert verified.exit_code == 0, verified.output
    processed = runner.invoke(app, ["deletion", "process", "--all"])
    assert processed.exit_code == 0, processed.output
    refused = json.loads(runner.invoke(app, ["deletion", "list", "--json"]).output)
    assert refused["status"] == "refused" and refused["reason"] == "legal hold: labour_arbitration"
    assert opens(db, vault, world.target.candidate_id) == "all"
    holds = runner.invoke(app, ["deletion", "holds", "--active"])
    assert hold.group(1) in holds.output and "(2026)示勞仲字第113號" in holds.output
    released = runner.invoke(app, ["deletion", "release", hold.group(1)])
    assert released.exit_code == 0 and "lifted" in released.output
    missing = runner.invoke(app, ["deletion", "release", hold.group(1)])
    assert missing.exit_code == 1 and "already lifted" in missing.output
    empty = runner.invoke(app, ["deletion", "hold", world.target.ref, "--reason", "gossip"])
    assert empty.exit_code == 1 and "reason_code" in empty.output  # invalid input (README)


# -- the clock ---------------------------------------------------------------------------------


def _fairscreen(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The real command in its own process, with the environment the fixture set."""
    return subprocess.run(
        [sys.executable, "-m", "fairscreen", *args],
        env={**os.environ, "COLUMNS": "200"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_sweep_ahead_of_the_real_date_is_refused(
    setup: tuple[Database, Vault, Screened],
) -> None:
    """The real refusal, in a real process: nothing there can move the clock."""
    db, vault, world = setup
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    # retention ends today: not expired yet
    expire(db, vault, *world.refs("C1"), on=datetime.now(UTC).date())
    for args in (["retention", "sweep", "--today", tomorrow], [*SWEEP_DRY, tomorrow]):
        refused = _fairscreen(*args)
        assert refused.returncode == 1, refused.stderr  # invalid input (README, "Exit status")
        assert "--today" in refused.stderr and tomorrow in refused.stderr
        assert "later than today's date" in refused.stderr and "Traceback" not in refused.stderr
    assert opens(db, vault, world.target.candidate_id) == "all"  # nobody destroyed early
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DestructionCertificate)) == 0
    today = _fairscreen("retention", "sweep", "--today", datetime.now(UTC).date().isoformat())
    assert today.returncode == 0 and "nothing to destroy" in today.stdout  # today is allowed


def test_tests_move_the_clock_in_their_own_process_only(
    setup: tuple[Database, Vault, Screened],
) -> None:
    """How a test opts in: a frozen clock in-process (``kit.clock.frozen``), never an option
    or an environment variable a deployment could set."""
    db, vault, world = setup
    later = datetime.now(UTC) + timedelta(days=400)
    expire(db, vault, *world.refs("C1"), on=later.date() - timedelta(days=1))
    with clock.frozen(later):
        swept = runner.invoke(app, ["retention", "sweep", "--today", later.date().isoformat()])
    assert swept.exit_code == 0, swept.output
    assert opens(db, vault, world.target.candidate_id) == "none"


# -- identity secrets ----------------------------------------------------------------------------


def _through_a_terminal(args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run the command on a pseudo-terminal (its controlling terminal, as in a login shell),
    answer its prompts, and return its exit status and everything the terminal showed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec the command
        os.execv(sys.executable, [sys.executable, "-m", "fairscreen", *args])  # noqa: S606
    shown = b""
    pending = list(answers)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select_fds([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        # click shows "ID number:", then getpass turns echo off and shows " ": answer then.
        if pending and shown.endswith(b": "):
            os.write(fd, pending.pop(0).encode() + b"\n")
    else:
        os.kill(pid, signal.SIGKILL)  # stuck: fail below rather than hang
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_the_identity_is_asked_for_without_echo_on_a_terminal(
    setup: tuple[Database, Vault, Screened],
) -> None:
    target = setup[2].target
    received = _fairscreen("deletion", "request")
    rid = received.stdout.split()[2]
    code, shown = _through_a_terminal(["deletion", "verify", rid], [target.id_number, target.name])
    assert code == 0, shown
    assert "ID number:" in shown and "name:" in shown and "identity verified" in shown
    assert target.id_number not in shown and target.name not in shown  # typed, never shown
