"""``fairscreen screen`` and ``fairscreen demo``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.db import make_engine, session_factory, upgrade
from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.settings import Settings, get_settings
from fairscreen.ledger.note import Signer
from fairscreen.ledger.signing import load_signer
from fairscreen.policy.pack import PolicyPack, default_pack_for, load_pack_file
from fairscreen.rating.engine import load_ruleset_file
from fairscreen.screening.summary import Tally
from fairscreen.vault import Vault
from fairscreen.vault.providers import CREATE, open_vault
from fairscreen.world.load import WorldStore, load_world

if TYPE_CHECKING:
    from fairscreen.screening.run import RunSetup

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def _progress(console: Console, *, disable: bool) -> Progress:
    return Progress(
        TextColumn("[bold]screening"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console,
        disable=disable,
        transient=False,
    )


def _run(
    world: WorldStore,
    database_url: str,
    *,
    json_lines: bool,
    show_progress: bool,
    batch: int,
    settings: Settings,
    pack: PolicyPack | None = None,
    rules_file: Path | None = None,
) -> tuple[Tally, float]:
    from fairscreen.screening.run import prepare  # heavy: the whole pipeline

    # Policy first: a bad rule file stops the run before the database is touched.
    pack = pack or default_pack_for(world.header.jurisdiction)
    ruleset = load_ruleset_file(rules_file, pack) if rules_file is not None else None
    setup = prepare(world, pack=pack, ruleset=ruleset)
    engine = make_engine(database_url, sqlite_synchronous=get_settings().sqlite_synchronous)
    try:
        upgrade(engine)
        sessions = session_factory(engine)
        # The first screening into an empty database makes the keys (and records them); into a
        # database that depends on keys, a missing or different key stops it here.
        vault = open_vault(settings, sessions, mode=CREATE)
        try:
            signer = load_signer(settings, sessions=sessions, create=True)
            return _screen(world, sessions, vault, signer, setup, json_lines, show_progress, batch)
        finally:
            vault.close()
    finally:
        engine.dispose()


def _screen(
    world: WorldStore,
    sessions: sessionmaker[Session],
    vault: Vault,
    signer: Signer,
    setup: RunSetup,
    json_lines: bool,
    show_progress: bool,
    batch: int,
) -> tuple[Tally, float]:
    from fairscreen.screening.run import screen_world

    categories = {p.id: p.category for p in world.positions()}
    tally = Tally()
    total = world.candidate_count()
    write = sys.stdout.buffer.write
    started = time.perf_counter()
    with _progress(err, disable=not show_progress) as progress:
        task = progress.add_task("screening", total=total, rate="")
        results = screen_world(world, sessions, vault, setup=setup, batch_size=batch, signer=signer)
        for done, result in enumerate(results, start=1):
            tally.add(result, categories.get(result["position"]))
            if json_lines:
                write(orjson.dumps(result) + b"\n")
            if done % batch == 0 or done == total:
                elapsed = time.perf_counter() - started
                progress.update(
                    task, completed=done, rate=f"{done / elapsed:,.0f}/s" if elapsed else ""
                )
    sys.stdout.flush()
    return tally, time.perf_counter() - started


def screen(
    world: Annotated[Path, typer.Option("--world", help="the world file to screen (JSON Lines)")],
    json_lines: Annotated[
        bool,
        typer.Option("--json", help="print one JSON object per candidate (docs/screen-output.md)"),
    ] = False,
    database: Annotated[
        str | None,
        typer.Option(help="database URL (default: FAIRSCREEN_DATABASE_URL or the SQLite file)"),
    ] = None,
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="candidates per transaction")] = 500,
    progress: Annotated[bool, typer.Option(help="show a progress bar on stderr")] = True,
    pack: Annotated[
        Path | None,
        typer.Option(
            help="a policy pack file (default: the one shipped for the world's jurisdiction)"
        ),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(help="a rule set file (default: the one shipped for the policy pack)"),
    ] = None,
) -> None:
    """Screen every candidate in a world file against the position they applied for.

    The world is validated first; if it is bad, nothing is written. Each candidate's consent,
    scope, queries, findings and report are stored with their ledger entries.
    """
    settings = get_settings()
    try:
        policy = load_pack_file(pack) if pack is not None else None
        with load_world(world, pack=policy) as store:
            tally, seconds = _run(
                store,
                database or settings.resolved_database_url(),
                json_lines=json_lines,
                show_progress=progress,
                batch=batch,
                settings=settings,
                pack=policy,
                rules_file=rules,
            )
    except FairscreenError as exc:
        err.print(f"[red]error[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    if not json_lines:
        out.print(tally.lights_table())
        out.print(tally.reasons_table())
        out.print(f"{tally.total:,} candidates in {seconds:.1f} s ({tally.total / seconds:,.0f}/s)")


def demo(
    candidates: Annotated[
        int, typer.Option(min=1, help="candidates in the generated world")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="seed of the synthetic world")] = 2026,
    out_dir: Annotated[
        Path, typer.Option("--out", help="directory for the world, database and summary")
    ] = Path("fairscreen-demo"),
) -> None:
    """Generate a synthetic world, screen everyone, print the lights and write an HTML summary.

    Everything goes into --out (a fresh SQLite database, the world file, the key file and
    summary.html); your configured database is not touched.
    """
    from fairscreen.world.generate import generate_world

    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("fairscreen.db", "fairscreen.db-wal", "fairscreen.db-shm"):
        (out_dir / name).unlink(missing_ok=True)
    world_path = out_dir / "world.jsonl"
    err.print(f"generating a synthetic world of {candidates:,} candidates (seed {seed}) ...")
    generate_world(world_path, candidates=candidates, seed=seed)
    database_url = f"sqlite:///{(out_dir / 'fairscreen.db').resolve()}"
    from fairscreen.screening.run import prepare

    try:
        with load_world(world_path) as store:
            setup = prepare(store)
            tally, seconds = _run(
                store,
                database_url,
                json_lines=False,
                show_progress=True,
                batch=500,
                # The demo's own keys, next to its database, whatever the environment says.
                settings=Settings(
                    data_dir=out_dir.resolve(), database_url=database_url, key_provider="local"
                ),
            )
    except FairscreenError as exc:
        err.print(f"[red]error[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    out.print(tally.lights_table())
    out.print(tally.reasons_table())
    out.print(tally.excluded_table())
    summary = out_dir / "summary.html"
    tally.write_html(
        summary,
        title="fairscreen demo: screening summary",
        meta={"world": world_path.name, "policy": setup.pack.ref, "ruleset": setup.ruleset.ref},
    )
    out.print(
        f"{tally.total:,} candidates screened in {seconds:.1f} s ({tally.total / seconds:,.0f}/s)"
    )
    out.print(f"summary:  {summary.resolve()}")
    out.print(f"database: {database_url}")
