"""The blind-indexed columns of the database, declared in one place.

A blind index is an HMAC of a personal value under the index key (``Vault.blind_index``); it
lets fairscreen find a person by, say, their ID number without storing the number in clear.
Rotating the index secret (``fairscreen keys rotate --index``, ``fairscreen.vault.reindex``)
must rebuild every one of them, so every table that has blind indexes registers them here,
next to its model, with what the rebuild needs:

- the column that names the secret version every blind index of the row is under
  (``version_column``: a row is always under exactly one version, and a rebuild moves it to
  the next in one statement);
- the column naming the row's data key (``data_key_column``, a ``data_keys.id``): the values
  behind the indexes are sealed under it;
- the sealed columns to open, and for each blind-index column how to get ``(kind, value)`` back
  out of the opened bytes.

A column added later is rebuilt too as soon as it is registered: ``tests/vault/test_reindex.py``
checks that every column of the marker type ``kit.db.BlindIndex`` is registered, with a
derivation, and the rotation refuses to start on a database with a blind-indexed table nobody
registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Table

from fairscreen.kit.db import Base, table_of


@dataclass(frozen=True)
class IndexedValue:
    """What a blind index was computed from: ``Vault.blind_index(kind, value, canonical=…)``."""

    kind: str
    value: str = field(repr=False)
    canonical: bool = True


#: Opened sealed values of one row (column name -> plaintext) to the value its blind index was
#: computed from, or ``None`` if the row has nothing to index in that column.
Derivation = Callable[[Mapping[str, bytes]], IndexedValue | None]


@dataclass(frozen=True)
class BlindIndexed:
    """The blind indexes of one table (see the module docstring)."""

    model: type[Base]
    version_column: str
    data_key_column: str
    sealed: tuple[str, ...]
    columns: Mapping[str, Derivation] = field(default_factory=dict)

    @property
    def table(self) -> Table:
        return table_of(self.model)

    @property
    def name(self) -> str:
        return self.table.name


_REGISTRY: dict[str, BlindIndexed] = {}


def register(spec: BlindIndexed) -> BlindIndexed:
    """Declare a table's blind indexes (called where the model is defined)."""
    table = spec.table
    for column in (spec.version_column, spec.data_key_column, *spec.sealed, *spec.columns):
        if column not in table.c:
            raise ValueError(f"{table.name}.{column}: no such column")
    if "id" not in table.c:
        raise ValueError(f"{table.name}: a blind-indexed table needs an id primary key")
    _REGISTRY[table.name] = spec
    return spec


def registered() -> list[BlindIndexed]:
    """Every registered table. Each model module registers its own when imported; the edges
    (the CLI, the server) import ``fairscreen.models``, which imports them all, and the rebuild
    refuses to start if the database has a blind-indexed table nobody registered."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


#: The column that marks a table as blind-indexed, whatever registered it.
VERSION_COLUMN = "blind_index_version"
