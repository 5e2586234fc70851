"""Each off-site rule fires on a planted violation and stays quiet on a lawful flow, on SQLite
and PostgreSQL. Lawful flows are driven through the real app (invitation, consent, screening
against the sandbox, notices, disputes, decisions); violations are what a misbehaving firm's
system would write: entries through ``ledger.record``, or decisions insisted on against the
rules. Runs are incremental: a second run reads only what was appended since."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fairscreen.kit.clock import frozen, utcnow
from fairscreen.kit.ids import new_id
from fairscreen.ledger import checkpoints, log
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.note import Signer
from fairscreen.ledger.record import record
from fairscreen.policy.pack import load_pack
from fairscreen.rating.models import Report
from fairscreen.retention import deletion
from fairscreen.sources.models import SourceQuery
from fairscreen.supervision.offsite import evidence, service
from fairscreen.supervision.offsite.evidence import EvidenceError, verify_bundle
from fairscreen.supervision.offsite.models import OffsiteRuleset
from tests.accounts.people import World
from tests.feedback.flow import BASE, Flow
from tests.feedback.test_cases import ZHANG_CLAIMS
from tests.supervision.conftest import entries, run, signals

SIGNER = Signer.generate("fairscreen.invalid/ledger")


def _scope_entry(world: World) -> dict[str, Any]:
    (scope,) = [e for e in entries(world) if e["type"] == "scope.fixed"]
    return scope


def _plant_query(world: World, flow: Flow, item: str) -> int:
    """A query the agency's system writes for ``item`` of the flow's check."""
    scope = _scope_entry(world)
    now = utcnow()
    with world.db.sessions.begin() as session:
        return record(
            session,
            EventType.SOURCE_QUERIED,
            SourceQuery,
            {
                "id": new_id(),
                "request_id": flow.check_id,
                "item": item,
                "source": "court_records",
                "queried_at": now,
            },
            at=now,
            org=world.orgs["agency"][0],
            subject=scope["subject"],
            check=scope["check"],
            items=[item],
            attrs={"source": "court_records"},
        )


def test_a_lawful_green_check_and_hire_raise_nothing(world: World) -> None:
    flow = Flow(world, "luo", "general_office").run("C-LUO")
    hired = flow.staff("hiring_manager").post(
        f"{BASE}/checks/{flow.check_id}/decision", json={"outcome": "hire"}
    )
    assert hired.status_code == 201, hired.text
    kinds = {e["type"] for e in entries(world)}
    assert {"consent.signed", "scope.fixed", "source.queried", "report.issued"} <= kinds
    assert all(
        e["attrs"]["unverified"] == 0 for e in entries(world) if e["type"] == "report.issued"
    )
    first = run(world, utcnow())
    assert first.published and first.start == 0 and first.read == first.end
    assert signals(world) == []
    # the rule set's version went on the ledger once, with its digest
    published = [e for e in entries(world) if e["type"] == "ruleset.published"]
    assert [e["attrs"]["ref"] for e in published] == ["offsite@2026.1"]
    again = run(world, utcnow() + timedelta(days=400))  # no deadline is pending either
    assert not again.published and again.read == 0 and signals(world) == []
    with world.db.sessions() as session:
        assert session.scalars(select(OffsiteRuleset.ref)).all() == ["offsite@2026.1"]


def test_queries_without_consent_or_outside_the_scope(world: World) -> None:
    flow = Flow(world, "luo", "general_office").run("C-LUO")
    scope = _scope_entry(world)
    assert "criminal_record" not in scope["items"]
    run(world, utcnow())
    assert signals(world) == []

    outside = _plant_query(world, flow, "criminal_record")  # neither consented nor scoped
    result = run(world, utcnow())
    assert result.read == 1 and result.opened == 2
    found = {s.rule: s for s in signals(world)}
    assert set(found) == {"query.no_consent", "query.outside_scope"}
    for signal in found.values():
        assert signal.org == world.orgs["agency"][0]
        assert outside in signal.evidence and signal.detail == {"items": ["criminal_record"]}
    assert scope_index(world) in found["query.outside_scope"].evidence

    # an item in scope, queried after the candidate revoked the consent: only no_consent
    assert flow.candidate is not None
    revoked = flow.candidate.post(f"{BASE}/consents/{flow.consent['id']}/revoke")
    assert revoked.status_code == 200, revoked.text
    late = _plant_query(world, flow, scope["items"][0])
    run(world, utcnow())
    new = [s for s in signals(world) if late in s.evidence]
    assert [s.rule for s in new] == ["query.no_consent"]


def scope_index(world: World) -> int:
    return next(i for i, e in enumerate(entries(world)) if e["type"] == "scope.fixed")


def test_a_report_rating_an_unverified_finding(world: World) -> None:
    flow = Flow(world, "luo", "general_office").run("C-LUO")
    run(world, utcnow())
    report = next(e for e in entries(world) if e["type"] == "report.issued")
    now = utcnow()
    with world.db.sessions.begin() as session:
        planted = record(
            session,
            EventType.REPORT_ISSUED,
            Report,
            {
                "id": new_id(),
                "request_id": flow.check_id,
                "version": 7,
                "ruleset": report["ruleset"],
                "policy": report["policy"],
                "issued_at": now,
                "content_ct": b"sealed",
            },
            at=now,
            org=world.orgs["agency"][0],
            subject=report["subject"],
            check=report["check"],
            policy=report["policy"],
            ruleset=report["ruleset"],
            attrs={"employer": world.orgs["employer"][0], "unverified": 1},
        )
    run(world, utcnow())
    (signal,) = signals(world)
    assert signal.rule == "report.unverified_rated" and signal.evidence == [planted]
    assert signal.severity == "high" and signal.closed_at is not None


@pytest.mark.parametrize("world", ["luo"], indirect=True)
def test_the_zhang_pattern_a_not_hire_insisted_on_a_green_report(world: World) -> None:
    flow = Flow(world, "luo", "general_office").run("C-LUO")
    admin = flow.staff("employer_admin")
    decided = admin.post(
        f"{BASE}/checks/{flow.check_id}/decision",
        json={"outcome": "not_hire", "reasons": [], "insist": True},
    )
    assert decided.status_code == 201, decided.text
    assert "decision.favourable_light" in decided.json()["flags"]
    run(world, utcnow())
    found = {s.rule: s for s in signals(world)}
    # green: no notice could be sent, so both rules hold
    assert set(found) == {"decision.favourable_light", "decision.no_notice"}
    employer = world.orgs["employer"][0]
    assert {s.org for s in found.values()} == {employer}
    assert found["decision.favourable_light"].severity == "serious"
    assert found["decision.favourable_light"].evidence == [decided.json()["ledger_index"]]


@pytest.mark.parametrize("world", ["zhang"], indirect=True)
def test_a_decision_inside_the_waiting_period_and_its_evidence(
    world: World, tmp_path: Path
) -> None:
    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    recruiter = flow.staff("recruiter")
    assert flow.report(recruiter).json()["versions"][0]["light"] == "yellow"
    sent = recruiter.post(f"{BASE}/checks/{flow.check_id}/notices", json={"reasons": ["CN-EMP-01"]})
    assert sent.status_code == 201, sent.text
    run(world, utcnow())
    assert signals(world) == []  # a notice is lawful
    decided = flow.staff("employer_admin").post(
        f"{BASE}/checks/{flow.check_id}/decision",
        json={"outcome": "not_hire", "reasons": ["CN-EMP-01"], "insist": True},
    )
    assert decided.status_code == 201 and decided.json()["flags"] == ["decision.waiting_period"]
    run(world, utcnow())
    (signal,) = signals(world)
    assert signal.rule == "decision.waiting_period"

    # its evidence, proved against a signed checkpoint, checked with the public key only
    with world.db.sessions() as session, pytest.raises(EvidenceError, match="no signed checkpoint"):
        evidence.bundle(session, signal)
    checkpoints.publish(world.db.sessions, SIGNER)
    with world.db.sessions() as session:
        doc = evidence.bundle(session, signal)
    doc = json.loads(json.dumps(doc))  # as a file would carry it
    verified = verify_bundle(doc, SIGNER.verifier)
    assert [e["entry"]["type"] for e in verified.entries] == ["decision.recorded"]
    assert verified.entries[0]["entry"]["attrs"]["flag"] == "decision.waiting_period"
    # an entry altered, a proof hash changed, another key: each refused
    altered = json.loads(json.dumps(doc))
    raw = altered["entries"][0]["entry"]
    altered["entries"][0]["entry"] = raw[:-4] + ("AAAA" if raw[-4:] != "AAAA" else "BBBB")
    with pytest.raises(EvidenceError, match="is not in the log's tree"):
        verify_bundle(altered, SIGNER.verifier)
    other = Signer.generate("fairscreen.invalid/ledger")
    with pytest.raises(EvidenceError, match="not signed by the log's key"):
        verify_bundle(doc, other.verifier)


@pytest.mark.parametrize("world", ["zhang"], indirect=True)
def test_a_lawful_notice_wait_and_not_hire_raise_nothing(world: World) -> None:
    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    recruiter = flow.staff("recruiter")
    sent = recruiter.post(f"{BASE}/checks/{flow.check_id}/notices", json={"reasons": ["CN-EMP-01"]})
    assert sent.status_code == 201, sent.text
    with frozen(utcnow() + timedelta(days=8)):
        flow.clients.clear()
        decided = flow.staff("hiring_manager").post(
            f"{BASE}/checks/{flow.check_id}/decision",
            json={"outcome": "not_hire", "reasons": ["CN-EMP-01"]},
        )
        assert decided.status_code == 201 and decided.json()["flags"] == [], decided.text
        run(world, utcnow())
    assert signals(world) == []


@pytest.mark.parametrize("world", ["zhang"], indirect=True)
def test_a_reinvestigation_past_its_deadline_opens_then_closes(world: World) -> None:
    from fairscreen.feedback.jobs import run_due

    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    finding = flow.mine()["versions"][0]["reasons"][0]["findings"][0]
    assert flow.candidate is not None
    opened = flow.candidate.post(
        f"{BASE}/checks/{flow.check_id}/disputes", json={"finding": finding, "text": "不對。"}
    )
    assert opened.status_code == 201, opened.text
    due = next(e for e in entries(world) if e["type"] == "dispute.opened")["attrs"]["due_by"]
    from fairscreen.supervision.offsite.engine import parse_time

    deadline = parse_time(due)
    run(world, deadline)  # at the deadline: not late
    assert signals(world) == []
    run(world, deadline + timedelta(hours=23))  # inside the rule's 24 hours of grace
    assert signals(world) == []
    late = deadline + timedelta(hours=25)
    result = run(world, late)
    assert result.read == 0 and result.opened == 1  # found from the index of deadlines
    (signal,) = signals(world)
    assert signal.rule == "dispute.overdue" and signal.closed_at is None
    assert signal.org == world.orgs["agency"][0]
    run(world, late + timedelta(hours=1))
    assert len(signals(world)) == 1  # not signalled twice
    # the deadline job resolves it (finding deleted): the signal closes with that entry
    done = run_due(world.db.sessions, lambda: world.vault, now=late + timedelta(hours=2))
    assert len(done.disputes) == 1
    closing = run(world, late + timedelta(hours=3))
    assert closing.closed == 1 and closing.opened == 0
    (signal,) = signals(world)
    resolved = next(i for i, e in enumerate(entries(world)) if e["type"] == "dispute.resolved")
    assert signal.closed_at is not None and resolved in signal.evidence


@pytest.mark.parametrize("world", ["zhang"], indirect=True)
def test_a_reinvestigation_on_time_raises_nothing(world: World) -> None:
    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    finding = flow.mine()["versions"][0]["reasons"][0]["findings"][0]
    assert flow.candidate is not None
    opened = flow.candidate.post(
        f"{BASE}/checks/{flow.check_id}/disputes", json={"finding": finding, "text": "不對。"}
    )
    assert opened.status_code == 201, opened.text
    run(world, utcnow())
    resolved = flow.staff("agency_reviewer").post(
        f"{BASE}/disputes/{opened.json()['id']}/resolve", json={"outcome": "deleted"}
    )
    assert resolved.status_code == 200, resolved.text
    run(world, utcnow() + timedelta(days=90))
    assert signals(world) == []


def test_a_deletion_request_past_its_due_date(world: World) -> None:
    pack = load_pack()
    with world.db.sessions.begin() as session:
        request = deletion.receive(session, now=utcnow(), pack=pack, channel="cli")
    run(world, utcnow())
    assert signals(world) == []
    end_of_due_day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    end_of_due_day += timedelta(days=(request.due_by - utcnow().date()).days + 1)
    run(world, end_of_due_day + timedelta(hours=23))
    assert signals(world) == []
    run(world, end_of_due_day + timedelta(hours=25))
    (signal,) = signals(world)
    assert signal.rule == "deletion.overdue" and signal.org == "platform"
    assert signal.closed_at is None and len(signal.evidence) == 1


def test_a_witness_alarm_becomes_a_signal_once(world: World, tmp_path: Path) -> None:
    from dataclasses import asdict

    from fairscreen.kit.files import atomic_write
    from fairscreen.ledger.witness import STATE_FORMAT, Alarm

    alarm = Alarm("rollback", "fairscreen.invalid/ledger", "http://127.0.0.1:1", 40, 20, "smaller")
    state = tmp_path / "witness"
    atomic_write(
        state / "state.json",
        json.dumps(
            {"format": STATE_FORMAT, "logs": {alarm.origin: {"size": 40, "alarm": asdict(alarm)}}}
        ).encode(),
    )
    run(world, utcnow(), witness_state=state)
    run(world, utcnow(), witness_state=state)
    (signal,) = signals(world)
    assert signal.rule == "log.witness_alarm" and signal.org == "platform"
    assert signal.detail is not None and signal.detail["kind"] == "rollback"


def test_a_second_run_reads_only_the_new_entries(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = Flow(world, "luo", "general_office").run("C-LUO")
    first = run(world, utcnow())
    read: list[tuple[int, int]] = []
    real = log.read_entries

    def spy(session: Any, start: int, end: int) -> list[bytes]:
        read.append((start, end))
        return real(session, start, end)

    planted = [_plant_query(world, flow, "criminal_record") for _ in range(3)]
    monkeypatch.setattr(log, "read_entries", spy)
    second = run(world, utcnow())
    assert (second.start, second.end) == (first.end, first.end + 3) == (planted[0], planted[-1] + 1)
    assert read == [(first.end, first.end + 3)]
    assert second.opened == 6 and len(signals(world)) == 6
    read.clear()
    third = run(world, utcnow())
    assert third.read == 0 and read == [] and len(signals(world)) == 6


def test_the_signals_queue_over_the_api(world: World) -> None:
    """The inspector runs the checks on demand, filters and pages the queue and reads a signal
    with its proofs; a firm sees its own signals only."""
    flow = Flow(world, "luo", "general_office").run("C-LUO")
    for _ in range(3):
        _plant_query(world, flow, "criminal_record")
    inspector = flow.staff("regulator_inspector")
    ran = inspector.post(f"{BASE}/supervision/offsite/run")
    assert ran.status_code == 200 and ran.json()["opened"] == 6, ran.text
    state = inspector.get(f"{BASE}/supervision/offsite").json()
    assert state["next_index"] == state["log_size"] == ran.json()["end"]
    queue = f"{BASE}/supervision/signals"
    page = inspector.get(queue, params={"rule": "query.no_consent", "limit": 2}).json()
    assert page["total"] == 3 and len(page["signals"]) == 2
    rest = inspector.get(queue, params={"rule": "query.no_consent", "limit": 2, "offset": 2})
    assert len(rest.json()["signals"]) == 1
    ids = {s["id"] for s in page["signals"]} | {s["id"] for s in rest.json()["signals"]}
    assert len(ids) == 3
    assert inspector.get(queue, params={"severity": "nonsense"}).status_code == 422
    agency = world.orgs["agency"][0]
    assert inspector.get(queue, params={"org": agency}).json()["total"] == 6
    # the agency's administrator sees its own; the other tenant's, nothing
    assert flow.staff("agency_admin").get(queue).json()["total"] == 6
    assert flow.staff("agency_admin", 1).get(queue).json()["total"] == 0
    one = page["signals"][0]
    assert flow.staff("agency_admin", 1).get(f"{queue}/{one['id']}").status_code == 404
    # evidence needs a signed checkpoint holding it
    assert inspector.get(f"{queue}/{one['id']}").status_code == 409
    checkpoints.publish(world.db.sessions, SIGNER)
    doc = flow.staff("agency_admin").get(f"{queue}/{one['id']}").json()
    assert verify_bundle(doc, SIGNER.verifier).size >= max(one["evidence"]) + 1
    assert doc["signal"]["title"] and doc["signal"]["legal_basis"] == "PIPL art. 13, 14, 15"
    assert inspector.post(f"{BASE}/supervision/offsite/run").json()["read"] == 0


def test_run_all_commits_in_steps_and_finds_the_same(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = Flow(world, "luo", "general_office").run("C-LUO")
    planted = [_plant_query(world, flow, "criminal_record") for _ in range(3)]
    steps: list[tuple[int, int]] = []
    real = service.run

    def counted(session: Any, **kw: Any) -> service.RunResult:
        result = real(session, **kw)
        steps.append((result.start, result.end))
        return result

    monkeypatch.setattr(service, "run", counted)
    total = service.run_all(world.db.sessions, now=utcnow(), step=5)
    size = planted[-1] + 2  # the rule set's publication is appended by the first step
    assert (total.start, total.end, total.opened) == (0, size, 6) and total.published
    assert steps[0] == (0, 5) and steps[-1][1] == size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(steps))
    assert len(signals(world)) == 6
