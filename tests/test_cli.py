"""The command line as a user meets it: every command and subcommand, found by walking the Typer
app, run in a subprocess with no stdin and bad arguments; no traceback may reach the terminal,
and every failure leaves with a documented exit status and a line saying what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from fairscreen.cli import app
from fairscreen.kit.errors import ExitCode
from tests.forks import Forks

DOCUMENTED = {code.value for code in ExitCode} - {ExitCode.INTERNAL.value}
UNWRITABLE = "/proc/forbidden/x"  # /proc refuses new entries even to root


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield path, command
        return
    for name, sub in sorted(subcommands.items()):
        yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(get_command(app)))


def _kind(param: Any) -> str:
    """``path``, ``number``, ``date``, ``flag`` or ``text``, from the parameter's Python type."""
    bare = str(param.bare_type())
    if param.param_type_name == "option" and param.is_flag:
        return "flag"
    if "Path" in bare:
        return "path"
    if bare in {"int", "float"}:
        return "number"
    if "datetime" in bare or "date" in bare:
        return "date"
    return "text"


@dataclass(frozen=True)
class Case:
    command: tuple[str, ...]
    bad: str  # what is wrong, for the test id
    args: tuple[str, ...]  # with {tmp} standing for the test's folder

    def __str__(self) -> str:
        return f"{' '.join(self.command)}:{self.bad}"


# A good-looking value for each kind, to fill the required parameters not under test.
FILL = {"path": "{tmp}/w.jsonl", "number": "1", "date": "2026-01-01", "text": "x"}
# Bad values by kind (free text has none that every command would call bad).
BAD = {
    "path": {
        "missing": "{tmp}/missing/nothing.file",
        "directory": "{tmp}/dir",
        "binary": "{tmp}/binary.bin",
        "unwritable": UNWRITABLE,
    },
    "number": {"not-a-number": "many"},
    "date": {"not-a-date": "2026-13-45"},
}


def _args(param: Any, value: str) -> tuple[str, ...]:
    if param.param_type_name == "argument":
        return (value,)
    return (param.opts[0], value)


def _cases() -> Iterator[Case]:
    for path, command in COMMANDS.items():
        params = [p for p in command.params if p.name != "help"]
        required = [p for p in params if p.required]
        if required:
            yield Case(path, "nothing-given", path)
        for param in params:
            kind = _kind(param)
            for bad, value in BAD.get(kind, {}).items():
                args: list[str] = list(path)
                for other in required:
                    if other is not param:
                        args += _args(other, FILL[_kind(other)])
                args += _args(param, value)
                yield Case(path, f"{param.name}={bad}", tuple(args))


CASES = list(_cases())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    tmp = tmp_path_factory.mktemp("world")
    run = _run(tmp, "world", "generate", "-n", "3", "--seed", "1", "--out", str(tmp / "w.jsonl"))
    assert run.returncode == 0, run.stderr
    return (tmp / "w.jsonl").read_bytes()


@pytest.fixture
def place(tmp_path: Path, world: bytes) -> Path:
    """A folder of its own (commands write into it) with a small good world, a directory, a
    binary file, and a data dir still to be made."""
    (tmp_path / "w.jsonl").write_bytes(world)
    (tmp_path / "dir").mkdir()
    (tmp_path / "binary.bin").write_bytes(b"\xff\xfe\x00\x01binary\x00\xc0")
    return tmp_path


def _environment(tmp: Path, **env: str) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"FAIRSCREEN_DATABASE_URL", "FAIRSCREEN_DEBUG"}
    }
    return environment | {
        "HOME": str(tmp / "home"),
        "FAIRSCREEN_DATA_DIR": str(tmp / "data"),
        "COLUMNS": "100",
        **env,
    }


def _run(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A fresh ``python -m fairscreen`` (the tests of settings read at start-up use this)."""
    return subprocess.run(
        [sys.executable, "-m", "fairscreen", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_environment(tmp, **env),
        cwd=tmp,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forks]:
    """Hundreds of command lines, each in a process forked from one that imported the command
    line once (tests/forks.py), instead of an interpreter that imports it each time."""
    with Forks(_environment(tmp_path_factory.mktemp("forks"))) as server:
        yield server


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path in COMMANDS}
    # a sample, to show the walk reaches subcommands; the cases come from the app, not this list
    assert {"screen", "demo", "world validate", "ledger export", "deletion verify"} <= names
    testable = {
        path
        for path, command in COMMANDS.items()
        if any(p.required or _kind(p) in BAD for p in command.params)
    }
    assert len(testable) > 15 and testable == {case.command for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_arguments_never_show_a_traceback(case: Case, place: Path, forks: Forks) -> None:
    run = forks.run(place, _environment(place), *(arg.format(tmp=place) for arg in case.args))
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    assert run.returncode in DOCUMENTED, (run.returncode, output)
    if run.returncode != 0:
        assert run.stderr.strip(), "a failure says why on stderr"
        first = run.stderr.lstrip().splitlines()[0]
        assert first.startswith(("error ", "Usage:", "Aborted")), first


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("world", "validate", "{tmp}/missing.jsonl"), {}),  # an error, one line
        (("world", "validate", "{tmp}/missing.jsonl"), {"FAIRSCREEN_DEBUG": "1"}),  # a traceback
        (("ledger", "export"), {}),  # a usage error, with the program's name
        (("--version",), {}),
    ],
)
def test_a_forked_command_line_answers_as_a_fresh_interpreter(
    args: tuple[str, ...], env: dict[str, str], place: Path, forks: Forks
) -> None:
    """What the cases above get from ``forks`` is what ``python -m fairscreen`` prints."""
    args = tuple(arg.format(tmp=place) for arg in args)
    forked = forks.run(place, _environment(place, **env), *args)
    fresh = _run(place, *args, **env)
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        fresh.returncode,
        fresh.stdout,
        fresh.stderr,
    )


def test_a_forked_command_line_that_hangs_is_ended_by_its_timeout(
    place: Path, forks: Forks
) -> None:
    """A command line that never ends (reading a FIFO nobody writes to) is ended after its
    timeout, as subprocess.run's would be, and the server goes on answering."""
    fifo = place / "never-written.jsonl"
    os.mkfifo(fifo)
    hung = forks.run(place, _environment(place), "world", "validate", str(fifo), timeout=2)
    assert hung.returncode == -14  # SIGALRM
    after = forks.run(place, _environment(place), "--version")
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip()


BAD_SETTINGS = {
    "FAIRSCREEN_DATABASE_URL": ("postgresql+psycopg://nobody@127.0.0.1:1/x", "notaurl"),
    "FAIRSCREEN_KEY_PROVIDER": ("bogus",),
    "FAIRSCREEN_DATA_DIR": (UNWRITABLE,),
    "FAIRSCREEN_SQLITE_SYNCHRONOUS": ("sometimes",),
}


@pytest.mark.parametrize(
    ("variable", "value"),
    [(variable, value) for variable, values in BAD_SETTINGS.items() for value in values],
)
def test_a_bad_setting_is_named_with_exit_status_4(variable: str, value: str, place: Path) -> None:
    run = _run(place, "screen", "--world", str(place / "w.jsonl"), "--json", **{variable: value})
    assert run.returncode == ExitCode.CONFIG, run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert variable in run.stderr and run.stdout == ""


def test_an_uncreatable_data_dir_is_named(place: Path) -> None:
    run = _run(place, "keys", "status", FAIRSCREEN_DATA_DIR=UNWRITABLE)
    assert run.returncode == ExitCode.CONFIG, run.stderr
    assert "FAIRSCREEN_DATA_DIR" in run.stderr


def test_validate_and_screen_agree_on_the_same_invalid_file(place: Path) -> None:
    bad = place / "bad.jsonl"
    bad.write_text('{"type":\n', encoding="utf-8")
    for world in (bad, place / "missing.jsonl", place / "dir", place / "binary.bin"):
        validate = _run(place, "world", "validate", str(world))
        screen = _run(place, "screen", "--world", str(world), "--json")
        assert validate.returncode == screen.returncode == ExitCode.INVALID, world
        assert str(world) in validate.stderr and str(world) in screen.stderr


def test_debug_shows_the_traceback(place: Path) -> None:
    quiet = _run(place, "world", "validate", str(place / "missing.jsonl"))
    loud = _run(place, "world", "validate", str(place / "missing.jsonl"), FAIRSCREEN_DEBUG="1")
    assert "Traceback" not in quiet.stderr and "Traceback" in loud.stderr
    assert quiet.returncode == loud.returncode == ExitCode.INVALID


def test_version(place: Path) -> None:
    from importlib.metadata import version

    run = _run(place, "--version")
    assert run.returncode == 0 and run.stdout.strip() == f"fairscreen {version('fairscreen')}"
