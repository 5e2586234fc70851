"""The JSON API under /retention, through the real app (``fairscreen.web.app.create_app``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from fairscreen.vault import Vault
from fairscreen.web.app import create_app
from tests.conftest import Database
from tests.retention.people import Screened, opens, screen_people


class Client:
    """Real requests into the real app, in process (httpx's ASGI transport)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as c:
                return await c.request(method, url, **kwargs)

        return asyncio.run(call())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@pytest.fixture
def api(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Client:
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    app = create_app(db.sessions)
    app.state.vault = vault
    return Client(app)


@pytest.fixture
def world(db: Database, vault: Vault, tmp_path: Path) -> Screened:
    return screen_people(db, vault, tmp_path, others=1)


def test_the_lifecycle_over_http(api: Client, world: Screened, db: Database, vault: Vault) -> None:
    target = world.target
    created = api.post("/retention/deletion-requests", json={})
    assert created.status_code == 201
    request = created.json()
    assert request["status"] == "received" and request["channel"] == "api"
    rid = request["id"]

    early = api.post(f"/retention/deletion-requests/{rid}/process")
    assert early.status_code == 409 and "not verified" in early.json()["detail"]

    wrong = api.post(
        f"/retention/deletion-requests/{rid}/verify",
        json={"id_number": target.id_number, "name": "別人"},
    )
    assert wrong.status_code == 422
    detail = wrong.json()["detail"]
    assert detail["verified"] is False and detail["attempts_left"] == 4
    assert target.id_number not in wrong.text  # the answer does not echo what was given

    right = api.post(
        f"/retention/deletion-requests/{rid}/verify",
        json={"id_number": target.id_number, "name": target.name},
    )
    assert right.status_code == 200 and right.json()["request"]["status"] == "verified"

    done = api.post(f"/retention/deletion-requests/{rid}/process")
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "done" and body["certificate_id"]
    assert opens(db, vault, target.candidate_id) == "none"

    assert api.get(f"/retention/deletion-requests/{rid}").json()["status"] == "done"
    assert [r["id"] for r in api.get("/retention/deletion-requests").json()] == [rid]
    assert api.get("/retention/deletion-requests", params={"overdue": True}).json() == []
    certificates = api.get("/retention/certificates").json()
    assert certificates[0]["id"] == body["certificate_id"]
    assert certificates[0]["reason"] == "deletion_request" and certificates[0]["subjects"] == 1


def test_holds_over_http(api: Client, world: Screened) -> None:
    placed = api.post(
        "/retention/legal-holds", json={"candidate": world.target.ref, "reason": "仲裁 pending"}
    )
    assert placed.status_code == 201 and placed.json()["active"] is True
    hold = placed.json()["id"]
    assert [h["id"] for h in api.get("/retention/legal-holds", params={"active": True}).json()] == [
        hold
    ]
    released = api.post(f"/retention/legal-holds/{hold}/release")
    assert released.status_code == 200 and released.json()["active"] is False
    assert api.post(f"/retention/legal-holds/{hold}/release").status_code == 409
    assert api.get("/retention/legal-holds", params={"active": True}).json() == []


def test_errors_name_what_is_wrong(api: Client, world: Screened) -> None:
    assert api.get("/retention/deletion-requests/nope").status_code == 404
    bad_channel = api.post("/retention/deletion-requests", json={"channel": "fax"})
    assert bad_channel.status_code == 422 and bad_channel.json()["detail"]["field"] == "channel"
    rid = api.post("/retention/deletion-requests").json()["id"]
    missing = api.post(f"/retention/deletion-requests/{rid}/verify", json={"name": "x"})
    assert missing.status_code == 422 and "id_number" in missing.text
    bad_status = api.get("/retention/deletion-requests", params={"status": "lost"})
    assert bad_status.status_code == 422 and bad_status.json()["detail"]["field"] == "status"
    no_one = api.post("/retention/legal-holds", json={"candidate": "nobody", "reason": "x"})
    assert no_one.status_code == 404
    assert api.post("/retention/legal-holds/nope/release").status_code == 404
