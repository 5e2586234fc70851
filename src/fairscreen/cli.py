"""The ``fairscreen`` command: one Typer app, with each step's commands mounted from its package."""

from __future__ import annotations

import logging

import typer

from fairscreen.kit.db_cli import db_app
from fairscreen.ledger.cli import ledger_app, receipt_app, witness
from fairscreen.retention.cli import deletion_app, retention_app
from fairscreen.screening.cli import demo, screen
from fairscreen.vault.cli import app as keys_app
from fairscreen.web.cli import serve
from fairscreen.world.cli import app as world_app

app = typer.Typer(
    name="fairscreen",
    help="Background screening that is lawful by construction, with a regulator-verifiable ledger.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(demo)
app.command()(screen)
app.add_typer(world_app, name="world")
app.add_typer(ledger_app, name="ledger")
app.add_typer(receipt_app, name="receipt")
app.command()(serve)
app.command()(witness)
app.add_typer(keys_app, name="keys")
app.add_typer(retention_app, name="retention")
app.add_typer(deletion_app, name="deletion")
app.add_typer(db_app, name="db")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
