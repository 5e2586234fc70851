"""``fairscreen monitor livestream ...``: the sandbox's live rooms, the chain from a transcript
file to alerts and signals, the alerts list, and the model's rebuild (docs/monitors.md).

Errors leave through ``fairscreen.cli`` (one line, the exit status of their class)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import InputError
from fairscreen.monitors.cli import JsonOption, PackOption, fresh, monitor_app, out, sessions

if TYPE_CHECKING:
    from fairscreen.monitors.livestream.detect import Detector
    from fairscreen.monitors.livestream.pack import Pack

livestream_app = typer.Typer(
    help="Livestream commerce: live rooms' transcripts checked against the Advertising Law's "
    "rule pack; compliance prompts to the firm, signals to the regulator.",
    no_args_is_help=True,
)
monitor_app.add_typer(livestream_app, name="livestream")


@livestream_app.command("simulate")
def simulate_command(
    out_dir: Annotated[Path, typer.Option("--out", "-o", file_okay=False, help="folder to write")],
    city: Annotated[
        Path | None,
        typer.Option("--city", dir_okay=False, help="a register: its livestream_ecommerce firms"),
    ] = None,
    firms: Annotated[int, typer.Option(min=1, max=100_000, help="how many firms (at most)")] = 20,
    days: Annotated[int, typer.Option(min=1, max=366, help="how many days")] = 3,
    rooms_per_day: Annotated[int, typer.Option(min=1, max=24, help="rooms a firm hosts a day")] = 1,
    segments: Annotated[int, typer.Option(min=1, max=20_000, help="segments per room")] = 60,
    seed: Annotated[int, typer.Option(help="the generator's seed")] = 2026,
    start: Annotated[
        datetime, typer.Option(formats=["%Y-%m-%d"], help="the first day (UTC)")
    ] = datetime(2026, 12, 1),
) -> None:
    """Write a district's live rooms (rooms.jsonl) and what was planted in them (truth.json).
    Refuses to overwrite either file."""
    from fairscreen.supervision.register import load_register
    from fairscreen.synth import livestream

    if not out_dir.is_dir():
        raise InputError(str(out_dir), "no such folder (create it first)")
    fresh(out_dir / "rooms.jsonl", out_dir / "truth.json")
    if city is not None:
        register = load_register(city)
        ids = sorted(f.id for f in register.firms.values() if livestream.SCENARIO in f.scenarios)
        if not ids:
            raise InputError(str(city), f"no firm is supervised under {livestream.SCENARIO}")
        ids = ids[:firms]
    else:
        ids = livestream.firm_ids(firms)
    rooms, truth = livestream.simulate(
        ids,
        seed=seed,
        start=start.replace(hour=11, tzinfo=UTC),
        days=days,
        rooms_per_day=rooms_per_day,
        segments=segments,
    )
    rooms_path, truth_path = livestream.write(out_dir, rooms, truth)
    bad = sum(1 for role in truth.firms.values() if role == "violator")
    out.print(
        f"{len(rooms)} rooms of {len(ids)} firms ({bad} planted violators), "
        f"{sum(len(r.segments) for r in rooms)} segments: {rooms_path}, {truth_path}"
    )


@livestream_app.command("run")
def run_command(
    path: Annotated[Path, typer.Argument(dir_okay=False, help="rooms (JSON Lines)")],
    detector: Annotated[
        str,
        typer.Option(help="rules, model, or an operator's model server URL (http://...)"),
    ] = "rules",
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read the rooms, detect, store the alerts, queue the firms' webhooks, escalate repeats.
    Nothing is written when the file, the pack or the detector fails."""
    from fairscreen.monitors.livestream import service
    from fairscreen.monitors.livestream.format import read_file
    from fairscreen.monitors.livestream.pack import load_pack

    rule_pack = load_pack(pack)
    rooms = read_file(path)
    chosen = _detector(detector, rule_pack)
    findings = service.detect_rooms(rooms, chosen, rule_pack)
    with sessions().begin() as session:
        result = service.ingest(
            session, rooms, pack=rule_pack, detector=chosen, now=utcnow(), findings=findings
        )
    if as_json:
        out.print(json.dumps(result.as_json()))
        return
    out.print(
        f"{result.rooms} rooms, {result.segments} segments under {result.pack}"
        f"{' (published on the ledger now)' if result.published else ''} by {result.detector}: "
        f"{result.alerts} alerts ({result.notified} webhook messages), "
        f"{result.escalated} escalated"
    )
    for rule, n in sorted(result.by_rule.items()):
        out.print(f"  livestream.{rule:22} {n:6}")


def _detector(name: str, pack: Pack) -> Detector:
    from fairscreen.monitors.livestream.detect import RuleDetector
    from fairscreen.monitors.livestream.model import ModelDetector
    from fairscreen.monitors.livestream.remote import RemoteDetector

    if name == "rules":
        return RuleDetector(pack)
    if name == "model":
        return ModelDetector()
    if name.startswith(("http://", "https://")):
        return RemoteDetector(name)
    raise InputError("--detector", f"rules, model or a URL, not {name!r}")


@livestream_app.command("sweep")
def sweep_command(
    pack: PackOption = None,
    now: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%dT%H:%M:%S%z"], help="the time to sweep at (default: now)"),
    ] = None,
) -> None:
    """Escalate every alert the firm has not acknowledged within the pack's deadline."""
    from fairscreen.monitors.livestream import service
    from fairscreen.monitors.livestream.pack import load_pack

    rule_pack = load_pack(pack)
    with sessions().begin() as session:
        made = service.sweep(session, pack=rule_pack, now=now or utcnow())
    out.print(
        f"{made} signal(s) for alerts not acknowledged within "
        f"{rule_pack.escalation.ack_deadline_s} s"
    )


@livestream_app.command("alerts")
def alerts_command(
    firm: Annotated[str | None, typer.Option(help="one firm's")] = None,
    rule: Annotated[str | None, typer.Option(help="one rule's (e.g. absolute_terms)")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="not acknowledged only")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON Lines")] = False,
) -> None:
    """The alerts, newest first."""
    from fairscreen.monitors.livestream import service

    with sessions(readonly=True)() as session:
        total, rows = service.list_alerts(
            session,
            firm=firm,
            rule=rule.removeprefix("livestream.") if rule else None,
            open_only=open_only,
            limit=limit,
        )
        shown = [service.alert_json(r) for r in rows]
    if as_json:
        for item in shown:
            out.print(json.dumps(item, ensure_ascii=False))
        return
    out.print(f"{total} alert(s){'' if total <= limit else f', the newest {limit}'}:")
    for a in shown:
        seconds = a["start_ms"] // 1000
        state = a["escalated"] or ("acknowledged" if a["acknowledged_at"] else "open")
        out.print(
            f"  {a['id']}  {a['firm']:10} {a['room']:18} {seconds:6}s "
            f"{a['rule']:34} {state:12} {a['text'][:40]}"
        )


@livestream_app.command("train")
def train_command(
    out_path: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help="file to write")],
) -> None:
    """Train the model on the labelled set's train half and write it (the shipped model.json
    is this command's output)."""
    from fairscreen.monitors.livestream import labelled, model

    fresh(out_path)
    items = [i for i in labelled.labelled() if i["split"] == "train"]
    weights = model.train(items)
    model.write_weights(weights, out_path)
    out.print(f"trained on {len(items)} segments: {len(weights.vocab)} features, {out_path}")
