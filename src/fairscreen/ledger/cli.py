"""``fairscreen ledger ...``, ``fairscreen receipt ...`` and ``fairscreen witness``."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.db import DatabaseError, open_database
from fairscreen.kit.text import read_text
from fairscreen.ledger import checkpoints, log, receipts, tiles
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.note import NoteError, Verifier
from fairscreen.ledger.receipts import ReceiptError
from fairscreen.ledger.verify import Records, default_workers, verify_log

ledger_app = typer.Typer(
    help="The evidence ledger: signed checkpoints, full verification, the log's public key.",
    no_args_is_help=True,
)
receipt_app = typer.Typer(
    help="Receipts: fetch one for an entry, or verify one offline with the log's public key.",
    no_args_is_help=True,
)
err = Console(stderr=True, highlight=False)


@dataclass(frozen=True)
class LedgerContext:
    """What the application that mounts these commands hands them (``typer.Context.obj``): the
    ledger knows nothing of what its entries mean, so the committed tables for ``verify`` and
    the lookup of a candidate's entry for ``receipt get`` come from above."""

    records: Records
    receipt_index: Callable[[Session, str, str], int]  # (session, candidate ref, event) -> index


def _context(ctx: typer.Context) -> LedgerContext:
    found = ctx.find_object(LedgerContext)
    if found is None:
        raise RuntimeError("the ledger commands need a LedgerContext as typer.Context.obj")
    return found


def _verifier(text: str | None) -> Verifier | None:
    if text is None:
        return None
    try:
        return Verifier.parse(text)
    except NoteError as exc:
        raise typer.BadParameter(str(exc), param_hint="--key") from None


@ledger_app.command("key")
def key_command(
    init: Annotated[
        bool,
        typer.Option(
            "--init",
            help="make the signing key if there is none and the database needs none yet",
        ),
    ] = False,
) -> None:
    """Print the log's public verifier key.

    The signing key is {data_dir}/ledger-signing.key (mode 0600), or a key pair on the PKCS#11
    token with FAIRSCREEN_KEY_PROVIDER=pkcs11; only the public key is printed. Give it to
    witnesses (--log ORIGIN=VKEY) and to anyone who verifies receipts. Without --init nothing
    is created: a missing key is an error that says how to restore it."""
    if init:
        _, sessions = open_database()
        signer = checkpoints.load_signer(sessions=sessions, create=True)
        typer.echo(signer.verifier.text())
        signer.close()
        return
    typer.echo(checkpoints.load_verifier(sessions=_read_only_or_none()).text())


def _read_only() -> sessionmaker[Session]:
    """The configured database for a command that only reads: never created, migrated or
    written (see ``kit.db.open_database``)."""
    return open_database(readonly=True)[1]


def _read_only_or_none() -> sessionmaker[Session] | None:
    """The same, or ``None`` when there is no database at all (the key can be shown anyway)."""
    try:
        return open_database(readonly=True)[1]
    except DatabaseError:
        return None


@ledger_app.command("status")
def status_command() -> None:
    """Show the log's size and root and its latest signed checkpoint."""
    sessions = _read_only()
    with sessions() as session:
        head = log.read_state(session)
        latest = checkpoints.latest(session)
    typer.echo(f"size {head.size}")
    typer.echo(f"root {base64.b64encode(head.root).decode()}")
    if latest is None:
        typer.echo("no checkpoint published yet")
    else:
        typer.echo(f"latest checkpoint: size {latest.size}, {latest.published_at.isoformat()}")


@ledger_app.command("checkpoint")
def checkpoint_command() -> None:
    """Sign and store a checkpoint for the log as it is now, and print it.

    Refuses (exit 1) if the log is not consistent with the last checkpoint it signed, or if
    the signing key is missing or not the one that signed it. The first checkpoint of a log
    that has none makes the signing key (and says so)."""
    _, sessions = open_database()
    had_key = checkpoints.key_path().exists()
    signer = checkpoints.load_signer(sessions=sessions, create=True)
    if signer.holder == "file" and not had_key:
        err.print(f"created the ledger signing key {checkpoints.key_path()}")
        err.print(f"its public key: {signer.verifier.text()}")
    published = checkpoints.publish(sessions, signer)
    signer.close()
    typer.echo(published.note, nl=False)


@ledger_app.command("verify")
def verify_command(
    ctx: typer.Context,
    key: Annotated[
        str | None,
        typer.Option(
            help="the log's verifier key (default: the local signing key's public half)",
            show_default=False,
        ),
    ] = None,
    records: Annotated[
        bool, typer.Option(help="also check every off-log record against its commitment")
    ] = True,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="processes that re-hash the entries (default: one per core)"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Recompute the whole tree from the entries and check it against every signed checkpoint,
    the stored tiles and the stored tree state, and each database record against its commitment.

    Exit status 0 when everything checks out, 1 naming the first bad index otherwise."""
    verifier = _verifier(key)
    sessions = _read_only()
    if verifier is None:
        verifier = checkpoints.load_verifier(sessions=sessions)
    progress = None
    if not quiet and sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(console=err, transient=True)
        task = bar.add_task("verifying", total=None)
        bar.start()

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

    try:
        report = verify_log(
            sessions,
            verifier,
            records=_context(ctx).records if records else None,
            workers=workers or default_workers(),
            progress=progress,
        )
    finally:
        if progress is not None:
            bar.stop()
    summary = (
        f"{report.entries} entries, {report.checkpoints} checkpoints"
        f" (latest {report.latest_checkpoint}), {report.records} records checked"
        f", {report.records_destroyed} destroyed lawfully"
    )
    if report.ok:
        typer.echo(f"ok: {summary}")
        return
    typer.echo(f"FAILED: first bad index {report.first_bad_index}; {summary}")
    for problem in report.sorted_problems():
        typer.echo(f"  index {problem.index}: {problem.message}")
    if report.more_problems:
        typer.echo(f"  ... and {report.more_problems} more")
    raise typer.Exit(1)


@ledger_app.command("export")
def export_command(
    directory: Annotated[
        Path,
        typer.Option(
            "--out", file_okay=False, help="folder to write the checkpoint and tile/ files into"
        ),
    ],
) -> None:
    """Write the log as static files (checkpoint, tile/<L>/<N>, tile/entries/<N>, with partial
    tiles as .p/<W>) under --out, for any web server to serve to witnesses and monitors."""
    sessions = _read_only()
    with sessions() as session:
        latest = checkpoints.latest(session)
        if latest is None:
            raise LedgerError("no checkpoint published yet (run `fairscreen ledger checkpoint`)")
        size = latest.size
        written = 0
        for level in range(tiles.tile_count_levels(size)):
            count = size >> (tiles.TILE_HEIGHT * level)
            for index in range((count + tiles.TILE_WIDTH - 1) // tiles.TILE_WIDTH):
                width = tiles.tile_width(level, index, size)
                record = log.read_tile_records(session, [(level, index)])[(level, index)]
                _write(directory / tiles.tile_path(level, index, width), record[1][: width * 32])
                written += 1
                if level == 0:
                    bundle = log.read_bundle(session, index)
                    if bundle is None:
                        raise LedgerError(f"entry bundle {index} is missing")
                    _write(
                        directory / tiles.bundle_path(index, width),
                        tiles.bundle_prefix(bundle[1], width),
                    )
                    written += 1
        _write(directory / "checkpoint", latest.note.encode())
    typer.echo(f"wrote {written + 1} files for size {size} under {directory}")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# -- receipts --------------------------------------------------------------------------------


@receipt_app.command("get")
def receipt_get(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="where to write the receipt (JSON)")],
    index: Annotated[
        int | None, typer.Option("--index", min=0, help="the entry's index in the log")
    ] = None,
    candidate: Annotated[
        str | None,
        typer.Option(
            "--candidate", help="a candidate's reference: the receipt of their consent or report"
        ),
    ] = None,
    event: Annotated[
        str, typer.Option("--event", help="with --candidate: consent (signed) or report (issued)")
    ] = "report",
) -> None:
    """Write the receipt for entry INDEX (or for a candidate's consent or latest report): the
    entry, its leaf hash, a signed checkpoint covering it and the inclusion proof.

    Reads only: if no checkpoint covers the entry yet, it says so (`fairscreen ledger
    checkpoint` signs one; `fairscreen serve` does it within a second)."""
    if (index is None) == (candidate is None):
        raise typer.BadParameter("give --index or --candidate (one of them)")
    if event not in ("consent", "report"):
        raise typer.BadParameter(f"expected consent or report, got {event!r}", param_hint="--event")
    sessions = _read_only()
    with sessions() as session:
        if candidate is not None:
            index = _context(ctx).receipt_index(session, candidate, event)
        assert index is not None
        latest = checkpoints.latest(session)
        size = log.read_state(session).size
    if index >= size:
        raise LedgerError(f"--index {index}: no such entry (the log has {size} entries)")
    if latest is None or latest.size <= index:
        signed = (
            "no checkpoint is signed yet"
            if latest is None
            else f"the latest checkpoint covers {latest.size} entries"
        )
        raise LedgerError(
            f"entry {index} is not covered by a signed checkpoint yet ({signed}); "
            "`fairscreen ledger checkpoint` signs one"
        )
    with sessions() as session:
        receipt = receipts.build_receipt(session, index)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(receipt, indent=2) + "\n")
    typer.echo(
        f"wrote the receipt for entry {index} (checkpoint size {receipt['tree_size']}) to {out}"
    )


@receipt_app.command("verify")
def receipt_verify(
    file: Annotated[Path, typer.Argument(help="a receipt (JSON) from `fairscreen receipt get`")],
    key: Annotated[str, typer.Option(help="the log's verifier key (NAME+ID+KEY)")],
) -> None:
    """Check a receipt offline with nothing but the log's public key: the checkpoint's signature,
    the entry's hash and the inclusion proof. Exit status 0 if valid, 1 if not."""
    try:
        doc = json.loads(read_text(file))
    except json.JSONDecodeError as exc:
        raise ReceiptError(f"{file}: not a receipt: not JSON ({exc})") from None
    try:
        checked = receipts.verify_receipt(doc, key)
    except ReceiptError as exc:
        raise ReceiptError(f"{file}: {exc}") from None
    typer.echo(
        f"valid: entry {checked.index} is in {checked.origin} at tree size {checked.tree_size}"
    )
    if checked.entry is not None:
        typer.echo(checked.entry.decode(errors="replace"))


# -- the witness -----------------------------------------------------------------------------


def witness(
    urls: Annotated[
        list[str], typer.Argument(help="log URL prefixes, e.g. https://agency.example/ledger")
    ],
    logs: Annotated[
        list[str],
        typer.Option("--log", help="ORIGIN=VKEY: a log's origin line and its verifier key"),
    ],
    state_dir: Annotated[
        Path, typer.Option(help="where the witness keeps its state and key")
    ] = Path("witness"),
    key: Annotated[
        Path | None,
        typer.Option(help="witness key file (default STATE_DIR/witness.key, created 0600)"),
    ] = None,
    name: Annotated[
        str, typer.Option(help="the witness's key name")
    ] = "witness.fairscreen.invalid",
    interval: Annotated[float, typer.Option(min=0.05, help="seconds between polls")] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="poll every log once and exit")] = False,
    keep_going: Annotated[
        bool, typer.Option("--keep-going", help="keep polling the other logs after an alarm")
    ] = False,
) -> None:
    """Watch logs as the regulator: verify each new checkpoint's signature and its consistency
    with the last one seen (from the log's tiles), cosign it (cosignature/v1) and store it.

    A fork, rollback or bad signature prints a CRITICAL line starting with ALARM that names the
    log and both sizes, and exits with status 3 (with --keep-going: keeps polling, and --once
    still exits 3). State is written atomically to STATE_DIR/state.json."""
    from fairscreen.ledger.witness import (
        Witness,
        WitnessError,
        load_or_create_key,
        parse_log_option,
        run,
    )

    logging.getLogger("fairscreen.witness").setLevel(logging.INFO)
    try:
        configs = [parse_log_option(text) for text in logs]
    except WitnessError as exc:
        raise typer.BadParameter(str(exc), param_hint="--log") from None
    signer = load_or_create_key(key or state_dir / "witness.key", name)
    err.print(f"witness {signer.name}: cosigning as {signer.verifier.text()}", soft_wrap=True)

    async def main() -> int:
        async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as client:
            watcher = Witness(configs, signer, state_dir / "state.json", client)
            return await run(watcher, urls, interval=interval, once=once, keep_going=keep_going)

    try:
        code = asyncio.run(main())
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)
