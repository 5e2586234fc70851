"""``fairscreen world generate``: its options, a world written end to end and validated, stdout."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
from typer.testing import CliRunner

from fairscreen.cli import app
from fairscreen.synth import DEFAULT_AS_OF, generate_world
from fairscreen.world.load import load_world

runner = CliRunner()


def test_help() -> None:
    result = runner.invoke(app, ["world", "generate", "--help"])
    assert result.exit_code == 0
    for option in ("--candidates", "--seed", "--out", "--as-of", "--truth"):
        assert option in result.output
    assert DEFAULT_AS_OF.isoformat() in result.output


def test_cli_end_to_end(tmp_path: Path) -> None:
    out, truth = tmp_path / "w.jsonl", tmp_path / "t.jsonl"
    result = runner.invoke(
        app,
        [
            "world",
            "generate",
            "--candidates",
            "250",
            "--seed",
            "8",
            "--out",
            str(out),
            "--truth",
            str(truth),
            "--as-of",
            "2026-06-30",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    with load_world(out) as store:
        summary = store.summary()
    assert summary.candidates == 250 and summary.header.as_of == date(2026, 6, 30)
    assert len(truth.read_bytes().splitlines()) == 251
    again = tmp_path / "again.jsonl"
    generate_world(again, candidates=250, seed=8, as_of=date(2026, 6, 30))
    assert again.read_bytes() == out.read_bytes()
    validated = runner.invoke(app, ["world", "validate", str(out)])
    assert validated.exit_code == 0 and "valid world file" in validated.output


def test_cli_to_stdout() -> None:
    result = runner.invoke(app, ["world", "generate", "-n", "5", "--seed", "1", "--no-progress"])
    assert result.exit_code == 0
    lines = [orjson.loads(raw) for raw in result.stdout_bytes.splitlines()]
    assert lines[0]["type"] == "world"
    assert sum(1 for line in lines if line["type"] == "candidate") == 5


def test_cli_rejects_bad_input() -> None:
    for args in (
        ["--candidates", "0", "--seed", "1"],
        ["--candidates", "5"],
        ["--candidates", "5", "--seed", str(2**64)],
        ["--candidates", "5", "--seed", "1", "--as-of", "2026-02-30"],
    ):
        result = runner.invoke(app, ["world", "generate", *args])
        assert result.exit_code == 2, (args, result.output)
