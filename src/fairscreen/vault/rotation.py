"""Key rotation: a new KEK version, and every data key rewrapped under it.

Only ``data_keys`` rows change: each data key is unwrapped under its old KEK and wrapped under
the new one (inside the token, with an HSM) and its row updated; no sealed value is read or
written, so rotation costs one rewrap per candidate, not one per field.

Rows are taken in batches in primary-key order and each batch is committed on its own. The new
KEK version is durable before the first row moves, and a row changes in one statement from
(old version, old blob) to (new version, new blob), so a crash at any point leaves every row
readable under the version it names. Running ``rotate`` again finds the rows still under older
versions and finishes the job without making yet another version (``new_version=True`` forces
one). An update only applies if the row still names the version it was read with, so a row
deleted or moved meanwhile (a retention sweep, another rotation) is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import table_of, transaction
from fairscreen.kit.errors import FairscreenError
from fairscreen.vault import bindings
from fairscreen.vault.keys import KeyProvider, KeyProviderError, kek_check_value
from fairscreen.vault.models import DataKey

log = logging.getLogger(__name__)

DEFAULT_BATCH = 500
_DATA_KEYS = table_of(DataKey)
_KEEP_FAILURES = 20


class RetireError(FairscreenError):
    """A KEK version that still wraps data keys, or that cannot be retired."""


class RotationProgress(Protocol):
    def start(self, version: str, total: int, *, resumed: bool) -> None: ...

    def advance(self, rows: int) -> None: ...


@dataclass
class RotationResult:
    version: str
    created: bool  # a new KEK version was made for this run
    rewrapped: int = 0
    vanished: int = 0  # deleted or moved by someone else while we worked
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (data key id, why), first few


def _not_under(provider: str, version: str) -> ColumnElement[bool]:
    return or_(DataKey.provider != provider, DataKey.kek_version != version)


def pending(sessions: sessionmaker[Session], provider: str, version: str) -> int:
    """How many data keys are not (yet) wrapped under ``provider``'s ``version``."""
    with sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(DataKey).where(_not_under(provider, version))
            )
            or 0
        )


def rotate(
    sessions: sessionmaker[Session],
    target: KeyProvider,
    *,
    sources: Mapping[str, KeyProvider] | None = None,
    new_version: bool | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: RotationProgress | None = None,
) -> RotationResult:
    """Rewrap every data key under a KEK version of ``target``.

    With ``new_version=None`` (what ``fairscreen keys rotate`` does) a new version is made only
    if every data key is already under the current one; otherwise an unfinished rotation (or a
    move between providers) is finished first. ``sources`` are the other providers that hold
    data keys, by name (the local key file when moving to an HSM).
    """
    current = target.current_version()
    waiting = pending(sessions, target.name, current)
    created = False
    if new_version or (new_version is None and waiting == 0):
        current = target.new_version()
        created = True
        waiting = pending(sessions, target.name, current)
    # The new version is durable already; record it before any data key is wrapped under it.
    with transaction(sessions) as session:
        bindings.record(
            session,
            bindings.KEK,
            current,
            kek_check_value(target, current),
            target.name,
            utcnow(),
        )
    if progress is not None:
        progress.start(current, waiting, resumed=not created)
    log.info(
        "rewrapping %d data keys under %s %s (%s)",
        waiting,
        target.name,
        current,
        "new version" if created else "resumed",
    )
    result = rewrap_all(
        sessions,
        target,
        current,
        sources=sources,
        batch_size=batch_size,
        progress=progress,
    )
    result.created = created
    return result


def rewrap_all(
    sessions: sessionmaker[Session],
    target: KeyProvider,
    version: str,
    *,
    sources: Mapping[str, KeyProvider] | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: RotationProgress | None = None,
) -> RotationResult:
    """Move every data key not under ``target``'s ``version`` to it, one committed batch at a
    time. Rows that do not unwrap are counted in ``failed`` and left as they are."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    holders = dict(sources or {})
    holders[target.name] = target
    result = RotationResult(version=version, created=False)
    after = ""
    guarded = (
        update(_DATA_KEYS)
        .where(
            and_(
                _DATA_KEYS.c.id == bindparam("k_id"),
                _DATA_KEYS.c.provider == bindparam("k_provider"),
                _DATA_KEYS.c.kek_version == bindparam("k_old"),
                _DATA_KEYS.c.wrapped == bindparam("k_wrapped"),
            )
        )
        .values(provider=target.name, kek_version=version, wrapped=bindparam("k_new"))
    )
    while True:
        # Read, rewrap with no transaction open, then write in a short one: the write lock (all
        # of SQLite, or the rows in PostgreSQL) is held for the UPDATE only, not for the crypto.
        with sessions() as session:
            rows = session.execute(
                select(DataKey.id, DataKey.provider, DataKey.kek_version, DataKey.wrapped)
                .where(DataKey.id > after, _not_under(target.name, version))
                .order_by(DataKey.id)
                .limit(batch_size)
            ).all()
        if not rows:
            break
        after = rows[-1][0]
        updates = []
        for key_id, provider, old_version, wrapped in rows:
            try:
                new = _rewrap_one(holders, target, version, provider, old_version, wrapped)
            except KeyProviderError as exc:
                result.failed += 1
                if len(result.failures) < _KEEP_FAILURES:
                    result.failures.append((key_id, str(exc)))
                continue
            updates.append(
                {
                    "k_id": key_id,
                    "k_provider": provider,
                    "k_old": old_version,
                    "k_wrapped": wrapped,
                    "k_new": new,
                }
            )
        if updates:
            # Only rows still exactly as read change; one deleted or moved meanwhile (a
            # retention sweep, another rotation) is left as the other party left it.
            with sessions() as session, session.begin():
                outcome = session.execute(guarded, updates)
                done = len(updates)
                if session.get_bind().dialect.supports_sane_multi_rowcount:
                    done = max(0, int(getattr(outcome, "rowcount", done)))
            result.rewrapped += done
            result.vanished += len(updates) - done
        if progress is not None:
            progress.advance(len(rows))
    log.info(
        "rewrap under %s %s: %d rewrapped, %d gone meanwhile, %d failed",
        target.name,
        version,
        result.rewrapped,
        result.vanished,
        result.failed,
    )
    return result


def _rewrap_one(
    holders: Mapping[str, KeyProvider],
    target: KeyProvider,
    version: str,
    provider: str,
    old_version: str,
    wrapped: bytes,
) -> bytes:
    if provider == target.name:
        return target.rewrap(wrapped, old_version, version)
    source = holders.get(provider)
    if source is None:
        raise KeyProviderError(f"provider {provider!r} that wraps it is not open")
    # Between providers the data key passes through this process once (a file's KEK is in
    # this process anyway); within one HSM it never leaves the token.
    return target.wrap(version, source.unwrap(old_version, wrapped))


# -- status and retirement -------------------------------------------------------------------


@dataclass(frozen=True)
class VersionStatus:
    provider: str
    version: str
    state: str  # current, active, retired, missing (rows name a version no open provider has)
    data_keys: int


def counts(sessions: sessionmaker[Session]) -> dict[tuple[str, str], int]:
    """Data keys per (provider, KEK version)."""
    with sessions() as session:
        rows = session.execute(
            select(DataKey.provider, DataKey.kek_version, func.count()).group_by(
                DataKey.provider, DataKey.kek_version
            )
        ).all()
    return {(p, v): int(n) for p, v, n in rows}


def status(
    sessions: sessionmaker[Session], providers: Sequence[KeyProvider]
) -> list[VersionStatus]:
    """Every KEK version the providers know, and every version the data keys name, with how
    many data keys each wraps. The first provider is the one that wraps new data keys."""
    per_version = counts(sessions)
    seen: set[tuple[str, str]] = set()
    out: list[VersionStatus] = []
    for index, provider in enumerate(providers):
        current = provider.current_version() if index == 0 else None
        for version in provider.versions():
            state = "current" if version == current else "active"
            seen.add((provider.name, version))
            out.append(
                VersionStatus(
                    provider.name, version, state, per_version.get((provider.name, version), 0)
                )
            )
        for version in provider.retired_versions():
            seen.add((provider.name, version))
            out.append(
                VersionStatus(
                    provider.name, version, "retired", per_version.get((provider.name, version), 0)
                )
            )
    for (name, version), n in sorted(per_version.items()):
        if (name, version) not in seen:
            out.append(VersionStatus(name, version, "missing", n))
    return out


def retire(
    sessions: sessionmaker[Session], version: str, providers: Sequence[KeyProvider]
) -> KeyProvider:
    """Destroy KEK ``version`` if no data key is wrapped under it any more.

    The first provider is the configured one: its current version cannot be retired. A legacy
    provider's current version can (the last step of a move to an HSM)."""
    owner: KeyProvider | None = None
    for provider in providers:
        if version in provider.versions():
            owner = provider
            break
    if owner is None:
        raise RetireError(f"no open key provider has a usable KEK version {version!r}")
    if owner is providers[0] and version == owner.current_version():
        raise RetireError(
            f"{version} is the current KEK version; `fairscreen keys rotate` makes a new one"
        )
    with sessions() as session:
        still = int(
            session.scalar(
                select(func.count())
                .select_from(DataKey)
                .where(DataKey.provider == owner.name, DataKey.kek_version == version)
            )
            or 0
        )
    if still:
        raise RetireError(
            f"{still} data key{'s' if still != 1 else ''} still wrapped under {version}; "
            "run `fairscreen keys rotate` first"
        )
    try:
        owner.retire(version, allow_current=owner is not providers[0])
    except KeyProviderError as exc:
        raise RetireError(str(exc)) from None
    with transaction(sessions) as session:
        bindings.retire(session, bindings.KEK, version, utcnow())
    log.info("KEK version %s of %s retired", version, owner.name)
    return owner
