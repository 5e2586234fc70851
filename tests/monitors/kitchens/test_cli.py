"""``fairscreen monitor kitchens ...`` as a user runs it, in real processes: simulate a district
from a city register, run the monitor over it (twice: nothing new the second time), list the
alerts, fix the camera that cries wolf; bad input is one line naming the file, line and field,
and nothing is overwritten or half-stored."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import orjson
from sqlalchemy import func, select

from fairscreen.monitors.kitchens import service
from fairscreen.monitors.kitchens.models import KitchenEvent
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.synth.city import generate_city, write_city
from fairscreen.synth.kitchens import generate_kitchens, own_restaurants
from tests.conftest import Database
from tests.forks import Forks, Ran

START = date(2026, 9, 1)


def kitchens(forks: Forks, args: list[str], tmp: Path, db: Database) -> Ran:
    """``python -m fairscreen`` in a process forked from one that imported it (tests/forks.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    env |= {"FAIRSCREEN_DATA_DIR": str(tmp / "data"), "FAIRSCREEN_DATABASE_URL": db.url}
    return forks.run(Path.cwd(), {**env, "COLUMNS": "200"}, "monitor", "kitchens", *args)


def test_simulate_run_alerts_and_fix(db: Database, tmp_path: Path, forks: Forks) -> None:
    city, feed, truth = tmp_path / "city.jsonl", tmp_path / "feed.jsonl", tmp_path / "truth.json"
    write_city(city, generate_city(120, 2026, date(2026, 12, 31)))
    args = ["--city", str(city), "--days", "60", "--out", str(feed), "--truth", str(truth)]
    sim = kitchens(forks, ["simulate", *args], tmp_path, db)
    assert sim.returncode == 0, sim.stderr
    planted = json.loads(truth.read_text())
    wolf = planted["wolf"]
    assert f"the wolf: {wolf['camera']} of {wolf['restaurant']}" in sim.stdout

    at = planted["until"]
    ran = kitchens(forks, ["run", "--feed", str(feed), "--at", at], tmp_path, db)
    assert ran.returncode == 0, ran.stderr
    assert "(published on the ledger now)" in ran.stdout
    assert f"flagged: camera {wolf['camera']} of {wolf['restaurant']}" in ran.stdout
    with db.sessions() as session:
        signalled = {s.org for s in session.scalars(select(SignalRow))}
    assert set(planted["violators"]) <= signalled and wolf["restaurant"] not in signalled

    # the same feed again stores nothing new and raises nothing new
    rerun = kitchens(forks, ["run", "--feed", str(feed), "--at", at, "--json"], tmp_path, db)
    assert rerun.returncode == 0, rerun.stderr
    second = json.loads(rerun.stdout)
    assert (second["published"], second["flagged"], second["escalated"]) == (False, [], [])

    alerts = kitchens(forks, ["alerts", "--restaurant", wolf["restaurant"], "--json"], tmp_path, db)
    shown = [json.loads(line) for line in alerts.stdout.splitlines()]
    assert [(a["type"], a["camera"], a["fixed_at"]) for a in shown] == [
        ("camera_maintenance", wolf["camera"], None)
    ]
    fixed = kitchens(
        forks, ["fix-camera", wolf["restaurant"], wolf["camera"], "--by", "a-1"], tmp_path, db
    )
    assert fixed.returncode == 0, fixed.stderr
    assert f"camera {wolf['camera']} of {wolf['restaurant']}: fixed (flagged" in fixed.stdout
    with db.sessions() as session:
        assert service.list_flags(session, open_only=True) == []
        event = session.scalars(select(KitchenEvent).order_by(KitchenEvent.id)).first()
    assert event is not None
    reviewed = kitchens(forks, ["review", event.id, "dismissed", "--by", "a-2"], tmp_path, db)
    assert reviewed.returncode == 0, reviewed.stderr
    assert reviewed.stdout.strip() == f"{event.id}: dismissed by a-2"
    with db.sessions() as session:
        assert session.get(KitchenEvent, event.id).verdict == "dismissed"  # type: ignore[union-attr]
    unknown = kitchens(forks, ["review", "no-such-event", "confirmed", "--by", "a-2"], tmp_path, db)
    assert unknown.returncode == 1 and unknown.stderr.count("\n") == 1
    assert "no event no-such-event" in unknown.stderr and "Traceback" not in unknown.stderr


def test_a_bad_feed_is_named_and_nothing_is_stored(
    db: Database, tmp_path: Path, forks: Forks
) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [orjson.dumps(r).decode() for r in generate_kitchens(own_restaurants(3), 1, START, 5)]
    n = next(i for i, line in enumerate(lines) if i > 1 and '"type":"event"' in line)
    lines[n] = lines[n].replace('"kind":"', '"kind":"x', 1)
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = kitchens(forks, ["ingest", str(feed)], tmp_path, db)
    assert bad.returncode == 1, bad.stdout
    assert bad.stderr.count("\n") == 1 and f"{feed}:{n + 1}: event.kind" in bad.stderr
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(KitchenEvent)) == 0

    again = kitchens(forks, ["simulate", "--restaurants", "3", "--out", str(feed)], tmp_path, db)
    assert again.returncode == 1 and "exists already" in again.stderr
    assert not again.stdout and "Traceback" not in again.stderr
    pack = tmp_path / "pack.toml"
    pack.write_text('[pack]\nid = "k"\n', encoding="utf-8")
    broken = kitchens(forks, ["run", "--pack", str(pack)], tmp_path, db)
    assert broken.returncode == 1 and "pack.version" in broken.stderr
