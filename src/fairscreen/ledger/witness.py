"""The regulator's witness: C2SP tlog-witness ``add-checkpoint``, polling, cosigning, alarms.

A witness keeps, per log origin, the last checkpoint it cosigned, and cosigns a new one only if
the log's signature verifies (``--log ORIGIN=VKEY``) and the new tree extends the old one. It
learns of checkpoints two ways, both through the same rule (``Witness._advance``):

- **pushed** (C2SP tlog-witness): the log POSTs ``<prefix>/add-checkpoint`` with the old size,
  the RFC 6962 consistency proof and the checkpoint, and gets the cosignature back
  (``Witness.add_checkpoint``, served by ``fairscreen witness --listen``);
- **polled**: every interval the witness fetches ``<url>/checkpoint`` from the log (or a mirror
  of it) and builds the consistency proof itself from the log's tiles, so nothing the log says
  is trusted beyond what the proof proves.

Every tile fetched is authenticated against the signed checkpoint before anything is concluded
(``Witness._nodes``): the partial tiles of the tree must hash to the checkpoint's root, and every
full tile to its hash in the tile above it. A tile that does not is *bad data* from that server
(a corrupted mirror, say): a retriable error, never a fork. Only a proof built from
authenticated tiles that does not lead to the old root is a fork. While a log is unchanged, the
witness checks that the size it cosigned is still served: the tiles of that size, and the JSON
inclusion proof where the log serves one; a log that stops serving them (a rolled-back database
behind an old checkpoint row) is reported as bad data.

A rollback (a signed checkpoint smaller than one cosigned), a fork (another root for a cosigned
size, or a larger tree that does not extend it), a bad signature or an unknown origin is an
*alarm*: a ``CRITICAL`` line that starts with ``ALARM`` and names the kind, the log's origin,
where it came from and both sizes. The alarm is stored in the state, and the witness never
cosigns that log again until an operator removes the log's entry from the state file.

The state (``STATE_DIR/state.json``, ``fairscreen-witness-state/1``) is replaced atomically
(temporary file, fsync, rename, fsync of the directory) before a cosignature is returned; one
process at a time may use a state directory (``lock_state_dir``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import fcntl
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, ClassVar

import httpx

from fairscreen.kit.errors import ExitCode, FairscreenError
from fairscreen.kit.files import atomic_write
from fairscreen.ledger import merkle, tiles
from fairscreen.ledger.log import nodes_from_tile_hashes
from fairscreen.ledger.merkle import NodeKey
from fairscreen.ledger.note import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
)
from fairscreen.ledger.tiles import TILE_HEIGHT, TILE_WIDTH

logger = logging.getLogger("fairscreen.witness")

STATE_FORMAT = "fairscreen-witness-state/1"
SIZE_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63
MAX_BODY = (1 << 20) + 64 * 64


class WitnessError(FairscreenError):
    """Bad witness configuration or state file."""

    exit_code: ClassVar[ExitCode] = ExitCode.CONFIG


class UnreachableLogError(FairscreenError):
    """With ``--once``: a log could not be read (no answer, an HTTP error, no checkpoint yet)."""

    exit_code: ClassVar[ExitCode] = ExitCode.UNREACHABLE


class BadDataError(FairscreenError):
    """With ``--once``: a log (or its mirror) served tiles or proofs that its own signed
    checkpoint contradicts, or stopped serving what a cosigned checkpoint needs."""

    exit_code: ClassVar[ExitCode] = ExitCode.BAD_DATA


class FetchError(Exception):
    """The log could not be read this time (network, a server error): try again later."""


class BadData(Exception):  # noqa: N818 (an outcome, like FetchError, not a program error)
    """The server answered with data its signed checkpoint contradicts (a tile that does not
    authenticate), or without data the checkpoint needs (404): retriable, never a fork."""


@dataclass(frozen=True)
class LogConfig:
    origin: str
    verifier: Verifier


def parse_log_option(text: str) -> LogConfig:
    """``ORIGIN=VKEY`` (the log's origin line and its signed-note verifier key)."""
    origin, sep, vkey = text.partition("=")
    if not sep or not origin or not vkey:
        raise WitnessError(f"--log {text!r}: expected ORIGIN=VKEY")
    try:
        verifier = Verifier.parse(vkey)
    except NoteError as exc:
        raise WitnessError(f"--log {origin}: {exc}") from None
    return LogConfig(origin, verifier)


@dataclass(frozen=True)
class Alarm:
    kind: str  # fork | rollback | bad-signature | unknown-origin
    origin: str
    url: str
    old_size: int | None
    new_size: int | None
    detail: str

    def line(self) -> str:
        return (
            f"ALARM {self.kind} log={self.origin} url={self.url} old_size={self.old_size} "
            f"new_size={self.new_size}: {self.detail}"
        )


@dataclass(frozen=True)
class Outcome:
    """What one poll of one log found."""

    url: str
    origin: str | None
    status: str  # cosigned | unchanged | alarm | unreachable | bad-data
    size: int | None = None
    alarm: Alarm | None = None
    detail: str = ""


@dataclass(frozen=True)
class Reply:
    """An HTTP answer to ``add-checkpoint``."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


# -- state -----------------------------------------------------------------------------------


def load_state(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"format": STATE_FORMAT, "logs": {}}
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise WitnessError(f"{path}: unreadable witness state ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
        raise WitnessError(f"{path}: not a witness state file (format {STATE_FORMAT})")
    if not isinstance(doc.get("logs"), dict):
        raise WitnessError(f"{path}: witness state has no logs object")
    return doc


def save_state(path: Path, doc: dict[str, Any]) -> None:
    """Write ``doc`` so that a crash leaves either the old or the new file, never a mix."""
    atomic_write(path, json.dumps(doc, indent=2, sort_keys=True).encode())


def lock_state_dir(directory: Path) -> IO[str]:
    """Hold ``directory/lock`` for this process's life: two witnesses on one state would each
    cosign from a view the other may have moved past (the race C2SP tlog-witness warns of)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle = (directory / "lock").open("a")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise WitnessError(
            f"{directory}: another witness process uses this state directory; stop it first"
        ) from None
    return handle


def load_or_create_key(path: Path, name: str) -> Signer:
    """The witness's cosigning key (``PRIVATE+KEY+...``, 0600), created on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        signer = Signer.generate(name, ALG_COSIGNATURE_V1)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(signer.secret_text() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise WitnessError(
            f"{path}: witness key is readable by others (mode {mode:o}); chmod 600 it"
        )
    try:
        return Signer.parse(path.read_text(), alg=ALG_COSIGNATURE_V1)
    except NoteError as exc:
        raise WitnessError(f"{path}: not a witness key ({exc})") from None


# -- the witness ------------------------------------------------------------------------------


class _Refused(Exception):  # noqa: N818 (a reply, not an error of this program)
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body)
        self.reply = reply


class Witness:
    def __init__(
        self,
        logs: Iterable[LogConfig],
        signer: Signer,
        state_path: Path,
        client: httpx.AsyncClient | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.logs = {log.origin: log for log in logs}
        if signer.alg != ALG_COSIGNATURE_V1:
            raise WitnessError("the witness key must be a cosignature/v1 (type 0x04) signer")
        self.signer = signer
        self.state_path = state_path
        self.state = load_state(state_path)
        self.client = client
        self.clock = clock

    # -- the one rule ----------------------------------------------------------------------------

    def _advance(
        self, raw: bytes, checkpoint: Checkpoint, old: int, proof: list[bytes], source: str
    ) -> str:
        """Cosign ``checkpoint`` (whose log signature was verified) if it extends the one
        cosigned before, which must be of size ``old``; return the cosignature line. Raises
        ``_Refused`` with the C2SP tlog-witness reply otherwise, after raising an alarm where
        the log signed a contradiction. No await between the check and the write: within one
        event loop this is atomic."""
        origin = checkpoint.origin
        entry = self.state["logs"].get(origin)
        if entry and entry.get("alarm"):
            stored = Alarm(**entry["alarm"])
            raise _Refused(Reply(409, f"this log is under an alarm: {stored.line()}\n"))
        current = int(entry["size"]) if entry else 0
        if checkpoint.size < current:
            self._alarm(
                Alarm(
                    "rollback",
                    origin,
                    source,
                    current,
                    checkpoint.size,
                    "the log signed a smaller tree than one cosigned before",
                )
            )
        if old > checkpoint.size:
            raise _Refused(Reply(400, f"old size {old} is larger than the checkpoint's\n"))
        if old != current:
            raise _Refused(Reply(409, f"{current}\n", SIZE_TYPE))
        if (
            entry is not None
            and checkpoint.size == current
            and checkpoint.root != base64.b64decode(entry["root"])
        ):
            self._alarm(
                Alarm(
                    "fork",
                    origin,
                    source,
                    current,
                    checkpoint.size,
                    "two different roots signed for the same size",
                )
            )
            raise _Refused(Reply(409, "another root was cosigned for this size\n"))
        if entry is None or old == 0:
            if proof:
                raise _Refused(Reply(400, "the proof from size 0 must be empty\n"))
        else:
            try:
                merkle.verify_consistency(
                    old, checkpoint.size, base64.b64decode(entry["root"]), checkpoint.root, proof
                )
            except merkle.ProofError as exc:
                logger.warning(
                    "witness: %s: checkpoint %d of %s with a consistency proof from %d that does "
                    "not verify (%s); not cosigned",
                    source,
                    checkpoint.size,
                    origin,
                    old,
                    exc,
                )
                raise _Refused(
                    Reply(422, f"the consistency proof does not verify: {exc}\n")
                ) from None
        return self._cosign(source, raw, checkpoint)

    def _cosign(self, source: str, raw: bytes, checkpoint: Checkpoint) -> str:
        now = int(self.clock())
        line = self.signer.signature_line(parse_note(raw).text, now)
        self.state["logs"][checkpoint.origin] = {
            "url": source,
            "size": checkpoint.size,
            "root": base64.b64encode(checkpoint.root).decode(),
            "checkpoint": raw.decode() + line,
            "cosigned_at": now,
            "alarm": None,
        }
        save_state(self.state_path, self.state)  # persisted before the cosignature leaves
        logger.info("witness: cosigned %s at size %d", checkpoint.origin, checkpoint.size)
        return line

    def _alarm(self, alarm: Alarm) -> Outcome:
        logger.critical("%s", alarm.line())
        if alarm.origin in self.logs:
            entry = self.state["logs"].setdefault(
                alarm.origin, {"url": alarm.url, "size": 0, "root": "", "checkpoint": None}
            )
            entry["alarm"] = asdict(alarm)
            save_state(self.state_path, self.state)
        return Outcome(alarm.url, alarm.origin, "alarm", alarm.new_size, alarm)

    def _open(self, raw: bytes, source: str, old: int | None, *, polled: bool) -> Checkpoint:
        """The checkpoint in ``raw``, verified with its origin's key (``_Refused`` if not). A
        bad signature on what the log itself serves is an alarm; on a pushed request it is only
        a 403 (anyone may POST, and must not be able to silence the witness that way)."""
        try:
            claimed = parse_checkpoint(parse_note(raw).text)
        except NoteError as exc:
            raise _Refused(Reply(400, f"not a checkpoint: {exc}\n")) from None
        config = self.logs.get(claimed.origin)
        if config is None:
            raise _Refused(Reply(404, f"unknown log origin {claimed.origin!r}\n"))
        try:
            checkpoint, _ = open_checkpoint(raw, config.verifier, config.origin)
        except NoteError as exc:
            entry = self.state["logs"].get(claimed.origin)
            if polled and (entry is None or not entry.get("alarm")):
                self._alarm(
                    Alarm(
                        "bad-signature",
                        claimed.origin,
                        source,
                        old if old is not None else (entry or {}).get("size"),
                        claimed.size,
                        str(exc),
                    )
                )
            raise _Refused(Reply(403, f"no valid signature by the log's key: {exc}\n")) from None
        return checkpoint

    # -- pushed: C2SP tlog-witness add-checkpoint ------------------------------------------------

    def add_checkpoint(self, body: bytes, source: str = "add-checkpoint") -> Reply:
        """Answer one ``POST <prefix>/add-checkpoint`` (C2SP tlog-witness)."""
        try:
            old, proof, raw = _parse_request(body)
            checkpoint = self._open(raw, source, old, polled=False)
            return Reply(200, self._advance(raw, checkpoint, old, proof, source))
        except _Refused as refused:
            return refused.reply

    # -- polled ----------------------------------------------------------------------------------

    async def poll_all(self, urls: Iterable[str]) -> list[Outcome]:
        return list(await asyncio.gather(*(self.poll(url) for url in urls)))

    async def poll(self, url: str) -> Outcome:
        url = url.rstrip("/")
        try:
            return await self._poll(url)
        except FetchError as exc:
            logger.warning("witness: %s: %s (will retry)", url, exc)
            return Outcome(url, None, "unreachable", detail=str(exc))
        except BadData as exc:
            logger.error("witness: %s: bad data: %s (will retry; not a fork)", url, exc)
            return Outcome(url, None, "bad-data", detail=str(exc))

    async def _get(self, url: str, *, missing_is_bad: bool = False) -> bytes:
        if self.client is None:
            raise WitnessError("this witness has no HTTP client to poll with")
        try:
            response = await self.client.get(url)
        except httpx.HTTPError as exc:
            raise FetchError(f"GET {url}: {exc}") from None
        if response.status_code == 404 and missing_is_bad:
            raise BadData(f"GET {url}: HTTP 404, but a signed checkpoint needs it")
        if response.status_code != 200:
            raise FetchError(f"GET {url}: HTTP {response.status_code}")
        return response.content

    async def _poll(self, url: str) -> Outcome:
        raw = await self._get(f"{url}/checkpoint")
        try:
            claimed = parse_checkpoint(parse_note(raw).text)
        except NoteError as exc:
            return self._alarm(
                Alarm("bad-signature", "?", url, None, None, f"unreadable checkpoint: {exc}")
            )
        entry = self.state["logs"].get(claimed.origin)
        if claimed.origin not in self.logs:
            return self._alarm(
                Alarm(
                    "unknown-origin",
                    claimed.origin,
                    url,
                    None,
                    claimed.size,
                    "no key is configured for this origin (--log ORIGIN=VKEY)",
                )
            )
        if entry and entry.get("alarm"):
            stored = Alarm(**entry["alarm"])
            logger.critical("%s (raised earlier; not cosigning this log)", stored.line())
            return Outcome(url, claimed.origin, "alarm", claimed.size, stored)
        try:
            checkpoint = self._open(raw, url, entry["size"] if entry else None, polled=True)
        except _Refused:
            stored = Alarm(**self.state["logs"][claimed.origin]["alarm"])
            return Outcome(url, claimed.origin, "alarm", claimed.size, stored)
        old = int(entry["size"]) if entry else 0
        if (
            entry is not None
            and checkpoint.size == old
            and checkpoint.root == base64.b64decode(entry["root"])
        ):
            await self._check_served(url, checkpoint)
            return Outcome(url, checkpoint.origin, "unchanged", checkpoint.size)
        proof: list[bytes] = []
        if entry is not None and 0 < old < checkpoint.size:
            plan = merkle.consistency_plan(old, checkpoint.size)
            nodes = await self._nodes(url, checkpoint, plan.keys)
            proof = plan.assemble(nodes)
            try:
                merkle.verify_consistency(
                    old, checkpoint.size, base64.b64decode(entry["root"]), checkpoint.root, proof
                )
            except merkle.ProofError as exc:
                # Built from tiles that hash to the new signed root: the log itself forked.
                return self._alarm(
                    Alarm(
                        "fork",
                        checkpoint.origin,
                        url,
                        old,
                        checkpoint.size,
                        f"the new checkpoint does not extend the one cosigned before ({exc})",
                    )
                )
        elif entry is None:
            await self._check_served(url, checkpoint)
        try:
            self._advance(raw, checkpoint, old, proof, url)
        except _Refused as refused:
            current = self.state["logs"].get(checkpoint.origin) or {}
            if current.get("alarm"):
                return Outcome(
                    url, checkpoint.origin, "alarm", checkpoint.size, Alarm(**current["alarm"])
                )
            # Moved on by a push while this poll waited for tiles: look again next time.
            return Outcome(
                url, checkpoint.origin, "unchanged", current.get("size"), detail=refused.reply.body
            )
        return Outcome(url, checkpoint.origin, "cosigned", checkpoint.size)

    async def _check_served(self, url: str, checkpoint: Checkpoint) -> None:
        """The tree of the checkpoint is still served: its tiles give its root, and the log's
        JSON inclusion proof (where it serves one) leads to it."""
        size = checkpoint.size
        if size == 0:
            return
        await self._nodes(url, checkpoint, set())
        try:
            response = await self.client.get(  # type: ignore[union-attr]
                f"{url}/proof/inclusion", params={"index": size - 1, "size": size}
            )
        except httpx.HTTPError as exc:
            raise FetchError(f"GET {url}/proof/inclusion: {exc}") from None
        if response.status_code == 404:
            return  # a static mirror serves tiles only
        if response.status_code != 200:
            raise BadData(
                f"GET {url}/proof/inclusion?size={size}: HTTP {response.status_code}: the log "
                f"no longer serves proofs for its signed size {size}"
            )
        try:
            body = response.json()
            leaf = base64.b64decode(body["leaf_hash"], validate=True)
            path = [base64.b64decode(h, validate=True) for h in body["inclusion_proof"]]
            merkle.verify_inclusion(size - 1, size, leaf, path, checkpoint.root)
        except (ValueError, KeyError, TypeError, binascii.Error, merkle.ProofError) as exc:
            raise BadData(
                f"{url}/proof/inclusion?size={size}: not a proof to the signed root ({exc})"
            ) from None

    async def _nodes(
        self, url: str, checkpoint: Checkpoint, wanted: set[NodeKey]
    ) -> dict[NodeKey, bytes]:
        """The nodes ``wanted`` of the checkpoint's tree, from tiles that are all authenticated
        against its signed root (see the module docstring); ``BadData`` if one is not."""
        size = checkpoint.size
        need = {tiles.tile_of(key)[:2] for key in wanted}
        for level in range(tiles.tile_count_levels(size)):  # the right edge: partial tiles
            if (size >> (TILE_HEIGHT * level)) % TILE_WIDTH:
                need.add((level, (size >> (TILE_HEIGHT * level)) >> TILE_HEIGHT))
        for level, index in list(need):  # every full tile's parents, up to a partial one
            while tiles.tile_width(level, index, size) == TILE_WIDTH:
                level, index = level + 1, index >> TILE_HEIGHT
                need.add((level, index))
        keys = sorted(need)
        fetched = await asyncio.gather(*(self._tile(url, lv, ix, size) for lv, ix in keys))
        got = dict(zip(keys, fetched, strict=True))
        nodes: dict[NodeKey, bytes] = {}
        for (level, index), hashes in got.items():
            nodes.update(nodes_from_tile_hashes(level, index, hashes))
        try:
            root = merkle.fold([nodes[key] for key in merkle.root_keys(size)])
        except KeyError:  # pragma: no cover (every root key lies in a partial tile fetched)
            root = b""
        if root != checkpoint.root:
            partial = [f"{lv}/{ix}" for (lv, ix) in keys if len(got[(lv, ix)]) < TILE_WIDTH]
            raise BadData(
                f"the tiles {', '.join(partial)} from {url} do not hash to the root of the "
                f"signed checkpoint {size}"
            )
        for (level, index), hashes in got.items():
            if len(hashes) < TILE_WIDTH:
                continue
            parent = got[(level + 1, index >> TILE_HEIGHT)]
            if merkle.compute_root(hashes) != parent[index % TILE_WIDTH]:
                raise BadData(
                    f"tile {level}/{index} from {url} does not match its hash in tile "
                    f"{level + 1}/{index >> TILE_HEIGHT} of the signed checkpoint {size}"
                )
        return nodes

    async def _tile(self, url: str, level: int, index: int, size: int) -> list[bytes]:
        width = tiles.tile_width(level, index, size)
        path = tiles.tile_path(level, index, width)
        data = await self._get(f"{url}/{path}", missing_is_bad=True)
        if len(data) != width * merkle.HASH_SIZE:
            raise BadData(f"{url}/{path}: {len(data)} bytes, expected {width * 32}")
        return tiles.hashes_of(data)

    def cosigned(self, origin: str) -> str | None:
        entry = self.state["logs"].get(origin)
        return None if entry is None else entry.get("checkpoint")


_OLD = re.compile(r"old (0|[1-9][0-9]{0,19})")


def _parse_request(body: bytes) -> tuple[int, list[bytes], bytes]:
    """``old N``, proof lines, a blank line, then the checkpoint (C2SP tlog-witness)."""
    if len(body) > MAX_BODY:
        raise _Refused(Reply(400, "request too large\n"))
    head, sep, raw = body.partition(b"\n\n")
    if not sep:
        raise _Refused(
            Reply(400, "expected old size and proof lines, a blank line, a checkpoint\n")
        )
    lines = head.split(b"\n")
    match = _OLD.fullmatch(lines[0].decode("ascii", "replace"))
    if match is None:
        raise _Refused(Reply(400, "the first line must be 'old <size>'\n"))
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise _Refused(Reply(400, f"more than {MAX_PROOF_LINES} proof lines\n"))
    proof = []
    for number, line in enumerate(lines[1:], start=1):
        try:
            value = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            value = b""
        if len(value) != merkle.HASH_SIZE:
            raise _Refused(Reply(400, f"proof line {number} is not a base64 hash\n"))
        proof.append(value)
    return int(match.group(1)), proof, raw


async def run(
    witness: Witness,
    urls: list[str],
    *,
    interval: float,
    once: bool,
    keep_going: bool,
) -> int:
    """Poll until stopped; the exit status: 0, or 3 after an alarm (at once, unless
    ``keep_going``). With ``once``: 3 if a log raised an alarm, else ``BadDataError`` (7) if a
    log served data its checkpoint contradicts, else ``UnreachableLogError`` (5) if a log could
    not be read, else 0."""
    alarmed = False
    while True:
        outcomes = await witness.poll_all(urls)
        if any(o.status == "alarm" for o in outcomes):
            alarmed = True
            if not keep_going:
                return ExitCode.ALARM
        if once:
            if alarmed:
                return ExitCode.ALARM
            bad = [o for o in outcomes if o.status == "bad-data"]
            if bad:
                raise BadDataError(
                    "; ".join(f"{o.url}: {o.detail}" for o in bad)
                    + " (nothing was cosigned from it; not a fork: check the server or mirror)"
                )
            missed = [o for o in outcomes if o.status == "unreachable"]
            if missed:
                raise UnreachableLogError(
                    "; ".join(f"{o.url}: {o.detail}" for o in missed)
                    + " (nothing was cosigned for it: check the URL and that the log serves "
                    "a checkpoint)"
                )
            return ExitCode.OK
        await asyncio.sleep(interval)


# -- serving add-checkpoint ------------------------------------------------------------------------


def make_app(witness: Witness) -> Any:
    """The witness's HTTP interface: ``POST /add-checkpoint`` (C2SP tlog-witness). Requests are
    not authenticated beyond the checkpoint's signature, as the spec says."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def add_checkpoint(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            return Response("request too large\n", status_code=400)
        body = await request.body()
        client = request.client.host if request.client else "?"
        reply = witness.add_checkpoint(body, source=f"add-checkpoint from {client}")
        return Response(reply.body, status_code=reply.status, media_type=reply.content_type)

    return Starlette(routes=[Route("/add-checkpoint", add_checkpoint, methods=["POST"])])
