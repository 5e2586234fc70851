"""``fairscreen retention ...`` (the sweep, certificates) and ``fairscreen deletion ...`` (the
right to deletion: requests, identity verification, processing, legal holds)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import open_database, transaction
from fairscreen.kit.errors import ExitCode, FairscreenError, InputError
from fairscreen.policy.pack import load_pack
from fairscreen.retention import deletion
from fairscreen.retention.erasure import COMPACT_PENDING, WAL_PENDING
from fairscreen.retention.sweep import recent_certificates
from fairscreen.vault.lazy import LazyVault

retention_app = typer.Typer(
    help="Expiry destruction: the retention sweep and its destruction certificates.",
    no_args_is_help=True,
)
deletion_app = typer.Typer(
    help="The right to deletion: requests, identity checks, processing, legal holds.",
    no_args_is_help=True,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value!r}", param_hint=option) from None


@contextmanager
def _vault(sessions: sessionmaker[Session]) -> Iterator[LazyVault]:
    """The configured vault for ``sessions``' database, opened on first use: checked against
    the keys it recorded, and never making one (a missing key file is an error)."""
    vault = LazyVault(sessions)
    try:
        yield vault
    finally:
        vault.close()


def _sessions() -> sessionmaker[Session]:
    return open_database()[1]


def _read_only() -> sessionmaker[Session]:
    """The database for a command that only reads: it must exist and is never written."""
    return open_database(readonly=True)[1]


NOT_DURABLE = (
    ExitCode.PENDING
)  # destroyed and certified, but still in the SQLite WAL or the catalog


def _durability(durability: str | None) -> None:
    """Say what a destruction left on disk when it is not clean; exit 6 while the SQLite WAL
    still holds it (docs/retention.md, "What stays on disk")."""
    if durability == WAL_PENDING:
        err.print(
            "[yellow]warning[/yellow] destroyed and certified, but the old pages are still in "
            "the SQLite WAL: a reader kept the checkpoint from completing "
            "(FAIRSCREEN_SQLITE_CHECKPOINT_WAIT). Run `fairscreen retention compact` once "
            "readers are done; a running `fairscreen serve` retries it, and checkpoints when "
            "it stops",
            markup=True,
        )
        raise typer.Exit(NOT_DURABLE)
    if durability == COMPACT_PENDING:
        err.print(
            "note: on PostgreSQL the old row versions stay in the table files until "
            "`fairscreen retention compact`, and in the WAL until the KEK is rotated and "
            "retired (docs/retention.md)",
            markup=False,
        )


# -- fairscreen retention ----------------------------------------------------------------------


@retention_app.command("sweep")
def sweep_command(
    today: Annotated[
        str | None,
        typer.Option(
            help="destroy candidates whose retain_until is before this day (YYYY-MM-DD); "
            "not later than today's date (UTC)"
        ),
    ] = None,
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="candidates per transaction")] = (
        20_000
    ),
    dry_run: Annotated[bool, typer.Option(help="only count what would be destroyed")] = False,
) -> None:
    """Destroy every candidate whose retention has ended, and certify it on the ledger.

    Every row of each candidate goes, their data key last (crypto-shredding for every copy of
    the database), in batches of one transaction each, each batch with a destruction
    certificate and a ledger entry. On SQLite the write-ahead log is then checkpointed and
    truncated before anything is printed; exit 6 if a reader kept that from completing (the
    data is destroyed, not yet out of the WAL).

    Idempotent: a second run destroys and certifies nothing. Resumable: after a crash, run it
    again. Candidates under an active legal hold are skipped. --today may name a past day (a
    sweep as of then destroys less), never a day that has not come: the certificate would call
    an early destruction lawful."""
    from fairscreen.retention.sweep import check_day, count_expired, sweep

    day = _day(today, "--today") or utcnow().date()
    check_day(day, "--today")
    if dry_run:
        n = count_expired(_read_only(), day)
        out.print(
            f"{n:,} candidate(s) with retain_until before {day.isoformat()} would be destroyed"
        )
        return
    result = sweep(_sessions(), today=day, batch_size=batch)
    if not result.destroyed:
        out.print(f"nothing to destroy: no candidate with retain_until before {day.isoformat()}")
        return
    table = Table(title="destruction certificates")
    table.add_column("certificate", no_wrap=True)
    table.add_column("subjects")
    table.add_column("ledger index")
    for cert in result.certificates:
        table.add_row(cert.id, f"{cert.subjects:,}", str(cert.ledger_index))
    out.print(table)
    out.print(
        f"destroyed {result.destroyed:,} candidate(s) in {len(result.certificates)} batch(es), "
        f"{result.seconds:.2f} s ({result.rate:,.0f}/s)"
    )
    _durability(result.durability)


@retention_app.command("compact")
def compact_command() -> None:
    """Rewrite the files so that old row versions of destroyed data are gone from them.

    SQLite: checkpoint and truncate the WAL (every destruction already does; this finishes one
    a reader kept from completing). PostgreSQL: statistics target 0 for every sealed and
    blind-index column and their planner statistics removed, VACUUM (FULL, ANALYZE) of the
    tables destruction writes (an exclusive lock on each, table by table: run it in a
    maintenance window), VACUUM (FULL) of pg_statistic (superuser), then CHECKPOINT. Old WAL
    segments, archived WAL and backups are not reached: rotate the KEK and retire the old
    version (`fairscreen keys rotate`, `fairscreen keys retire`), see docs/retention.md.
    Exit 3 when a step could not be done (the output says which and why)."""
    from fairscreen.retention.compact import compact

    engine, _ = open_database()
    result = compact(engine)
    if result.tables:
        out.print(f"rewritten: {', '.join(result.tables)}")
    if result.targets_set:
        out.print(f"statistics target 0: {', '.join(result.targets_set)}")
    if result.statistics_cleared:
        out.print(f"planner statistics removed: {', '.join(result.statistics_cleared)}")
    if engine.dialect.name != "sqlite":
        out.print(f"older snapshots: {result.snapshots}")
        out.print(f"pg_statistic: {result.catalog}")
    out.print(f"checkpoint: {result.checkpoint}")
    if not result.complete:
        raise typer.Exit(NOT_DURABLE)


@retention_app.command("certificates")
def certificates_command(
    limit: Annotated[int, typer.Option(min=1, help="newest first, at most this many")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines")] = False,
) -> None:
    """List destruction certificates: reason, rule, time, number of subjects."""
    sessions = _read_only()
    with sessions() as session:
        rows = recent_certificates(session, limit)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    for row in rows:
        out.print(
            f"{row['id']}  {str(row['destroyed_at'])[:19].replace('T', ' ')}  {row['reason']!s:<17}  "
            f"{row['subjects']:>7,} subject(s)  {row['rule']}",
            markup=False,
        )


# -- fairscreen deletion -----------------------------------------------------------------------


def _print_requests(views: list[deletion.RequestView], today: date) -> None:
    """One line per request: id, status, deadline (OVERDUE when missed), then what happened."""
    for v in views:
        late = "  [red]OVERDUE[/red]" if v.overdue(today) else ""
        what = []
        if v.status == deletion.VERIFIED:
            what.append(f"{v.candidates} record(s) to destroy")
        if v.certificate_id:
            what.append(f"certificate {v.certificate_id}")
        if v.reason:
            what.append(escape(v.reason))
        out.print(
            f"{v.id}  {v.status:<8}  received {v.received_at:%Y-%m-%d}  "
            f"due {v.due_by.isoformat()}{late}" + ("  " + "; ".join(what) if what else ""),
            markup=True,
        )


@deletion_app.command("request")
def request_command(
    channel: Annotated[str, typer.Option(help="how the request arrived: cli, api or portal")] = (
        "cli"
    ),
) -> None:
    """Record a deletion request; prints its id and its deadline.

    The deadline is the pack's deletion_request_days after today. Next: `fairscreen deletion
    verify ID`."""
    sessions = _sessions()
    pack = load_pack()

    with transaction(sessions) as session:
        view = deletion.receive(session, now=utcnow(), pack=pack, channel=channel)
    out.print(f"deletion request {view.id} received, due by {view.due_by.isoformat()}")


def _identity(from_stdin: bool) -> tuple[str, str]:
    """The requester's ID number and name: from a prompt that does not echo, or with
    ``--stdin`` from standard input (the ID number on the first line, the name on the second).
    Never from the command line, where every user of the machine sees them (``ps``) and the
    shell keeps them in its history."""
    if from_stdin:
        lines = sys.stdin.read().splitlines()
        if len(lines) < 2 or not lines[0].strip() or not lines[1].strip():
            raise InputError("standard input", "expected two lines: the ID number, then the name")
        if any(line.strip() for line in lines[2:]):
            raise InputError("standard input", "expected two lines only (ID number, name)")
        return lines[0].strip(), lines[1].strip()
    if not sys.stdin.isatty():
        raise InputError(
            "standard input",
            "not a terminal, so there is nowhere to ask; pass --stdin and give the ID number "
            "and the name on two lines",
        )
    return (
        typer.prompt("ID number", hide_input=True).strip(),
        typer.prompt("name", hide_input=True).strip(),
    )


def _refuse_secret_option(value: str | None, option: str) -> None:
    if value is not None:
        raise typer.BadParameter(
            "not accepted on the command line, where every user of this machine can read it "
            "(ps) and the shell keeps it in its history; run without it to be asked (input "
            "hidden), or pass --stdin and give the ID number and the name on two lines",
            param_hint=option,
        )


@deletion_app.command("verify")
def verify_command(
    request_id: Annotated[str, typer.Argument(help="the deletion request")],
    from_stdin: Annotated[
        bool,
        typer.Option(
            "--stdin",
            help="read the ID number and the name from standard input, one per line "
            "(default: ask for them, without echo)",
        ),
    ] = False,
    id_kind: Annotated[str, typer.Option(help="the kind of ID document")] = "cn_resident_id",
    id_number: Annotated[str | None, typer.Option("--id-number", hidden=True)] = None,
    name: Annotated[str | None, typer.Option("--name", hidden=True)] = None,
) -> None:
    """Verify the requester's identity by their ID number and name (never stored).

    Both are asked for without echo, or read from standard input with --stdin (ID number on the
    first line, name on the second); never taken from the command line. The ID number is
    looked up through the blind index and the name compared with the sealed record. Exit 1 if
    they do not match a record."""
    _refuse_secret_option(id_number, "--id-number")
    _refuse_secret_option(name, "--name")
    given_number, given_name = _identity(from_stdin)
    sessions = _sessions()

    with _vault(sessions) as vault, transaction(sessions) as session:
        result = deletion.verify(
            session,
            vault(),
            request_id,
            id_number=given_number,
            name=given_name,
            id_kind=id_kind,
            now=utcnow(),
        )
    if result.verified:
        out.print(
            f"identity verified: {result.request.candidates} record(s) will be destroyed "
            f"(next: `fairscreen deletion process {request_id}`)"
        )
        return
    if result.request.status == deletion.REFUSED:
        raise FairscreenError(f"not verified; the request is refused: {result.request.reason}")
    left = deletion.MAX_FAILED_ATTEMPTS - result.request.failed_attempts
    raise FairscreenError(
        f"not verified: the ID number and name do not match a record ({left} attempt(s) left)"
    )


@deletion_app.command("process")
def process_command(
    request_id: Annotated[str | None, typer.Argument(help="the deletion request")] = None,
    all_verified: Annotated[
        bool, typer.Option("--all", help="process every verified request")
    ] = False,
) -> None:
    """Resolve a verified request: destroy and certify, or refuse for a legal hold.

    It prints the outcome once the destruction is out of the database's files (SQLite: the
    write-ahead log checkpointed and truncated). Exit 1 when the request is refused (the reason
    is printed); exit 6 when it is done but a reader kept the checkpoint from completing."""
    if (request_id is None) == (not all_verified):
        raise typer.BadParameter("give a request id or --all, not both", param_hint="REQUEST_ID")
    sessions = _sessions()
    pack = load_pack()
    if all_verified:
        processed = deletion.process_verified(sessions, now=utcnow(), pack=pack)
        if not processed.requests:
            out.print("no verified request is waiting")
            return
    else:
        assert request_id is not None
        processed = deletion.process_request(sessions, request_id, now=utcnow(), pack=pack)
    _print_requests(processed.requests, utcnow().date())
    _durability(processed.durability)
    if not all_verified and processed.requests[0].status == deletion.REFUSED:
        raise typer.Exit(1)


@deletion_app.command("list")
def list_command(
    overdue: Annotated[bool, typer.Option(help="only open requests past their deadline")] = False,
    status: Annotated[str | None, typer.Option(help="received, verified, done or refused")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines")] = False,
) -> None:
    """List deletion requests by deadline, marking those that are (or were resolved) late."""
    sessions = _read_only()
    today = utcnow().date()

    with sessions() as session:
        views = deletion.list_requests(session, today=today, overdue=overdue, status=status)
    if as_json:
        for v in views:
            typer.echo(json.dumps(v.as_json(today), ensure_ascii=False))
        return
    _print_requests(views, today)


@deletion_app.command("hold")
def hold_command(
    candidate: Annotated[
        str, typer.Argument(help="the candidate's id or the client's reference for them")
    ],
    reason: Annotated[
        str,
        typer.Option(
            help="the approved reason code (retention/hold_reasons.toml: labour_arbitration, "
            "court_proceedings, labour_inspection, legal_obligation); the candidate sees its "
            "approved text"
        ),
    ],
    reference: Annotated[
        str | None,
        typer.Option(help="the proceeding's reference, for staff only (no personal data)"),
    ] = None,
) -> None:
    """Place a legal hold: the candidate's data is kept until the hold is released.

    While it is active the sweep skips the candidate and deletion requests are refused with its
    reason code."""
    sessions = _sessions()

    with _vault(sessions) as vault, transaction(sessions) as session:
        hold = deletion.place_hold(
            session, vault(), candidate, reason_code=reason, reference=reference, now=utcnow()
        )
    out.print(f"legal hold {hold.id} placed on candidate {hold.candidate_id}")


@deletion_app.command("release")
def release_command(hold_id: Annotated[str, typer.Argument(help="the legal hold")]) -> None:
    """Lift a legal hold; an expired candidate is then destroyed by the next sweep."""
    sessions = _sessions()

    with transaction(sessions) as session:
        hold = deletion.release_hold(session, hold_id, now=utcnow())
    out.print(f"legal hold {hold.id} lifted")


@deletion_app.command("holds")
def holds_command(
    active: Annotated[bool, typer.Option(help="only holds not yet lifted")] = False,
) -> None:
    """List legal holds."""
    sessions = _read_only()
    with sessions() as session:
        holds = deletion.list_holds(session, active_only=active)
    for h in holds:
        state = f"lifted {h.lifted_at:%Y-%m-%d %H:%M}" if h.lifted_at else "ACTIVE"
        out.print(
            f"{h.id}  candidate {h.candidate_id}  placed {h.placed_at:%Y-%m-%d %H:%M}  "
            f"{state}  {h.reason_code}" + (f"  ({h.reference})" if h.reference else ""),
            markup=False,
        )
