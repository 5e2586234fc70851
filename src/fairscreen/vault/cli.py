"""``fairscreen keys``: KEK versions, rotation and retirement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.settings import get_settings
from fairscreen.vault import rotation
from fairscreen.vault.keys import KeyProvider
from fairscreen.vault.providers import open_legacy_providers, open_provider

app = typer.Typer(help="Key-encryption keys: status, rotation, retirement.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


@contextmanager
def _opened() -> Iterator[tuple[sessionmaker[Session], list[KeyProvider]]]:
    """The database and the key providers (configured first, then legacy ones), closed after."""
    from fairscreen.kit.db import open_database

    providers: list[KeyProvider] = []
    settings = get_settings()
    engine, sessions = open_database()
    try:
        providers.append(open_provider(settings))
        providers.extend(open_legacy_providers(settings))
        yield sessions, providers
    finally:
        for provider in providers:
            provider.close()
        engine.dispose()


class _Bar:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, version: str, total: int, *, resumed: bool) -> None:
        where = version if resumed else f"new {version}"
        self.task = self.progress.add_task(f"rewrapping under {where}", total=total)

    def advance(self, rows: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, rows)


@app.command()
def status() -> None:
    """Show each KEK version and how many data keys it wraps."""
    with _opened() as (sessions, providers):
        table = Table("provider", "version", "state", "data keys", title="KEK versions")
        for row in rotation.status(sessions, providers):
            style = "red" if row.state == "missing" else None
            table.add_row(row.provider, row.version, row.state, str(row.data_keys), style=style)
        out.print(table)
        for provider in providers:
            out.print(f"{provider.name}: {provider.describe()}", highlight=False)


@app.command()
def rotate(
    batch_size: Annotated[
        int, typer.Option(min=1, help="data keys rewrapped and committed per batch")
    ] = rotation.DEFAULT_BATCH,
    new_version: Annotated[
        bool,
        typer.Option(
            "--new-version",
            help="make a new KEK version even if an earlier rotation has not finished",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Create a KEK version and rewrap every data key under it, without decrypting any data.

    Resumable: if a run is interrupted, run it again and it finishes the same version."""
    with _opened() as (sessions, providers):
        target = providers[0]
        sources = {p.name: p for p in providers[1:]}
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=quiet,
        ) as progress:
            result = rotation.rotate(
                sessions,
                target,
                sources=sources,
                new_version=True if new_version else None,
                batch_size=batch_size,
                progress=_Bar(progress),
            )
        made = "new KEK version" if result.created else "KEK version"
        out.print(
            f"{made} {result.version}: {result.rewrapped} data keys rewrapped"
            + (f", {result.vanished} deleted meanwhile" if result.vanished else ""),
            highlight=False,
        )
        if result.failed:
            for key_id, why in result.failures:
                err.print(f"[red]not rewrapped[/red] {key_id}: {why}", highlight=False)
            raise FairscreenError(
                f"{result.failed} data keys could not be rewrapped and are still under their "
                "old KEK version"
            )


@app.command()
def retire(
    version: Annotated[str, typer.Argument(help="the KEK version to destroy, e.g. local-1")],
) -> None:
    """Destroy a KEK version; refused while any data key is still wrapped under it."""
    with _opened() as (sessions, providers):
        owner = rotation.retire(sessions, version, providers)
        out.print(f"KEK version {version} destroyed ({owner.describe()})", highlight=False)
