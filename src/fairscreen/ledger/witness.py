"""The regulator's witness: polls logs, checks them, cosigns, and raises the alarm.

For each log URL (the prefix under which it serves C2SP tlog-tiles, e.g.
``https://agency.example/ledger``) the witness, every poll:

1. fetches ``<url>/checkpoint`` and verifies the log's Ed25519 signature with the key it was
   configured with for that origin (``--log ORIGIN=VKEY``);
2. compares it with the last checkpoint it cosigned for that origin: a smaller size is a
   *rollback*, the same size with another root is a *fork*; a larger size must be consistent,
   which it checks with an RFC 9162 consistency proof it builds itself from the log's tiles
   (``<url>/tile/...``, the same resources a static mirror would serve), so it trusts nothing
   the log says beyond what the proof proves;
3. cosigns the checkpoint (C2SP tlog-cosignature, ``cosignature/v1`` with a timestamp) and
   stores it, atomically (temporary file, fsync, rename, fsync of the directory), as its new
   view of that log.

Any fork, rollback or bad signature is an *alarm*: a ``CRITICAL`` log line that starts with
``ALARM`` and names the kind, the log's origin, its URL and both sizes; the alarm is stored in the
state, and the witness never cosigns that log again until an operator clears it (delete the
log's entry from the state file). Network errors and missing tiles are not alarms: the witness
warns and tries again at the next poll.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

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
    add_signature,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
)

logger = logging.getLogger("fairscreen.witness")

STATE_FORMAT = "fairscreen-witness-state/1"


class WitnessError(FairscreenError):
    """Bad witness configuration or state file."""

    exit_code: ClassVar[ExitCode] = ExitCode.CONFIG


class UnreachableLogError(FairscreenError):
    """With ``--once``: a log could not be read (no answer, an HTTP error, no checkpoint yet)."""

    exit_code: ClassVar[ExitCode] = ExitCode.UNREACHABLE


class FetchError(Exception):
    """The log could not be read this time (network, HTTP status, a malformed tile)."""


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
    status: str  # cosigned | unchanged | alarm | unreachable
    size: int | None = None
    alarm: Alarm | None = None
    detail: str = ""


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


class Witness:
    def __init__(
        self,
        logs: Iterable[LogConfig],
        signer: Signer,
        state_path: Path,
        client: httpx.AsyncClient,
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

    async def poll_all(self, urls: Iterable[str]) -> list[Outcome]:
        return list(await asyncio.gather(*(self.poll(url) for url in urls)))

    async def poll(self, url: str) -> Outcome:
        url = url.rstrip("/")
        try:
            return await self._poll(url)
        except FetchError as exc:
            logger.warning("witness: %s: %s (will retry)", url, exc)
            return Outcome(url, None, "unreachable", detail=str(exc))

    async def _get(self, url: str) -> bytes:
        try:
            response = await self.client.get(url)
        except httpx.HTTPError as exc:
            raise FetchError(f"GET {url}: {exc}") from None
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
        config = self.logs.get(claimed.origin)
        entry = self.state["logs"].get(claimed.origin)
        old_size = entry["size"] if entry else None
        if config is None:
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
            checkpoint, _ = open_checkpoint(raw, config.verifier, config.origin)
        except NoteError as exc:
            return self._alarm(
                Alarm("bad-signature", claimed.origin, url, old_size, claimed.size, str(exc))
            )
        if entry is None:
            return self._cosign(url, raw, checkpoint)
        old_root = base64.b64decode(entry["root"])
        if checkpoint.size < entry["size"]:
            return self._alarm(
                Alarm(
                    "rollback",
                    checkpoint.origin,
                    url,
                    entry["size"],
                    checkpoint.size,
                    "the log shows a smaller tree than one it signed before",
                )
            )
        if checkpoint.size == entry["size"]:
            if checkpoint.root != old_root:
                return self._alarm(
                    Alarm(
                        "fork",
                        checkpoint.origin,
                        url,
                        entry["size"],
                        checkpoint.size,
                        "two different roots signed for the same size",
                    )
                )
            return Outcome(url, checkpoint.origin, "unchanged", checkpoint.size)
        proof = await self._consistency_proof(url, entry["size"], checkpoint.size)
        try:
            merkle.verify_consistency(
                entry["size"], checkpoint.size, old_root, checkpoint.root, proof
            )
        except merkle.ProofError as exc:
            return self._alarm(
                Alarm(
                    "fork",
                    checkpoint.origin,
                    url,
                    entry["size"],
                    checkpoint.size,
                    f"the new checkpoint does not extend the one cosigned before ({exc})",
                )
            )
        return self._cosign(url, raw, checkpoint)

    async def _consistency_proof(self, url: str, first: int, second: int) -> list[bytes]:
        """Build the proof from the log's tiles, as any static-log client would."""
        plan = merkle.consistency_plan(first, second)
        wanted = {tiles.tile_of(key)[:2] for key in plan.keys}
        fetched = await asyncio.gather(*(self._tile(url, lv, ix, second) for lv, ix in wanted))
        nodes: dict[NodeKey, bytes] = {}
        for part in fetched:
            nodes.update(part)
        try:
            return plan.assemble(nodes)
        except merkle.ProofError as exc:
            raise FetchError(str(exc)) from None

    async def _tile(self, url: str, level: int, index: int, size: int) -> dict[NodeKey, bytes]:
        width = tiles.tile_width(level, index, size)
        data = await self._get(f"{url}/{tiles.tile_path(level, index, width)}")
        if len(data) != width * merkle.HASH_SIZE:
            raise FetchError(f"tile {level}/{index}: {len(data)} bytes, expected {width * 32}")
        return dict(nodes_from_tile_hashes(level, index, tiles.hashes_of(data)))

    def _cosign(self, url: str, raw: bytes, checkpoint: Checkpoint) -> Outcome:
        now = int(self.clock())
        cosigned = add_signature(raw.decode(), self.signer, timestamp=now)
        self.state["logs"][checkpoint.origin] = {
            "url": url,
            "size": checkpoint.size,
            "root": base64.b64encode(checkpoint.root).decode(),
            "checkpoint": cosigned,
            "cosigned_at": now,
            "alarm": None,
        }
        save_state(self.state_path, self.state)
        logger.info("witness: cosigned %s at size %d", checkpoint.origin, checkpoint.size)
        return Outcome(url, checkpoint.origin, "cosigned", checkpoint.size)

    def _alarm(self, alarm: Alarm) -> Outcome:
        logger.critical("%s", alarm.line())
        if alarm.origin in self.logs:
            entry = self.state["logs"].setdefault(
                alarm.origin, {"url": alarm.url, "size": 0, "root": "", "checkpoint": None}
            )
            entry["alarm"] = asdict(alarm)
            save_state(self.state_path, self.state)
        return Outcome(alarm.url, alarm.origin, "alarm", alarm.new_size, alarm)

    def cosigned(self, origin: str) -> str | None:
        entry = self.state["logs"].get(origin)
        return None if entry is None else entry.get("checkpoint")


async def run(
    witness: Witness,
    urls: list[str],
    *,
    interval: float,
    once: bool,
    keep_going: bool,
) -> int:
    """Poll until stopped; the exit status: 0, or 3 after an alarm (at once, unless
    ``keep_going``). With ``once``, a log that could not be read raises ``UnreachableLogError``
    (exit status 5) unless another log raised an alarm."""
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
            missed = [o for o in outcomes if o.status == "unreachable"]
            if missed:
                raise UnreachableLogError(
                    "; ".join(f"{o.url}: {o.detail}" for o in missed)
                    + " (nothing was cosigned for it: check the URL and that the log serves "
                    "a checkpoint)"
                )
            return ExitCode.OK
        await asyncio.sleep(interval)
