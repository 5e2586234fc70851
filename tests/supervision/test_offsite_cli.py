"""The off-site checks as an operator runs them: real ``fairscreen`` processes over a screened
database, a violation planted as a misbehaving firm's system would write it, the evidence
exported and verified with nothing but the log's public key; a tampered file fails with one
line and exit status 1, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import select

from fairscreen.kit.clock import utcnow
from fairscreen.kit.ids import new_id
from fairscreen.ledger import log
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record
from fairscreen.rating.models import Report
from tests.conftest import Database
from tests.forks import Forks, Ran


def _cli(forks: Forks, env: dict[str, str], *args: str) -> Ran:
    """``python -m fairscreen`` in a process forked from one that imported it (tests/forks.py)."""
    return forks.run(Path.cwd(), env, *args)


def test_run_export_and_verify_a_signal_from_the_command_line(
    db: Database, tmp_path: Path, forks: Forks
) -> None:
    env = {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": db.url,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "data"),
    }
    world = tmp_path / "world.jsonl"
    made = _cli(
        forks, env, "world", "generate", "--candidates", "12", "--seed", "7", "--out", str(world)
    )
    assert made.returncode == 0, made.stderr
    screened = _cli(forks, env, "screen", "--world", str(world), "--json")
    assert screened.returncode == 0, screened.stderr
    lawful = _cli(forks, env, "supervision", "offsite", "run", "--json")
    assert lawful.returncode == 0, lawful.stderr
    assert json.loads(lawful.stdout)["opened"] == 0  # a lawful batch of screenings

    # the agency's system issues a report that rates an unverified finding
    with db.sessions.begin() as session:
        report = session.scalars(select(Report).limit(1)).one()
        issued = json.loads(log.read_entry(session, report.ledger_index))
        now = utcnow()
        planted = record(
            session,
            EventType.REPORT_ISSUED,
            Report,
            {
                "id": new_id(),
                "request_id": report.request_id,
                "version": 2,
                "ruleset": report.ruleset,
                "policy": report.policy,
                "issued_at": now,
                "content_ct": b"sealed",
            },
            at=now,
            org=issued["org"],
            subject=issued["subject"],
            check=issued["check"],
            policy=report.policy,
            ruleset=report.ruleset,
            attrs={"employer": issued["attrs"]["employer"], "unverified": 2},
        )
    ran = _cli(forks, env, "supervision", "offsite", "run")
    assert ran.returncode == 0 and "(1 new)" in ran.stdout and "1 new signal" in ran.stdout
    assert _cli(forks, env, "ledger", "checkpoint").returncode == 0
    listed = _cli(forks, env, "supervision", "signals", "--json", "--open")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == ""  # found closed: the report is the whole violation
    listed = _cli(forks, env, "supervision", "signals", "--json")
    (signal,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert signal["rule"] == "report.unverified_rated" and signal["evidence"] == [planted]

    out = tmp_path / "signal.json"
    assert (
        _cli(forks, env, "supervision", "evidence", signal["id"], "--out", str(out)).returncode == 0
    )
    key = _cli(forks, env, "ledger", "key").stdout.strip()
    ok = _cli(forks, env, "supervision", "verify-signal", str(out), "--key", key)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"OK {out}") and '"unverified": 2' in ok.stdout

    doc = json.loads(out.read_text())
    doc["entries"][0]["entry"] = doc["entries"][0]["entry"][:-8] + "AAAAAAA="
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc))
    bad = _cli(forks, env, "supervision", "verify-signal", str(tampered), "--key", key)
    assert bad.returncode == 1 and "is not in the log's tree" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    missing = _cli(
        forks, env, "supervision", "verify-signal", str(tmp_path / "none.json"), "--key", key
    )
    assert missing.returncode == 1 and "no such file" in missing.stderr
