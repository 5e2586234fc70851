"""``fairscreen db``: the schema revision of the configured database, and upgrading it.

Commands that only read never migrate a database (they change no file); a database made by an
older version is brought to this version's schema here, on purpose, after a backup."""

from __future__ import annotations

import typer

db_app = typer.Typer(help="The database's schema: revision and upgrade.", no_args_is_help=True)


@db_app.command("revision")
def revision_command() -> None:
    """Print the database's schema revision and the one this version of fairscreen needs
    (exit 4 when they differ). Reads only."""
    from fairscreen.kit.db import (
        DatabaseError,
        check_reachable,
        current_revision,
        head_revision,
        make_engine,
        sqlite_file,
    )
    from fairscreen.kit.settings import get_settings

    url = get_settings().resolved_database_url()
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise DatabaseError(f"{path}: no database there")
    engine = make_engine(url, readonly=True)
    try:
        check_reachable(engine)
        at = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    typer.echo(f"database {at or '(empty)'}; this version {head}")
    if at != head:
        raise DatabaseError(
            f"the database is at {at or '(no schema)'}, not {head}: back it up, then run "
            "`fairscreen db upgrade`"
        )


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Migrate the configured database to this version's schema (creating it if there is none).

    Back it up first: a migration cannot be undone by a later version."""
    from fairscreen.kit.db import current_revision, head_revision, open_database

    engine, _ = open_database()
    at = current_revision(engine)
    engine.dispose()
    typer.echo(f"database at {at} (this version: {head_revision()})")
