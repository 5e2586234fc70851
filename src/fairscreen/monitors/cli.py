"""``fairscreen monitor ...``: one group for the monitors; each monitor's package adds its own
sub-group (``fairscreen monitor livestream ...``, ``elevators``, ``kitchens``) to
``monitor_app`` when ``fairscreen.cli`` imports it (docs/monitors.md).

What every monitor's commands share is here: the console, the ``--pack`` and ``--json``
options, the database (``sessions``: read-only for the commands that only read), refusing to
overwrite a file, and the time a run is "as of". Errors are raised, never printed: they leave
through ``fairscreen.cli`` (one line naming the file or option, the exit status of their class).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

monitor_app = typer.Typer(
    help="Monitors (the second article's): livestream commerce, smart elevators, bright "
    "kitchens; their simulators, alerts, and the signals they raise for supervision.",
    no_args_is_help=True,
)
out = Console(highlight=False, soft_wrap=True)

PackOption = Annotated[
    Path | None,
    typer.Option(
        "--pack", "--rules", dir_okay=False, help="a rule pack (TOML) instead of the shipped one"
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


def sessions(*, readonly: bool = False) -> sessionmaker[Session]:
    """The configured database's sessions (``readonly``: a command that only reads: the
    database must exist and is neither created nor migrated)."""
    from fairscreen.kit.db import open_database

    return open_database(readonly=readonly)[1]


def fresh(*paths: Path) -> None:
    """Refuse before anything is written: a file that exists, or a folder that does not."""
    for path in paths:
        if path.exists():
            raise InputError(str(path), "exists already: give another file (nothing was written)")
        if not path.parent.is_dir():
            raise InputError(str(path), f"no folder {path.parent}")


def as_of(given: datetime | None, newest: datetime | None) -> datetime:
    """A run's time: the one ``given`` (UTC when it has no zone), else the newest data stored,
    never later than now."""
    if given is not None:
        return given.astimezone(UTC) if given.tzinfo else given.replace(tzinfo=UTC)
    return utcnow() if newest is None else min(utcnow(), newest)
