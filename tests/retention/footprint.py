"""Everything a database holds of one person, found generically, and looked for afterwards.

``footprint`` reads the database through reflection (every table it has, not a list): the
person's ``candidates`` row, then every row that refers to a row of theirs by a foreign key
(their consents, check requests, findings, ...), every row that only rows of theirs refer to
(their data key), and every row with a text column equal to their candidate id or pseudonym,
until nothing more is found. A table added later is covered without changing this file.

Every value of those rows becomes a needle to look for in raw bytes: text (at least 8
characters; JSON by its strings) as UTF-8, binary values (ciphertexts, the wrapped data key,
the blind index, salts) by their first 24 bytes. ``gone`` keeps the needles that erasure took
out of the database: those no longer inside any value of any row of the database after it. What
the process skeleton keeps by design (docs/retention.md) is thereby allowed, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, MetaData, select

import fairscreen.models  # noqa: F401  (the models' marker types name the sealed columns)
from fairscreen.kit.db import Sealed, secret_columns
from tests.retention.scan import Needle

MIN_TEXT = 8
PREFIX = 24


@dataclass(frozen=True)
class SealedValue:
    """A ciphertext of the person's, with the place its associated data names."""

    table: str
    column: str
    row_id: str
    data: bytes


@dataclass
class Footprint:
    candidate_id: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by table
    needles: list[Needle] = field(default_factory=list)
    sealed: list[SealedValue] = field(default_factory=list)

    @property
    def tables(self) -> set[str]:
        return {table for table, rows in self.rows.items() if rows}

    def labelled(self, prefix: str) -> list[Needle]:
        return [n for n in self.needles if n.label.startswith(prefix)]


def _all_rows(engine: Engine) -> tuple[MetaData, dict[str, list[dict[str, Any]]]]:
    metadata = MetaData()
    metadata.reflect(engine)
    rows: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows[table.name] = [dict(r._mapping) for r in conn.execute(select(table))]
    return metadata, rows


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _needles(table: str, column: str, value: Any) -> Iterator[Needle]:
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        if len(data) >= MIN_TEXT:
            yield Needle(f"{table}.{column}", data[:PREFIX])
        return
    for text in _strings(value):
        if len(text) >= MIN_TEXT:
            yield Needle(f"{table}.{column}", text.encode())


def footprint(engine: Engine, candidate_id: str) -> Footprint:
    """Every row of the person's, in every table of the database, and their needles."""
    metadata, rows = _all_rows(engine)
    mine: dict[str, set[int]] = {name: set() for name in rows}
    start = [i for i, r in enumerate(rows["candidates"]) if r["id"] == candidate_id]
    assert start, f"no candidate {candidate_id}"
    mine["candidates"].update(start)
    edges = [
        (table.name, fk.parent.name, fk.column.table.name, fk.column.name)
        for table in metadata.sorted_tables
        for fk in table.foreign_keys
    ]
    changed = True
    while changed:
        changed = False
        keys = {
            rows["candidates"][i].get(k)
            for i in mine["candidates"]
            for k in ("id", "subject_ref")
            if rows["candidates"][i].get(k)
        }
        for name, table_rows in rows.items():  # rows naming them by id or pseudonym
            for j, row in enumerate(table_rows):
                if j not in mine[name] and any(
                    v in keys for v in row.values() if isinstance(v, str)
                ):
                    mine[name].add(j)
                    changed = True
        for child, column, parent, remote in edges:  # rows that refer to rows of theirs
            theirs = {rows[parent][i][remote] for i in mine[parent]}
            for j, row in enumerate(rows[child]):
                if j not in mine[child] and row[column] is not None and row[column] in theirs:
                    mine[child].add(j)
                    changed = True
        for child, column, parent, remote in edges:  # rows only rows of theirs refer to
            for j in list(mine[child]):
                value = rows[child][j][column]
                if value is None:
                    continue
                referrers = [
                    (c, k)
                    for c, col, p, r in edges
                    if p == parent and r == remote
                    for k, row in enumerate(rows[c])
                    if row[col] == value
                ]
                if all(k in mine[c] for c, k in referrers):
                    for i, row in enumerate(rows[parent]):
                        if row[remote] == value and i not in mine[parent]:
                            mine[parent].add(i)
                            changed = True
    result = Footprint(candidate_id)
    sealed = {(c.table.name, c.name) for c in secret_columns() if isinstance(c.type, Sealed)}
    pks = {t.name: [c.name for c in t.primary_key.columns] for t in metadata.sorted_tables}
    seen: set[bytes] = set()
    for name, indexes in mine.items():
        result.rows[name] = [rows[name][i] for i in sorted(indexes)]
        for row in result.rows[name]:
            for column, value in row.items():
                for needle in _needles(name, column, value):
                    if needle.data not in seen:
                        seen.add(needle.data)
                        result.needles.append(needle)
                if (name, column) in sealed and value is not None and name != "data_keys":
                    (pk,) = pks[name]
                    result.sealed.append(SealedValue(name, column, str(row[pk]), bytes(value)))
    return result


def haystack(engine: Engine) -> bytes:
    """Every value of every row of the database, as the needles are made, in one string."""
    _, rows = _all_rows(engine)
    parts: list[bytes] = []
    for table_rows in rows.values():
        for row in table_rows:
            for value in row.values():
                if isinstance(value, bytes | bytearray | memoryview):
                    parts.append(bytes(value))
                else:
                    parts.extend(s.encode() for s in _strings(value))
    return b"\0".join(parts)


def gone(before: Footprint, after: bytes) -> list[Needle]:
    """The needles of ``before`` that are no longer inside any value of the database."""
    return [n for n in before.needles if n.data not in after]


def labels(needles: Iterable[Needle]) -> set[str]:
    return {n.label for n in needles}
