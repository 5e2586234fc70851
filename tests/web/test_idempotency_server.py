"""Idempotency keys on the running server: identical POSTs sent at once, with one key, are
carried out once (one position declared); the others get the kept answer or, while the first
is still being carried out, 409. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import httpx

from tests.conftest import Database
from tests.web.running import api_token, running

CLIENTS = 8


def test_concurrent_identical_posts_write_once(tmp_path: Path, db: Database) -> None:
    with running(tmp_path, db) as server:
        token = api_token(db, server)
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        body = {"title": "Warehouse clerk", "category": "general_office"}
        start = threading.Barrier(CLIENTS)
        answers: list[httpx.Response] = []
        lock = threading.Lock()

        def post() -> None:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                start.wait()
                response = client.post("/api/v1/positions", json=body, headers=headers)
            with lock:
                answers.append(response)

        threads = [threading.Thread(target=post) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(r.status_code for r in answers)
        assert set(statuses) <= {201, 409} and 201 in statuses, statuses
        made = {r.json()["id"] for r in answers if r.status_code == 201}
        assert len(made) == 1  # every 201 is the same answer
        for busy in (r for r in answers if r.status_code == 409):
            assert busy.headers["retry-after"] == "1"
        with httpx.Client(base_url=server.url, timeout=60) as client:
            listed = client.get("/api/v1/positions", headers={"Authorization": f"Bearer {token}"})
            # and a retry after they all finished gets the kept answer
            retry = client.post("/api/v1/positions", json=body, headers=headers)
        assert [p["id"] for p in listed.json()] == list(made)
        assert retry.status_code == 201 and retry.json()["id"] in made
        assert retry.headers["idempotent-replayed"] == "true"
