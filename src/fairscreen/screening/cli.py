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
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.db import make_engine, session_factory, upgrade
from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.settings import Settings, get_settings, load_settings
from fairscreen.ledger.signing import load_signer
from fairscreen.policy.pack import default_pack_for, load_pack_file
from fairscreen.rating.engine import load_ruleset_file
from fairscreen.screening.summary import Tally
from fairscreen.vault import Vault
from fairscreen.vault.providers import CREATE, open_vault
from fairscreen.world.load import WorldStore, load_world

if TYPE_CHECKING:
    from fairscreen.screening.run import RunSetup

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def _vault(settings: Settings, sessions: sessionmaker[Session]) -> Vault:
    """The vault for a screening: the first screening into an empty database makes the keys (and
    records them); into a database that depends on keys, a missing or different key stops it
    here, before anything is written (docs/vault.md, "Keys never appear silently")."""
    return open_vault(settings, sessions, mode=CREATE)


def _progress(console: Console, label: str, *, disable: bool, rate: bool = True) -> Progress:
    columns = [TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn()]
    if rate:
        columns.append(TextColumn("{task.fields[rate]}"))
    columns.append(TimeElapsedColumn())
    return Progress(*columns, console=console, disable=disable, transient=False)


def _open(database_url: str) -> tuple[Engine, sessionmaker[Session]]:
    """The database, reachable and migrated (checked before any key file is touched)."""
    engine = make_engine(database_url, sqlite_synchronous=get_settings().sqlite_synchronous)
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine, session_factory(engine)


def _run(
    world: WorldStore,
    sessions: sessionmaker[Session],
    vault: Vault,
    setup: RunSetup,
    *,
    json_lines: bool,
    show_progress: bool,
    batch: int,
    settings: Settings,
) -> tuple[Tally, float]:
    from fairscreen.screening.run import screen_world  # heavy: the whole pipeline

    categories = {p.id: p.category for p in world.positions()}
    tally = Tally()
    total = world.candidate_count()
    write = sys.stdout.buffer.write
    signer = load_signer(settings, sessions=sessions, create=True)  # the same rule as the vault
    started = time.perf_counter()
    with _progress(err, "screening", disable=not show_progress) as progress:
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
    signer.close()
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
            help="a policy pack file (default: the one shipped for the world's jurisdiction; "
            "docs/policy-packs.md)"
        ),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(help="a rule set file (default: the one shipped for the policy pack)"),
    ] = None,
) -> None:
    """Screen every candidate in a world file against the position they applied for.

    The policy pack, the rule set and the world are checked first; if any is bad, nothing is
    written (no database, no key file). Each candidate's consent, scope, queries, findings and
    report are stored with their ledger entries."""
    from fairscreen.screening.run import prepare

    settings = get_settings()
    policy = load_pack_file(pack) if pack is not None else None
    with load_world(world, pack=policy) as store:
        policy = policy or default_pack_for(store.header.jurisdiction)
        ruleset = load_ruleset_file(rules, policy) if rules is not None else None
        setup = prepare(store, pack=policy, ruleset=ruleset)
        engine, sessions = _open(database or settings.resolved_database_url())
        try:
            vault = _vault(settings, sessions)
            try:
                tally, seconds = _run(
                    store,
                    sessions,
                    vault,
                    setup,
                    json_lines=json_lines,
                    show_progress=progress,
                    batch=batch,
                    settings=settings,
                )
            finally:
                vault.close()
        finally:
            engine.dispose()
    if not json_lines:
        out.print(tally.lights_table())
        out.print(tally.reasons_table())
        out.print(f"{tally.total:,} candidates in {seconds:.1f} s ({tally.total / seconds:,.0f}/s)")


# What the demo writes into --out; it never overwrites any of these that it did not write itself.
DEMO_MARK = ".fairscreen-demo"
DEMO_FILES = (
    "fairscreen.db",
    "fairscreen.db-wal",
    "fairscreen.db-shm",
    "fairscreen.db.migrate-lock",  # the migration lock's file (kit.db.migration_lock)
    "world.jsonl",
    "kek.json",
    "ledger-signing.key",
    "ledger-signed.checkpoint",  # what that key last signed (fairscreen.ledger.signing)
    "summary.html",
)


class DemoRefusedError(FairscreenError):
    """--out holds data the demo must not destroy."""


def _clear_demo_folder(out_dir: Path, *, replace: bool) -> None:
    """Make sure the demo destroys nothing: refuse a folder holding a fairscreen database, world
    or key, unless it is an earlier demo's folder (marked by DEMO_MARK) and ``replace`` is set."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise DemoRefusedError(f"--out {out_dir}: exists and is not a folder; choose another --out")
    present = [name for name in DEMO_FILES if (out_dir / name).exists()]
    if not present:
        return
    shown = ", ".join(present)
    if not (out_dir / DEMO_MARK).is_file():
        raise DemoRefusedError(
            f"--out {out_dir}: holds fairscreen data the demo did not make ({shown}); it is left "
            "untouched. Choose an empty or new folder with --out"
        )
    if not replace:
        raise DemoRefusedError(
            f"--out {out_dir}: holds an earlier demo ({shown}); it is left untouched. Choose "
            "another folder with --out, or pass --replace to delete that demo and run a new one"
        )
    for name in DEMO_FILES:
        (out_dir / name).unlink(missing_ok=True)


def demo(
    candidates: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="candidates in the generated world")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="seed of the synthetic world")] = 2026,
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out",
            file_okay=False,
            help="folder for the demo's world, database, keys and summary (made if missing)",
        ),
    ] = Path("fairscreen-demo"),
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="delete the output of an earlier demo in --out first (only a folder the demo "
            "made; never any other fairscreen data)",
        ),
    ] = False,
) -> None:
    """Generate a synthetic world, screen everyone, print the lights and write an HTML summary.

    Writes into --out, and nowhere else: world.jsonl (the synthetic world), fairscreen.db (a
    fresh SQLite database with the screenings and the ledger), kek.json and ledger-signing.key
    (the demo's own keys), ledger-signed.checkpoint (what that key last signed), summary.html,
    and the marker .fairscreen-demo. Your configured
    database, data directory and keys are not touched. A folder that already holds a fairscreen
    database, world or key is refused (an earlier demo's only with --replace)."""
    from fairscreen.screening.run import prepare
    from fairscreen.synth import generate_world

    _clear_demo_folder(out_dir, replace=replace)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / DEMO_MARK).write_text(
        f"made by `fairscreen demo --candidates {candidates} --seed {seed}`\n", encoding="utf-8"
    )
    world_path = out_dir / "world.jsonl"
    err.print(f"generating a synthetic world of {candidates:,} candidates (seed {seed})")
    with _progress(err, "generating", disable=False, rate=False) as bar:
        task = bar.add_task("generating", total=candidates)
        generate_world(
            world_path,
            candidates=candidates,
            seed=seed,
            progress=lambda done: bar.update(task, completed=done),
        )
    database_url = f"sqlite:///{(out_dir / 'fairscreen.db').resolve()}"
    # The demo's own keys, next to its database, whatever the environment says.
    settings = load_settings(
        data_dir=out_dir.resolve(), database_url=database_url, key_provider="local"
    )
    with load_world(world_path) as store:
        setup = prepare(store)
        engine, sessions = _open(database_url)
        try:
            vault = _vault(settings, sessions)
        except BaseException:
            engine.dispose()
            raise
        try:
            tally, seconds = _run(
                store,
                sessions,
                vault,
                setup,
                json_lines=False,
                show_progress=True,
                batch=500,
                settings=settings,
            )
        finally:
            vault.close()
            engine.dispose()
    out.print(tally.lights_table())
    out.print(tally.reasons_table())
    out.print(tally.excluded_table())
    summary = out_dir / "summary.html"
    tally.write_html(
        summary,
        title="fairscreen demo: screening summary",
        meta={"world": world_path.name, "policy": setup.pack.ref, "ruleset": setup.ruleset.ref},
        pack=setup.pack,
        ruleset=setup.ruleset,
    )
    out.print(
        f"{tally.total:,} candidates screened in {seconds:.1f} s ({tally.total / seconds:,.0f}/s)"
    )
    out.print(f"summary:  {summary.resolve()}")
    out.print(f"database: {database_url}")
