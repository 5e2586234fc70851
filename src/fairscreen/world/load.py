"""Reading a world file: one streaming pass that validates every line and indexes it.

The file is read line by line, each line checked against the schema (``model.LINE``) and written
into a throwaway SQLite store (``WorldStore``) that the sandbox sources query by ID number and by
name. Cross-line rules (unique IDs, references that resolve, known position categories) are
checked in the same store once all lines are in. Nothing outside the store is written until the
whole file is known to be good; on any error the store is deleted and ``WorldError`` lists the
first problems, each naming the line and the JSON path.

The store holds every candidate's data in clear, so it has no name: it is SQLite's private
temporary database, kept in memory up to its page cache and beyond that in a file that SQLite
creates with mode 0600 in its temporary directory (``SQLITE_TMPDIR``, ``TMPDIR``, ``/var/tmp``,
``/tmp``) and unlinks the moment it has opened it. No other process can open it by a name, and
it is gone when the store is closed or the process ends, however it ends (an exception, SIGTERM,
Ctrl-C, ``kill -9``). Stores that older versions left in the temporary directory by name
(``fairscreen-world-*.sqlite``, mode 0644) are removed when a world is next loaded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from fairscreen.kit.errors import InputError, PolicyError
from fairscreen.kit.files import create_private_file
from fairscreen.kit.names import name_key
from fairscreen.kit.text import BOM, not_utf8
from fairscreen.policy.pack import PolicyPack, default_pack_for
from fairscreen.world import model

log = logging.getLogger(__name__)

MAX_PROBLEMS = 20
_BATCH = 2000
_LEGACY_STORE = re.compile(r"fairscreen-world-[A-Za-z0-9_]+\.sqlite(-journal|-wal|-shm)?")


class WorldError(InputError):
    """A world file that does not load; ``problems`` has one line per error shown (the first
    ``MAX_PROBLEMS`` by line), ``total`` counts every error found in the file."""

    def __init__(self, path: str, problems: list[str], *, total: int | None = None) -> None:
        shown = problems[:MAX_PROBLEMS]
        self.total = max(total or 0, len(problems))
        more = self.total - len(shown)
        tail = (
            f"\n  ... and {more:,} more problem{'s' if more > 1 else ''} "
            f"({self.total:,} in all; the first {len(shown)} are shown)"
            if more
            else ""
        )
        super().__init__(path, "invalid world file\n  " + "\n  ".join(shown) + tail)
        self.problems = shown


def json_path(loc: Iterable[int | str]) -> str:
    out = "$"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


_DATES = {
    "date_type": 'a date as a string "YYYY-MM-DD"',
    "date_parsing": 'a date as a string "YYYY-MM-DD"',
    "date_from_datetime_parsing": 'a date as a string "YYYY-MM-DD"',
    "datetime_type": 'a date and time as an ISO 8601 string with its offset, "YYYY-MM-DDTHH:MM:SS+08:00"',
    "datetime_parsing": 'a date and time as an ISO 8601 string with its offset, "YYYY-MM-DDTHH:MM:SS+08:00"',
}
_NAMED = re.compile(r"^Value error, ([A-Za-z_][\w.]*): (.*)$", re.DOTALL)


def _describe(exc: ValidationError, raw: Any) -> list[str]:
    """Turn a Pydantic error into ``$.path: message`` strings (the union tag dropped).

    A model-level check names the field it is about at the start of its message
    (``"id_document.number: ..."``); that field goes into the path."""
    tag = raw.get("type") if isinstance(raw, dict) else None
    out = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        if loc and tag is not None and loc[0] == tag:
            loc = loc[1:]
        msg = err["msg"]
        if err["type"] in _DATES:
            # strict: a number is not read as a Unix timestamp, nor a date as a time
            msg = f"expected {_DATES[err['type']]}, got {err['input']!r}"
        if err["type"] == "value_error" and (named := _NAMED.match(msg)):
            loc.extend(named.group(1).split("."))
            msg = named.group(2)
        if err["type"] == "union_tag_invalid":
            msg = f"unknown record type {tag!r}"
            loc = ["type"]
        elif err["type"] == "union_tag_not_found":
            msg = "missing 'type'"
        out.append(f"{json_path(loc)}: {msg}")
    return out


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE ids (id TEXT NOT NULL, line INTEGER NOT NULL, type TEXT NOT NULL);
CREATE TABLE ghosts (id TEXT NOT NULL, type TEXT NOT NULL);
CREATE TABLE refs (line INTEGER NOT NULL, path TEXT NOT NULL, target TEXT NOT NULL,
                   want TEXT NOT NULL);
CREATE TABLE organisations (id TEXT PRIMARY KEY, kind TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE positions (id TEXT PRIMARY KEY, category TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE candidates (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE demographics (candidate TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE decisions (candidate TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE records (rowid INTEGER PRIMARY KEY, type TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE by_number (number TEXT NOT NULL, type TEXT NOT NULL, record INTEGER NOT NULL);
CREATE TABLE by_name (name TEXT NOT NULL, type TEXT NOT NULL, record INTEGER NOT NULL);
CREATE TABLE by_candidate (candidate TEXT NOT NULL, type TEXT NOT NULL, record INTEGER NOT NULL);
"""

_INDEXES = """
CREATE INDEX ix_ids ON ids (id);
CREATE INDEX ix_candidates_id ON candidates (id);
CREATE INDEX ix_ghosts ON ghosts (id);
CREATE INDEX ix_refs ON refs (want, line);
CREATE INDEX ix_demographics ON demographics (candidate);
CREATE INDEX ix_decisions ON decisions (candidate);
CREATE INDEX ix_by_number ON by_number (number, type);
CREATE INDEX ix_by_name ON by_name (name, type);
CREATE INDEX ix_by_candidate ON by_candidate (candidate, type);
"""


_first = itemgetter(0)


def court_key(kind: str, role: str) -> str:
    """The index type of a court case party: ``court_case:<kind>:<role>``."""
    return f"court_case:{kind}:{role}"


def arbitration_key(role: str) -> str:
    """The index type of a labour-arbitration party: ``labour_arbitration:<role>``."""
    return f"labour_arbitration:{role}"


@dataclass(frozen=True)
class WorldSummary:
    header: model.Header
    organisations: int
    positions: int
    candidates: int
    records: int


class WorldStore:
    """A loaded world: the validated lines, indexed for the sandbox sources, on the connection
    that loaded them (``path`` is None for the unnamed temporary store)."""

    def __init__(self, db: sqlite3.Connection, path: Path | None = None) -> None:
        self.path = path
        self.db = db
        self.db.execute("PRAGMA query_only=ON")
        self.header = model.Header.model_validate_json(self._meta("header"))
        self._person_for: tuple[str, dict[str, dict[int, bytes]]] = ("", {})
        self._named_for: tuple[str, frozenset[str]] = ("", frozenset())
        self._filed_for: tuple[str, dict[str, dict[int, bytes]]] = ("", {})

    def _meta(self, key: str) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return str(row[0])

    def close(self) -> None:
        """Close the store; the unnamed one is gone with its connection."""
        self.db.close()

    def __enter__(self) -> WorldStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def summary(self) -> WorldSummary:
        def count(table: str) -> int:
            return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608

        return WorldSummary(
            self.header,
            count("organisations"),
            count("positions"),
            count("candidates"),
            count("records"),
        )

    def organisations(self) -> list[model.OrganisationRecord]:
        rows = self.db.execute("SELECT body FROM organisations ORDER BY id")
        return [model.OrganisationRecord.model_validate_json(body) for (body,) in rows]

    def positions(self) -> list[model.PositionRecord]:
        rows = self.db.execute("SELECT body FROM positions ORDER BY id")
        return [model.PositionRecord.model_validate_json(body) for (body,) in rows]

    def candidate_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM candidates").fetchone()[0])

    def candidates(self, batch: int = 1000) -> Iterator[model.CandidateRecord]:
        """Every candidate in file order, streamed."""
        last = -1
        while True:
            rows = self.db.execute(
                "SELECT seq, body FROM candidates WHERE seq > ? ORDER BY seq LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            for seq, body in rows:
                last = seq
                yield model.CandidateRecord.model_validate_json(body, context=model.TRUSTED)

    def demographics_for(self, candidates: list[str]) -> dict[str, model.Demographics]:
        marks = ",".join("?" * len(candidates))
        rows = self.db.execute(
            f"SELECT body FROM demographics WHERE candidate IN ({marks})",  # noqa: S608
            candidates,
        )
        out = {}
        for (body,) in rows:
            demo = model.Demographics.model_validate_json(body)
            out[demo.candidate] = demo
        return out

    def decisions_for(self, candidates: list[str]) -> dict[str, model.DecisionRecord]:
        """The hiring decision on each candidate's application, where the world has one (the
        bias audit's input; nothing in the screening path reads it)."""
        marks = ",".join("?" * len(candidates))
        rows = self.db.execute(
            f"SELECT body FROM decisions WHERE candidate IN ({marks})",  # noqa: S608
            candidates,
        )
        out = {}
        for (body,) in rows:
            decision = model.DecisionRecord.model_validate_json(body)
            out[decision.candidate] = decision
        return out

    # -- lookups the sandbox sources make ------------------------------------------------------

    def by_number(self, number: str, types: tuple[str, ...]) -> list[bytes]:
        return _pick(self._person(number), types)

    def _person(self, number: str) -> dict[str, dict[int, bytes]]:
        """Every record held under ``number``, by type, each type's in file order: one query per
        person, asked once, so the dozen registers of a screening read what they hold from
        memory instead of asking the index one by one."""
        person = self._person_for  # one tuple, read once: safe if another thread replaces it
        if person[0] != number:
            held: dict[str, dict[int, bytes]] = {}
            for kind, rowid, body in self.db.execute(
                "SELECT b.type, r.rowid, r.body FROM by_number b JOIN records r "
                "ON r.rowid = b.record WHERE b.number = ? ORDER BY r.rowid",
                (number,),
            ):
                held.setdefault(kind, {})[rowid] = body
            person = self._person_for = (number, held)
        return person[1]

    def _held(self, number: str) -> frozenset[str]:
        """The record types held under ``number`` (from ``_person``)."""
        return frozenset(self._person(number))

    def by_name_or_number(self, name: str, number: str, types: tuple[str, ...]) -> list[bytes]:
        key = name_key(name)
        if not (self._held(number) | self._named(key)).intersection(types):
            return []
        marks = ",".join("?" * len(types))
        sql = (
            "SELECT r.body FROM records r WHERE r.rowid IN ("  # noqa: S608
            f"SELECT record FROM by_number WHERE number = ? AND type IN ({marks}) UNION "
            f"SELECT record FROM by_name WHERE name = ? AND type IN ({marks})) ORDER BY r.rowid"
        )
        return [body for (body,) in self.db.execute(sql, (number, *types, key, *types))]

    def _named(self, key: str) -> frozenset[str]:
        """The record types held under a name key (asked once per person, like ``_held``)."""
        named = self._named_for
        if named[0] != key:
            rows = self.db.execute("SELECT DISTINCT type FROM by_name WHERE name = ?", (key,))
            named = self._named_for = (key, frozenset(map(_first, rows)))
        return named[1]

    def by_candidate(self, candidate: str, types: tuple[str, ...]) -> list[bytes]:
        """The records of ``types`` filed under ``candidate`` (references, employers' answers),
        in file order: one query per candidate, asked once, like ``_person``."""
        filed = self._filed_for
        if filed[0] != candidate:
            held: dict[str, dict[int, bytes]] = {}
            for kind, rowid, body in self.db.execute(
                "SELECT b.type, r.rowid, r.body FROM by_candidate b JOIN records r "
                "ON r.rowid = b.record WHERE b.candidate = ? ORDER BY r.rowid",
                (candidate,),
            ):
                held.setdefault(kind, {})[rowid] = body
            filed = self._filed_for = (candidate, held)
        return _pick(filed[1], types)


def _pick(held: dict[str, dict[int, bytes]], types: tuple[str, ...]) -> list[bytes]:
    """The bodies of ``types`` among ``held`` (type -> rowid -> body), in file order."""
    if len(types) == 1:
        one = held.get(types[0])
        return list(one.values()) if one else []  # most registers hold nothing for most people
    merged: dict[int, bytes] = {}
    for kind in types:
        merged.update(held.get(kind, {}))
    return [merged[rowid] for rowid in sorted(merged)]


class _Loader:
    def __init__(self, db: sqlite3.Connection, source: str, pack: PolicyPack | None) -> None:
        self.db = db
        self.source = source
        self.pack = pack
        self.problems: list[str] = []  # the first MAX_PROBLEMS found while reading, then counted
        self.count = 0  # every problem found, shown or not
        self.pending: dict[str, list[tuple[Any, ...]]] = {}
        self.record_rowid = 0
        self.candidate_seq = 0
        self.jurisdictions: dict[str, str] = {}  # employer id -> its jurisdiction, as read
        self.header_jurisdiction: str | None = None

    def pack_for(self, employer: str) -> PolicyPack | None:
        """The pack a position of ``employer`` is checked against: the employer's jurisdiction's
        when it differs from the world's (and the employer came first), else the world's."""
        law = self.jurisdictions.get(employer)
        if law is None or law == self.header_jurisdiction:
            return self.pack
        return default_pack_for(law)

    def queue(self, table: str, row: tuple[Any, ...]) -> None:
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= _BATCH:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.pending):
            rows = self.pending.get(name) or []
            if rows:
                marks = ",".join("?" * len(rows[0]))
                self.db.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)  # noqa: S608
                rows.clear()

    def problem(self, line: int, text: str) -> None:
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"line {line}: {text}")

    def ref(self, line: int, path: str, target: str, want: str) -> None:
        self.queue("refs", (line, path, target, want))

    def add(self, line: int, rec: Any, raw: bytes) -> None:
        kind = rec.type
        rid = getattr(rec, "id", None)
        if rid is not None:
            self.queue("ids", (rid, line, kind))
        if kind == "organisation":
            self.queue("organisations", (rec.id, rec.kind, raw))
            if rec.jurisdiction != self.header_jurisdiction:
                try:
                    default_pack_for(rec.jurisdiction)
                except PolicyError as exc:
                    self.problem(line, f"$.jurisdiction: {exc}")
                    return
            self.jurisdictions[rec.id] = rec.jurisdiction
        elif kind == "position":
            self.ref(line, "$.employer", rec.employer, "employer")
            pack = self.pack_for(rec.employer)
            if pack is not None and rec.category not in pack.categories:
                self.problem(
                    line,
                    f"$.category: unknown position category {rec.category!r} "
                    f"(policy pack {pack.ref} has {', '.join(sorted(pack.categories))})",
                )
            self.queue("positions", (rec.id, rec.category, raw))
        elif kind == "candidate":
            self.ref(line, "$.applies_to", rec.applies_to, "position")
            if rec.consent is not None:
                self.ref(line, "$.consent.recipient", rec.consent.recipient, "employer")
                if rec.consent.agency is not None:
                    self.ref(line, "$.consent.agency", rec.consent.agency, "agency")
                self.queue("ids", (rec.consent.id, line, "consent"))
            self.candidate_seq += 1
            self.queue("candidates", (self.candidate_seq, rec.id, raw))
        elif kind == "demographics":
            self.ref(line, "$.candidate", rec.candidate, "candidate")
            self.queue("demographics", (rec.candidate, raw))
        elif kind == "decision":
            self.ref(line, "$.candidate", rec.candidate, "candidate")
            self.queue("decisions", (rec.candidate, raw))
        else:
            self.record_rowid += 1
            rowid = self.record_rowid
            self.queue("records", (rowid, kind, raw))
            if kind in ("reference", "employment_verification"):
                self.ref(line, "$.candidate", rec.candidate, "candidate")
                self.queue("by_candidate", (rec.candidate, kind, rowid))
            elif kind == "labour_arbitration":
                for party in rec.parties:
                    key = arbitration_key(party.role)
                    self.queue("by_name", (name_key(party.name), key, rowid))
                    if party.id_number:
                        self.queue("by_number", (party.id_number, key, rowid))
            elif kind == "court_case":
                # indexed by kind and role too, so a court search for defendants in criminal
                # cases reads only those (a common name is a party to thousands of cases)
                for party in rec.parties:
                    key = court_key(rec.kind, party.role)
                    self.queue("by_name", (name_key(party.name), key, rowid))
                    if party.id_number:
                        self.queue("by_number", (party.id_number, key, rowid))
            else:
                subject = rec.subject
                self.queue("by_name", (name_key(subject.name), kind, rowid))
                if subject.id_number:
                    self.queue("by_number", (subject.id_number, kind, rowid))

    def cross_check(self) -> None:
        self.flush()
        self.db.executescript(_INDEXES)
        # Cross-line problems are listed up to MAX_PROBLEMS of each kind (the earliest lines) and
        # counted in full, so the error can say how many it did not show.
        found: list[str] = []
        count = 0
        dupes = self.db.execute(
            "SELECT id, group_concat(line, ', ') FROM (SELECT id, line FROM ids ORDER BY line) "
            "GROUP BY id HAVING count(*) > 1 ORDER BY min(line) LIMIT ?",
            (MAX_PROBLEMS,),
        )
        for rid, lines in dupes:
            first, *others = lines.split(", ")
            found.extend(
                f"line {other}: $.id: duplicate id {rid!r} (first defined on line {first})"
                for other in others
            )
        count += int(
            self.db.execute(
                "SELECT coalesce(sum(n - 1), 0) FROM "
                "(SELECT count(*) AS n FROM ids GROUP BY id HAVING n > 1)"
            ).fetchone()[0]
        )
        # Lines that failed validation still define their id ("ghosts"), so that one bad line
        # is reported once and not again at every line that refers to it.
        wants = {
            "employer": "SELECT 1 FROM organisations WHERE id = ? AND kind = 'employer' "
            "UNION ALL SELECT 1 FROM ghosts WHERE id = ? AND type = 'organisation'",
            "agency": "SELECT 1 FROM organisations WHERE id = ? AND kind = 'agency' "
            "UNION ALL SELECT 1 FROM ghosts WHERE id = ? AND type = 'organisation'",
            "position": "SELECT 1 FROM positions WHERE id = ? "
            "UNION ALL SELECT 1 FROM ghosts WHERE id = ? AND type = 'position'",
            "candidate": "SELECT 1 FROM candidates WHERE id = ? "
            "UNION ALL SELECT 1 FROM ghosts WHERE id = ? AND type = 'candidate'",
        }
        for want, sql in wants.items():
            unresolved = (
                f"FROM refs WHERE want = ? AND NOT EXISTS ({sql.replace('?', 'refs.target')})"
            )
            query = f"SELECT line, path, target {unresolved} ORDER BY line LIMIT ?"
            for line, path, target in self.db.execute(query, (want, MAX_PROBLEMS)):
                found.append(
                    f"line {line}: {path}: {target!r} is not the id of any {want} in this file"
                )
            count += int(self.db.execute(f"SELECT count(*) {unresolved}", (want,)).fetchone()[0])
        self.count += count
        self.problems = sorted(
            self.problems + found,
            key=lambda text: int(text.split(":", 1)[0].removeprefix("line ")),
        )[:MAX_PROBLEMS]


def _open_files() -> set[tuple[int, int]] | None:
    """(device, inode) of every file some process of ours has open; None where /proc cannot
    tell (then nothing is removed: a store may be in use by a running older version)."""
    proc = Path("/proc")
    if not (proc / "self" / "fd").is_dir():
        return None
    found: set[tuple[int, int]] = set()
    for pid in proc.iterdir():
        if not pid.name.isdigit():
            continue
        try:
            fds = list((pid / "fd").iterdir())
        except OSError:
            continue  # gone, or another user's
        for fd in fds:
            try:
                st = fd.stat()
            except OSError:
                continue
            found.add((st.st_dev, st.st_ino))
    return found


def remove_legacy_stores(directory: Path | None = None) -> list[Path]:
    """Remove the named world stores that older versions left in the temporary directory
    (``fairscreen-world-*.sqlite``: every candidate's data in clear, mode 0644, left behind by a
    crash): those owned by this user and open in no process. Returns what was removed."""
    directory = Path(directory or tempfile.gettempdir())
    try:
        candidates = [p for p in directory.iterdir() if _LEGACY_STORE.fullmatch(p.name)]
    except OSError:
        return []
    if not candidates:
        return []
    in_use = _open_files()
    if in_use is None:
        return []
    removed = []
    for path in candidates:
        try:
            st = path.lstat()
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
                continue
            if (st.st_dev, st.st_ino) in in_use:
                continue
            path.unlink()
            removed.append(path)
        except OSError:
            continue
    if removed:
        log.warning(
            "removed %d world store file(s) left in %s by an earlier run", len(removed), directory
        )
    return removed


def load_world(
    path: Path | str,
    *,
    pack: PolicyPack | None = None,
    store_path: Path | None = None,
) -> WorldStore:
    """Validate ``path`` and return its store; raise ``WorldError`` naming every problem found.

    ``pack`` (default: the jurisdiction's pack) checks position categories. The store is the
    unnamed temporary database described above, or the file ``store_path`` (created with mode
    0600, kept when the store is closed).
    """
    path = Path(path)
    remove_legacy_stores()
    if store_path is not None and not create_private_file(store_path):
        raise FileExistsError(f"{store_path}: world store exists already")
    # "": SQLite's private temporary database (see the module's docstring).
    db = sqlite3.connect(str(store_path or ""), check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.executescript(_SCHEMA)
        loader = _Loader(db, str(path), pack)
        header = _read(path, loader)
        if header is not None:
            loader.cross_check()
        if loader.problems:
            raise WorldError(str(path), loader.problems, total=loader.count)
        assert header is not None
        db.execute("INSERT INTO meta VALUES ('header', ?)", (header.model_dump_json(),))
        db.commit()
        return WorldStore(db, store_path)
    except BaseException:
        db.close()
        if store_path is not None:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{store_path}{suffix}").unlink(missing_ok=True)
        raise


def _read(path: Path, loader: _Loader) -> model.Header | None:
    """Validate every line into the store; every problem is counted, the first ones kept.

    Lines are validated strictly from their JSON (dates and times only as ISO strings, never as
    numbers read as Unix timestamps); a UTF-8 byte-order mark before the header is accepted."""
    header: model.Header | None = None
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise WorldError(str(path), [f"cannot read: {exc.strerror}"]) from None
    offset = 0  # where the current line starts in the file (to name a byte that is not UTF-8)
    with handle:
        for number, line in enumerate(handle, start=1):
            start = offset
            offset += len(line)
            raw = (line[len(BOM) :] if number == 1 and line.startswith(BOM) else line).strip()
            if not raw:
                loader.problem(number, "empty line (a world file has one JSON object per line)")
                continue
            if number == 1:
                data = _parse(raw, number, line, start, loader)
                if data is None:
                    continue
                try:
                    header = model.Header.model_validate_json(raw, strict=True)
                except ValidationError as exc:
                    for text in _describe(exc, None):
                        loader.problem(number, f"{text} (the first line must be the world header)")
                    return None
                if pack_problem := _pack_mismatch(loader.pack, header):
                    loader.problem(number, pack_problem)
                    return None
                if loader.pack is None:
                    loader.pack = default_pack_for(header.jurisdiction)
                loader.header_jurisdiction = header.jurisdiction
                continue
            try:
                rec = model.LINE.validate_json(raw, strict=True)
            except ValidationError as exc:
                data = _parse(raw, number, line, start, loader)
                if data is None:
                    continue
                if data.get("type") == "world":
                    loader.problem(number, "$.type: a second world header")
                    continue
                for text in _describe(exc, data):
                    loader.problem(number, text)
                _ghost(data, loader)
                continue
            if rec.type == "world":
                loader.problem(number, "$.type: a second world header")
                continue
            loader.add(number, rec, raw)
    if header is None and not loader.problems:
        loader.problem(1, "$: the file is empty (the first line must be the world header)")
    return header


def _parse(raw: bytes, number: int, line: bytes, start: int, loader: _Loader) -> Any:
    """``raw`` (the stripped ``line`` number ``number``, which starts at byte ``start`` of the
    file) as a JSON object, or None with the problem recorded: bytes that are not UTF-8 (named
    by their place in the line and in the file), not JSON, not an object."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        error = not_utf8(loader.source, number, exc.start + 1, line[exc.start], start + exc.start)
        loader.problem(number, error.message)
        # still define its id, so that lines referring to it are not reported too
        with contextlib.suppress(orjson.JSONDecodeError):
            _ghost(orjson.loads(line.decode("utf-8", "replace")), loader)
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        loader.problem(number, f"$: not JSON ({exc})")
        return None
    if not isinstance(data, dict):
        loader.problem(number, "$: expected a JSON object")
        return None
    return data


def _ghost(data: Any, loader: _Loader) -> None:
    """A line that failed validation still defines its id ("ghosts"), so that one bad line is
    reported once and not again at every line that refers to it."""
    if (
        isinstance(data, dict)
        and isinstance(data.get("id"), str)
        and isinstance(data.get("type"), str)
    ):
        loader.queue("ghosts", (data["id"], data["type"]))


def _pack_mismatch(pack: PolicyPack | None, header: model.Header) -> str | None:
    if pack is not None and pack.jurisdiction != header.jurisdiction:
        return f"$.jurisdiction: world is {header.jurisdiction}, policy pack {pack.ref} is {pack.jurisdiction}"
    return None
