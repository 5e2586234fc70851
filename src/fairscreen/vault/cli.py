"""``fairscreen keys``: KEK versions, rotation and retirement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.settings import get_settings
from fairscreen.vault import bindings, reindex, rotation
from fairscreen.vault.core import Vault
from fairscreen.vault.providers import CREATE, READ, USE, Mode, check, key_file_path, open_vault

app = typer.Typer(
    help="Keys: initialisation, status, rotation (KEKs and the blind-index secret), retirement.",
    no_args_is_help=True,
)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


@contextmanager
def _opened(
    mode: Mode, *, check_keys: bool = True
) -> Iterator[tuple[sessionmaker[Session], Vault]]:
    """The database and the vault over the configured provider (and legacy ones), checked
    against the keys the database recorded, closed after.

    ``READ`` opens the database read-only and creates nothing anywhere."""
    import fairscreen.models  # noqa: F401  (every table, and every blind-index registration)
    from fairscreen.kit.db import open_database

    settings = get_settings()
    engine, sessions = open_database(readonly=mode == READ)
    try:
        vault = open_vault(settings, sessions, mode=mode, check_keys=check_keys)
        try:
            yield sessions, vault
        finally:
            vault.close()
    finally:
        engine.dispose()


class _Bar:
    def __init__(self, progress: Progress, what: str) -> None:
        self.progress = progress
        self.what = what
        self.task: TaskID | None = None

    def start(self, version: str | int, total: int, *, resumed: bool) -> None:
        where = version if resumed else f"new {version}"
        self.task = self.progress.add_task(f"{self.what} {where}", total=total)

    def advance(self, rows: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, rows)


@app.command()
def init() -> None:
    """Make the keys a new database needs: the KEK and blind-index secret (key file, or the
    PKCS#11 token) and the ledger's signing key, and record them in the database.

    Refused for a key that is missing while the database already depends on it: restore that
    one from backup instead (docs/vault.md). Keys that exist are checked, not replaced."""
    from fairscreen.ledger.signing import key_path, load_signer

    settings = get_settings()
    had_key_file = key_file_path(settings).exists()
    had_signing_key = key_path(settings).exists()
    with _opened(CREATE) as (sessions, vault):
        signer = load_signer(settings, sessions=sessions, create=True)
        provider = vault.provider

        def state(existed: bool) -> str:
            if settings.key_provider != "local":
                return "ready on the token:"
            return "checked" if existed else "created"

        out.print(
            f"{state(had_key_file)} {provider.describe()}: KEK {provider.current_version()}, "
            f"index secret {provider.current_index_version()}",
            highlight=False,
        )
        where = "" if signer.holder == "pkcs11" else f" {key_path(settings)}"
        out.print(
            f"{state(had_signing_key)} the ledger signing key{where}: {signer.verifier.text()}",
            highlight=False,
        )
        signer.close()


@app.command()
def status() -> None:
    """Show each KEK version and how many data keys it wraps, each blind-index secret and how
    many indexes are under it, and whether the keys are the ones the database recorded.

    Reads only: creates and changes nothing. Exit 1 if a key is missing or not the one the
    database was made with."""
    with _opened(READ, check_keys=False) as (sessions, vault):
        providers = [vault.provider, *vault.readers]
        table = Table("provider", "version", "state", "data keys", title="KEK versions")
        for row in rotation.status(sessions, providers):
            style = "red" if row.state == "missing" else None
            table.add_row(row.provider, row.version, row.state, str(row.data_keys), style=style)
        out.print(table)
        indexed = reindex.versions_in_use(sessions)
        live = vault.provider.index_versions()
        current = vault.provider.current_index_version()
        table = Table("version", "state", "blind indexes", title="blind-index secrets")
        for version in sorted(set(live) | set(indexed)):
            state = "current" if version == current else "active" if version in live else "gone"
            style = "red" if state == "gone" else None
            table.add_row(str(version), state, str(indexed.get(version, 0)), style=style)
        out.print(table)
        for provider in providers:
            out.print(f"{provider.name}: {provider.describe()}", highlight=False)
        problems = check(vault, sessions, get_settings(), mode=READ, raise_fatal=False)
        _signing_status(sessions)
    fatal = [problem for problem in problems if problem.fatal]
    for problem in problems:
        if not problem.fatal:
            err.print(f"[yellow]warning[/yellow] {escape(problem.message)}", highlight=False)
    for problem in fatal[1:]:
        err.print(f"[red]error[/red] {escape(problem.message)}", highlight=False)
    bindings.raise_fatal(fatal[:1])  # the first one leaves through the command's error path


def _signing_status(sessions: sessionmaker[Session]) -> None:
    from fairscreen.ledger.signing import (
        MissingSigningKeyError,
        load_verifier,
        signing_dependents,
    )

    settings = get_settings()
    try:
        verifier = load_verifier(settings, sessions=sessions)
    except MissingSigningKeyError:
        with sessions() as session:
            needed = signing_dependents(session, settings.log_origin).needs()
        if needed:
            raise
        out.print("ledger signing key: none yet (nothing is signed)", highlight=False)
        return
    out.print(f"ledger signing key: {verifier.text()}", highlight=False)


@app.command()
def rotate(
    batch_size: Annotated[
        int, typer.Option(min=1, help="data keys (or blind indexes) rewritten per batch")
    ] = rotation.DEFAULT_BATCH,
    new_version: Annotated[
        bool,
        typer.Option(
            "--new-version",
            help="make a new version even if an earlier rotation has not finished",
        ),
    ] = False,
    index: Annotated[
        bool,
        typer.Option(
            "--index",
            help="rotate the blind-index secret instead of the KEK: rebuild every blind index "
            "under a new secret, then destroy the old one",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Create a KEK version and rewrap every data key under it, without decrypting any data;
    or, with --index, create a blind-index secret, rebuild every blind index under it (opening
    each indexed value with its data key) and retire the old secret.

    Resumable: if a run is interrupted, run it again and it finishes the same version."""
    with _opened(USE) as (sessions, vault), _progress(quiet) as progress:
        if index:
            _rotate_index(sessions, vault, progress, batch_size, new_version)
            return
        target = vault.provider
        sources = {p.name: p for p in vault.readers}
        result = rotation.rotate(
            sessions,
            target,
            sources=sources,
            new_version=True if new_version else None,
            batch_size=batch_size,
            progress=_Bar(progress, "rewrapping under"),
        )
        made = "new KEK version" if result.created else "KEK version"
        out.print(
            f"{made} {result.version}: {result.rewrapped} data keys rewrapped"
            + (f", {result.vanished} deleted meanwhile" if result.vanished else ""),
            highlight=False,
        )
        if result.failed:
            for key_id, why in result.failures:
                err.print(f"[red]not rewrapped[/red] {key_id}: {escape(why)}", highlight=False)
            raise FairscreenError(
                f"{result.failed} data keys could not be rewrapped and are still under their "
                "old KEK version"
            )


def _rotate_index(
    sessions: sessionmaker[Session],
    vault: Vault,
    progress: Progress,
    batch_size: int,
    new_version: bool,
) -> None:
    result = reindex.rotate_index(
        sessions,
        vault,
        new_version=True if new_version else None,
        batch_size=batch_size,
        progress=_Bar(progress, "rebuilding blind indexes under index secret"),
    )
    for line in reindex.summary(result):
        out.print(line, highlight=False)
    if result.failed:
        for row, why in result.failures:
            err.print(f"[red]not rebuilt[/red] {row}: {escape(why)}", highlight=False)
        raise reindex.ReindexError(
            f"{result.failed} blind indexes could not be rebuilt; the older index secret is "
            "kept until they are (fix them, then run `fairscreen keys rotate --index` again)"
        )


@contextmanager
def _progress(quiet: bool) -> Iterator[Progress]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet,
    ) as progress:
        yield progress


@app.command()
def retire(
    version: Annotated[str, typer.Argument(help="the KEK version to destroy, e.g. local-1")],
) -> None:
    """Destroy a KEK version; refused while any data key is still wrapped under it."""
    with _opened(USE) as (sessions, vault):
        owner = rotation.retire(sessions, version, [vault.provider, *vault.readers])
        out.print(f"KEK version {version} destroyed ({owner.describe()})", highlight=False)
