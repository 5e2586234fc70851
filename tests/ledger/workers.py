"""Processes the ledger tests start: concurrent writers, and a writer to kill in mid-batch.

Run as ``python -m tests.ledger.workers <command> ...`` from the repository root.

- ``writer URL NAME BATCHES SIZE``: append BATCHES batches of SIZE entries tagged NAME, one
  transaction each, publishing no checkpoints (the concurrency test).
- ``crasher URL KEYFILE SIZE``: forever, append a batch of SIZE deterministic entries, commit,
  publish a checkpoint and print ``published <size> <root hex>``; prints ``begin <k>`` before
  each batch, so that the test can kill it in the middle of one.
"""

from __future__ import annotations

import sys

from fairscreen.kit.db import make_engine, session_factory, transaction
from fairscreen.ledger import checkpoints, log
from fairscreen.ledger.note import Signer


def crash_entry(k: int, i: int) -> bytes:
    return b'{"batch":%d,"i":%d,"pad":"%s"}' % (k, i, b"x" * 200)


def writer(url: str, name: str, batches: int, size: int) -> None:
    engine = make_engine(url, sqlite_synchronous="NORMAL")
    sessions = session_factory(engine)
    for b in range(batches):
        entries = [b'{"w":"%s","b":%d,"i":%d}' % (name.encode(), b, i) for i in range(size)]
        with transaction(sessions) as session:
            log.append(session, entries)
    engine.dispose()


def crasher(url: str, key_file: str, size: int) -> None:
    engine = make_engine(url, sqlite_synchronous="FULL")
    sessions = session_factory(engine)
    with open(key_file) as handle:
        signer = Signer.parse(handle.read())
    k = 0
    while True:
        print(f"begin {k}", flush=True)
        with transaction(sessions) as session:
            log.append(session, [crash_entry(k, i) for i in range(size)])
        published = checkpoints.publish(sessions, signer)
        print(f"published {published.size} {published.root.hex()}", flush=True)
        k += 1


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "writer":
        writer(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "crasher":
        crasher(args[0], args[1], int(args[2]))
    else:
        raise SystemExit(f"unknown command {command}")
