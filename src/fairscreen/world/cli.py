"""``fairscreen world``: make and check world files."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fairscreen.world.load import load_world
from fairscreen.world.model import json_schema

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from fairscreen.synth import GenerateStats

app = typer.Typer(help="Make and check sandbox world files.", no_args_is_help=True)
err = Console(stderr=True)


@app.command()
def validate(file: Annotated[Path, typer.Argument(help="a world file (JSON Lines)")]) -> None:
    """Check FILE against the world format; name every bad line and JSON path.

    Exit status 0 if the file is valid, 1 if not (as `fairscreen screen` on the same file)."""
    with load_world(file) as world:
        summary = world.summary()
    typer.echo(
        f"{file}: valid world file (format {summary.header.version}, {summary.header.jurisdiction}): "
        f"{summary.organisations} organisations, {summary.positions} positions, "
        f"{summary.candidates} candidates, {summary.records} external records"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of one world-file line (what ships as world.schema.json)."""
    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@app.command()
def generate(
    candidates: Annotated[
        int,
        typer.Option("--candidates", "-n", min=1, max=1_000_000, help="how many candidates"),
    ],
    seed: Annotated[
        int,
        typer.Option(
            min=-(2**63),
            max=2**63 - 1,
            help="random seed (64-bit): the same seed gives the same bytes",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", dir_okay=False, help="world file to write (default: stdout)"),
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="the screening date of the world, YYYY-MM-DD (default: 2026-11-27, fixed)",
        ),
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="also write the planted hard cases, per candidate and per reference sentence, "
            "to this JSON Lines file (docs/world-generator.md)",
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar on stderr")] = True,
    decisions: Annotated[
        bool,
        typer.Option(
            "--decisions",
            help="also write each application's hiring decision, with bias planted at a few "
            "employers, and the candidates' region and audit consent (docs/audit.md)",
        ),
    ] = False,
) -> None:
    """Write a realistic synthetic world: employers, positions, candidates with claims and
    consent, and the records the sandbox sources read, with deliberate hard cases.

    All people and organisations are fictional; ID numbers are in division 99xxxx.
    """
    from fairscreen.synth import generate_world  # heavy: the phrase tables

    day = as_of.date() if as_of is not None else None
    bar = Progress(
        TextColumn("[bold]generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not progress,
    )
    task = bar.add_task("generating", total=candidates)

    def advance(done: int) -> None:
        # the bar starts with the first candidate, once the files are open: a file that cannot
        # be written leaves one error line, not a bar stuck at 0
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done)

    try:
        if out is None:
            try:
                stats = _to_stdout(candidates, seed, day, truth, advance, decisions)
            except BrokenPipeError:  # e.g. piped into head: the reader has what it wanted
                # the recipe of the Python docs (signal, "Note on SIGPIPE"): no traceback at exit
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise typer.Exit(0) from None
        else:
            stats = generate_world(
                out,
                candidates=candidates,
                seed=seed,
                as_of=day,
                truth=truth,
                progress=advance,
                decisions=decisions,
            )
    finally:
        bar.stop()
    where = str(out) if out is not None else "stdout"
    err.print(
        f"{where}: {stats.candidates:,} candidates, {stats.organisations} organisations, "
        f"{stats.positions} positions, {stats.lines:,} lines ({stats.bytes / 1e6:,.1f} MB)"
        + (f"; truth in {truth}" if truth is not None else ""),
        highlight=False,
    )


def _to_stdout(
    candidates: int,
    seed: int,
    day: date | None,
    truth: Path | None,
    advance: Callable[[int], None],
    decisions: bool = False,
) -> GenerateStats:
    from fairscreen.synth import write_world

    out = sys.stdout.buffer
    if truth is None:
        stats = write_world(
            out,
            candidates=candidates,
            seed=seed,
            as_of=day,
            progress=advance,
            decisions=decisions,
        )
    else:
        with truth.open("wb") as truth_stream:
            stats = write_world(
                out,
                candidates=candidates,
                seed=seed,
                as_of=day,
                truth=truth_stream,
                progress=advance,
                decisions=decisions,
            )
    out.flush()
    return stats
