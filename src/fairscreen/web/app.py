"""``create_app``: the fairscreen web application. Packages mount their routers here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.db import BUSY, CheckpointRetrier, checkpoint, engine_of, open_database
from fairscreen.kit.settings import get_settings
from fairscreen.ledger.checkpoints import Publisher
from fairscreen.ledger.routes import router as ledger_router
from fairscreen.retention.routes import router as retention_router
from fairscreen.retention.scheduler import install as install_retention_sweep

log = logging.getLogger(__name__)


def create_app(
    sessions: sessionmaker[Session] | None = None, *, publisher: Publisher | None = None
) -> FastAPI:
    """The app over ``sessions`` (default: the configured database, migrated). A ``publisher``
    is started with the app and stopped with it (``fairscreen serve`` passes one).

    On SQLite the write-ahead log is checkpointed into the main file and cut to zero bytes when
    the app starts (a destruction whose checkpoint a crash or a reader kept from completing
    still has old page images there) and when it stops cleanly (SIGTERM, SIGINT): a stopped
    server leaves everything in ``fairscreen.db`` alone. While it serves, a checkpoint that a
    reader kept from completing is tried again every ``FAIRSCREEN_SQLITE_CHECKPOINT_RETRY``
    seconds until it completes."""
    if sessions is None:
        _, sessions = open_database()
    engine = engine_of(sessions)
    retrier = (
        CheckpointRetrier(engine, get_settings().sqlite_checkpoint_retry)
        if engine.dialect.name == "sqlite"
        else None
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        checkpoint(engine)
        if publisher is not None:
            publisher.start()
        if retrier is not None:
            retrier.start()
        try:
            yield
        finally:
            if retrier is not None:
                retrier.stop()
            if publisher is not None:
                publisher.stop()
            if checkpoint(engine) == BUSY:
                log.warning("stopped with the SQLite WAL not checkpointed: a reader is still open")

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
