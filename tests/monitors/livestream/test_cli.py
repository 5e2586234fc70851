"""``fairscreen monitor livestream ...`` as a user runs it, in real processes on SQLite and
PostgreSQL: simulate a district from a city register, run the chain, list the alerts, sweep the
ignored ones; the planted violators are the firms signalled; bad input is one line naming the
file, line and field, and nothing is overwritten or half-written."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from fairscreen.monitors.livestream.models import LivestreamAlert, LivestreamRoom
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.synth.city import generate_city, write_city
from tests.conftest import Database
from tests.forks import Forks, Ran


def fairscreen(forks: Forks, args: list[str], tmp: Path, db: Database) -> Ran:
    """``python -m fairscreen`` in a process forked from one that imported it (tests/forks.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    env |= {"FAIRSCREEN_DATA_DIR": str(tmp / "data"), "FAIRSCREEN_DATABASE_URL": db.url}
    return forks.run(Path.cwd(), {**env, "COLUMNS": "200"}, *args)


def test_simulate_run_alerts_and_sweep(db: Database, tmp_path: Path, forks: Forks) -> None:
    city = tmp_path / "city.jsonl"
    write_city(city, generate_city(200, 2026, date(2026, 12, 31)))
    live = ["monitor", "livestream"]
    made = fairscreen(
        forks,
        [
            *live,
            "simulate",
            "--city",
            str(city),
            "--firms",
            "8",
            "--days",
            "1",
            "--segments",
            "40",
            "--out",
            str(tmp_path),
        ],
        tmp_path,
        db,
    )
    assert made.returncode == 0, made.stderr
    assert "8 rooms of 8 firms (2 planted violators)" in made.stdout
    truth = json.loads((tmp_path / "truth.json").read_text())
    register = {
        json.loads(line)["id"]: json.loads(line)
        for line in city.read_text().splitlines()
        if '"firm"' in line
    }
    assert all("livestream_ecommerce" in register[f]["scenarios"] for f in truth["firms"])
    again = fairscreen(forks, [*live, "simulate", "--out", str(tmp_path)], tmp_path, db)
    assert again.returncode == 1 and "exists already" in again.stderr

    rooms = tmp_path / "rooms.jsonl"
    run = fairscreen(forks, [*live, "run", str(rooms), "--json"], tmp_path, db)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["rooms"] == 8 and result["published"] and result["alerts"] > 0
    bad = {f for f, role in truth["firms"].items() if role == "violator"}
    with db.sessions() as session:
        flagged = set(session.scalars(select(LivestreamAlert.firm).distinct()))
        signalled = set(session.scalars(select(SignalRow.org).distinct()))
    assert bad <= flagged and signalled and signalled <= bad

    twice = fairscreen(forks, [*live, "run", str(rooms)], tmp_path, db)
    assert twice.returncode != 0 and "was ingested before" in twice.stderr
    assert "Traceback" not in twice.stderr and len(twice.stderr.strip().splitlines()) == 1

    swept = fairscreen(forks, [*live, "sweep", "--now", "2030-01-01T00:00:00+0000"], tmp_path, db)
    assert swept.returncode == 0, swept.stderr
    with db.sessions() as session:
        unescalated = session.scalar(
            select(func.count())
            .select_from(LivestreamAlert)
            .where(LivestreamAlert.signal_id.is_(None))
        )
    assert unescalated == 0  # every ignored alert is now behind a signal
    listed = fairscreen(forks, [*live, "alerts", "--json", "--limit", "500"], tmp_path, db)
    assert listed.returncode == 0, listed.stderr
    shown = [json.loads(line) for line in listed.stdout.strip().splitlines()]
    assert len(shown) == result["alerts"] and all(a["signal_id"] for a in shown)
    assert {a["escalated"] for a in shown} <= {"repeated", "ignored"}


def test_a_bad_file_is_one_line_and_nothing_is_written(
    db: Database, tmp_path: Path, forks: Forks
) -> None:
    rooms = tmp_path / "rooms.jsonl"
    good = {
        "type": "room",
        "room": "R-1",
        "firm": "F000001",
        "host": "H-abcd",
        "started_at": "2026-12-01T19:00:00+08:00",
    }
    seg = {"type": "segment", "room": "R-1", "start_ms": 0, "end_ms": 5, "text": "全网最低价"}
    rooms.write_text("\n".join(json.dumps(r) for r in (good, seg, {**seg, "start_ms": "soon"})))
    run = fairscreen(forks, ["monitor", "livestream", "run", str(rooms)], tmp_path, db)
    assert run.returncode != 0
    assert f"{rooms}:3 field start_ms" in run.stderr and "Traceback" not in run.stderr
    rooms.write_text("\n".join(json.dumps(r) for r in (good, seg)))
    down = fairscreen(
        forks,
        ["monitor", "livestream", "run", str(rooms), "--detector", "http://127.0.0.1:9/none"],
        tmp_path,
        db,
    )
    assert down.returncode != 0 and "model server http://127.0.0.1:9/none: no answer" in down.stderr
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LivestreamRoom)) == 0
