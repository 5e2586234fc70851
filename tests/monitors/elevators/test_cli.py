"""``fairscreen monitor elevators ...`` as a user runs it, in real processes on SQLite and
PostgreSQL: simulate a district from a city register, run the detectors, list the alerts; a
second run changes nothing; bad input is one line naming the file, line and field, nothing of
the file is stored, and no file is overwritten."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from fairscreen.monitors.elevators.models import ElevatorUnit
from fairscreen.synth.city import generate_city, write_city
from tests.conftest import Database
from tests.forks import Forks, Ran


def fairscreen(forks: Forks, args: list[str], tmp: Path, db: Database) -> Ran:
    """``python -m fairscreen`` in a process forked from one that imported it (tests/forks.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    env |= {"FAIRSCREEN_DATA_DIR": str(tmp / "data"), "FAIRSCREEN_DATABASE_URL": db.url}
    return forks.run(Path.cwd(), {**env, "COLUMNS": "200"}, *args)


def test_simulate_run_and_list(db: Database, tmp_path: Path, forks: Forks) -> None:
    city = tmp_path / "city.jsonl"
    write_city(city, generate_city(80, 1, date(2026, 9, 30)))
    records = tmp_path / "elevators.jsonl"
    sim = [
        "monitor", "elevators", "simulate", "--elevators", "20", "--days", "40",
        "--start", "2026-10-01", "--city", str(city), "--out", str(records),
    ]  # fmt: skip
    done = fairscreen(forks, sim, tmp_path, db)
    assert done.returncode == 0, done.stderr
    assert "(20 elevators, 40 days)" in done.stdout
    planted = json.loads((tmp_path / "elevators.jsonl.planted.json").read_text())
    size = records.stat().st_size
    again = fairscreen(forks, sim, tmp_path, db)
    assert again.returncode == 1 and "exists already" in again.stderr
    assert "Traceback" not in again.stderr and records.stat().st_size == size

    run = ["monitor", "elevators", "run", str(records), "--now", "2026-11-10", "--json"]
    run += ["--rules", str(tmp_path / "none.toml")]  # the old name of --pack still works
    missing = fairscreen(forks, run, tmp_path, db)
    assert missing.returncode == 1 and "none.toml: cannot read the elevators rule pack" in (
        missing.stderr
    )
    run = run[:-2]
    first = fairscreen(forks, run, tmp_path, db)
    assert first.returncode == 0, first.stderr
    doc = json.loads(first.stdout)
    assert doc["ingested"][str(records)]["elevators"] == 20
    assert doc["run"]["published"] and doc["run"]["opened"] > 0

    listed = fairscreen(
        forks,
        ["monitor", "elevators", "alerts", "--rule", "elevators.maintenance_overdue", "--json"],
        tmp_path,
        db,
    )
    assert listed.returncode == 0, listed.stderr
    orgs = {json.loads(line)["org"] for line in listed.stdout.splitlines()}
    assert orgs == {planted["skipping_maintainer"]}
    # as text, and the same alerts in supervision's queue (one listing for both)
    text = fairscreen(
        forks,
        ["monitor", "elevators", "alerts", "--rule", "elevators.maintenance_overdue"],
        tmp_path,
        db,
    )
    rows = text.stdout.splitlines()
    assert rows[-1] == f"{len(rows) - 1} of {len(rows) - 1} alert(s)"
    assert all("elevators.maintenance_overdue" in r for r in rows[:-1]) and len(rows) > 1
    assert {r.rsplit(maxsplit=1)[-1] for r in rows[:-1]} <= {"open", "closed"}
    queue = fairscreen(
        forks, ["supervision", "signals", "--rule", "elevators.maintenance_overdue"], tmp_path, db
    )
    signals = queue.stdout.splitlines()
    assert queue.returncode == 0 and signals[-1].endswith("signal(s)") and len(signals) > 1
    assert all(planted["skipping_maintainer"] in r for r in signals[:-1])


def test_a_bad_line_is_one_line_and_nothing_is_stored(
    db: Database, tmp_path: Path, forks: Forks
) -> None:
    bad = tmp_path / "bad.jsonl"
    good = {
        "type": "elevator", "id": "E1", "user_unit": "F000001", "maintainer": "F000002",
        "x": 1, "y": 1, "place": "p", "since": "2026-10-01T00:00:00Z",
    }  # fmt: skip
    wrong = {"type": "status", "elevator": "E1", "at": "2026-10-02T00:00:00Z", "state": "flying"}
    bad.write_text(json.dumps(good) + "\n" + json.dumps(wrong) + "\n")
    done = fairscreen(forks, ["monitor", "elevators", "run", str(bad)], tmp_path, db)
    assert done.returncode == 1
    assert f"{bad}:2: state" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ElevatorUnit)) == 0
