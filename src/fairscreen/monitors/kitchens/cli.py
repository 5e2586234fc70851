"""``fairscreen monitor kitchens ...``: the bright-kitchens sandbox and monitor from the command
line (the same functions as ``/api/v1/monitors/kitchens``): ``simulate`` writes a feed,
``ingest`` stores one, ``run`` ingests (optionally) and detects, ``review`` and ``fix-camera``
record a person's act, ``cameras`` and ``alerts`` list what the monitor sees."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from fairscreen.kit.cli import aware_time
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import InputError
from fairscreen.monitors.cli import JsonOption, PackOption, as_of, fresh, monitor_app, out, sessions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

kitchens_app = typer.Typer(
    help="Bright kitchens (明厨亮灶): AI-camera events, their review, cameras that cry wolf, "
    "and the signals confirmed events raise for supervision.",
    no_args_is_help=True,
)
monitor_app.add_typer(kitchens_app, name="kitchens")


@kitchens_app.command("simulate")
def simulate_command(
    path: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help="feed file to write")],
    city: Annotated[
        Path | None,
        typer.Option("--city", dir_okay=False, help="a register: its catering firms"),
    ] = None,
    restaurants: Annotated[
        int, typer.Option(min=1, max=200_000, help="without --city: how many restaurants")
    ] = 200,
    days: Annotated[int, typer.Option(min=1, max=730, help="how many days")] = 90,
    start: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="the first day")] = datetime(
        2026, 9, 1
    ),
    seed: Annotated[int, typer.Option(help="the generator's seed")] = 2026,
    truth: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="also write who was planted, and the wolf (JSON)"),
    ] = None,
) -> None:
    """Write a simulated feed (JSON Lines): restaurants' camera events and their reviews, with
    planted violators, honest kitchens and one camera that cries wolf. Refuses to overwrite."""
    from fairscreen.synth.kitchens import (
        Truth,
        catering_firms,
        end_of,
        generate_kitchens,
        own_restaurants,
    )

    fresh(path, *([truth] if truth is not None else []))
    firms = catering_firms(city) if city is not None else own_restaurants(restaurants)
    if not firms:
        raise InputError(str(city), "no catering firms in this register")
    known = Truth()
    counts = {"event": 0, "review": 0}
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as handle:
        for rec in generate_kitchens(firms, seed, start.date(), days, known):
            counts[rec["type"]] += 1
            handle.write(orjson.dumps(rec) + b"\n")
    tmp.replace(path)
    if truth is not None:
        doc = known.as_json() | {"until": end_of(start.date(), days).isoformat()}
        truth.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    out.print(
        f"{counts['event']} events and {counts['review']} reviews of {len(firms)} restaurants "
        f"over {days} days written to {path} ({len(known.violators)} planted violators; "
        f"the wolf: {known.wolf[1] + ' of ' + known.wolf[0] if known.wolf else 'none'})"
    )


def _ingest(feed: Path) -> str:
    from fairscreen.monitors.kitchens import service
    from fairscreen.monitors.kitchens.events import read_feed

    records = read_feed(feed)
    with sessions().begin() as session:
        done = service.ingest(session, records, now=utcnow())
    return (
        f"{feed}: {done.events} new events ({done.repeated} seen before), "
        f"{done.reviews} reviews, {done.fixes} camera fixes"
    )


@kitchens_app.command("ingest")
def ingest_command(
    feed: Annotated[Path, typer.Argument(dir_okay=False, help="a feed file (JSON Lines)")],
) -> None:
    """Store a feed: events, reviews, camera fixes. The whole file is checked first; a wrong
    line is named and nothing is stored."""
    out.print(_ingest(feed))


@kitchens_app.command("run")
def run_command(
    feed: Annotated[
        Path | None, typer.Option(dir_okay=False, help="ingest this feed first")
    ] = None,
    pack: PackOption = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="the run's time, ISO 8601 with zone (default: the newest event stored)"
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Flag cameras that cry wolf, and escalate confirmed events by the rule pack into
    supervision signals (the pack goes on the ledger the first time)."""
    from fairscreen.monitors.kitchens import service
    from fairscreen.monitors.kitchens.pack import load_pack

    rules = load_pack(pack)
    given = None if at is None else aware_time(at, "--at")
    if feed is not None:
        line = _ingest(feed)
        if not as_json:
            out.print(line)
    database = sessions()
    with database() as session:
        now = as_of(given, service.data_as_of(session))
    with database.begin() as session:
        result = service.run(session, rules, now=now)
    if as_json:
        out.print(json.dumps(result.as_json()))
        return
    out.print(
        f"ran {result.pack}{' (published on the ledger now)' if result.published else ''}: "
        f"{len(result.flagged)} camera(s) flagged for maintenance, {len(result.escalated)} "
        f"signal(s) raised; {result.counted} confirmed events counted, {result.discounted} "
        "discounted (cameras flagged)"
    )
    for org, camera in result.flagged:
        out.print(f"  flagged: camera {camera} of {org} (a maintenance alert to the firm)")


@kitchens_app.command("review")
def review_command(
    event: Annotated[str, typer.Argument(help="the event's id")],
    verdict: Annotated[str, typer.Argument(help="confirmed or dismissed")],
    by: Annotated[str, typer.Option(help="the reviewer's account id")],
) -> None:
    """Confirm or dismiss an event, as the given account, now."""
    from fairscreen.monitors.kitchens import service

    def act(session: Session) -> str:
        row = service.review(session, event, verdict, by=by, at=utcnow())
        return f"{row.id}: {row.verdict} by {row.reviewed_by}"

    _record(act)


def _record(act: Callable[[Session], str]) -> None:
    """A person's act (a review, a fix) in one transaction, and what it recorded."""
    with sessions().begin() as session:
        said = act(session)
    out.print(said)


@kitchens_app.command("fix-camera")
def fix_camera_command(
    restaurant: Annotated[str, typer.Argument(help="the restaurant's firm id")],
    camera: Annotated[str, typer.Argument(help="the camera's id")],
    by: Annotated[str, typer.Option(help="the account recording the fix")],
) -> None:
    """Record that a flagged camera was serviced: its events count again from now."""
    from fairscreen.monitors.kitchens import service

    def act(session: Session) -> str:
        flag = service.fix_camera(session, restaurant, camera, by=by, at=utcnow())
        return f"camera {camera} of {restaurant}: fixed (flagged {flag.flagged_at.date()})"

    _record(act)


@kitchens_app.command("cameras")
def cameras_command(
    days: Annotated[int, typer.Option(min=1, max=366, help="the window, in days")] = 30,
    restaurant: Annotated[str | None, typer.Option(help="one restaurant's")] = None,
    flagged: Annotated[bool, typer.Option("--flagged", help="only cameras flagged now")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """False alarms per camera (and per kind) over the last --days."""
    from fairscreen.monitors.kitchens import service

    now = utcnow()
    with sessions(readonly=True)() as session:
        stats = service.camera_stats(session, now - timedelta(days=days), now, restaurant)
        open_flags = {(f.org, f.camera) for f in service.list_flags(session, open_only=True)}
    shown = 0
    for s in stats:
        is_flagged = (s.org, s.camera) in open_flags
        if flagged and not is_flagged:
            continue
        shown += 1
        if as_json:
            out.print(json.dumps(s.as_json() | {"flagged": is_flagged}))
        else:
            share = "-" if s.dismissed_permille is None else f"{s.dismissed_permille / 10:.1f}%"
            out.print(
                f"{s.org}  {s.camera:<10} events {s.events:6}  reviewed {s.reviewed:6}  "
                f"dismissed {share:>6}{'  FLAGGED' if is_flagged else ''}"
            )
    if not as_json:
        out.print(f"{shown} camera(s) over the last {days} days")


@kitchens_app.command("alerts")
def alerts_command(
    restaurant: Annotated[str | None, typer.Option(help="one restaurant's")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Camera-maintenance alerts (to the firm) and signals (to the regulator), newest first."""
    from fairscreen.monitors.kitchens import service

    with sessions(readonly=True)() as session:
        found = service.alerts(session, org=restaurant, limit=limit)
    for a in found:
        if as_json:
            out.print(json.dumps(a, ensure_ascii=False))
        elif a["type"] == "signal":
            state = "open" if a["closed_at"] is None else "closed"
            out.print(
                f"{a['at']}  signal  {a['severity']:<8} {a['rule']:<30} {a['restaurant']}  {state}"
            )
        else:
            state = "open" if a["fixed_at"] is None else f"fixed {a['fixed_at']}"
            out.print(
                f"{a['at']}  camera  {a['camera']:<10} of {a['restaurant']}: "
                f"{a['dismissed']} of {a['reviewed']} dismissed  {state}"
            )
    if not as_json:
        out.print(f"{len(found)} alert(s)")
