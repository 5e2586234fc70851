"""Commands that only read never create or change a file, and never make a key.

The directory trees (names, modes, sizes, contents, modification times) are listed before and
after each command: a key file, a database file, a data directory or a changed byte is a
failure. Then the first hour of issue 8: the same commands pointed at a database whose keys
live elsewhere (the demo's) must say which key is missing and change nothing, not make new keys
that then report false tampering and refuse the real person's deletion.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairscreen.cli import app
from fairscreen.kit.settings import get_settings
from tests.worlds import WorldBuilder

runner = CliRunner()

# Every command that only reads, with {out} for where it may write its own output.
READ_ONLY = [
    ["ledger", "status"],
    ["ledger", "verify", "--quiet", "--workers", "1"],
    ["ledger", "key"],
    ["ledger", "export", "--out", "{out}/tiles"],
    ["receipt", "get", "--index", "0", "--out", "{out}/receipt.json"],
    ["keys", "status"],
    ["deletion", "list"],
    ["deletion", "holds"],
    ["retention", "certificates"],
    ["retention", "sweep", "--dry-run"],
    ["db", "revision"],
    ["model", "list"],
    ["audit", "bias", "--no-publish", "--out", "{out}/audit"],
]


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Every file and directory under ``root`` with what would show a change."""
    if not root.exists():
        return {}
    found: dict[str, tuple[object, ...]] = {".": ("dir", root.stat().st_mode)}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        rel = str(path.relative_to(root))
        if path.is_dir():
            found[rel] = ("dir", st.st_mode)
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[rel] = ("file", st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return found


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory a user made with ``fairscreen screen`` (keys, database, checkpoints)."""
    root = tmp_path_factory.mktemp("screened")
    w = WorldBuilder()
    for name in ("甲一", "乙二", "丙三"):
        w.candidate("general_office", name=name)
    world = w.write(root / "world.jsonl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    env["FAIRSCREEN_DATA_DIR"] = str(root / "data")
    run = subprocess.run(
        [sys.executable, "-m", "fairscreen", "screen", "--world", str(world), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return root / "data"


@pytest.fixture
def data(screened: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(screened, copy)
    return copy


def fairscreen(
    args: list[str], *, out: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: its own process, so whatever it leaves on disk (a key
    file, a WAL it did not clean up) is there after it exits."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    return subprocess.run(
        [sys.executable, "-m", "fairscreen", *[a.replace("{out}", str(out)) for a in args]],
        env={**clean, "COLUMNS": "200", **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _invoke(args: list[str], out: Path) -> tuple[int, str]:
    result = runner.invoke(app, [a.replace("{out}", str(out)) for a in args])
    return result.exit_code, result.output


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: " ".join(a[:2]))
def test_a_read_only_command_changes_nothing(data: Path, tmp_path: Path, args: list[str]) -> None:
    before = snapshot(data)
    run = fairscreen(args, out=tmp_path / "out", FAIRSCREEN_DATA_DIR=str(data))
    assert run.returncode == 0, run.stderr
    assert snapshot(data) == before


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: " ".join(a[:2]))
def test_with_no_database_nothing_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    for name in [k for k in os.environ if k.startswith("FAIRSCREEN_")]:
        monkeypatch.delenv(name)
    nowhere = tmp_path / "not-yet"
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(nowhere))
    get_settings.cache_clear()
    try:
        code, output = _invoke(args, tmp_path / "out")
    finally:
        get_settings.cache_clear()
    assert code != 0
    assert "Traceback" not in output
    assert str(nowhere) in output  # the message names the place
    assert not nowhere.exists()  # no data directory, no database, no key file


def test_the_demo_database_with_another_data_dir_makes_no_keys_and_says_why(
    data: Path, tmp_path: Path
) -> None:
    """Issue 8: pointing the commands at the database the demo printed, with the default data
    directory, used to create new key files next to it; `ledger verify` then reported a false
    tamper and `deletion verify` with the right person refused them and used up an attempt."""
    empty = tmp_path / "elsewhere"
    env = {
        "FAIRSCREEN_DATA_DIR": str(empty),
        "FAIRSCREEN_DATABASE_URL": f"sqlite:///{data / 'fairscreen.db'}",
    }
    out = tmp_path / "out"
    before = snapshot(data)

    status = fairscreen(["keys", "status"], out=out, **env)
    assert status.returncode == 4  # the environment: a key is missing (README, "Exit status")
    assert f"{empty / 'kek.json'}: the key file is missing" in status.stderr
    assert "3 data keys under local-1" in status.stderr and "Restore" in status.stderr

    verify = fairscreen(["ledger", "verify", "--quiet", "--workers", "1"], out=out, **env)
    assert verify.returncode == 4 and "FAILED" not in verify.stdout  # no false tamper report
    assert "ledger signing key is missing" in verify.stderr and "--key" in verify.stderr
    assert fairscreen(["ledger", "key"], out=out, **env).returncode == 4
    right_key = fairscreen(["ledger", "key"], out=out, FAIRSCREEN_DATA_DIR=str(data)).stdout
    with_key = fairscreen(
        ["ledger", "verify", "--quiet", "--key", right_key.strip()], out=out, **env
    )
    assert with_key.returncode == 0 and with_key.stdout.startswith("ok:"), with_key.stderr
    assert snapshot(data) == before

    request = fairscreen(["deletion", "request"], out=out, **env)  # writes, needs no key
    assert request.returncode == 0, request.stderr
    rid = request.stdout.split()[2]
    attempt = fairscreen(["deletion", "verify", rid, "--stdin"], out=out, stdin="x\ny\n", **env)
    assert attempt.returncode == 4 and "the key file is missing" in attempt.stderr
    listed = fairscreen(["deletion", "list", "--json"], out=out, **env)
    assert '"failed_attempts": 0' in listed.stdout  # no attempt was used up

    checkpoint = fairscreen(["ledger", "checkpoint"], out=out, **env)
    assert checkpoint.returncode == 4 and "would sign a fork" in checkpoint.stderr

    assert not empty.exists()  # no key file and no directory were made anywhere
    after = snapshot(data)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed <= {".", "fairscreen.db"}  # only the deletion request was written
