"""``fairscreen db``: the schema revision of the configured database, and upgrading it.

Commands that only read never migrate a database (they change no file); a database made by an
older version is brought to this version's schema here, on purpose, after a backup."""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from fairscreen.kit.errors import FairscreenError

db_app = typer.Typer(help="The database's schema: revision and upgrade.", no_args_is_help=True)


@db_app.command("revision")
def revision_command() -> None:
    """Print the database's schema revision and the one this version of fairscreen needs."""
    from fairscreen.kit.db import current_revision, head_revision, make_engine, sqlite_file
    from fairscreen.kit.settings import get_settings

    url = get_settings().resolved_database_url()
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        typer.echo(f"error {path}: no database there", err=True)
        raise typer.Exit(1)
    try:
        engine = make_engine(url, readonly=True)
        try:
            at = current_revision(engine)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        typer.echo(
            f"error FAIRSCREEN_DATABASE_URL: cannot read the database ({exc.__class__.__name__})",
            err=True,
        )
        raise typer.Exit(1) from None
    head = head_revision()
    typer.echo(f"database {at or '(empty)'}; this version {head}")
    if at != head:
        raise typer.Exit(1)


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Migrate the configured database to this version's schema (creating it if there is none).

    Back it up first: a migration cannot be undone by a later version."""
    from fairscreen.kit.db import current_revision, head_revision, open_database

    try:
        engine, _ = open_database()
        at = current_revision(engine)
        engine.dispose()
    except FairscreenError as exc:
        typer.echo(f"error {exc}", err=True)
        raise typer.Exit(1) from None
    except SQLAlchemyError as exc:
        typer.echo(
            f"error FAIRSCREEN_DATABASE_URL: cannot upgrade the database ({exc.__class__.__name__})",
            err=True,
        )
        raise typer.Exit(1) from None
    typer.echo(f"database at {at} (this version: {head_revision()})")
