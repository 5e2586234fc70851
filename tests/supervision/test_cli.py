"""``fairscreen supervision ...`` as a user runs it, in real processes on SQLite and
PostgreSQL: write a city, compute its tiers, plan the year, re-draw the plan's random share
from the ledger; bad input is one line naming the file, line and field, and nothing is
overwritten."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import update

from fairscreen.supervision.models import InspectionPlan
from tests.conftest import Database
from tests.forks import Forks, Ran


def fairscreen(forks: Forks, args: list[str], tmp: Path, db: Database) -> Ran:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    env |= {"FAIRSCREEN_DATA_DIR": str(tmp / "data"), "FAIRSCREEN_DATABASE_URL": db.url}
    return forks.run(Path.cwd(), {**env, "COLUMNS": "200"}, "supervision", *args)


def test_city_tiers_plan_and_redraw(db: Database, tmp_path: Path, forks: Forks) -> None:
    city = tmp_path / "city.jsonl"
    made = fairscreen(
        forks, ["city", "--firms", "80", "--seed", "3", "--out", str(city)], tmp_path, db
    )
    assert made.returncode == 0, made.stderr
    assert "80 firms" in made.stdout and city.stat().st_size > 0
    again = fairscreen(forks, ["city", "--firms", "5", "--out", str(city)], tmp_path, db)
    assert again.returncode == 1 and "exists already" in again.stderr
    assert "80 firms" not in again.stdout and city.stat().st_size > 10_000

    tiers = fairscreen(forks, ["tiers", "--city", str(city), "--as-of", "2026-12-31"], tmp_path, db)
    assert tiers.returncode == 0, tiers.stderr
    assert re.search(r"^\s+low\s+\d+$", tiers.stdout, re.M)

    plan = fairscreen(forks, ["plan", "--city", str(city), "--year", "2027"], tmp_path, db)
    assert plan.returncode == 0, plan.stderr
    plan_id = re.search(r"^plan (\w+) for 2027", plan.stdout, re.M)
    assert plan_id, plan.stdout
    assert re.search(r"^\s+broken\s+0$", plan.stdout, re.M)
    assert re.search(r"^\s+unplaced_visits\s+0$", plan.stdout, re.M)

    redraw = fairscreen(forks, ["redraw", plan_id.group(1)], tmp_path, db)
    assert redraw.returncode == 0, redraw.stderr
    assert "reproduced from the seed in ledger entry" in redraw.stdout

    with db.sessions.begin() as session:
        session.execute(update(InspectionPlan).values(draws=[]))
    tampered = fairscreen(forks, ["redraw", plan_id.group(1)], tmp_path, db)
    assert tampered.returncode == 1
    assert "differs from the plan's stored draw" in tampered.stderr
    assert "Traceback" not in tampered.stderr


def test_bad_input_is_one_line_naming_the_line_and_field(
    db: Database, tmp_path: Path, forks: Forks
) -> None:
    city = tmp_path / "bad.jsonl"
    city.write_text(
        '{"type":"office","id":"O-N","name":"n","x":1,"y":1}\n'
        '{"type":"firm","id":"F1","name":"f","x":-5,"y":1,"office":"O-N","scenarios":["catering"]}\n'
    )
    run = fairscreen(forks, ["tiers", "--city", str(city), "--as-of", "2026-12-31"], tmp_path, db)
    assert run.returncode == 1
    assert run.stderr.strip().count("\n") == 0 and "Traceback" not in run.stderr
    assert f"{city}:2" in run.stderr and "firm.x" in run.stderr
    city.write_text(
        '{"type":"office","id":"O-N","name":"n","x":1,"y":1}\n'
        '{"type":"firm","id":"F1","name":"f","x":5,"y":1,"office":"O-N","scenarios":["karaoke"]}\n'
    )
    run = fairscreen(forks, ["tiers", "--city", str(city), "--as-of", "2026-12-31"], tmp_path, db)
    assert run.returncode == 1 and "unknown scenario 'karaoke'" in run.stderr
    missing = fairscreen(forks, ["plan", "--city", str(city), "--year", "2027"], tmp_path, db)
    assert missing.returncode == 1 and "unknown scenario" in missing.stderr
