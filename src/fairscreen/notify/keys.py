"""The platform's data key for notifications: what is waiting in the outbox (a recipient's
address and the message's parameters) and webhook signing secrets are sealed under it.

It is an ordinary ``data_keys`` row, made by the vault and wrapped by the key-encryption key,
named in ``notify_keys``: a copy of the database without the KEK opens none of it, and KEK
rotation rewraps it with every other data key. It is made on first use; its unwrapped form is
kept per vault in memory, as every data key is while in use.
"""

from __future__ import annotations

import threading
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fairscreen.kit.db import table_of
from fairscreen.kit.errors import NotFoundError
from fairscreen.notify.models import NotifyKey
from fairscreen.vault import Sealer, Vault
from fairscreen.vault.models import DataKey

PLATFORM = "platform"
_opened: WeakKeyDictionary[Vault, dict[str, Sealer]] = WeakKeyDictionary()
_lock = threading.Lock()


def platform_sealer(
    session: Session, vault: Vault, *, now: datetime, create: bool = True
) -> Sealer:
    """The sealer of the platform's notification key, made (in the caller's transaction) if
    the database has none yet and ``create`` allows it (else ``NotFoundError``)."""
    row = session.get(NotifyKey, PLATFORM)
    if row is None:
        if not create:
            raise NotFoundError("notify_keys: the platform's notification key is missing")
        return _create(session, vault, now)
    with _lock:
        known = _opened.get(vault, {}).get(row.data_key_id)
    if known is not None:
        return known
    key = session.get(DataKey, row.data_key_id)
    if key is None:
        raise NotFoundError(f"notify_keys: data key {row.data_key_id} is missing")
    sealer = vault.sealer(key.id, key.kek_version, bytes(key.wrapped))
    with _lock:
        _opened.setdefault(vault, {})[key.id] = sealer
    return sealer


def _create(session: Session, vault: Vault, now: datetime) -> Sealer:
    made = vault.new_data_key(now)
    try:
        with session.begin_nested():
            session.execute(insert(table_of(DataKey)), [made.row])
            session.execute(
                insert(table_of(NotifyKey)),
                [{"name": PLATFORM, "data_key_id": made.sealer.data_key_id, "created_at": now}],
            )
    except IntegrityError:
        # Another transaction made it first (PostgreSQL; SQLite writers queue): use theirs.
        return platform_sealer(session, vault, now=now)
    with _lock:
        _opened.setdefault(vault, {})[made.sealer.data_key_id] = made.sealer
    return made.sealer
