"""``fairscreen audit bias`` as a user runs it: over a world file, over the database after
``fairscreen screen`` (published on the ledger: digest and key figures), and refusing bad
options with one line."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import create_engine, text

from tests.forks import Forks, Ran
from tests.worlds import WorldBuilder


def fairscreen(forks: Forks, args: list[str], data: Path) -> Ran:
    """``python -m fairscreen`` in a process forked from one that imported it (tests/forks.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    env["FAIRSCREEN_DATA_DIR"] = str(data)
    return forks.run(Path.cwd(), {**env, "COLUMNS": "200"}, *args)


def test_a_world_audit_writes_the_report_and_touches_no_database(
    decided_world: tuple[Path, Path], tmp_path: Path, forks: Forks
) -> None:
    world, _ = decided_world
    run = fairscreen(
        forks,
        ["audit", "bias", "--world", str(world), "--out", str(tmp_path / "audit")],
        tmp_path / "data",
    )
    assert run.returncode == 0, run.stderr
    digest = hashlib.sha256((tmp_path / "audit" / "audit.json").read_bytes()).hexdigest()
    assert "600 records" in run.stdout and f"digest {digest}" in run.stdout
    assert "ledger" not in run.stdout
    assert not (tmp_path / "data").exists()
    document = orjson.loads((tmp_path / "audit" / "audit.json").read_bytes())
    assert document["scope"] == {"source": "world", "world": world.name}
    assert (tmp_path / "audit" / "audit.html").read_text(encoding="utf-8").count("<svg") >= 6


def _world(root: Path) -> Path:
    w = WorldBuilder()
    for i in range(20):
        c = w.candidate("general_office", name=f"測試{i}")
        w.lines.append(
            {
                "type": "demographics",
                "candidate": c["id"],
                "sex": ("female", "male")[i % 2],
                "birth_year": 1975 + i,
                "audit_consent": i % 4 != 3,  # five men did not consent
            }
        )
    return w.write(root / "world.jsonl")


def _entries(data: Path) -> list[dict[str, Any]]:
    engine = create_engine(f"sqlite:///{data / 'fairscreen.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT digest FROM bias_audits")).all()
    engine.dispose()
    return [{"digest": r[0]} for r in rows]


def test_the_database_audit_is_published_on_the_ledger(tmp_path: Path, forks: Forks) -> None:
    data = tmp_path / "data"
    screened = fairscreen(
        forks, ["screen", "--world", str(_world(tmp_path)), "--no-progress"], data
    )
    assert screened.returncode == 0, screened.stderr
    run = fairscreen(forks, ["audit", "bias", "--out", str(tmp_path / "audit")], data)
    assert run.returncode == 0, run.stderr
    digest = hashlib.sha256((tmp_path / "audit" / "audit.json").read_bytes()).hexdigest()
    assert "20 records" in run.stdout and "digest on the ledger at #" in run.stdout
    index = int(run.stdout.split("digest on the ledger at #")[1].split()[0])
    assert _entries(data) == [{"digest": digest}]
    receipt = fairscreen(
        forks, ["receipt", "get", "--index", str(index), "--out", str(tmp_path / "r.json")], data
    )
    assert receipt.returncode == 0, receipt.stderr
    verify = fairscreen(forks, ["ledger", "verify", "--quiet", "--workers", "1"], data)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    document = orjson.loads((tmp_path / "audit" / "audit.json").read_bytes())
    assert document["scope"] == {"source": "database"}
    (sex,) = [t for t in document["tables"] if t["scope"] == "all" and t["attributes"] == ["sex"]]
    assert sex["not_shown"] == 5  # those who did not consent
    assert {g["group"]["sex"]: g["n"] for g in sex["groups"]} == {"female": 10, "male": 5}

    again = fairscreen(
        forks,
        ["audit", "bias", "--no-publish", "--organisation", "E1", "--out", str(tmp_path / "b")],
        data,
    )
    assert again.returncode == 0, again.stderr
    assert "ledger" not in again.stdout and len(_entries(data)) == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--since", "2026-12-01", "--until", "2026-11-01"],
            "error --since: 2026-12-01 is after --until 2026-11-01",
        ),
        (["--pack", "x.toml"], "error --pack: only with --world"),
    ],
)
def test_bad_options_are_one_line(tmp_path: Path, forks: Forks, args: list[str], said: str) -> None:
    run = fairscreen(
        forks, ["audit", "bias", "--out", str(tmp_path / "audit"), *args], tmp_path / "data"
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[0].startswith(said), run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "audit").exists()


def test_a_missing_world_is_an_error_naming_it(tmp_path: Path, forks: Forks) -> None:
    missing = tmp_path / "nope.jsonl"
    run = fairscreen(
        forks, ["audit", "bias", "--world", str(missing), "--out", str(tmp_path / "a")], tmp_path
    )
    assert run.returncode == 1
    assert run.stderr.startswith(f"error {missing}: ") and "Traceback" not in run.stderr
