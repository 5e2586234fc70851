"""The ``fairscreen`` command: one Typer app, with each step's commands mounted from its package.

Errors leave through one place: ``_Root.invoke`` hands whatever a command raises to
``fairscreen.kit.failure``, which prints one line and picks the exit status (README, "Exit
status"). Commands raise; they do not print their own errors or choose their own exit codes.
"""

from __future__ import annotations

import errno
import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

import fairscreen.monitors.elevators.cli  # joins monitor_app
import fairscreen.monitors.kitchens.cli  # joins monitor_app
import fairscreen.monitors.livestream.cli  # joins monitor_app
import fairscreen.supervision.offsite_cli  # noqa: F401  (its commands join supervision_app)
from fairscreen.audit.cli import audit_app, model_app
from fairscreen.feedback.cli import feedback_app
from fairscreen.jobs.cli import checks_app, worker
from fairscreen.kit import failure
from fairscreen.kit.db_cli import db_app
from fairscreen.kit.signals import exit_on_sigterm
from fairscreen.ledger.cli import LedgerContext, ledger_app, receipt_app, witness
from fairscreen.monitors.cli import monitor_app
from fairscreen.notify.cli import app as notify_app
from fairscreen.provider.cli import app as provider_app
from fairscreen.retention.cli import deletion_app, retention_app
from fairscreen.screening.cli import demo, screen
from fairscreen.supervision.cli import supervision_app
from fairscreen.vault.cli import app as keys_app
from fairscreen.web.cli import serve
from fairscreen.world.cli import app as world_app


class _Root(TyperGroup):
    """The top-level group: runs the command and turns any error it raises into one line."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException, EOFError):
            raise  # Typer's own: usage errors (exit 2), explicit exits; no stdin to prompt from
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # a closed pipe (`| head`): Click leaves quietly
            raise typer.Exit(failure.report(exc)) from None
        except Exception as exc:
            raise typer.Exit(failure.report(exc)) from None


def _package_version() -> str:
    try:
        return version("fairscreen")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"fairscreen {_package_version()}")
        raise typer.Exit()


app = typer.Typer(
    name="fairscreen",
    cls=_Root,
    help="Background screening that is lawful by construction, with a regulator-verifiable ledger.",
    epilog="Exit status: 0 ok, 1 invalid input or refused, 2 usage, 3 witness alarm, "
    "4 configuration or environment, 5 log unreachable, 70 internal error (README, "
    '"Exit status"); FAIRSCREEN_DEBUG=1 shows the traceback of an error.',
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    _version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_show_version, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """The root of the command: its only option is --version. It hands the ledger's commands
    what they must not import themselves (the committed tables, the candidate-receipt lookup)."""
    from fairscreen.models import LEDGER_RECORDS
    from fairscreen.screening.service import candidate_receipt_index

    ctx.obj = LedgerContext(records=LEDGER_RECORDS, receipt_index=candidate_receipt_index)


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
app.add_typer(feedback_app, name="feedback")
app.add_typer(db_app, name="db")
app.add_typer(model_app, name="model")
app.add_typer(audit_app, name="audit")
app.add_typer(notify_app, name="notify")
app.add_typer(checks_app, name="checks")
app.command()(worker)
app.add_typer(provider_app, name="sandbox-provider")
app.add_typer(supervision_app, name="supervision")
app.add_typer(monitor_app, name="monitor")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    exit_on_sigterm()  # cleanup runs on SIGTERM as on Ctrl-C (kit/signals.py)
    app()
