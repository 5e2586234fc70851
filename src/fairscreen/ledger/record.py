"""One way onto the ledger: a state change of a committed row becomes an entry.

Every domain records its events here. ``Recording.add`` takes the event type, the row's table
class and the row (as the dict that will be inserted): it salts the row, builds the commitment
from the table's own declaration of its committed columns (``Committed.__committed__``), checks
that the table accepts the event type (``Committed.__events__``) and queues the entry.
``Recording.append`` appends all queued entries in one go, inside the caller's transaction, and
writes each entry's index into its row (``ledger_index``); the caller then inserts the rows in
the same transaction. So a row and the entry that commits to it are in the database together or
not at all, and the verifier (``fairscreen.ledger.verify``) can check every row against the
entry at its index without the entry naming the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from fairscreen.kit.commitment import commit, new_salt
from fairscreen.kit.db import Committed
from fairscreen.ledger import log
from fairscreen.ledger.entry import Attr, EventType, encode_entry
from fairscreen.ledger.log import LedgerError


@dataclass
class Recording:
    """Entries of one transaction, waiting to be appended (already encoded), each with the row
    it commits to."""

    entries: list[bytes] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.entries)

    def add(
        self,
        type: EventType,
        table: type[Committed],
        row: dict[str, Any],
        *,
        at: datetime,
        org: str | None = None,
        subject: str | None = None,
        check: str | None = None,
        items: Sequence[str] = (),
        policy: str | None = None,
        ruleset: str | None = None,
        attrs: Mapping[str, Attr] | None = None,
    ) -> None:
        """Queue the entry for ``row`` of ``table``; ``row`` gets its salt now and its
        ``ledger_index`` when the recording is appended. The entry is encoded here, as
        ``Event(type, at, ...).encode()`` would encode it."""
        if type not in table.__events__:
            raise LedgerError(
                f"{_name(table)} rows are not committed to by {type} entries "
                f"(its __events__: {', '.join(table.__events__) or 'none'})"
            )
        salt = new_salt()
        row["commitment_salt"] = salt
        self.entries.append(
            encode_entry(
                type,
                at,
                org=org,
                subject=subject,
                check=check,
                commitment=commit(salt, table.committed_fields_of(row)),
                items=items,
                policy=policy,
                ruleset=ruleset,
                attrs=attrs,
            )
        )
        self.rows.append(row)

    def append(self, session: Session, *, insert_into: type[Committed] | None = None) -> int:
        """Append every queued entry in ``session``'s transaction; return the first index (-1
        when there is nothing to append). Each row now holds its entry's index; with
        ``insert_into``, the rows are inserted into that table too, sent together with the
        ledger's writes (on PostgreSQL one round trip while the ledger's lock is held)."""
        if not self.entries:
            return -1
        rows = self.rows

        def number(first: int) -> None:
            for position, row in enumerate(rows, start=first):
                row["ledger_index"] = position
            if insert_into is not None:
                session.execute(insert(_table(insert_into)), rows)

        first = log.append(session, self.entries, then=number)
        self.entries = []
        self.rows = []
        return first


def record(
    session: Session,
    type: EventType,
    table: type[Committed],
    row: dict[str, Any],
    *,
    at: datetime,
    **entry: Any,
) -> int:
    """Record one row's state change: append its entry and insert the row, in ``session``'s
    transaction; return the entry's index. ``entry`` takes ``Recording.add``'s keywords."""
    recording = Recording()
    recording.add(type, table, row, at=at, **entry)
    return recording.append(session, insert_into=table)


def _table(table: type[Committed]) -> Table:
    return cast(Table, table.__table__)  # type: ignore[attr-defined]


def _name(table: type[Committed]) -> str:
    return str(getattr(table, "__tablename__", table.__name__))
