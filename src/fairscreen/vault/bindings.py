"""What the database remembers about its keys, and the checks that use it.

A database depends on keys it does not hold: the KEK versions that wrap its data keys, the
blind-index secrets its indexes were made under, and the ledger key that signed its checkpoints.
Each is recorded in ``key_bindings`` by identity only (a key check value or a public key, never
the key), when it starts to matter. From then on:

- a key that is **missing** is an error that names the file (or token), says what depends on it
  and how to restore it, never a new key (a new one would open nothing and sign a fork);
- a key that is **different** from the one recorded (another key file put in place, another
  token) is refused before anything is wrapped, looked up or signed with it.

A database made before this table existed has no record yet: its keys are then checked by trial
(one data key per KEK version must unwrap, one blind index per secret version must recompute,
the last checkpoint must verify) and recorded on the next command that writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fairscreen.kit.db import sqlite_file, table_of
from fairscreen.kit.errors import ExitCode
from fairscreen.vault.blind import registered
from fairscreen.vault.core import SealError, Vault
from fairscreen.vault.keys import (
    KeyProvider,
    KeyProviderError,
    index_check_value,
    kek_check_value,
)
from fairscreen.vault.models import DataKey, KeyBinding

BINDINGS = table_of(KeyBinding)
KEK, INDEX, SIGNING = "kek", "index", "signing"
RESTORE_DOC = "docs/vault.md, 'Restoring keys from backup'"


class MissingKeyError(KeyProviderError):
    """A key the database depends on is not where the settings say it is."""

    exit_code: ClassVar[ExitCode] = ExitCode.CONFIG


class KeyMismatchError(KeyProviderError):
    """A key is there, but it is not the one the database was made with."""

    exit_code: ClassVar[ExitCode] = ExitCode.CONFIG


def counted(n: int, one: str, many: str | None = None) -> str:
    """``1 data key``, ``3 data keys``; ``many`` for an irregular plural."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def index_name(version: int) -> str:
    return f"index-{version}"


def database_name(session: Session) -> str:
    """The database as an operator knows it: the SQLite file, or the URL without a password."""
    url = session.get_bind().engine.url
    path = sqlite_file(url.render_as_string(hide_password=False))
    return str(path) if path is not None else url.render_as_string(hide_password=True)


# -- reading ---------------------------------------------------------------------------------


@dataclass
class Dependents:
    """What in a database needs which key."""

    data_keys: dict[tuple[str, str], int] = field(default_factory=dict)  # (provider, version)
    indexed: dict[int, int] = field(default_factory=dict)  # index version -> indexed rows
    bindings: dict[tuple[str, str], KeyBinding] = field(default_factory=dict)

    def live(self, kind: str) -> list[KeyBinding]:
        return [b for (k, _), b in sorted(self.bindings.items()) if k == kind and not b.retired_at]

    def data_keys_of(self, provider: str) -> int:
        return sum(n for (p, _), n in self.data_keys.items() if p == provider)

    def vault_needs(self, provider: str, *, index: bool = True) -> list[str]:
        """What needs the KEKs of ``provider`` (and, with ``index``, the blind-index secrets it
        would hold), in words; empty when nothing does."""
        needs = []
        versions = sorted({v for (p, v), n in self.data_keys.items() if p == provider and n})
        if versions:
            needs.append(
                f"{counted(self.data_keys_of(provider), 'data key')} under {', '.join(versions)}"
            )
        indexed = sum(self.indexed.values()) if index else 0
        if indexed:
            secrets = ", ".join(str(v) for v in sorted(self.indexed))
            needs.append(
                f"{counted(indexed, 'blind index', 'blind indexes')} under index secret {secrets}"
            )
        recorded = [b.name for b in self.live(KEK) if b.holder == provider]
        if index:
            recorded += [b.name for b in self.live(INDEX)]
        if recorded and not needs:
            needs.append(f"the keys it recorded ({', '.join(recorded)})")
        return needs


def bindings(session: Session) -> dict[tuple[str, str], KeyBinding]:
    rows = session.scalars(select(KeyBinding)).all()
    return {(b.kind, b.name): b for b in rows}


def dependents(session: Session) -> Dependents:
    """Count what depends on which vault key (read only)."""
    found = Dependents(bindings=bindings(session))
    for provider, version, n in session.execute(
        select(DataKey.provider, DataKey.kek_version, func.count()).group_by(
            DataKey.provider, DataKey.kek_version
        )
    ):
        found.data_keys[(provider, version)] = int(n)
    for spec in registered():
        table = spec.table
        version_col = table.c[spec.version_column]
        for version, n in session.execute(
            select(version_col, func.count())
            .where(or_(*(table.c[c].is_not(None) for c in spec.columns)))
            .group_by(version_col)
        ):
            found.indexed[int(version)] = found.indexed.get(int(version), 0) + int(n)
    return found


# -- writing ---------------------------------------------------------------------------------


def record(
    session: Session, kind: str, name: str, fingerprint: str, holder: str, now: datetime
) -> None:
    """Record a key the database now depends on (in the session's transaction). If another
    process recorded it first, the two must agree."""
    values = {
        "kind": kind,
        "name": name,
        "fingerprint": fingerprint,
        "holder": holder,
        "created_at": now,
        "retired_at": None,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(BINDINGS).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(BINDINGS).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - the two supported backends are above
        raise KeyProviderError(f"unsupported database {dialect}")
    stored = session.get(KeyBinding, (kind, name), populate_existing=True)
    if stored is None or stored.fingerprint != fingerprint:
        raise KeyMismatchError(
            f"{database_name(session)}: another process recorded a different {kind} key "
            f"{name!r} at the same moment; stop everything and check which key is right"
        )


def retire(session: Session, kind: str, name: str, now: datetime) -> None:
    """Mark a recorded key as destroyed on purpose (a retired KEK or index secret)."""
    session.execute(
        update(BINDINGS)
        .where(BINDINGS.c.kind == kind, BINDINGS.c.name == name, BINDINGS.c.retired_at.is_(None))
        .values(retired_at=now)
    )


# -- the vault -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing wrong between the database and the keys (``fatal``: refuse to go on)."""

    message: str
    fatal: bool = True
    mismatch: bool = False


def _mismatch(session: Session, where: str, what: str, why: str) -> Finding:
    return Finding(
        f"{where}: {what} is not the one the database {database_name(session)} was made with "
        f"({why}). Put the original back from backup ({RESTORE_DOC}); never replace it with "
        "a new key: what was made under the old one would no longer open or be found",
        mismatch=True,
    )


def _trial_unwrap(session: Session, provider: KeyProvider, version: str) -> bool:
    wrapped = session.scalar(
        select(DataKey.wrapped)
        .where(DataKey.provider == provider.name, DataKey.kek_version == version)
        .limit(1)
    )
    if wrapped is None:
        return True
    try:
        provider.unwrap(version, bytes(wrapped))
    except KeyProviderError:
        return False
    return True


def _trial_index(session: Session, vault: Vault, version: int) -> bool | None:
    """Recompute one stored blind index under ``version``; ``None`` if no row can tell."""
    for spec in registered():
        table = spec.table
        keys = table_of(DataKey)
        row = session.execute(
            select(
                table.c.id,
                keys.c.id.label("key_id"),
                keys.c.kek_version,
                keys.c.wrapped,
                *(table.c[c] for c in spec.sealed),
                *(table.c[c] for c in spec.columns),
            )
            .join(keys, keys.c.id == table.c[spec.data_key_column])
            .where(table.c[spec.version_column] == version)
            .where(*(table.c[c].is_not(None) for c in spec.columns))
            .limit(1)
        ).first()
        if row is None:
            continue
        try:
            sealer = vault.sealer(row.key_id, row.kek_version, bytes(row.wrapped))
            opened = {
                c: sealer.open(spec.name, c, row.id, bytes(getattr(row, c))) for c in spec.sealed
            }
        except (KeyProviderError, SealError):
            continue  # the KEK check reports this; the index cannot be judged from this row
        for column, derive in spec.columns.items():
            try:
                source = derive(opened)
            except (KeyError, ValueError, TypeError):
                continue  # a value that does not read back cannot judge the secret
            if source is None:
                continue
            expected = vault.blind_index(
                source.kind, source.value, canonical=source.canonical, version=version
            )
            return bytes(getattr(row, column)) == expected
    return None


def check_vault(
    session: Session,
    vault: Vault,
    *,
    record_new: bool,
    now: datetime | None = None,
    places: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Compare the vault's keys with what the database recorded (and with its data, where
    nothing was recorded yet). With ``record_new``, record what is not yet recorded: the KEK
    versions that wrap data keys or will wrap new ones, the index secrets in use.

    Returns what is wrong; fatal findings must stop the caller (``raise_fatal``)."""
    recorded = bindings(session)
    deps = dependents(session)
    problems: list[Finding] = []
    providers: Sequence[KeyProvider] = (vault.provider, *vault.readers)
    live: set[tuple[str, str]] = set()
    for provider in providers:
        for version in provider.versions():
            live.add((provider.name, version))
            bound = recorded.get((KEK, version))
            if bound is not None and bound.retired_at is None:
                value = kek_check_value(provider, version)
                if value != bound.fingerprint:
                    problems.append(
                        _mismatch(
                            session,
                            provider.describe(),
                            f"KEK {version}",
                            f"check value {value}, recorded {bound.fingerprint}",
                        )
                    )
                continue
            if bound is not None:
                continue  # recorded as retired; a restored old key file may still list it
            if not _trial_unwrap(session, provider, version):
                problems.append(
                    _mismatch(
                        session,
                        provider.describe(),
                        f"KEK {version}",
                        "the data keys stored under it do not unwrap",
                    )
                )
                continue
            needed = deps.data_keys.get((provider.name, version), 0) > 0 or (
                provider is vault.provider and version == provider.current_version()
            )
            if record_new and needed:
                record(
                    session,
                    KEK,
                    version,
                    kek_check_value(provider, version),
                    provider.name,
                    now or _now(),
                )
    for (name, version), count in sorted(deps.data_keys.items()):
        if count and (name, version) not in live:
            holder = next((p for p in providers if p.name == name), None)
            where = (
                holder.describe()
                if holder
                else (places or {}).get(name, f"the {name} key provider (not configured)")
            )
            problems.append(
                Finding(
                    f"{where}: KEK version {version} is missing, and {count:,} data keys in "
                    f"{database_name(session)} are wrapped under it (those candidates cannot be "
                    f"opened). Restore it from backup ({RESTORE_DOC})"
                )
            )
    index_versions = vault.provider.index_versions()
    for number in index_versions:
        bound = recorded.get((INDEX, index_name(number)))
        value = index_check_value(vault.provider.index_key(number))
        if bound is not None and bound.retired_at is None:
            if value != bound.fingerprint:
                problems.append(
                    _mismatch(
                        session,
                        vault.provider.describe(),
                        f"index secret {number}",
                        f"check value {value}, recorded {bound.fingerprint}",
                    )
                )
            continue
        if bound is not None:
            continue
        if _trial_index(session, vault, number) is False:
            problems.append(
                _mismatch(
                    session,
                    vault.provider.describe(),
                    f"index secret {number}",
                    "the blind indexes stored under it do not recompute",
                )
            )
            continue
        needed = deps.indexed.get(number, 0) > 0 or number == index_versions[-1]
        if record_new and needed:
            record(session, INDEX, index_name(number), value, vault.provider.name, now or _now())
    for number, count in sorted(deps.indexed.items()):
        if count and number not in index_versions:
            bound = recorded.get((INDEX, index_name(number)))
            if bound is not None and bound.retired_at is not None:
                problems.append(
                    Finding(
                        f"{count:,} blind indexes in {database_name(session)} are still under "
                        f"retired index secret {number} (written by a process that had not yet "
                        "seen the rotation): they are not found by lookups until "
                        "`fairscreen keys rotate --index` is run again",
                        fatal=False,
                    )
                )
                continue
            problems.append(
                Finding(
                    f"{vault.provider.describe()}: index secret {number} is missing, and "
                    f"{count:,} blind indexes in {database_name(session)} were made under it "
                    f"(those people cannot be found). Restore it from backup ({RESTORE_DOC})"
                )
            )
    return problems


def raise_fatal(problems: Iterable[Finding]) -> None:
    for problem in problems:
        if problem.fatal:
            raise (KeyMismatchError if problem.mismatch else MissingKeyError)(problem.message)


def _now() -> datetime:
    from fairscreen.kit.clock import utcnow

    return utcnow()
