"""The candidate's own deletion, from their account, after the whole feedback workflow: a legal
hold refuses it with its approved text (never the staff's reference), and once lifted every
row of the person goes (notices, disputes, documents, resolutions, decisions, invitations, the
reports of every version), the ledger still verifies, and the regulator's tallies keep their
anonymous counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import fairscreen.models as m
from fairscreen.kit.clock import frozen, utcnow
from fairscreen.kit.settings import get_settings
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow
from tests.feedback.test_tenants import _complete_check
from tests.ledger.full import verify_log

PERSONAL = (
    m.Candidate,
    m.Consent,
    m.CheckRequest,
    m.Report,
    m.Notice,
    m.Dispute,
    m.DisputeDocument,
    m.DisputeResolution,
    m.Decision,
    m.Invitation,
    m.AccessLog,
    m.LegalHold,
)
REFERENCE = "(2026)示勞仲字第113號"


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / "zhang.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def _counts(world: World) -> dict[str, int]:
    with world.db.sessions() as session:
        return {
            t.__tablename__: int(session.scalar(select(func.count()).select_from(t)) or 0)
            for t in PERSONAL
        }


def test_a_candidate_deletes_their_own_data_after_the_workflow(world: World) -> None:
    flow, ids = _complete_check(world)
    reviewer = flow.staff("agency_reviewer")
    assert (
        reviewer.post(
            f"{BASE}/disputes/{ids['dispute_id']}/resolve",
            json={"outcome": "corrected", "correction": {"code": None}, "note": "已核實"},
        ).status_code
        == 200
    )
    with frozen(utcnow() + timedelta(days=6)):
        decided = flow.staff("employer_admin", fresh=True).post(
            f"{BASE}/checks/{flow.check_id}/decision",
            json={"outcome": "not_hire", "reasons": ["CN-EMP-01"], "insist": True},
        )
    assert decided.status_code == 201, decided.text
    assert flow.report(flow.staff("recruiter")).status_code == 200  # in the access log
    # a second invitation the same person accepted and never signed
    second = Flow(world, "zhang", "software_engineering", contact=flow.contact)
    second.position_id = flow.position_id
    second.invite("C-ZHANG-2")
    second.accept()
    before = _counts(world)
    assert all(n >= 1 for table, n in before.items() if table != "legal_holds"), str(before)

    held = reviewer.post(
        f"{BASE}/retention/legal-holds",
        json={
            "candidate": flow.check_id,
            "reason_code": "labour_arbitration",
            "reference": REFERENCE,
        },
    )
    assert held.status_code == 201, held.text
    candidate = flow.candidate
    assert candidate is not None
    holds = candidate.get(f"{BASE}/me/legal-holds").json()
    assert holds[0]["reason"]["code"] == "labour_arbitration"
    assert holds[0]["reason"]["text"]["en"].startswith("A labour arbitration")
    english = candidate.get(f"{BASE}/me/legal-holds", params={"lang": "en"}).json()
    assert set(english[0]["reason"]["text"]) == {"en"}
    asked = candidate.post(f"{BASE}/me/deletion-requests")
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["status"] == "verified" and request["candidates"] == 1
    admin = flow.staff("platform_admin")
    refused = admin.post(f"{BASE}/retention/deletion-requests/{request['id']}/process")
    assert refused.json()["status"] == "refused"
    mine = candidate.get(f"{BASE}/me/deletion-requests/{request['id']}").json()
    assert mine["status"] == "refused" and mine["reason"] == "legal hold: labour_arbitration"
    for answer in (
        candidate.get(f"{BASE}/me/legal-holds").text,
        candidate.get(f"{BASE}/me/deletion-requests").text,
        candidate.get(f"{BASE}/retention/legal-holds").text,
    ):
        assert REFERENCE not in answer
    assert flow.staff("recruiter").get(f"{BASE}/me/deletion-requests").status_code == 403

    assert (
        reviewer.post(f"{BASE}/retention/legal-holds/{held.json()['id']}/release").status_code
        == 200
    )
    again = candidate.post(f"{BASE}/me/deletion-requests").json()
    done = admin.post(f"{BASE}/retention/deletion-requests/{again['id']}/process")
    assert done.status_code == 200 and done.json()["status"] == "done", done.text
    assert done.json()["certificate_id"]
    assert _counts(world) == dict.fromkeys(_counts(world), 0)
    assert candidate.get(f"{BASE}/checks").json() == []
    assert candidate.get(f"{BASE}/me/deletion-requests/{again['id']}").json()["status"] == "done"
    assert verify_log(world.db.sessions).ok
    # the regulator's counts are anonymous and stay
    tallies = flow.staff("regulator_inspector").get(f"{BASE}/tallies/decisions").json()
    flagged = {t["flag"]: t["count"] for t in tallies if t["flag"]}
    assert flagged["decision.favourable_light"] == "1"
