"""The world store holds every candidate in clear, so it never has a name on disk: a screening
killed mid-run (kill -9, SIGTERM) leaves no clear personal data in the temporary directory or
the data directory, and a named store an older version left behind is removed on the next
start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fairscreen.synth import generate_world
from fairscreen.world.load import load_world, remove_legacy_stores
from tests.retention.scan import scan, text_needles

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "data"),
        "TMPDIR": str(tmp),
        "COLUMNS": "200",
    }
    for name in ("FAIRSCREEN_DATABASE_URL", "SQLITE_TMPDIR"):
        env.pop(name, None)
    return env


def _clear_values(world: Path, limit: int = 120) -> list[str]:
    """Names (three characters or more: shorter ones are too short to scan for) and ID numbers
    of the first candidates in the world file."""
    values: list[str] = []
    with world.open(encoding="utf-8") as handle:
        for line in handle:
            rec = json.loads(line)
            if rec.get("type") != "candidate":
                continue
            values.append(rec["id_document"]["number"])
            if len(rec["name"]) >= 3:
                values.append(rec["name"])
            if len(values) >= limit:
                break
    return values


def _store_files(pid: int, tmp: Path) -> list[tuple[str, int]]:
    """The files in ``tmp`` that process ``pid`` has open: (link target, mode)."""
    out = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
            mode = fd.stat().st_mode & 0o777
        except OSError:
            continue
        if target.startswith(str(tmp)):
            out.append((target, mode))
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("world") / "world.jsonl"
    generate_world(path, candidates=2500, seed=11)
    return path


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_screening_stopped_mid_run_leaves_no_clear_personal_data(
    world: Path, tmp_path: Path, how: signal.Signals
) -> None:
    env = _env(tmp_path)
    tmp = Path(env["TMPDIR"])
    run = subprocess.Popen(
        [sys.executable, "-m", "fairscreen", "screen", "--world", str(world), "--json"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert run.stdout is not None
        for _ in range(400):  # screened and stored: mid-run
            assert run.stdout.readline(), run.stderr.read() if run.stderr else ""
        # While it runs, the store is a file SQLite unlinked when it opened it, mode 0600.
        store = _store_files(run.pid, tmp)
        assert store and all(t.endswith(" (deleted)") and m == 0o600 for t, m in store), store
        assert list(tmp.iterdir()) == []
        run.send_signal(how)
        code = run.wait(timeout=60)
        stderr = run.stderr.read() if run.stderr else ""
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert code == -signal.SIGKILL if how == signal.SIGKILL else code == 128 + signal.SIGTERM
    assert "Traceback" not in stderr
    assert list(tmp.iterdir()) == [], "a store file was left in the temporary directory"
    data = tmp_path / "data"
    assert (data / "fairscreen.db").exists() and data.stat().st_mode & 0o777 == 0o700
    needles = text_needles("clear", _clear_values(world))
    assert scan([data, tmp], needles) == []
    # The positive control: the same scan finds them in the world file itself.
    assert scan([world], needles)


def test_a_named_store_left_by_an_older_version_is_removed_on_the_next_start(
    world: Path, tmp_path: Path
) -> None:
    env = _env(tmp_path)
    tmp = Path(env["TMPDIR"])
    leftover = tmp / "fairscreen-world-k3j2h1.sqlite"
    leftover.write_bytes(b"SQLite format 3\0" + "歐陽靜怡".encode())
    unrelated = tmp / "fairscreen-world-notes.txt"
    unrelated.write_text("not a store")
    started = subprocess.run(
        [sys.executable, "-m", "fairscreen", "world", "validate", str(world)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert started.returncode == 0, started.stderr
    assert not leftover.exists() and unrelated.exists()


def test_a_store_in_use_is_not_removed(tmp_path: Path) -> None:
    busy = tmp_path / "fairscreen-world-busy01.sqlite"
    busy.write_bytes(b"in use")
    idle = tmp_path / "fairscreen-world-idle01.sqlite"
    idle.write_bytes(b"left over")
    with busy.open("rb"):
        assert remove_legacy_stores(tmp_path) == [idle]
    assert busy.exists()


def test_an_explicit_store_path_is_private_and_kept(world: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with load_world(world, store_path=path) as store:
        assert store.candidate_count() == 2500
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        load_world(world, store_path=path)
