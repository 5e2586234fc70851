"""The source article's three cases, end to end through the API, from invitation to decision,
on SQLite and PostgreSQL: the sandbox serves each case fixture's records.

- Ms Luo: a green report; every not-hire is refused, a hire is recorded.
- Mr Zhang: a claim the registers cannot confirm makes his first report yellow; he disputes it
  with a document, the agency reinvestigates and deletes it, the report is re-rated green as
  version 2; a not-hire citing his litigation is refused, and, insisted on, recorded with a
  compliance flag that the ledger entry and the regulator's tally show.
- Mr Wang: a former colleague's remark is excluded; it never reaches the employer (no staff
  answer holds it, nor that anything was excluded), and he sees that it was excluded and why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from fairscreen.kit.clock import frozen, utcnow
from fairscreen.kit.settings import get_settings
from fairscreen.ledger import log
from fairscreen.models import AccessLog
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow, case_candidate, messages, subscribe
from tests.ledger.full import verify_log

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def world(
    db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[World]:
    case = getattr(request, "param", "zhang")
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / f"{case}.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    yield subscribe(make_world(db, vault))
    get_settings.cache_clear()


def entry(world: World, index: int) -> dict[str, Any]:
    with world.db.sessions() as session:
        return dict(orjson.loads(log.read_entries(session, index, index + 1)[0]))


def refused(response: Any, rule: str) -> dict[str, Any]:
    assert response.status_code == 409, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["rule"] == rule, problem
    return dict(problem)


@pytest.mark.parametrize("world", ["luo"], indirect=True)
def test_luo_no_not_hire_on_her_green_report(world: World) -> None:
    flow = Flow(world, "luo", "general_office").run("C-LUO")
    mine = flow.mine()
    assert [v["light"] for v in mine["versions"]] == ["green"]
    assert mine["versions"][0]["reasons"] == []
    # the report went to both sides at once, with ids only in the organisations' webhooks
    issued = messages(world, "report.issued")
    assert {r for _, r, _ in issued} == {
        flow.contact,
        f"org:{world.orgs['employer'][0]}",
        f"org:{world.orgs['agency'][0]}",
    }
    for channel, _, params in issued:
        assert params == {"check": flow.check_id, "version": 1}, channel

    recruiter, manager = flow.staff("recruiter"), flow.staff("hiring_manager")
    report = flow.report(recruiter)
    assert report.status_code == 200 and report.json()["versions"][0]["light"] == "green"
    # no notice: a green report gives no adverse reason to notify
    refused(
        recruiter.post(f"{BASE}/checks/{flow.check_id}/notices", json={"reasons": ["CN-EMP-01"]}),
        "notice.favourable_light",
    )
    decision = f"{BASE}/checks/{flow.check_id}/decision"
    for reasons in ([], ["civil_litigation"], ["CN-EMP-01"], ["litigation_as_plaintiff"]):
        problem = refused(
            manager.post(decision, json={"outcome": "not_hire", "reasons": reasons}),
            "decision.favourable_light",
        )
        assert "decision.no_notice" in problem["rules"]
    # the waiting of a notice that could not be sent changes nothing: still refused later
    with frozen(utcnow() + timedelta(days=30)):
        flow.clients.clear()  # sessions end after 30 idle minutes: sign in again
        later = flow.staff("hiring_manager")
        refused(later.post(decision, json={"outcome": "not_hire"}), "decision.favourable_light")
    flow.clients.clear()
    hired = manager.post(decision, json={"outcome": "hire"})
    assert hired.status_code == 201, hired.text
    assert hired.json()["flags"] == [] and entry(world, hired.json()["ledger_index"])["attrs"] == {
        "employer": world.orgs["employer"][0]
    }
    refused(manager.post(decision, json={"outcome": "hire"}), "decision.already_recorded")
    # the candidate sees the decision; the employer's reads are in her access log
    assert flow.mine()["decision"]["outcome"] == "hire"
    assert flow.candidate is not None
    log_ = flow.candidate.get(f"{BASE}/me/access-log").json()
    assert {(a["role"], a["purpose"]) for a in log_} >= {("recruiter", "hiring_decision")}


ZHANG_CLAIMS = {
    **case_candidate("zhang")["claims"],
    "employment": [
        *case_candidate("zhang")["claims"]["employment"],
        # paid through an outsourcing firm: no social-insurance record under this employer
        {
            "employer": "示範雲計算有限公司",
            "title": "高級工程師",
            "start": "2024-05",
            "end": "2026-09",
        },
    ],
}


@pytest.mark.parametrize("world", ["zhang"], indirect=True)
def test_zhang_dispute_rerating_then_a_litigation_not_hire_is_refused_or_flagged(
    world: World,
) -> None:
    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG", claims=ZHANG_CLAIMS)
    recruiter, manager = flow.staff("recruiter"), flow.staff("hiring_manager")
    reviewer = flow.staff("agency_reviewer")
    decision = f"{BASE}/checks/{flow.check_id}/decision"

    first = flow.report(recruiter).json()["versions"][0]
    assert first["light"] == "yellow"
    assert [r["rule"] for r in first["reasons"]] == ["CN-EMP-01"]
    finding = first["reasons"][0]["findings"][0]
    assert [f["ref"] for f in first["findings"]] == [finding]

    refused(
        manager.post(decision, json={"outcome": "not_hire", "reasons": ["CN-EMP-01"]}),
        "decision.no_notice",
    )
    notice = recruiter.post(
        f"{BASE}/checks/{flow.check_id}/notices", json={"reasons": ["CN-EMP-01"]}
    )
    assert notice.status_code == 201, notice.text
    assert entry(world, notice.json()["ledger_index"])["type"] == "notice.sent"
    refused(
        recruiter.post(f"{BASE}/checks/{flow.check_id}/notices", json={"reasons": ["CN-EMP-01"]}),
        "notice.already_sent",
    )
    refused(
        manager.post(decision, json={"outcome": "not_hire", "reasons": ["CN-EMP-01"]}),
        "decision.waiting_period",
    )

    # the candidate disputes the finding, with a document
    candidate = flow.candidate
    assert candidate is not None
    opened = candidate.post(
        f"{BASE}/checks/{flow.check_id}/disputes",
        json={"finding": finding, "text": "我在示範雲計算工作至2026年9月，社保由外包公司繳納。"},
    )
    assert opened.status_code == 201, opened.text
    dispute = opened.json()["id"]
    documents = f"{BASE}/disputes/{dispute}/documents"
    uploaded = candidate.post(
        documents,
        params={"name": "勞動合同.pdf"},
        content=PDF,
        headers={"Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 201 and uploaded.json()["media_type"] == "application/pdf"
    html = candidate.post(
        documents,
        params={"name": "x.pdf"},
        content=b"<html><script>alert(1)</script></html>",
        headers={"Content-Type": "application/pdf"},
    )
    assert html.status_code == 422  # typed by its content, whatever the header says
    too_big = candidate.post(documents, params={"name": "big.pdf"}, content=PDF + b"0" * (1 << 20))
    assert too_big.status_code == 413

    # an open dispute freezes any decision
    with frozen(utcnow() + timedelta(days=6)):
        later = flow.staff("hiring_manager", fresh=True)
        refused(
            later.post(decision, json={"outcome": "not_hire", "reasons": ["CN-EMP-01"]}),
            "decision.open_dispute",
        )
        refused(later.post(decision, json={"outcome": "hire"}), "decision.open_dispute")
    flow.clients.clear()
    recruiter, reviewer = flow.staff("recruiter"), flow.staff("agency_reviewer")

    # the employer sees the dispute's state, not what the candidate wrote or sent
    seen = recruiter.get(f"{BASE}/disputes/{dispute}").json()
    assert seen["status"] == "open" and "text" not in seen and "documents" not in seen
    assert recruiter.get(f"{documents}/{uploaded.json()['id']}").status_code == 404

    # the agency reinvestigates: reads the text and the document, deletes the finding
    full = reviewer.get(f"{BASE}/disputes/{dispute}").json()
    assert "外包公司" in full["text"] and full["documents"][0]["name"] == "勞動合同.pdf"
    served = reviewer.get(f"{documents}/{uploaded.json()['id']}")
    assert served.status_code == 200 and served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment")
    # served sandboxed: even a browser told to render it runs nothing of it
    assert served.headers["content-security-policy"].startswith("sandbox")
    assert served.headers.get_list("x-content-type-options") == ["nosniff"]
    assert (
        recruiter.post(
            f"{BASE}/disputes/{dispute}/resolve", json={"outcome": "deleted"}
        ).status_code
        == 403
    )  # an employer does not reinvestigate
    for bad, field in (
        ({"outcome": "corrected"}, "correction"),
        (
            {"outcome": "corrected", "correction": {"culpability": "reckless"}},
            "correction.culpability",
        ),
        ({"outcome": "corrected", "correction": {"provenance": {}}}, "correction.provenance"),
    ):
        wrong = reviewer.post(f"{BASE}/disputes/{dispute}/resolve", json=bad)
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == field, wrong.text
    resolved = reviewer.post(
        f"{BASE}/disputes/{dispute}/resolve",
        json={"outcome": "deleted", "note": "外包公司的社保記錄確認了任職。"},
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["resolution"]["new_version"] == 2

    # both sides see both versions; the second is green
    for versions in (flow.mine()["versions"], flow.report(recruiter).json()["versions"]):
        assert [(v["version"], v["light"]) for v in versions] == [(1, "yellow"), (2, "green")]
        assert versions[1]["changes"][0]["outcome"] == "deleted"
    assert {r for _, r, _ in messages(world, "dispute.resolved")} >= {flow.contact}

    # after the waiting period: a not-hire citing his lawsuit is refused ...
    with frozen(utcnow() + timedelta(days=6)):
        flow.clients.clear()
        manager, admin = flow.staff("hiring_manager"), flow.staff("employer_admin")
        problem = refused(
            manager.post(decision, json={"outcome": "not_hire", "reasons": ["civil_litigation"]}),
            "decision.favourable_light",
        )
        assert "decision.excluded_reason" in problem["rules"]
        # ... a hiring manager may not insist; the employer's administrator may, flagged
        insisted = {"outcome": "not_hire", "reasons": ["civil_litigation"], "insist": True}
        assert manager.post(decision, json=insisted).status_code == 403
        recorded = admin.post(decision, json=insisted)
    flow.clients.clear()
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert body["flags"][0] == "decision.favourable_light" and body["insisted"] is True
    ledger = entry(world, body["ledger_index"])
    assert ledger["type"] == "decision.recorded"
    assert ledger["attrs"] == {
        "employer": world.orgs["employer"][0],
        "flag": "decision.favourable_light",
        **({"flags": body["flags"]} if len(body["flags"]) > 1 else {}),
    }
    assert "not_hire" not in json.dumps(ledger)  # the outcome itself is not on the log

    tallies = flow.staff("regulator_inspector").get(f"{BASE}/tallies/decisions").json()
    flagged = {
        t["flag"]: t["count"]
        for t in tallies
        if t["employer_id"] == world.orgs["employer"][0] and t["flag"]
    }
    assert flagged["decision.favourable_light"] == "1"
    assert flagged["decision.excluded_reason"] == "1"
    assert verify_log(world.db.sessions).ok


@pytest.mark.parametrize("world", ["wang"], indirect=True)
def test_wang_the_remark_never_reaches_the_employer(world: World) -> None:
    flow = Flow(world, "wang", "general_office").run("C-WANG")
    mine = flow.mine()["versions"][0]
    assert mine["light"] == "green"
    assert mine["excluded"] == [{"finding": "referees:REF-WANG-1#1", "why": "private_life_hearsay"}]
    remark = next(f for f in mine["findings"] if f["ref"] == "referees:REF-WANG-1#1")
    assert remark["detail"] is None and remark["status"] == "excluded"
    # nothing in any staff answer says the remark exists, or that anything was excluded
    banned = ("REF-WANG-1#1", "private_life", "excluded", "生活作", "hearsay")
    answers = []
    for role in (
        "recruiter",
        "hiring_manager",
        "employer_admin",
        "agency_analyst",
        "agency_reviewer",
    ):
        api = flow.staff(role)
        for url, params in (
            (f"{BASE}/checks", None),
            (f"{BASE}/checks/{flow.check_id}", None),
            (f"{BASE}/checks/{flow.check_id}/report", {"purpose": "hiring_decision"}),
            (f"{BASE}/checks/{flow.check_id}/decision", None),
            (f"{BASE}/disputes", None),
            (f"{BASE}/invitations", None),
            (f"{BASE}/invitations/{flow.invitation['id']}", None),
        ):
            response = api.get(url, params=params)
            if response.status_code == 200:
                answers.append(response.text)
    assert len(answers) >= 20
    for text in answers:
        for word in banned:
            assert word not in text, word
    for _, _, params in messages(world, "report.issued"):
        assert not any(word in json.dumps(params) for word in banned)
    # the excluded remark cannot be disputed (its content is not kept: there is nothing to
    # correct), and the employer's decision is free of it
    assert flow.candidate is not None
    cannot = flow.candidate.post(
        f"{BASE}/checks/{flow.check_id}/disputes",
        json={"finding": "referees:REF-WANG-1#1", "text": "這不是事實"},
    )
    assert cannot.status_code == 409
    # every staff read of his report is in his access log, with its purpose
    with world.db.sessions() as session:
        reads = session.scalars(select(AccessLog.purpose)).all()
    assert reads and set(reads) <= {"hiring_decision"}
    seen = flow.candidate.get(f"{BASE}/me/access-log").json()
    assert len(seen) == len(reads) and {a["check"] for a in seen} == {flow.check_id}
