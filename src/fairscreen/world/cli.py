"""``fairscreen world``: make and check world files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairscreen.kit.errors import FairscreenError
from fairscreen.world.load import load_world
from fairscreen.world.model import json_schema

app = typer.Typer(help="Make and check sandbox world files.", no_args_is_help=True)
err = Console(stderr=True)


@app.command()
def validate(file: Annotated[Path, typer.Argument(help="a world file (JSON Lines)")]) -> None:
    """Check FILE against the world format; name every bad line and JSON path."""
    try:
        with load_world(file) as world:
            summary = world.summary()
    except FairscreenError as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False, markup=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{file}: valid world file (format {summary.header.version}, {summary.header.jurisdiction}): "
        f"{summary.organisations} organisations, {summary.positions} positions, "
        f"{summary.candidates} candidates, {summary.records} external records"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of one world-file line (what ships as world.schema.json)."""
    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
