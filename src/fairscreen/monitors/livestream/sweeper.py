"""The ignored-alert sweep inside ``fairscreen serve``: every
``FAIRSCREEN_LIVESTREAM_SWEEP_INTERVAL`` seconds (60; 0 turns it off) an alert the firm has not
acknowledged within the shipped pack's deadline becomes a supervision signal
(``service.sweep``), whether or not anyone is sending rooms. One ``kit.periodic`` loop beside
the publisher, retention, feedback and notify loops; ``fairscreen monitor livestream sweep``
does the same once, from cron or by hand."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.clock import utcnow
from fairscreen.kit.periodic import Periodic, alongside


class SweepSettings(BaseSettings):
    """``FAIRSCREEN_LIVESTREAM_SWEEP_INTERVAL``: seconds between sweeps in ``serve`` (0: none)."""

    model_config = SettingsConfigDict(env_prefix="FAIRSCREEN_LIVESTREAM_", extra="ignore")

    sweep_interval: float = 60.0


def sweep_once(sessions: sessionmaker[Session]) -> int:
    """One sweep under the shipped pack, now, in one transaction; the signals made."""
    from fairscreen.monitors.livestream import service
    from fairscreen.monitors.livestream.pack import shipped_pack

    with sessions.begin() as session:
        return service.sweep(session, pack=shipped_pack(), now=utcnow())


def install(
    app: FastAPI, sessions: sessionmaker[Session], *, settings: SweepSettings | None = None
) -> Periodic | None:
    """Sweep for as long as ``app`` runs (``app.state.livestream_sweep``); None when off."""
    settings = settings or SweepSettings()
    if settings.sweep_interval <= 0:
        return None
    loop = Periodic(
        "livestream-sweep", lambda: sweep_once(sessions), interval=settings.sweep_interval
    )
    app.state.livestream_sweep = loop
    alongside(app, loop)
    return loop
