"""The regulator's witness against a real log (the app in process over httpx's ASGI transport,
and a live ``fairscreen serve``): it cosigns a growing log and alarms on a fork, a rollback or a
bad signature, naming the log and the sizes."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.ledger import checkpoints, log, merkle
from fairscreen.ledger.log import BUNDLES, STATE, TILES
from fairscreen.ledger.models import LedgerCheckpoint
from fairscreen.ledger.note import ALG_COSIGNATURE_V1, Signer, open_note
from fairscreen.ledger.witness import (
    BadDataError,
    LogConfig,
    Outcome,
    Witness,
    WitnessError,
    load_or_create_key,
    load_state,
    parse_log_option,
    run,
    save_state,
)
from fairscreen.vault.models import KeyBinding
from fairscreen.web.app import create_app
from tests.conftest import Database
from tests.ledger.conftest import ORIGIN, plain_entries

ROOT = Path(__file__).resolve().parents[2]
URL = "http://agency.test/ledger"


def grow(sessions: sessionmaker[Session], entries: list[bytes], signer: Signer) -> None:
    with sessions.begin() as session:
        log.append(session, entries)
    checkpoints.publish(sessions, signer)


def rewrite_history(sessions: sessionmaker[Session], entries: list[bytes], signer: Signer) -> None:
    """The log operator forks: throws its tree and checkpoints away and signs another history."""
    with sessions.begin() as session:
        session.execute(delete(LedgerCheckpoint))
        session.execute(delete(BUNDLES))
        session.execute(delete(TILES))
        session.execute(update(STATE).values(size=0, root=merkle.EMPTY_ROOT))
        log.append(session, entries)
    checkpoints.publish(sessions, signer)


class Harness:
    def __init__(self, db: Database, signer: Signer, tmp: Path, origin: str = ORIGIN) -> None:
        self.db = db
        self.app = create_app(db.sessions, allowed_hosts=["agency.test"])
        self.cosigner = Signer.generate("witness.test/w1", ALG_COSIGNATURE_V1)
        self.state = tmp / "witness" / "state.json"
        self.configs = [LogConfig(origin, signer.verifier)]

    def poll(self) -> Outcome:
        async def go() -> Outcome:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport) as client:
                witness = Witness(
                    self.configs, self.cosigner, self.state, client, clock=lambda: 1_795_920_000
                )
                return await witness.poll(URL)

        return asyncio.run(go())

    def run_once(self) -> int:
        async def go() -> int:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport) as client:
                witness = Witness(self.configs, self.cosigner, self.state, client)
                return await run(witness, [URL], interval=0.1, once=True, keep_going=False)

        return asyncio.run(go())


def test_the_witness_cosigns_a_growing_log(db: Database, signer: Signer, tmp_path: Path) -> None:
    h = Harness(db, signer, tmp_path)
    grow(db.sessions, plain_entries(300), signer)
    first = h.poll()
    assert (first.status, first.size) == ("cosigned", 300)
    grow(db.sessions, plain_entries(70_000, start=300), signer)  # tiles at three levels
    second = h.poll()
    assert (second.status, second.size) == ("cosigned", 70_300)
    assert h.poll().status == "unchanged"
    assert h.run_once() == 0

    state = load_state(h.state)
    entry = state["logs"][ORIGIN]
    assert entry["size"] == 70_300 and entry["alarm"] is None
    note, good = open_note(entry["checkpoint"], [signer.verifier, h.cosigner.verifier])
    assert {v.name for v in good} == {ORIGIN, "witness.test/w1"}
    assert note.signatures[-1].timestamp == 1_795_920_000
    assert h.state.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in h.state.parent.iterdir()] == ["state.json"]  # no temporary left


@pytest.mark.parametrize("how", ["fork-larger", "fork-same-size", "rollback", "bad-signature"])
def test_the_witness_alarms(
    db: Database, signer: Signer, tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    h = Harness(db, signer, tmp_path)
    honest = plain_entries(1000)
    grow(db.sessions, honest, signer)
    assert h.poll().status == "cosigned"

    if how == "fork-larger":  # entry 10 rewritten, then the log "grows" past what was cosigned
        rewrite_history(
            db.sessions,
            [*honest[:10], b"forged", *honest[11:], *plain_entries(200, start=1000)],
            signer,
        )
        kind, sizes = "fork", (1000, 1200)
    elif how == "fork-same-size":
        rewrite_history(db.sessions, [*honest[:999], b"forged"], signer)
        kind, sizes = "fork", (1000, 1000)
    elif how == "rollback":  # the same history, cut short
        rewrite_history(db.sessions, honest[:500], signer)
        kind, sizes = "rollback", (1000, 500)
    else:  # checkpoints signed by someone else under the log's name
        with db.sessions.begin() as session:
            # fairscreen itself refuses to sign with another key than the one recorded for the
            # log (tests/ledger/test_signing.py); whoever controls the database can remove that
            # record first, and the witness must still catch the result.
            session.execute(delete(KeyBinding))
            session.execute(delete(LedgerCheckpoint))
        grow(db.sessions, plain_entries(10, start=1000), Signer.generate(ORIGIN))
        kind, sizes = "bad-signature", (1000, 1010)

    caplog.set_level(logging.CRITICAL, logger="fairscreen.witness")
    outcome = h.poll()
    assert outcome.status == "alarm" and outcome.alarm is not None
    assert outcome.alarm.kind == kind
    assert (outcome.alarm.old_size, outcome.alarm.new_size) == sizes
    line = f"ALARM {kind} log={ORIGIN} url={URL} old_size={sizes[0]} new_size={sizes[1]}"
    assert line in caplog.text
    # The alarm is kept: later polls, and a restarted witness, refuse to cosign that log.
    assert h.poll().status == "alarm"
    assert h.run_once() == 3
    assert load_state(h.state)["logs"][ORIGIN]["alarm"]["kind"] == kind
    assert load_state(h.state)["logs"][ORIGIN]["size"] == 1000


def test_unknown_origin_and_unreachable_logs(db: Database, signer: Signer, tmp_path: Path) -> None:
    h = Harness(db, signer, tmp_path, origin="another.example/log")
    assert h.poll().status == "unreachable"  # no checkpoint yet: a warning, not an alarm
    grow(db.sessions, plain_entries(5), signer)
    outcome = h.poll()
    assert outcome.alarm is not None and outcome.alarm.kind == "unknown-origin"


def test_once_exits_5_when_the_log_cannot_be_reached(tmp_path: Path) -> None:
    """A witness run from cron must not report success for a log it never read."""
    signer = Signer.generate(ORIGIN)
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/ledger"
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "fairscreen",
                "witness",
                url,
                "--log",
                f"{ORIGIN}={signer.verifier.text()}",
                "--state-dir",
                str(tmp_path / "w"),
                "--once",
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 5, run.stderr
    assert f"error {url}: GET {url}/checkpoint" in run.stderr and "Traceback" not in run.stderr


def test_witness_configuration(tmp_path: Path) -> None:
    signer = Signer.generate(ORIGIN)
    config = parse_log_option(f"{ORIGIN}={signer.verifier.text()}")
    assert config.verifier == signer.verifier
    for bad in ["nothing", f"{ORIGIN}=", f"{ORIGIN}=not-a-key"]:
        with pytest.raises(WitnessError):
            parse_log_option(bad)
    key = load_or_create_key(tmp_path / "k" / "witness.key", "witness.test/w2")
    assert key.alg == ALG_COSIGNATURE_V1
    assert (tmp_path / "k" / "witness.key").stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(tmp_path / "k" / "witness.key", "ignored").verifier == key.verifier
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(WitnessError, match="not a witness state"):
        load_state(tmp_path / "bad.json")
    save_state(tmp_path / "s" / "state.json", {"format": "fairscreen-witness-state/1", "logs": {}})
    assert json.loads((tmp_path / "s" / "state.json").read_text())["logs"] == {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_live_witness_against_fairscreen_serve(db: Database, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "data"),
        "FAIRSCREEN_DATABASE_URL": db.url,
        "FAIRSCREEN_LOG_ORIGIN": ORIGIN,
    }
    fairscreen = [sys.executable, "-m", "fairscreen"]
    vkey = subprocess.run(
        [*fairscreen, "ledger", "key", "--init"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    signer = Signer.parse((tmp_path / "data" / "ledger-signing.key").read_text())
    port = _free_port()
    server = subprocess.Popen(
        [*fairscreen, "serve", "--port", str(port), "--publish-interval", "0.1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/ledger"
    witness = [
        *fairscreen,
        "witness",
        url,
        "--log",
        f"{ORIGIN}={vkey}",
        "--state-dir",
        str(tmp_path / "w"),
        "--once",
    ]
    try:
        with db.sessions.begin() as session:
            log.append(session, plain_entries(2000))
        _wait_for_checkpoint(url, 2000)
        ok = subprocess.run(witness, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert ok.returncode == 0, ok.stderr
        assert load_state(tmp_path / "w" / "state.json")["logs"][ORIGIN]["size"] == 2000

        # The operator rewrites entry 7 and re-signs; the server's publisher signs the fork.
        entries = plain_entries(2100)
        entries[7] = b"forged"
        rewrite_history(db.sessions, entries, signer)
        _wait_for_checkpoint(url, 2100)
        alarm = subprocess.run(
            witness, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert alarm.returncode == 3, alarm.stderr
        assert f"ALARM fork log={ORIGIN} url={url} old_size=2000 new_size=2100" in alarm.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for_checkpoint(url: str, size: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{url}/checkpoint", timeout=2)
            if response.status_code == 200 and response.text.split("\n")[1] == str(size):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint of size {size} was served")


def _export(db: Database, out: Path) -> None:
    env = {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": db.url,
        "FAIRSCREEN_DATA_DIR": str(out.parent / "export-data"),
        "FAIRSCREEN_LOG_ORIGIN": ORIGIN,
    }
    subprocess.run(
        [sys.executable, "-m", "fairscreen", "ledger", "export", "--out", str(out)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )


def _witness_once(url: str, signer: Signer, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "fairscreen",
            "witness",
            url,
            "--log",
            f"{ORIGIN}={signer.verifier.text()}",
            "--state-dir",
            str(state),
            "--once",
        ],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("which", ["full", "partial"])
def test_a_corrupted_tile_from_a_mirror_is_bad_data_not_a_fork(
    db: Database, signer: Signer, tmp_path: Path, which: str
) -> None:
    """A static mirror (an export served by a real HTTP server on loopback) hands out one
    corrupted tile: the witness says so (exit 7) and cosigns nothing, raises no alarm, and
    cosigns once the mirror is repaired."""
    grow(db.sessions, plain_entries(1000), signer)
    mirror = tmp_path / "mirror"
    _export(db, mirror)
    state = tmp_path / "w"
    grow(db.sessions, plain_entries(300, start=1000), signer)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=mirror,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_checkpoint(url, 1000)
        cosigned = _witness_once(url, signer, state)
        assert cosigned.returncode == 0, cosigned.stderr
        _export(db, mirror)  # the mirror catches up to 1300
        # The consistency proof from 1000 to 1300 needs a node inside the full tile 0/003
        # (its parent hash is in tile 1/000.p/5) and the partial tiles of 1300.
        victim = mirror / "tile" / ("0/003" if which == "full" else "1/000.p/5")
        good = victim.read_bytes()
        victim.write_bytes(good[:32] + bytes(32) + good[64:])
        bad = _witness_once(url, signer, state)
        assert bad.returncode == 7, bad.stderr
        assert "ALARM" not in bad.stderr and "not a fork" in bad.stderr
        assert (
            "does not match its hash in tile 1/0" if which == "full" else "do not hash to the root"
        ) in bad.stderr
        entry = load_state(state / "state.json")["logs"][ORIGIN]
        assert (entry["size"], entry["alarm"]) == (1000, None)
        victim.write_bytes(good)
        repaired = _witness_once(url, signer, state)
        assert repaired.returncode == 0, repaired.stderr
        assert load_state(state / "state.json")["logs"][ORIGIN]["size"] == 1300
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_cosigned_size_no_longer_served_is_reported(
    db: Database, signer: Signer, tmp_path: Path
) -> None:
    """The log's data is rolled back while its checkpoint row stays: the checkpoint looks
    unchanged, but its tiles and proofs are gone; the witness does not say it is healthy."""
    h = Harness(db, signer, tmp_path)
    grow(db.sessions, plain_entries(1000), signer)
    assert h.poll().status == "cosigned"
    assert h.poll().status == "unchanged"
    with db.sessions.begin() as session:  # back to 900 entries, the checkpoint row kept
        session.execute(delete(BUNDLES))
        session.execute(delete(TILES))
        session.execute(update(STATE).values(size=0, root=merkle.EMPTY_ROOT))
        log.append(session, plain_entries(900))
    outcome = h.poll()
    assert outcome.status == "bad-data" and "HTTP 404" in outcome.detail
    with pytest.raises(BadDataError) as caught:
        h.run_once()
    assert caught.value.exit_code == 7
    assert load_state(h.state)["logs"][ORIGIN]["size"] == 1000


def test_one_witness_process_per_state_directory(tmp_path: Path) -> None:
    """Two witnesses on one state would each cosign from a view the other moved past."""
    signer = Signer.generate(ORIGIN)
    port = _free_port()
    args = [
        sys.executable,
        "-m",
        "fairscreen",
        "witness",
        "--listen",
        f"127.0.0.1:{port}",
        "--log",
        f"{ORIGIN}={signer.verifier.text()}",
        "--state-dir",
        str(tmp_path / "w"),
    ]
    first = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.post(f"http://127.0.0.1:{port}/add-checkpoint", content=b"", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        second = subprocess.run(
            [*args[:5], f"127.0.0.1:{_free_port()}", *args[6:]],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert second.returncode == 4, second.stderr
        assert "another witness process uses this state directory" in second.stderr
        taken = subprocess.run(
            [*args[:5], f"127.0.0.1:{port}", *args[6:9], str(tmp_path / "other")],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert taken.returncode == 4 and f"--listen 127.0.0.1:{port}" in taken.stderr
    finally:
        first.terminate()
        first.wait(timeout=30)
