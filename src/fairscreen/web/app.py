"""``create_app``: the fairscreen web application. Packages mount their routers here.

- ``/api/v1``: the JSON API, every route behind a session or an API token except signing in,
  password setup and candidates' one-time codes; errors as RFC 9457 problem details; rate
  limits per address and per account (``web.ratelimit``); idempotency keys on POSTs
  (``web.idempotency``); an OpenAPI description that lists every answer (``web.openapi``);
- ``/ledger``: the evidence ledger's public C2SP tlog-tiles resources and JSON proofs;
- ``/models``: the model registry and its cards, public (``fairscreen.audit.routes``);
- ``/docs``, ``/redoc``, ``/openapi.json``: the API's description, served offline;
- ``/health``: liveness, for load balancers;
- the portals' pages (``/``, ``/login``, ``/invite/{token}``, ``/me``, ``/staff``,
  ``/regulator``; ``fairscreen.web.portal``), in three languages, over the same services and
  permissions as the API.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.accounts.routes import router as accounts_router
from fairscreen.audit.bias_routes import router as bias_audit_router
from fairscreen.audit.routes import router as models_router
from fairscreen.consent.routes import public_router as invitation_link_router
from fairscreen.consent.routes import router as consent_router
from fairscreen.feedback.jobs import install as install_feedback_jobs
from fairscreen.feedback.routes import router as feedback_router
from fairscreen.jobs.callbacks import router as provider_callbacks_router
from fairscreen.jobs.routes import router as checks_router
from fairscreen.kit.db import BUSY, CheckpointRetrier, checkpoint, engine_of, open_database
from fairscreen.kit.settings import get_settings
from fairscreen.ledger.checkpoints import Publisher
from fairscreen.ledger.routes import router as ledger_router
from fairscreen.monitors.elevators.routes import router as elevators_router
from fairscreen.monitors.kitchens.routes import router as kitchens_router
from fairscreen.monitors.livestream.routes import router as livestream_router
from fairscreen.monitors.livestream.sweeper import install as install_livestream_sweep
from fairscreen.notify.delivery import install as install_delivery
from fairscreen.notify.routes import router as webhooks_router
from fairscreen.organisations.routes import router as positions_router
from fairscreen.retention.routes import me_router as retention_me_router
from fairscreen.retention.routes import router as retention_router
from fairscreen.retention.scheduler import install as install_retention_sweep
from fairscreen.supervision.offsite_routes import router as offsite_router
from fairscreen.supervision.routes import public_router as supervision_public_router
from fairscreen.supervision.routes import router as supervision_router
from fairscreen.web import openapi, portal, problems, security
from fairscreen.web.idempotency import Idempotency
from fairscreen.web.ratelimit import AddressLimit

API_PREFIX = "/api/v1"
# Every router of the JSON API and where it is mounted under API_PREFIX (the access test walks
# this list, so a router mounted here is checked route by route).
API_ROUTERS: tuple[tuple[str, APIRouter], ...] = (
    ("", accounts_router),
    ("", positions_router),
    ("", consent_router),
    ("", invitation_link_router),
    ("", feedback_router),
    ("/retention", retention_router),
    ("/me", retention_me_router),
    ("/webhooks", webhooks_router),
    ("/checks", checks_router),
    ("/audit", bias_audit_router),
    ("/provider", provider_callbacks_router),
    ("/supervision", supervision_router),
    ("/supervision", offsite_router),
    ("/monitors/elevators", elevators_router),
    ("/monitors/livestream", livestream_router),
    ("/monitors/kitchens", kitchens_router),
)

log = logging.getLogger(__name__)


def create_app(
    sessions: sessionmaker[Session] | None = None,
    *,
    publisher: Publisher | None = None,
    allowed_hosts: Iterable[str] | None = None,
) -> FastAPI:
    """The app over ``sessions`` (default: the configured database, migrated). A ``publisher``
    is started with the app and stopped with it (``fairscreen serve`` passes one).
    ``allowed_hosts`` defaults to ``FAIRSCREEN_ALLOWED_HOSTS``.

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
        version="1",
        lifespan=lifespan,
    )
    app.state.sessions = sessions
    problems.install(app)
    # innermost first: idempotency keys around the routes, then the per-address rate limit,
    # then (security.harden) headers, the body limit and trusted hosts outermost
    app.add_middleware(Idempotency, sessions=sessions)
    app.add_middleware(AddressLimit, setting=get_settings().rate_limit_per_address)
    security.harden(
        app,
        allowed_hosts=allowed_hosts if allowed_hosts is not None else get_settings().host_names(),
    )
    for prefix, router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX + prefix)
    app.include_router(ledger_router, prefix="/ledger")
    app.include_router(models_router, prefix="/models")  # public: the model registry and cards
    portal.install(app)
    app.include_router(
        supervision_public_router, prefix="/models/supervision"
    )  # public: tier rules

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: the process answers (no database access)."""
        return {"status": "ok"}

    openapi.install(app, API_PREFIX, API_ROUTERS)
    install_retention_sweep(app, sessions)  # FAIRSCREEN_RETENTION_SWEEP_INTERVAL (0: off)
    install_feedback_jobs(app, sessions)  # FAIRSCREEN_FEEDBACK_INTERVAL (0: off)
    install_delivery(app, sessions)  # the outbox's worker: FAIRSCREEN_NOTIFY_INTERVAL (0: off)
    install_livestream_sweep(app, sessions)  # FAIRSCREEN_LIVESTREAM_SWEEP_INTERVAL (0: off)
    return app
