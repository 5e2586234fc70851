"""The ignored-alert sweep runs inside ``fairscreen serve``: an alert left unacknowledged past
the pack's deadline becomes a signal while the server runs, with no request at all (it used
to run only when a room was posted); ``0`` turns the loop off."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select

from fairscreen.kit.clock import utcnow
from fairscreen.monitors import escalate
from fairscreen.monitors.livestream import service
from fairscreen.monitors.livestream.detect import RuleDetector
from fairscreen.monitors.livestream.models import LivestreamAlert
from fairscreen.monitors.livestream.pack import shipped_pack
from fairscreen.monitors.livestream.sweeper import SweepSettings, install
from fairscreen.supervision.offsite.models import SignalRow
from tests.conftest import Database
from tests.monitors.livestream.rooms import room
from tests.web.running import running


def _signals(db: Database) -> list[SignalRow]:
    with db.sessions() as session:
        return list(session.scalars(select(SignalRow)))


def test_a_running_server_sweeps_without_a_request(db: Database, tmp_path: Path) -> None:
    pack = shipped_pack()
    raised = utcnow() - timedelta(seconds=pack.escalation.ack_deadline_s + 60)
    with db.sessions.begin() as session:  # one cure claim: an alert, not a repeat
        done = service.ingest(
            session,
            [room(["大家好", "喝了能降血压"], name="R-LATE", firm="F000009")],
            pack=pack,
            detector=RuleDetector(pack),
            now=raised,
        )
    assert (done.alerts, done.escalated) == (1, 0) and _signals(db) == []

    with running(tmp_path, db, livestream_sweep_interval="0.2"):
        deadline = time.monotonic() + 120
        while not _signals(db):
            assert time.monotonic() < deadline, "the server never swept"
            time.sleep(0.1)
    [signal] = _signals(db)
    assert (signal.org, signal.rule) == ("F000009", "livestream.medical_claims")
    with db.sessions() as session:
        _, doc = escalate.evidence_document(session, signal.id)
        [alert] = session.scalars(select(LivestreamAlert)).all()
    assert doc["reason"] == "ignored" and alert.signal_id == signal.id


def test_the_sweep_is_off_at_zero(db: Database) -> None:
    app = FastAPI()
    assert install(app, db.sessions, settings=SweepSettings(sweep_interval=0)) is None
    assert not hasattr(app.state, "livestream_sweep")
    loop = install(app, db.sessions, settings=SweepSettings(sweep_interval=60))
    assert loop is not None and app.state.livestream_sweep is loop and not loop.alive
