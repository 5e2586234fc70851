"""The screen and demo commands, run as a user runs them (a subprocess, a fresh data dir)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.forks import Forks, Ran
from tests.worlds import WorldBuilder

CASES = Path(__file__).parent.parent / "fixtures" / "cases"
KEYS = {
    "candidate",
    "position",
    "status",
    "light",
    "reasons",
    "excluded",
    "not_checked",
    "policy",
    "ruleset",
}


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "FAIRSCREEN_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("FAIRSCREEN_DATABASE_URL", None)
    return env


def _run(forks: Forks, tmp_path: Path, *args: str) -> Ran:
    """``python -m fairscreen`` in a process forked from one that imported it (tests/forks.py)."""
    return forks.run(tmp_path, _environment(tmp_path), *args)


def _fresh(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter, for a first run from nothing (start-up itself is what is tested)."""
    env = _environment(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "fairscreen", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )


def test_screen_json_prints_one_documented_object_per_candidate(
    tmp_path: Path, forks: Forks
) -> None:
    w = WorldBuilder()
    c = w.candidate("security_guard", name="石磊")
    w.court_case(
        "criminal",
        "theft",
        [w.party(c, sentence={"kind": "criminal_detention", "months": 4})],
    )
    w.candidate("general_office", consent=False)
    path = w.write(tmp_path / "w.jsonl")
    run = _run(forks, tmp_path, "screen", "--world", str(path), "--json", "--no-progress")
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [set(line) for line in lines] == [KEYS, KEYS]
    assert lines[0]["light"] == "red"
    assert {r["legal_basis"] for r in lines[0]["reasons"]} == {
        "保安服務管理條例 第16條",  # no guard certificate
        "保安服務管理條例 第17條第2項",  # an intentional crime, punished
    }
    assert lines[1]["status"] == "stopped" and lines[1]["light"] is None
    assert (tmp_path / "data" / "fairscreen.db").exists()
    assert "石磊" not in (tmp_path / "data" / "fairscreen.db").read_bytes().decode(
        "utf-8", "replace"
    )


def test_the_three_cases_from_the_command_line(tmp_path: Path, forks: Forks) -> None:
    for case in ("luo", "zhang", "wang"):
        run = _run(
            forks,
            tmp_path,
            "screen",
            "--world",
            str(CASES / f"{case}.jsonl"),
            "--json",
            "--no-progress",
        )
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["light"] == "green", case


def test_a_bad_world_names_the_place_and_writes_nothing(tmp_path: Path, forks: Forks) -> None:
    lines = (CASES / "luo.jsonl").read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace('"applies_to": "P-FOOD-ADMIN"', '"applies_to": "P-NOWHERE"')
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = _run(forks, tmp_path, "screen", "--world", str(bad), "--json")
    assert run.returncode == 1, "the same exit status as `world validate` (README)"
    assert "line 6: $.applies_to: 'P-NOWHERE' is not the id of any position" in run.stderr
    assert run.stdout == ""
    assert not (tmp_path / "data" / "fairscreen.db").exists()


def test_demo_screens_a_generated_world_and_writes_the_summary(
    tmp_path: Path, forks: Forks
) -> None:
    run = _run(forks, tmp_path, "demo", "--candidates", "120", "--out", "out")
    assert run.returncode == 0, run.stderr
    assert "綠燈 green" in run.stdout and "Top reasons" in run.stdout
    html = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "screening summary" in html and "120 candidates" in html
    world = (tmp_path / "out" / "world.jsonl").read_text(encoding="utf-8")
    first_name = json.loads(
        next(line for line in world.splitlines() if '"type":"candidate"' in line.replace(" ", ""))
    )["name"]
    assert first_name not in html, "the summary holds counts only"


def test_help_of_every_command(tmp_path: Path, forks: Forks) -> None:
    for args in (["--help"], ["screen", "--help"], ["demo", "--help"], ["world", "--help"]):
        run = _run(forks, tmp_path, *args)
        assert run.returncode == 0 and "Usage" in run.stdout, args


def test_screen_with_a_custom_rule_set_and_a_bad_one(tmp_path: Path, forks: Forks) -> None:
    from importlib import resources

    rules = (resources.files("fairscreen.rating") / "rulesets" / "cn-2026.2.toml").read_text(
        encoding="utf-8"
    )
    # the organisation decides embezzlement convictions for accountants need assessment, not a bar
    strict = rules.replace(
        'subtypes = ["accounting", "embezzlement"]\n', 'subtypes = ["accounting"]\n', 1
    )
    assert strict != rules
    (tmp_path / "rules.toml").write_text(
        strict.replace('version = "2026.2"', 'version = "2026.2-local"'), encoding="utf-8"
    )
    w = WorldBuilder()
    c = w.candidate("finance_accounting")
    w.court_case("criminal", "job_embezzlement", [w.party(c)])
    path = w.write(tmp_path / "w.jsonl")
    shipped = _run(forks, tmp_path, "screen", "--world", str(path), "--json", "--no-progress")
    local = _run(
        forks,
        tmp_path,
        "screen",
        "--world",
        str(path),
        "--json",
        "--no-progress",
        "--rules",
        str(tmp_path / "rules.toml"),
    )
    assert json.loads(shipped.stdout)["light"] == "red"
    result = json.loads(local.stdout)
    assert result["light"] == "yellow" and result["ruleset"] == "cn-rules@2026.2-local"

    (tmp_path / "bad.toml").write_text(
        rules.replace('legal_basis = "MPL-62"', 'legal_basis = "NOWHERE"'), encoding="utf-8"
    )
    (tmp_path / "data2").mkdir()
    bad = _run(
        forks,
        tmp_path / "data2",
        "screen",
        "--world",
        str(path),
        "--json",
        "--rules",
        str(tmp_path / "bad.toml"),
    )
    assert bad.returncode == 1 and "rules[0] (CN-CHILD-01).legal_basis" in bad.stderr
    assert not (tmp_path / "data2" / "data").exists(), "nothing written: no database, no key"


def test_bad_policy_files_are_refused_before_anything_is_written(
    tmp_path: Path, forks: Forks
) -> None:
    path = WorldBuilder().write(tmp_path / "w.jsonl")
    (tmp_path / "latin1.toml").write_bytes(b'[pack]\ntitle = "caf\xe9"\n')
    (tmp_path / "folder").mkdir()
    for option, value, words in (
        ("--pack", "missing.toml", "missing.toml: no such file or directory"),
        ("--pack", "folder", "folder: is a directory"),
        ("--rules", "latin1.toml", "latin1.toml: line 2: not UTF-8: byte 13 of the line is 0xe9"),
        ("--rules", "missing.toml", "missing.toml: no such file or directory"),
    ):
        run = _run(forks, tmp_path, "screen", "--world", str(path), "--json", option, value)
        assert run.returncode == 1, (option, value, run.stderr)
        assert run.stderr.startswith(f"error {words}"), run.stderr
        assert len(run.stderr.splitlines()) == 1 and run.stdout == ""
        assert not (tmp_path / "data").exists(), "no database and no key file were made"


def test_demo_never_destroys_existing_data(tmp_path: Path, forks: Forks) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "fairscreen.db").write_bytes(b"a ledger of 3,853 entries")
    refused = _run(forks, tmp_path, "demo", "--candidates", "5", "--out", str(data), "--replace")
    assert refused.returncode == 1 and "holds fairscreen data the demo did not make" in (
        refused.stderr
    )
    assert (data / "fairscreen.db").read_bytes() == b"a ledger of 3,853 entries"
    assert sorted(p.name for p in data.iterdir()) == ["fairscreen.db"], "nothing added either"

    first = _fresh(tmp_path, "demo", "--candidates", "5", "--out", "out")
    assert first.returncode == 0, first.stderr
    assert "generating" in first.stderr, "progress while the world is generated"
    before = (tmp_path / "out" / "fairscreen.db").read_bytes()
    again = _run(forks, tmp_path, "demo", "--candidates", "7", "--out", "out")
    assert again.returncode == 1 and "--replace" in again.stderr
    assert (tmp_path / "out" / "fairscreen.db").read_bytes() == before
    replaced = _run(forks, tmp_path, "demo", "--candidates", "7", "--out", "out", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "7 candidates screened" in replaced.stdout


def test_demo_help_says_what_it_writes(tmp_path: Path, forks: Forks) -> None:
    run = _run(forks, tmp_path, "demo", "--help")
    for name in ("world.jsonl", "fairscreen.db", "kek.json", "ledger-signing.key", "summary.html"):
        assert name in run.stdout, name
