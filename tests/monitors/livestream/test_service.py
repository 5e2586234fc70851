"""The chain on a real database: a room's alerts are stored and reach the firm's webhook signed,
a repeated rule becomes a supervision signal with its evidence, an alert the firm ignores does
too after the deadline, an acknowledged one does not, and the tiers then put the violator below
an honest firm, naming the rule."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from fairscreen.accounts.policy import Actor
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.errors import ConflictError, NotFoundError
from fairscreen.kit.webhooks import verify
from fairscreen.monitors import escalate
from fairscreen.monitors.livestream import service
from fairscreen.monitors.livestream.detect import RuleDetector
from fairscreen.monitors.livestream.format import Room
from fairscreen.monitors.livestream.models import LivestreamAlert, LivestreamRoom
from fairscreen.monitors.livestream.pack import shipped_pack
from fairscreen.notify import webhooks
from fairscreen.notify.settings import networks
from fairscreen.organisations.models import Organisation
from fairscreen.supervision import service as tiers_service
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.supervision.register import Firm, Office, Register
from fairscreen.supervision.tiers import shipped_rules
from fairscreen.vault import Vault
from tests.conftest import Database
from tests.monitors.livestream.rooms import room
from tests.notify.conftest import LOOPBACK, T0, allow_loopback, deliverer, loopback_webhooks  # noqa: F401
from tests.notify.servers import Receiver

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PACK = shipped_pack()
VIOLATOR = ["全网最低价", "大家好", "销量第一", "品质国家级", "喝了能降血压"]
HONEST = ["这是我第一次来直播间", "最近天气冷了", "七天无理由退货"]


def _ingest(db: Database, *rooms_: Room, now: datetime = NOW) -> service.RunResult:
    with db.sessions.begin() as session:
        return service.ingest(
            session,
            list(rooms_),
            pack=PACK,
            detector=RuleDetector(PACK),
            now=now,
        )


def _signals(db: Database) -> list[SignalRow]:
    with db.sessions() as session:
        return list(session.scalars(select(SignalRow).order_by(SignalRow.rule)))


def test_a_repeated_rule_becomes_one_signal_with_its_evidence(db: Database) -> None:
    bad = room(VIOLATOR, name="R-BAD", firm="F000001")
    good = room(HONEST, name="R-GOOD", firm="F000002")
    result = _ingest(db, bad, good)
    assert result.as_json()["by_rule"] == {"absolute_terms": 3, "medical_claims": 1}
    assert (result.rooms, result.segments, result.escalated, result.published) == (2, 8, 1, True)
    [signal] = _signals(db)
    assert (signal.org, signal.scenario, signal.rule) == (
        "F000001",
        "livestream_ecommerce",
        "livestream.absolute_terms",
    )
    assert signal.severity == "high"  # one step above the rule's medium: it was repeated
    assert signal.ruleset == "livestream@2026.12.1"
    assert signal.opened_at == bad.started_at
    with db.sessions() as session:
        digest, doc = escalate.evidence_document(session, signal.id)
        alerts = session.scalars(
            select(LivestreamAlert).where(LivestreamAlert.signal_id == signal.id)
        ).all()
    assert digest == hashlib.sha256(canonical_json(doc)).hexdigest()
    assert doc["reason"] == "repeated" and doc["legal_basis"] == "广告法 第九条第(三)项"
    assert [(a["segment"], a["start_ms"], a["text"]) for a in doc["alerts"]] == [
        (0, 0, "全网最低价"),
        (2, 120_000, "销量第一"),
        (3, 180_000, "品质国家级"),
    ]
    assert doc["alerts"][1]["said_at"] == "2026-12-01T11:02:00+00:00"
    assert "H-7f3a9c" not in str(doc)  # the host's id stays out of the evidence
    assert {a.escalated for a in alerts} == {"repeated"} and len(alerts) == 3
    # the same room is read once
    with pytest.raises(ConflictError, match="room R-BAD was ingested before"):
        _ingest(db, bad)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LivestreamRoom)) == 2


def test_repeats_outside_the_window_do_not_escalate(db: Database) -> None:
    spread = room(["全网最低价", "销量第一", "品质国家级"], every_ms=20 * 60_000)
    assert _ingest(db, spread).escalated == 0
    assert _signals(db) == []


def test_an_ignored_alert_escalates_after_the_deadline_and_an_acknowledged_one_not(
    db: Database,
) -> None:
    _ingest(db, room(["喝了能降血压"], name="R-A"), room(["无效退款"], name="R-B", firm="F2"))
    with db.sessions() as session:
        alerts = {a.room: a.id for a in session.scalars(select(LivestreamAlert))}
    with db.sessions.begin() as session:
        service.acknowledge(session, alerts["R-B"], by="staff", now=NOW + timedelta(seconds=30))
        with pytest.raises(NotFoundError):
            service.acknowledge(session, alerts["R-A"], by="x", now=NOW, firm="F2")
    early = NOW + timedelta(seconds=PACK.escalation.ack_deadline_s - 1)
    with db.sessions.begin() as session:
        assert service.sweep(session, pack=PACK, now=early) == 0
    late = NOW + timedelta(seconds=PACK.escalation.ack_deadline_s)
    with db.sessions.begin() as session:
        assert service.sweep(session, pack=PACK, now=late) == 1
        assert service.sweep(session, pack=PACK, now=late + timedelta(hours=1)) == 0
    [signal] = _signals(db)
    assert (signal.org, signal.rule, signal.severity) == (
        "F000001",
        "livestream.medical_claims",
        "high",
    )
    with db.sessions() as session:
        _, doc = escalate.evidence_document(session, signal.id)
        listed = service.list_alerts(session, firm="F2")
    assert doc["reason"] == "ignored" and doc["alerts"][0]["text"] == "喝了能降血压"
    assert listed[0] == 1 and listed[1][0].acknowledged_at is not None


def test_the_tiers_put_the_violator_below_the_honest_firm(db: Database) -> None:
    office = Office(id="o1", name="Office", x=0, y=0)
    firms = [
        Firm(id=f, name=f, x=10, y=10, office="o1", scenarios=("livestream_ecommerce",))
        for f in ("F000001", "F000002")
    ]
    _ingest(db, room(VIOLATOR * 3, name="R-BAD"), room(HONEST, name="R-GOOD", firm="F000002"))
    with db.sessions.begin() as session:
        tiers_service.store_tiers(
            session, shipped_rules(), Register([office], [], firms), date(2026, 12, 2), now=NOW
        )
    with db.sessions() as session:
        tiers = tiers_service.effective_tiers(session)
    bad = tiers[("F000001", "livestream_ecommerce")]
    good = tiers[("F000002", "livestream_ecommerce")]
    order = ["low", "medium", "high", "critical"]
    assert order.index(str(bad.tier)) > order.index(str(good.tier))
    named = {s["rule"] for s in bad.computed.explanation["signals"]}
    assert {"livestream.absolute_terms", "livestream.medical_claims"} <= named


def test_an_alert_reaches_the_firms_webhook_signed_with_ids_only(
    db: Database,
    vault: Vault,
    allow_loopback: None,  # noqa: F811
) -> None:
    firm = "F000001"  # the register's id is the organisation's
    admin = Actor(kind="staff", id="a1", role="employer_admin", organisation_id=firm)
    with Receiver() as receiver:
        with db.sessions.begin() as session:
            session.add(
                Organisation(
                    id=firm,
                    external_ref=firm,
                    kind="employer",
                    name="直播电商一号",
                    jurisdiction="CN",
                    created_at=NOW,
                )
            )
            session.flush()
            secret, _ = webhooks.create_endpoint(
                session,
                vault,
                admin,
                url=receiver.url,
                events=["livestream.alert"],
                allowed=networks(LOOPBACK),
                now=NOW,
            )
        result = _ingest(db, room(["全网最低价", "七天无理由退货"], firm=firm))
        assert result.notified == 1
        run = deliverer(db, vault, webhook=loopback_webhooks()).run_once()
    assert run.sent == 1
    [request] = receiver.requests
    header = request.headers["fairscreen-signature"]
    verify(secret, header, request.body, now=T0.timestamp())
    body = request.json()
    assert body["type"] == "livestream.alert"
    with db.sessions() as session:
        [alert] = session.scalars(select(LivestreamAlert)).all()
    assert body["data"] == {"alert_id": alert.id, "start_ms": 0}
    assert alert.notified == 1
