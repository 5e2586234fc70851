"""``fairscreen feedback ...``: the feedback step's deadlines, by hand (``serve`` runs them on
its schedule)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import open_database
from fairscreen.kit.errors import FairscreenError

feedback_app = typer.Typer(
    help="Feedback: disputes past their reinvestigation deadline, checks waiting to run.",
    no_args_is_help=True,
)
out = Console(highlight=False, soft_wrap=True)


@feedback_app.command("deadlines")
def deadlines_command(
    checks: Annotated[
        bool,
        typer.Option(
            help="also run the checks of signed consents that have not run (needs "
            "FAIRSCREEN_SANDBOX_WORLD)"
        ),
    ] = False,
) -> None:
    """Resolve every dispute still open past its reinvestigation deadline: the disputed finding
    is deleted, the report re-rated as a new version, the candidate and the organisations told.
    Also deletes invitations that expired unanswered. Exit 1 when a part of the work failed
    (the rest is done)."""
    from fairscreen.feedback.jobs import run_due
    from fairscreen.vault.lazy import LazyVault

    _, sessions = open_database()
    vault = LazyVault(sessions)
    try:
        run = run_due(sessions, vault, now=utcnow(), checks=checks)
    finally:
        vault.close()
    out.print(
        f"{len(run.disputes)} dispute(s) past their deadline resolved (finding deleted, report "
        f"re-rated); {len(run.checks)} check(s) run; {run.invitations} expired invitation(s) "
        "deleted"
    )
    for dispute in run.disputes:
        out.print(f"  dispute {dispute}: deleted by deadline")
    if run.errors:
        raise FairscreenError("; ".join(run.errors))
