"""``fairscreen monitor ...``: one group for the monitors; each monitor's package adds its own
sub-group (``fairscreen monitor livestream ...``, ``elevators``, ``kitchens``) to
``monitor_app`` when ``fairscreen.cli`` imports it (docs/monitors.md)."""

from __future__ import annotations

import typer

monitor_app = typer.Typer(
    help="Monitors (the second article's): livestream commerce, smart elevators, bright "
    "kitchens; their simulators, alerts, and the signals they raise for supervision.",
    no_args_is_help=True,
)
