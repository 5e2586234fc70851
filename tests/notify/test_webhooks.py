"""Webhooks end to end: an organisation's administrator registers endpoints through the API,
domains emit events, the worker delivers them signed to a real HTTP receiver on loopback that
verifies the signature, and the delivery log is read back through the API. Bodies carry ids
only; another tenant's endpoints answer like ones that do not exist."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import PolicyError
from fairscreen.kit.ids import new_id
from fairscreen.kit.webhooks import verify
from fairscreen.notify import webhooks
from fairscreen.notify.models import OutboxMessage, WebhookEndpoint
from fairscreen.notify.transports import WebhookTransport
from fairscreen.vault import Vault
from tests.accounts.people import Api, World, make_world
from tests.conftest import Database
from tests.notify.conftest import T0, Clock, Emptied, deliverer, loopback_webhooks, message
from tests.notify.servers import Receiver, Request

ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def world(db: Database, vault: Vault, allow_loopback: None) -> World:
    return make_world(db, vault)


def _register(api: Api, url: str, events: list[str]) -> dict[str, Any]:
    response = api.post("/api/v1/webhooks", json={"url": url, "events": events})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _emit(world: World, event: str, data: dict[str, Any], tenant: int = 0) -> list[str]:
    with world.db.sessions.begin() as session:
        return webhooks.emit(
            session,
            organisation_id=world.orgs["employer"][tenant],
            event=event,
            data=data,
            now=utcnow(),
        )


def _verified(request: Request, secret: str, at: datetime = T0) -> dict[str, Any]:
    """What a receiver does: recompute the HMAC over ``t.body`` (standard library only), check
    it and the replay window with ``signing.verify`` too, then trust the body."""
    header = request.headers["fairscreen-signature"]
    t, v1 = (part.split("=", 1)[1] for part in header.split(","))
    mine = hmac.new(secret.encode(), t.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mine, v1)
    assert verify(secret, header, request.body, now=at.timestamp()) == int(t)
    body: dict[str, Any] = request.json()
    return body


def test_an_endpoint_gets_its_secret_once_and_the_database_keeps_it_sealed(
    world: World,
) -> None:
    admin = world.client("employer_admin")
    with Receiver() as receiver:
        made = _register(admin, receiver.url, ["report.issued"])
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 40
    assert made["signature_header"] == "Fairscreen-Signature"
    assert made["replay_window_seconds"] == 300
    assert made["organisation_id"] == world.orgs["employer"][0]
    listed = admin.get("/api/v1/webhooks").json()
    assert [e["id"] for e in listed] == [made["id"]] and "secret" not in listed[0]
    assert "secret" not in admin.get(f"/api/v1/webhooks/{made['id']}").json()
    with world.db.sessions() as session:
        row = session.get(WebhookEndpoint, made["id"])
        assert row is not None and made["secret"].encode() not in bytes(row.secret_ct)
        assert made["secret"][6:].encode() not in bytes(row.secret_ct)
    events = admin.get("/api/v1/webhooks/events").json()["events"]
    assert "report.issued" in events and "webhook.test" in events


def test_unknown_events_and_private_addresses_are_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fairscreen.notify.settings import notify_settings

    admin = world.client("employer_admin")
    bad = admin.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/h", "events": ["report.leaked"]}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.events.0"
    monkeypatch.delenv("FAIRSCREEN_WEBHOOK_ALLOW_NETWORKS")
    notify_settings.cache_clear()
    for url in ("http://127.0.0.1:9/h", "https://169.254.169.254/latest", "https://10.0.0.8/"):
        refused = admin.post("/api/v1/webhooks", json={"url": url, "events": ["*"]})
        # a well-formed URL this server may not call: refused, naming the setting that allows it
        assert refused.status_code == 409, url
        assert "FAIRSCREEN_WEBHOOK_ALLOW_NETWORKS" in refused.json()["detail"]


def test_another_organisations_endpoints_answer_like_none_at_all(world: World) -> None:
    mine = world.client("employer_admin")
    theirs = world.client("employer_admin", tenant=1)
    agency = world.client("agency_admin")
    with Receiver() as receiver:
        made = _register(mine, receiver.url, ["*"])
    unknown = "0" * 32
    for api in (theirs, agency):
        assert api.get("/api/v1/webhooks").json() == []
        for endpoint in (made["id"], unknown):
            answers = [
                api.get(f"/api/v1/webhooks/{endpoint}"),
                api.request("PATCH", f"/api/v1/webhooks/{endpoint}", json={"events": ["*"]}),
                api.post(f"/api/v1/webhooks/{endpoint}/test"),
                api.get(f"/api/v1/webhooks/{endpoint}/deliveries"),
                api.request("DELETE", f"/api/v1/webhooks/{endpoint}"),
            ]
            assert [a.status_code for a in answers] == [404] * 5
            assert {a.json()["detail"] for a in answers} == {
                f"webhook {endpoint}: no such resource"
            }
    assert mine.get(f"/api/v1/webhooks/{made['id']}").status_code == 200


def test_events_reach_the_endpoints_that_want_them_signed_with_ids_only(
    world: World, vault: Vault
) -> None:
    admin = world.client("employer_admin")
    other = world.client("employer_admin", tenant=1)
    check, report = new_id(), new_id()
    with Receiver() as reports, Receiver() as everything, Receiver() as elsewhere:
        wants_reports = _register(admin, reports.url, ["report.issued"])
        wants_all = _register(admin, everything.url, ["*"])
        _register(other, elsewhere.url, ["*"])
        issued = _emit(
            world, "report.issued", {"check_id": check, "report_id": report, "version": 2}
        )
        decided = _emit(world, "decision.recorded", {"check_id": check, "decision_id": new_id()})
        assert len(issued) == 2 and len(decided) == 1
        run = deliverer(world.db, vault, webhook=loopback_webhooks()).run_once()
    assert run.sent == 3
    assert elsewhere.requests == []
    [one] = reports.requests
    body = _verified(one, wants_reports["secret"])
    assert set(body) == {"id", "type", "created_at", "data"}
    assert body["type"] == "report.issued" and body["id"] in issued
    assert body["data"] == {"check_id": check, "report_id": report, "version": 2}
    assert one.headers["fairscreen-id"] == body["id"]
    assert one.headers["fairscreen-event"] == "report.issued"
    assert one.headers["content-type"] == "application/json"
    assert one.path == "/hook"
    both = [_verified(r, wants_all["secret"]) for r in everything.requests]
    assert sorted(b["type"] for b in both) == ["decision.recorded", "report.issued"]
    # a body signed for one endpoint does not verify under another's secret
    with pytest.raises(AssertionError):
        _verified(one, wants_all["secret"])
    for delivered in (*reports.requests, *everything.requests):
        data = delivered.json()["data"]
        assert all(isinstance(v, int) or ID.match(v) for v in data.values())
    for message_id in issued + decided:
        row = message(world.db, message_id)
        assert (row.status, row.answer) == ("sent", "http 200")
        Emptied.check(row)


@pytest.mark.parametrize(
    "data",
    [
        {"candidate_name": "王小明"},
        {"email": "wang@mail.example"},
        {"check_id": "0193ab"},  # not a whole id: could be anything
        {"light": "red"},
        {"score": 0.5},
        {"reasons": ["litigation"]},
        {"nested": {"check_id": "0" * 32}},
        {"Check-Id": "0" * 32},
        {f"k{i}": i for i in range(17)},
    ],
)
def test_a_webhook_body_never_carries_a_persons_data(
    sqlite_db: Database, data: dict[str, Any]
) -> None:
    with pytest.raises(PolicyError), sqlite_db.sessions.begin() as session:
        webhooks.emit(
            session, organisation_id=new_id(), event="report.issued", data=data, now=utcnow()
        )
    with sqlite_db.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_ids_only_keeps_what_a_webhook_may_carry() -> None:
    check = new_id()
    told = {"check": check, "version": 2, "waiting_until": "2026-12-13T00:30:00+00:00"}
    assert webhooks.ids_only(told) == {"check": check, "version": 2}
    assert webhooks.ids_only({"name": "王小明", "light": "red", "flag": True}) == {"flag": True}


def test_unknown_events_are_a_bug_of_the_caller(sqlite_db: Database) -> None:
    with pytest.raises(PolicyError, match="declare it"), sqlite_db.sessions.begin() as session:
        webhooks.emit(
            session, organisation_id=new_id(), event="report.leaked", data={}, now=utcnow()
        )


def test_the_delivery_log_shows_every_attempt_and_pages(world: World, vault: Vault) -> None:
    admin = world.client("employer_admin")
    clock = Clock()
    with Receiver([500]) as receiver:
        made = _register(admin, receiver.url, ["report.issued"])
        [first] = _emit(world, "report.issued", {"check_id": new_id()})
        worker = deliverer(world.db, vault, webhook=loopback_webhooks(), clock=clock)
        assert worker.run_once().retrying == 1
        log = admin.get(f"/api/v1/webhooks/{made['id']}/deliveries").json()
        [pending] = log["deliveries"]
        assert (pending["status"], pending["answer"], pending["attempts"]) == (
            "pending",
            "http 500",
            1,
        )
        assert pending["next_attempt_at"] is not None
        clock.advance(30)
        assert worker.run_once().sent == 1
        for _ in range(2):
            _emit(world, "report.issued", {"check_id": new_id()})
        assert worker.run_once().sent == 2
    assert len(receiver.requests) == 4
    assert receiver.requests[0].headers["fairscreen-id"] == first
    assert receiver.requests[1].headers["fairscreen-id"] == first  # the retry: same id
    page = admin.get(f"/api/v1/webhooks/{made['id']}/deliveries?limit=2").json()
    assert len(page["deliveries"]) == 2 and page["next"] is not None
    rest = admin.get(f"/api/v1/webhooks/{made['id']}/deliveries?limit=2&before={page['next']}")
    [oldest] = rest.json()["deliveries"]
    assert rest.json()["next"] is None
    assert oldest["id"] == first and oldest["event"] == "report.issued"
    assert (oldest["status"], oldest["answer"], oldest["attempts"]) == ("sent", "http 200", 2)
    assert oldest["next_attempt_at"] is None and oldest["sent_at"] is not None
    assert [(t["number"], t["outcome"], t["answer"]) for t in oldest["tries"]] == [
        (1, "retry", "http 500"),
        (2, "sent", "http 200"),
    ]
    assert oldest["tries"][0]["error"] == "the endpoint answered 500"
    bad = admin.get(f"/api/v1/webhooks/{made['id']}/deliveries?limit=0")
    assert bad.status_code == 422


def test_a_removed_endpoint_gets_nothing_more_and_keeps_its_log(world: World, vault: Vault) -> None:
    admin = world.client("employer_admin")
    with Receiver() as receiver:
        made = _register(admin, receiver.url, ["*"])
        [waiting] = _emit(world, "notice.sent", {"check_id": new_id(), "notice_id": new_id()})
        assert admin.request("DELETE", f"/api/v1/webhooks/{made['id']}").status_code == 204
        assert _emit(world, "notice.sent", {"check_id": new_id()}) == []
        assert deliverer(world.db, vault, webhook=loopback_webhooks()).run_once().total == 0
    assert receiver.requests == []
    row = message(world.db, waiting)
    assert (row.status, row.last_error) == ("failed", "the endpoint was removed")
    Emptied.check(row)
    log = admin.get(f"/api/v1/webhooks/{made['id']}/deliveries").json()["deliveries"]
    assert [d["status"] for d in log] == ["failed"]
    shown = admin.get(f"/api/v1/webhooks/{made['id']}").json()
    assert shown["disabled_at"] is not None
    assert admin.post(f"/api/v1/webhooks/{made['id']}/test").status_code == 409
    patch = admin.request("PATCH", f"/api/v1/webhooks/{made['id']}", json={"events": ["*"]})
    assert patch.status_code == 409


def test_a_test_delivery_and_a_change_of_events(world: World, vault: Vault) -> None:
    admin = world.client("agency_admin")
    with Receiver() as receiver:
        made = _register(admin, receiver.url, ["dispute.opened"])
        queued = admin.post(f"/api/v1/webhooks/{made['id']}/test")
        assert queued.status_code == 202
        changed = admin.request(
            "PATCH", f"/api/v1/webhooks/{made['id']}", json={"events": ["dispute.resolved"]}
        )
        assert changed.json()["events"] == ["dispute.resolved"]
        with world.db.sessions.begin() as session:
            agency = world.orgs["agency"][0]
            for event in ("dispute.opened", "dispute.resolved"):
                webhooks.emit(
                    session,
                    organisation_id=agency,
                    event=event,
                    data={"dispute_id": new_id()},
                    now=utcnow(),
                )
        assert deliverer(world.db, vault, webhook=loopback_webhooks()).run_once().sent == 2
    bodies = [_verified(r, made["secret"]) for r in receiver.requests]
    assert [b["type"] for b in bodies] == ["webhook.test", "dispute.resolved"]
    assert bodies[0]["id"] == queued.json()["delivery_id"]
    assert bodies[0]["data"] == {"endpoint_id": made["id"]}


def test_an_address_no_longer_allowed_is_not_reached(world: World, vault: Vault) -> None:
    """The address is checked again at every delivery: an operator who withdraws a network, or
    a host that now resolves elsewhere, stops deliveries to it."""
    admin = world.client("employer_admin")
    with Receiver() as receiver:
        _register(admin, receiver.url, ["*"])
        [waiting] = _emit(world, "report.issued", {"check_id": new_id()})
        strict = WebhookTransport(allowed=(), timeout=5)
        assert deliverer(world.db, vault, webhook=strict).run_once().retrying == 1
    assert receiver.requests == []
    row = message(world.db, waiting)
    assert row.status == "pending" and row.last_error is not None
    assert (
        row.last_error.startswith("endpoint refused") and "not a public address" in row.last_error
    )


def test_a_rotated_secret_signs_every_delivery_from_then_on(world: World, vault: Vault) -> None:
    admin = world.client("employer_admin")
    with Receiver() as receiver:
        made = _register(admin, receiver.url, ["webhook.test"])
        admin.post(f"/api/v1/webhooks/{made['id']}/test")  # queued before, sent after
        rotated = admin.post(f"/api/v1/webhooks/{made['id']}/secret")
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["secret"]
        assert new.startswith("whsec_") and new != made["secret"]
        assert "secret" not in admin.get(f"/api/v1/webhooks/{made['id']}").json()
        # another tenant's administrator cannot rotate it, nor tell that it exists
        other = world.client("employer_admin", 1).post(f"/api/v1/webhooks/{made['id']}/secret")
        assert other.status_code == 404
        assert deliverer(world.db, vault, webhook=loopback_webhooks()).run_once().sent == 1
    (request,) = receiver.requests
    assert _verified(request, new)["type"] == "webhook.test"
    with pytest.raises(AssertionError):
        _verified(request, made["secret"])
    with world.db.sessions() as session:
        row = session.get(WebhookEndpoint, made["id"])
        assert row is not None and new.encode() not in bytes(row.secret_ct)
    assert admin.request("DELETE", f"/api/v1/webhooks/{made['id']}").status_code == 204
    assert admin.post(f"/api/v1/webhooks/{made['id']}/secret").status_code == 409
