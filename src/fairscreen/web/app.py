"""``create_app``: the fairscreen web application. Packages mount their routers here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.db import open_database
from fairscreen.ledger.checkpoints import Publisher
from fairscreen.ledger.routes import router as ledger_router
from fairscreen.retention.routes import router as retention_router
from fairscreen.retention.scheduler import install as install_retention_sweep


def create_app(
    sessions: sessionmaker[Session] | None = None, *, publisher: Publisher | None = None
) -> FastAPI:
    """The app over ``sessions`` (default: the configured database, migrated). A ``publisher``
    is started with the app and stopped with it (``fairscreen serve`` passes one)."""
    if sessions is None:
        _, sessions = open_database()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if publisher is not None:
            publisher.start()
        try:
            yield
        finally:
            if publisher is not None:
                publisher.stop()

    # The API docs (/docs: Swagger UI, /redoc: ReDoc) load their scripts from the app itself,
    # from the files fastapi-offline ships, never from a CDN: they work on an offline machine.
    app = FastAPIOffline(
        title="fairscreen",
        summary="Background screening with a regulator-verifiable evidence ledger",
        lifespan=lifespan,
    )
    app.state.sessions = sessions
    app.include_router(ledger_router, prefix="/ledger")
    app.include_router(retention_router, prefix="/retention")
    install_retention_sweep(app, sessions)  # FAIRSCREEN_RETENTION_SWEEP_INTERVAL (0: off)
    return app
