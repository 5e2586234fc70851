"""The app factory: routers mounted, the publisher started and stopped with the app."""

from __future__ import annotations

import asyncio

import httpx

from fairscreen.ledger import checkpoints, log
from fairscreen.ledger.note import Signer
from fairscreen.web.app import create_app
from tests.conftest import Database


def test_the_ledger_router_is_mounted(db: Database) -> None:
    paths = set(create_app(db.sessions).openapi()["paths"])
    assert {
        "/ledger/checkpoint",
        "/ledger/proof/inclusion",
        "/ledger/proof/consistency",
        "/ledger/receipt/{index}",
        "/ledger/tile/{level}/{path}",
        "/ledger/tile/entries/{path}",
    } <= paths


def test_the_publisher_lives_with_the_app(db: Database) -> None:
    signer = Signer.generate("app.test/log")
    with db.sessions.begin() as session:
        log.append(session, [b"one", b"two"])
    publisher = checkpoints.Publisher(db.sessions, signer, interval=0.05)
    app = create_app(db.sessions, publisher=publisher)

    async def go() -> str:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://localhost"
            ) as client:
                while (response := await client.get("/ledger/checkpoint")).status_code != 200:
                    await asyncio.sleep(0.02)
                return response.text

    assert asyncio.run(go()).split("\n")[:2] == ["app.test/log", "2"]
    assert not publisher.alive  # stopped with the app
