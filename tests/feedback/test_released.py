"""A check made under a pack that a newer one replaced (cn@2026.1, before cn@2026.2) goes on
under the pack and rule set it was made under: its notice, its dispute and the re-rating after
the reinvestigation all work, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from fairscreen.consent.models import Invitation
from fairscreen.kit.settings import get_settings
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow
from tests.feedback.test_cases import ZHANG_CLAIMS


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / "zhang.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def test_a_check_under_cn_2026_1_gets_its_notice_dispute_and_rerating(world: World) -> None:
    flow = Flow(world, "zhang", "software_engineering")
    flow.invite("C-OLD")
    # the invitation was made by the version of fairscreen that shipped cn@2026.1
    with world.db.sessions.begin() as session:
        session.execute(
            update(Invitation)
            .where(Invitation.id == flow.invitation["id"])
            .values(policy="cn@2026.1")
        )
    flow.accept()
    flow.sign(claims=ZHANG_CLAIMS)
    recruiter, reviewer = flow.staff("recruiter"), flow.staff("agency_reviewer")
    first = flow.report(recruiter).json()["versions"][0]
    assert (first["policy"], first["ruleset"]) == ("cn@2026.1", "cn-rules@2026.1")
    assert first["light"] == "yellow" and [r["rule"] for r in first["reasons"]] == ["CN-EMP-01"]

    notice = recruiter.post(
        f"{BASE}/checks/{flow.check_id}/notices", json={"reasons": ["CN-EMP-01"]}
    )
    assert notice.status_code == 201, notice.text
    assert flow.candidate is not None
    opened = flow.candidate.post(
        f"{BASE}/checks/{flow.check_id}/disputes",
        json={"finding": first["reasons"][0]["findings"][0], "text": "社保由外包公司繳納。"},
    )
    assert opened.status_code == 201, opened.text
    resolved = reviewer.post(
        f"{BASE}/disputes/{opened.json()['id']}/resolve", json={"outcome": "deleted"}
    )
    assert resolved.status_code == 200, resolved.text
    versions = flow.mine()["versions"]
    assert [(v["version"], v["light"], v["policy"], v["ruleset"]) for v in versions] == [
        (1, "yellow", "cn@2026.1", "cn-rules@2026.1"),
        (2, "green", "cn@2026.1", "cn-rules@2026.1"),
    ]
