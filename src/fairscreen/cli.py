"""The ``fairscreen`` command: one Typer app, with each step's commands mounted from its package."""

from __future__ import annotations

import logging

import typer

from fairscreen.kit.signals import exit_on_sigterm
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


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    exit_on_sigterm()  # cleanup runs on SIGTERM as on Ctrl-C (kit/signals.py)
    app()
