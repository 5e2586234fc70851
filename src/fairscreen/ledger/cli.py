"""``fairscreen ledger ...``, ``fairscreen receipt ...`` and ``fairscreen witness``."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import socket
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
from fairscreen.kit.errors import ConfigError
from fairscreen.kit.text import read_text
from fairscreen.ledger import checkpoints, cosign, log, receipts, tiles
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.note import NoteError, Verifier, open_checkpoint, parse_note
from fairscreen.ledger.receipts import ReceiptError
from fairscreen.ledger.verify import OutsideCheckpoint, Records, default_workers, verify_log

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
    policy = cosign.configured_policy()  # a bad policy stops before anything is signed
    _, sessions = open_database()
    had_key = checkpoints.key_path().exists()
    signer = checkpoints.load_signer(sessions=sessions, create=True)
    if signer.holder == "file" and not had_key:
        err.print(f"created the ledger signing key {checkpoints.key_path()}")
        err.print(f"its public key: {signer.verifier.text()}")
    published = checkpoints.publish(sessions, signer)
    signer.close()
    if policy is None or not policy.witnesses:
        typer.echo(published.note, nl=False)
        return
    collector = cosign.Collector(sessions, policy)
    try:
        outcome = collector.collect(force=True)
    finally:
        collector.close()
    assert outcome is not None
    for witness_name, why in sorted(outcome.failed.items()):
        err.print(f"[yellow]warning[/] witness {witness_name} did not cosign: {why}")
    err.print(
        f"cosigned by {len(outcome.cosigned)} of {len(policy.witnesses)} witnesses "
        f"(quorum {policy.quorum}{'' if outcome.met else ': NOT MET'})"
    )
    with sessions() as session:
        typer.echo(cosign.cosigned_note(session, published), nl=False)


@ledger_app.command("verify")
def verify_command(
    ctx: typer.Context,
    key: Annotated[
        str | None,
        typer.Option(
            help="the log's verifier key (default: the public half of the local signing key)",
            show_default=False,
        ),
    ] = None,
    recorded_key: Annotated[
        bool,
        typer.Option(
            "--recorded-key",
            help="check the signatures with the key the database itself recorded (weaker: "
            "whoever rewrote the database may have rewritten that record too)",
        ),
    ] = False,
    against: Annotated[
        list[Path] | None,
        typer.Option(
            "--against",
            help="a checkpoint held outside the database that the log must extend: a witness "
            "state file, a receipt, or a saved checkpoint note (repeat it)",
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
    """Recompute the whole tree from the entries and check it against every signed checkpoint
    (the database's and, with --against, those held outside it), the stored tiles and the
    stored tree state, and each database record against its commitment.

    The signatures are checked with --key, or the local signing key's public half, or with
    --recorded-key the key the database recorded; with none of them it stops (exit 4) rather
    than pass with the signatures unchecked. Exit status 0 when everything checks out, 1 naming
    the first bad index otherwise (a rollback or fork against an outside checkpoint included)."""
    verifier = _verifier(key)
    sessions = _read_only()
    if verifier is None and recorded_key:
        verifier = _recorded_verifier(sessions)
    if verifier is None:
        verifier = checkpoints.load_verifier(sessions=sessions)
    outside = [c for path in against or [] for c in _outside(path, verifier)]
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
            outside=outside,
            records=_context(ctx).records if records else None,
            workers=workers or default_workers(),
            progress=progress,
        )
    finally:
        if progress is not None:
            bar.stop()
    summary = (
        f"{report.entries} entries, {report.checkpoints} checkpoints"
        + (f" and {len(outside)} held outside" if outside else "")
        + f" (latest {report.latest_checkpoint}), {report.records} records checked"
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


def _recorded_verifier(sessions: sessionmaker[Session]) -> Verifier:
    from fairscreen.kit.settings import get_settings
    from fairscreen.vault import bindings
    from fairscreen.vault.models import KeyBinding

    origin = get_settings().log_origin
    with sessions() as session:
        binding = session.get(KeyBinding, (bindings.SIGNING, origin))
    if binding is None or binding.retired_at is not None:
        raise LedgerError(
            f"--recorded-key: the database records no signing key for {origin}; pass --key"
        )
    try:
        return Verifier.parse(binding.fingerprint)
    except NoteError as exc:
        raise LedgerError(f"--recorded-key: the recorded key does not parse ({exc})") from None


def _outside(path: Path, verifier: Verifier) -> list[OutsideCheckpoint]:
    """The checkpoints of this log in ``path``: a witness state file, a receipt, or a signed
    checkpoint note; each must verify with the log's key (else it proves nothing)."""
    from fairscreen.ledger.witness import STATE_FORMAT

    text = read_text(path)
    notes: list[tuple[str, str]] = []
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LedgerError(f"--against {path}: not JSON ({exc})") from None
        if isinstance(doc, dict) and doc.get("format") == STATE_FORMAT:
            entry = (doc.get("logs") or {}).get(verifier.name) or {}
            if isinstance(entry, dict) and isinstance(entry.get("checkpoint"), str):
                notes.append((entry["checkpoint"], f"{path}: the witness's cosigned checkpoint"))
        elif isinstance(doc, dict) and doc.get("format") == receipts.RECEIPT_FORMAT:
            if isinstance(doc.get("checkpoint"), str):
                notes.append((doc["checkpoint"], f"{path}: the receipt's checkpoint"))
        else:
            raise LedgerError(
                f"--against {path}: neither a witness state file nor a receipt (format)"
            )
    else:
        notes.append((text, str(path)))
    if not notes:
        raise LedgerError(f"--against {path}: holds no checkpoint of {verifier.name}")
    found = []
    for note, source in notes:
        try:
            checkpoint, _ = open_checkpoint(note, verifier)
        except NoteError as exc:
            raise LedgerError(
                f"--against {source}: not a checkpoint signed by the log's key ({exc})"
            ) from None
        found.append(OutsideCheckpoint(checkpoint.size, checkpoint.root, source))
    return found


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
        written: set[str] = set()

        def tile(level: int, index: int, width: int) -> None:
            path = tiles.tile_path(level, index, width)
            if path in written:
                return
            record = log.read_tile_records(session, [(level, index)]).get((level, index))
            if record is None or record[0] < width:
                raise LedgerError(f"tile {level}/{index} is missing or too narrow")
            _write(directory / path, record[1][: width * 32])
            written.add(path)
            if level == 0:
                bundle = log.read_bundle(session, index)
                if bundle is None or bundle[0] < width:
                    raise LedgerError(f"entry bundle {index} is missing or too short")
                _write(
                    directory / tiles.bundle_path(index, width),
                    tiles.bundle_prefix(bundle[1], width),
                )
                written.add(tiles.bundle_path(index, width))

        for level in range(tiles.tile_count_levels(size)):
            count = size >> (tiles.TILE_HEIGHT * level)
            for index in range((count + tiles.TILE_WIDTH - 1) // tiles.TILE_WIDTH):
                tile(level, index, tiles.tile_width(level, index, size))
        # C2SP tlog-tiles: the partial tiles of every size a checkpoint was signed for.
        for signed, _ in checkpoints.all_sizes(session):
            for level in range(tiles.tile_count_levels(signed)):
                width = (signed >> (tiles.TILE_HEIGHT * level)) % tiles.TILE_WIDTH
                if width:
                    index = (signed >> (tiles.TILE_HEIGHT * level)) >> tiles.TILE_HEIGHT
                    tile(level, index, width)
        _write(directory / "checkpoint", cosign.cosigned_note(session, latest).encode())
    typer.echo(f"wrote {len(written) + 1} files for size {size} under {directory}")


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
    policy = cosign.configured_policy()
    with sessions() as session:
        receipt = receipts.build_receipt(session, index, policy=policy)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(receipt, indent=2) + "\n")
    typer.echo(
        f"wrote the receipt for entry {index} (checkpoint size {receipt['tree_size']}) to {out}"
    )
    if policy is not None and policy.quorum:
        note = parse_note(receipt["checkpoint"])
        count = len(cosign.quorum_of(note.text, note.signatures, policy.verifiers()))
        if count < policy.quorum:
            err.print(
                f"[yellow]warning[/] its checkpoint has {count} of the {policy.quorum} witness "
                "cosignatures the policy asks for; it will not verify with that quorum until "
                "the witnesses cosign a checkpoint covering it (then get it again)"
            )


@receipt_app.command("verify")
def receipt_verify(
    file: Annotated[Path, typer.Argument(help="a receipt (JSON) from `fairscreen receipt get`")],
    key: Annotated[str, typer.Option(help="the log's verifier key (NAME+ID+KEY)")],
    witness_keys: Annotated[
        list[str] | None,
        typer.Option(
            "--witness",
            help="a witness's cosignature verifier key (NAME+ID+KEY, type 0x04); repeat it",
        ),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option(
            min=0, help="how many of the --witness keys must have cosigned (default: all)"
        ),
    ] = None,
) -> None:
    """Check a receipt offline: the log's signature on its checkpoint, the witnesses'
    cosignatures (at least --quorum of the --witness keys), the entry's hash and the inclusion
    proof. Exit status 0 if valid, 1 if not, including a checkpoint with too few cosignatures
    (only the log vouches for it: it may have been shown to this holder alone)."""
    try:
        doc = json.loads(read_text(file))
    except json.JSONDecodeError as exc:
        raise ReceiptError(f"{file}: not a receipt: not JSON ({exc})") from None
    given = witness_keys or []
    try:
        checked = receipts.verify_receipt(
            doc, key, given, len(set(given)) if quorum is None else quorum
        )
    except ReceiptError as exc:
        raise ReceiptError(f"{file}: {exc}") from None
    witnessed = (
        f", cosigned by {len(checked.cosigned_by)} witness"
        f"{'' if len(checked.cosigned_by) == 1 else 'es'} ({', '.join(checked.cosigned_by)})"
        if checked.cosigned_by
        else " (no witness checked: pass --witness keys to rule out a split view)"
    )
    typer.echo(
        f"valid: entry {checked.index} is in {checked.origin} at tree size "
        f"{checked.tree_size}{witnessed}"
    )
    if checked.entry is not None:
        typer.echo(checked.entry.decode(errors="replace"))


# -- the witness -----------------------------------------------------------------------------


def witness(
    urls: Annotated[
        list[str] | None,
        typer.Argument(
            help="log URL prefixes to poll, e.g. https://agency.example/ledger (or a mirror)"
        ),
    ] = None,
    logs: Annotated[
        list[str] | None,
        typer.Option("--log", help="ORIGIN=VKEY: a log's origin line and its verifier key"),
    ] = None,
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
    listen: Annotated[
        str | None,
        typer.Option(
            help="HOST:PORT to serve C2SP tlog-witness POST /add-checkpoint on (logs push "
            "their checkpoints there and get the cosignature back)"
        ),
    ] = None,
    interval: Annotated[float, typer.Option(min=0.05, help="seconds between polls")] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="poll every log once and exit")] = False,
    keep_going: Annotated[
        bool, typer.Option("--keep-going", help="keep polling the other logs after an alarm")
    ] = False,
) -> None:
    """Witness logs as the regulator: cosign (cosignature/v1) each new checkpoint whose
    signature verifies and that extends the last one cosigned, pushed to --listen by the log
    (C2SP tlog-witness add-checkpoint) or polled from the URLs (proofs built from the log's
    tiles, each tile checked against the signed root first).

    Exit status: 0 healthy; 3 alarm (a fork, rollback or bad signature: a CRITICAL line
    starting with ALARM names the log and both sizes; with --keep-going it keeps polling, and
    --once still exits 3); with --once, 7 when a log served tiles or proofs its own checkpoint
    contradicts, or stopped serving its cosigned size (bad data: not a fork), 5 when a log
    could not be reached; 4 for a bad key, state file, or a port in use. State is written
    atomically to STATE_DIR/state.json."""
    from fairscreen.ledger.witness import (
        Witness,
        WitnessError,
        load_or_create_key,
        lock_state_dir,
        make_app,
        parse_log_option,
        run,
    )

    urls = urls or []
    if not urls and listen is None:
        raise typer.BadParameter("give log URLs to poll, --listen HOST:PORT, or both")
    if once and listen is not None:
        raise typer.BadParameter("--once polls and exits; it cannot serve", param_hint="--listen")
    if not logs:
        raise typer.BadParameter("at least one --log ORIGIN=VKEY", param_hint="--log")
    logging.getLogger("fairscreen.witness").setLevel(logging.INFO)
    try:
        configs = [parse_log_option(text) for text in logs]
    except WitnessError as exc:
        raise typer.BadParameter(str(exc), param_hint="--log") from None
    lock = lock_state_dir(state_dir)
    signer = load_or_create_key(key or state_dir / "witness.key", name)
    err.print(f"witness {signer.name}: cosigning as {signer.verifier.text()}", soft_wrap=True)
    sock = _listen_socket(listen) if listen is not None else None

    async def main() -> int:
        async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as client:
            watcher = Witness(configs, signer, state_dir / "state.json", client)
            server = None
            serving = None
            if sock is not None:
                import uvicorn

                host, port = sock.getsockname()[:2]
                err.print(f"witness listening on http://{host}:{port} (POST /add-checkpoint)")
                server = uvicorn.Server(uvicorn.Config(make_app(watcher), log_level="warning"))
                serving = asyncio.create_task(server.serve(sockets=[sock]))
            try:
                if urls:
                    code = await run(
                        watcher, urls, interval=interval, once=once, keep_going=keep_going
                    )
                    if code or serving is None:
                        return code
                assert serving is not None
                await serving
                return 0
            finally:
                if server is not None and serving is not None and not serving.done():
                    server.should_exit = True
                    await serving

    try:
        code = asyncio.run(main())
    except KeyboardInterrupt:
        code = 0
    finally:
        lock.close()
        if sock is not None:
            sock.close()
    raise typer.Exit(code)


def _listen_socket(text: str) -> socket.socket:
    """A listening socket for ``HOST:PORT`` (a port in use is a configuration error)."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or not host:
        raise typer.BadParameter("expected HOST:PORT", param_hint="--listen")
    host = host.strip("[]")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, int(port_text), type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ConfigError(
            f"--listen {text}: not an address to listen on ({exc.strerror})"
        ) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"--listen {text}: cannot listen there: {exc.strerror}") from None
    sock.listen(128)
    return sock
