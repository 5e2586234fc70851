"""``fairscreen monitor elevators simulate|run|alerts|summary``: the smart-elevator monitor
from the command line (docs/monitors.md, "Smart elevators")."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from fairscreen.kit import cli as kit_cli
from fairscreen.monitors.cli import JsonOption, PackOption, as_of, fresh, monitor_app, out, sessions

elevators_app = typer.Typer(
    help="Smart elevators: the platform's records (events, heartbeats, maintenance, "
    "inspections), the detectors, and the signals they raise for supervision.",
    no_args_is_help=True,
)
monitor_app.add_typer(elevators_app, name="elevators")


@elevators_app.command("simulate")
def simulate_command(
    path: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help="file to write")],
    elevators: Annotated[int, typer.Option(min=1, max=1_000_000, help="how many")] = 10_000,
    days: Annotated[int, typer.Option(min=1, max=3660, help="how many days of history")] = 90,
    seed: Annotated[int, typer.Option(help="the simulator's seed")] = 2026,
    start: Annotated[
        datetime, typer.Option(formats=["%Y-%m-%d"], help="the first day simulated")
    ] = datetime(2026, 9, 1),
    city: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="a register (fairscreen supervision city): its firms"),
    ] = None,
) -> None:
    """Write a district's elevator records (JSON Lines) and, next to it, ``<out>.planted.json``
    (which firms and elevators were made to break a rule). Refuses to overwrite a file."""
    import orjson

    from fairscreen.kit.files import atomic_write
    from fairscreen.synth.elevators import planted, simulate

    manifest = path.with_name(path.name + ".planted.json")
    fresh(path, manifest)
    register = None
    if city is not None:
        from fairscreen.supervision.register import load_register

        register = load_register(city)
    records = simulate(elevators, days, seed, start.date(), register)
    plant = planted(elevators, seed, register)
    partial = path.with_name(path.name + ".partial")
    count = 0
    try:
        with partial.open("xb") as handle:
            for record in records:
                handle.write(orjson.dumps(record) + b"\n")
                count += 1
        partial.rename(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    atomic_write(manifest, orjson.dumps(plant.as_json(), option=orjson.OPT_INDENT_2), mode=0o644)
    out.print(f"{count} records ({elevators} elevators, {days} days) written to {path}")


@elevators_app.command("run")
def run_command(
    files: Annotated[list[Path], typer.Argument(help="record files (JSON Lines) to ingest")],
    now: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"],
            help="detect as of (UTC; default: the newest record stored)",
        ),
    ] = None,
    rules: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest the files (each whole or not at all), run the detectors as of --now (default: the
    newest record stored, never later than now), store the alerts and escalate them to
    supervision signals; close those whose cause has ended."""
    from fairscreen.monitors.elevators import service
    from fairscreen.monitors.elevators.rules import load_pack

    pack = load_pack(rules)
    database = sessions()
    ingested = []
    for file in files:
        with database.begin() as session:
            ingested.append((file, service.ingest_file(session, file)))
    with database() as session:
        when = as_of(now, service.data_as_of(session))
    with database.begin() as session:
        result = service.run(session, pack, when)
    if as_json:
        doc = {
            "ingested": {str(f): c.as_json() for f, c in ingested},
            "run": result.as_json(),
        }
        out.print(json.dumps(doc))
        return
    for file, counts in ingested:
        c = counts
        out.print(
            f"{file}: {c.elevators} elevators, {c.events} events, {c.heartbeats} heartbeats "
            f"({c.state_changes} state changes kept), {c.maintenance} maintenance visits, "
            f"{c.inspections} inspections, {c.skipped} already stored"
        )
    out.print(
        f"detected as of {when.isoformat()} under {result.pack}"
        f"{' (published on the ledger now)' if result.published else ''}: "
        f"{result.found} alert(s), {result.opened} new, {result.closed} closed, "
        f"{result.open_now} open"
    )


@elevators_app.command("alerts")
def alerts_command(
    org: kit_cli.OrgOption = None,
    rule: kit_cli.RuleOption = None,
    open_only: kit_cli.OpenOption = False,
    limit: kit_cli.LimitOption = 50,
    as_json: kit_cli.JsonLinesOption = False,
) -> None:
    """The alerts, newest first (``--rule elevators.<rule>``)."""
    from fairscreen.monitors.elevators import service

    with sessions(readonly=True)() as session:
        total, rows = service.list_alerts(
            session, org=org, rule=rule, open_only=open_only, limit=limit
        )
        views = [service.alert_json(r) for r in rows]
    kit_cli.print_rows(
        out,
        views,
        total=total,
        noun="alert",
        as_json=as_json,
        line=lambda v: (
            f"{v['opened_at']}  {v['severity']:<8} {v['rule']:<34} "
            f"{v['elevator']}  {v['role']} {v['org']}  {kit_cli.state(v)}"
        ),
    )


@elevators_app.command("summary")
def summary_command() -> None:
    """Elevators by state, open alerts by rule, overdue maintenance by firm (JSON)."""
    from fairscreen.monitors.elevators import service

    with sessions(readonly=True)() as session:
        out.print(json.dumps(service.summary(session), ensure_ascii=False))
