"""Consent online through the API: the invitation's link, the code to the invited contact only,
signing item by item (with the separate consent for sensitive items), the receipt, revoking,
a check that waits for the sandbox, and invitations nobody answered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import fairscreen.models as m
from fairscreen.accounts import throttle
from fairscreen.feedback.jobs import FeedbackScheduler, purge_invitations
from fairscreen.kit.clock import frozen, utcnow
from fairscreen.kit.settings import get_settings
from fairscreen.vault import Vault
from tests.accounts.people import Api, World, candidate_client, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow, case_candidate, latest_message, messages
from tests.feedback.test_cases import entry

SANDBOX = str(CASES / "zhang.jsonl")


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", SANDBOX)
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def _count(world: World, table: type) -> int:
    with world.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_the_link_says_what_is_asked_and_the_code_goes_to_the_invited_contact(
    world: World,
) -> None:
    flow = Flow(world, "zhang", "executive_legal_rep")
    made = flow.invite("C-ZHANG")
    assert made["status"] == "sent" and made["client_reference"] == "C-ZHANG"
    assert latest_message(world, flow.contact, "invitation")["token"] == flow.token
    link = Api(world.app())
    assert link.get(f"{BASE}/invitation/fsi_unknown").status_code == 404
    view = link.get(f"{BASE}/invitation/{flow.token}").json()
    assert view["for_whom"]["employer"] == "employer 0"
    assert view["why"].endswith(
        "(勞動合同法 第8條: facts directly related to the employment contract)"
    )
    assert view["for_whom"]["agency"] == "agency 0"
    checked = {i["item"]: i for i in view["what_is_checked"]}
    assert checked["criminal_record"]["separate_consent"] is True
    assert checked["identity"]["separate_consent"] is False
    assert all(i["why"]["citation"] for i in checked.values())
    assert "litigation_as_plaintiff" in view["never_collected"]
    assert view["how_long"]["days_after_the_decision"] == 180
    assert view["your_rights"]["pre_adverse_notice_days"] == 5
    # whoever holds the link, the code goes to the contact the employer invited, nowhere else
    assert link.post(f"{BASE}/invitation/{flow.token}/code").status_code == 202
    sent = [r for c, r, p in messages(world, "one_time_code")]
    assert sent == [flow.contact]
    wrong = link.post(f"{BASE}/invitation/{flow.token}/accept", json={"code": "000000"})
    assert wrong.status_code == 401
    code = latest_message(world, flow.contact, "one_time_code")["code"]
    accepted = link.post(f"{BASE}/invitation/{flow.token}/accept", json={"code": code})
    assert accepted.status_code == 200 and accepted.json()["invitation_id"] == made["id"]
    again = link.post(f"{BASE}/invitation/{flow.token}/accept", json={"code": code})
    assert again.status_code == 401  # a code opens once
    staff = flow.staff("recruiter").get(f"{BASE}/invitations/{made['id']}").json()
    assert staff["status"] == "accepted"


def test_signing_item_by_item_with_a_receipt(world: World) -> None:
    flow = Flow(world, "zhang", "executive_legal_rep")
    flow.invite("C-ZHANG")
    candidate = flow.accept()
    url = f"{BASE}/invitations/{flow.invitation['id']}/sign"
    person = case_candidate("zhang")
    identity = {
        "name": person["name"],
        "id_document": person["id_document"],
        "birth_date": person["birth_date"],
    }
    not_offered = candidate.post(url, json={"identity": identity, "items": ["gossip"]})
    assert not_offered.status_code == 422
    assert not_offered.json()["errors"][0]["field"] == "items[0]"
    not_sensitive = candidate.post(
        url, json={"identity": identity, "items": ["identity"], "separate_items": ["identity"]}
    )
    assert not_sensitive.status_code == 422
    wrong_id = {
        **identity,
        "id_document": {"kind": "cn_resident_id", "number": "990105199107020377"},
    }
    bad = candidate.post(url, json={"identity": wrong_id, "items": ["identity"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "id_document.number"
    assert "990105199107020377" not in bad.text and person["birth_date"] not in bad.text
    unknown_kind = {**identity, "id_document": {**identity["id_document"], "kind": "ssn"}}
    bad = candidate.post(url, json={"identity": unknown_kind, "items": ["identity"]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.identity.id_document.kind"
    assert identity["id_document"]["number"] not in bad.text
    other = candidate_client(world, "nosy@mail.example")
    assert other.post(url, json={"identity": identity, "items": ["identity"]}).status_code == 404

    # criminal_record signed without its separate consent: not checked, and said why
    signed = flow.sign(items=["identity", "employment", "criminal_record"])
    assert signed["check"]["status"] == "reported"
    receipt = signed["consent"]["receipt"]
    assert entry(world, receipt["ledger_index"])["type"] == "consent.signed"
    assert entry(world, receipt["ledger_index"])["items"] == [
        "criminal_record",
        "employment",
        "identity",
    ]
    mine = flow.mine()["versions"][0]
    not_checked = {n["item"]: n["why"] for n in mine["not_checked"]}
    assert not_checked["criminal_record"] == "separate_consent_missing"
    assert not_checked["education"] == "no_consent"
    # the consent was recorded once, though the check ran after it through the batch Recorder
    assert _count(world, m.Consent) == 1
    assert (
        candidate.post(url, json={"identity": identity, "items": ["identity"]}).status_code == 409
    )
    listed = candidate.get(f"{BASE}/consents").json()
    assert [c["id"] for c in listed] == [flow.consent["id"]]
    assert listed[0]["check_id"] == flow.check_id
    revoked = candidate.post(f"{BASE}/consents/{flow.consent['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert candidate.post(f"{BASE}/consents/{flow.consent['id']}/revoke").status_code == 409
    assert (
        flow.staff("recruiter").get(f"{BASE}/invitations/{flow.invitation['id']}").json()["status"]
        == "revoked"
    )


def test_a_check_waits_for_the_sandbox_and_stops_if_the_consent_was_revoked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAIRSCREEN_SANDBOX_WORLD")
    get_settings.cache_clear()
    waiting = Flow(world, "zhang", "software_engineering")
    waiting.invite("C-ZHANG")
    waiting.accept()
    pending = waiting.sign()
    assert pending["check"]["status"] == "pending"
    assert "FAIRSCREEN_SANDBOX_WORLD" in pending["check"]["detail"]
    revoked = Flow(world, "zhang", "software_engineering", contact="second@mail.example")
    revoked.invite("C-ZHANG-2")
    revoked.accept()
    revoked.sign()
    assert revoked.candidate is not None
    assert (
        revoked.candidate.post(f"{BASE}/consents/{revoked.consent['id']}/revoke").status_code == 200
    )
    assert _count(world, m.CheckRequest) == 0

    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", SANDBOX)
    get_settings.cache_clear()
    later = utcnow() + timedelta(minutes=5)
    run = FeedbackScheduler(
        world.db.sessions, lambda: world.vault, interval=60, clock=lambda: later
    ).run_once()
    assert sorted(c.status for c in run.checks) == ["reported", "stopped"]
    with world.db.sessions() as session:
        stopped = session.scalars(
            select(m.CheckRequest).where(m.CheckRequest.status == "stopped")
        ).one()
        assert stopped.stop_reason == "consent_revoked"
        queries = session.scalar(
            select(func.count())
            .select_from(m.SourceQuery)
            .where(m.SourceQuery.request_id == stopped.id)
        )
    assert queries == 0  # a revoked consent: no source asked
    issued = {r for _, r, _ in messages(world, "report.issued")}
    assert waiting.contact in issued and revoked.contact not in issued


def test_invitations_are_the_inviting_organisations_and_unanswered_ones_go(
    world: World,
) -> None:
    flow = Flow(world, "zhang", "software_engineering")
    made = flow.invite("C-ZHANG")
    mine = flow.staff("recruiter").get(
        f"{BASE}/invitations", params={"client_reference": "C-ZHANG"}
    )
    assert [i["id"] for i in mine.json()] == [made["id"]]
    assert (
        flow.staff("recruiter")
        .get(f"{BASE}/invitations", params={"client_reference": "C-OTHER"})
        .json()
        == []
    )
    assert flow.staff("agency_analyst").get(f"{BASE}/invitations").json()[0]["id"] == made["id"]
    throttle.reset()
    stranger = world.client("recruiter", 1)
    assert stranger.get(f"{BASE}/invitations", params={"client_reference": "C-ZHANG"}).json() == []
    assert stranger.get(f"{BASE}/invitations/{made['id']}").status_code == 404
    # an agency not engaged for the position cannot invite for it
    outsider = world.client("agency_analyst", 1)
    refused = outsider.post(
        f"{BASE}/invitations",
        json={
            "position_id": flow.position_id,
            "contact": "x@mail.example",
            "client_reference": "X",
        },
    )
    assert refused.status_code == 404

    keys = _count(world, m.DataKey)
    with frozen(utcnow() + timedelta(days=15)):
        assert Api(world.app()).get(f"{BASE}/invitation/{flow.token}").status_code == 404
        assert purge_invitations(world.db.sessions, now=utcnow()) == 1
    assert _count(world, m.Invitation) == 0 and _count(world, m.DataKey) == keys - 1


def test_an_index_rotation_keeps_invitations_found_by_their_client_reference(
    world: World,
) -> None:
    from fairscreen.vault import reindex

    flow = Flow(world, "zhang", "software_engineering").run("C-ZHANG")
    unsigned = Flow(world, "luo", "general_office", tenant=0)
    unsigned.position_id = flow.position_id
    unsigned.invite("C-LUO")
    result = reindex.rotate_index(world.db.sessions, world.vault)
    assert result.failed == 0 and result.retired == [1]
    with world.db.sessions() as session:
        versions = set(session.scalars(select(m.Invitation.blind_index_version)))
    assert versions == {2}
    recruiter = flow.staff("recruiter")
    for ref, invitation in (("C-ZHANG", flow.invitation), ("C-LUO", unsigned.invitation)):
        found = recruiter.get(f"{BASE}/invitations", params={"client_reference": ref}).json()
        assert [i["id"] for i in found] == [invitation["id"]]
