"""Worlds to check as jobs, what the synchronous pass says of them, and what the jobs reported."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.candidates.models import Candidate
from fairscreen.jobs.graph import JobContext, _sealer
from fairscreen.kit.clock import utcnow
from fairscreen.pipeline import Application, screen
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.report import open_content
from fairscreen.screening.run import prepare
from fairscreen.sources.http import Provider
from fairscreen.synth.writer import write_world
from fairscreen.vault import Vault
from fairscreen.world.load import WorldStore

COMPARED = ("light", "reasons", "excluded", "not_checked")


def make_world(path: Path, candidates: int, seed: int = 7) -> Path:
    with path.open("wb") as out:
        write_world(out, candidates=candidates, seed=seed)
    return path


def synchronous_results(store: WorldStore) -> dict[str, dict[str, Any]]:
    """What `fairscreen screen` says of every candidate of ``store``, by reference."""
    setup = prepare(store)
    positions = {p.id: p for p in store.positions()}
    agencies = [o.id for o in store.organisations() if o.kind == "agency"]
    default_agency = agencies[0] if len(agencies) == 1 else None
    at = utcnow()
    out = {}
    for c in store.candidates():
        agency = c.consent.agency if c.consent and c.consent.agency else default_agency
        result = screen(
            Application(c, positions[c.applies_to], agency),
            sources=setup.sources,
            pack=setup.pack,
            ruleset=setup.ruleset,
            as_of=setup.as_of,
            at=at,
        ).result()
        out[c.id] = result
    return out


def reports_by_candidate(session: Session, vault: Vault) -> dict[str, list[dict[str, Any]]]:
    """Every issued report's sealed content, opened, by the candidate's reference."""
    out: dict[str, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(Report.id, Report.content_ct, CheckRequest.candidate_id, Candidate.external_ref_ct)
        .join(CheckRequest, CheckRequest.id == Report.request_id)
        .join(Candidate, Candidate.id == CheckRequest.candidate_id)
    ).all()
    for report_id, content, candidate_id, ref_ct in rows:
        sealer = _sealer(session, vault, candidate_id)
        ref = sealer.open("candidates", "external_ref_ct", candidate_id, bytes(ref_ct)).decode()
        out.setdefault(ref, []).append(open_content(sealer, report_id, bytes(content)))
    return out


def context(
    sessions: Any, vault: Vault, provider: Provider, store: WorldStore, **kw: Any
) -> JobContext:
    setup = prepare(store)
    return JobContext(
        sessions, vault, provider, {setup.pack.ref: (setup.pack, setup.ruleset)}, **kw
    )


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def start_cli(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``fairscreen ARGS`` in a process of its own, its stderr in ``log``."""
    return subprocess.Popen(
        [sys.executable, "-c", "from fairscreen.cli import main; main()", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )


def printed_url(log: Path, proc: subprocess.Popen[bytes]) -> str:
    """The loopback URL a server started with ``start_cli`` prints once its port is open."""
    for _ in range(600):
        found = re.search(r"on (http://127\.0\.0\.1:\d+)", log.read_text())
        if found:
            return found.group(1)
        assert proc.poll() is None, log.read_text()
        time.sleep(0.05)
    raise AssertionError("the server did not print its URL")


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` served for real on a loopback port (uvicorn in a thread, its lifespan run);
    yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def wait_until(done: Any, *, seconds: float = 120.0, every: float = 0.1) -> None:
    """Poll ``done()`` until it is true (a liveness bound, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "not done in time"
        time.sleep(every)
