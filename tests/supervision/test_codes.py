"""Inspection codes through the running app: the inspector issues a visit's code; the firm
checks it on the public route by the short code or the QR code's token (who comes, for what,
when); forged, altered and unknown codes are refused with a clear message; after the visit the
same code shows the findings with 普法碼 guidance in three languages and takes the firm's
feedback (its own visits only). On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from fairscreen.ledger.note import Signer, sign_note
from fairscreen.supervision.codes import service as codes
from fairscreen.supervision.codes.models import InspectionVisit
from tests.accounts.people import Api, World

BASE = "/api/v1/supervision"
START = datetime(2026, 12, 9, 9, 0, tzinfo=timezone(timedelta(hours=8)))  # as typed in Shanghai


def _issue(world: World, visit: str = "V-1") -> dict[str, object]:
    inspector = world.client("regulator_inspector")
    made = inspector.post(
        f"{BASE}/visits",
        json={
            "id": visit,
            "org": world.orgs["employer"][0],
            "scenarios": ["background_screening", "labour_contracts"],
            "team": [{"id": "INS-0042", "name": "陳明"}, {"id": "INS-0077", "name": "李華"}],
            "start": START.isoformat(),
            "end": (START + timedelta(hours=3)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def _token(note: str) -> str:
    return base64.urlsafe_b64encode(note.encode()).decode().rstrip("=")


def test_a_firm_checks_its_code_by_short_code_and_by_qr_token(world: World) -> None:
    issued = _issue(world)
    code, token = str(issued["code"]), str(issued["token"])
    assert len(code) == 14 and code.count("-") == 2
    svg = str(issued["qr_svg"])
    assert svg.startswith("<svg") and "</svg>" in svg
    anyone = Api(world.app())
    for asked in (code, code.lower().replace("-", ""), token):
        seen = anyone.get(f"{BASE}/codes/{asked}")
        assert seen.status_code == 200, seen.text
        body = seen.json()
        assert body["genuine"] is True and body["visit"] == "V-1"
        assert body["org"] == world.orgs["employer"][0]
        assert [m["name"] for m in body["team"]] == ["陳明", "李華"]
        assert body["scenarios"] == ["background_screening", "labour_contracts"]
        assert datetime.fromisoformat(body["window"]["start"]) == START
        assert body["findings"] == [] and body["concluded_at"] is None
    # the public key checks the code offline, with the platform's note verifier
    key = anyone.get(f"{BASE}/codes/key").json()["key"]
    assert key.split("+")[0].endswith("/inspection-codes")


def test_forged_altered_and_unknown_codes_are_refused(world: World) -> None:
    anyone = Api(world.app())
    before = anyone.get(f"{BASE}/codes/ABCD-EFGH-JKMN")  # no code issued yet, no key
    assert before.status_code == 404 and "no inspection code" in before.json()["detail"]
    issued = _issue(world)
    note = base64.urlsafe_b64decode(str(issued["token"]) + "==").decode()
    # the window moved a day: the signature no longer verifies
    altered = note.replace("2026-12-09T01", "2026-12-10T01")
    assert altered != note
    refused = anyone.get(f"{BASE}/codes/{_token(altered)}")
    assert refused.status_code == 422
    assert "forged or was altered" in refused.json()["detail"]
    # signed, but by a key that is not the inspectorate's
    forger = Signer.generate(str(note.split("\n")[-2].split(" ")[1]))
    text = note.split("\n\n")[0].encode() + b"\n"
    forged = sign_note(text, [forger])
    assert anyone.get(f"{BASE}/codes/{_token(forged)}").status_code == 422
    # a short code no visit has
    unknown = anyone.get(f"{BASE}/codes/ABCD-EFGH-JKMN")
    assert unknown.status_code == 404 and "no inspection has the code" in unknown.json()["detail"]
    # neither a code nor a token
    assert anyone.get(f"{BASE}/codes/%25%25%25").status_code == 422
    # the stored visit changed behind its code: refused too
    with world.db.sessions.begin() as session:
        session.execute(
            update(InspectionVisit)
            .where(InspectionVisit.id == "V-1")
            .values(window_start=START + timedelta(days=1))
        )
    moved = anyone.get(f"{BASE}/codes/{issued['code']}")
    assert moved.status_code == 422 and "altered" in moved.json()["detail"]


def test_findings_with_guidance_and_the_firms_feedback(world: World) -> None:
    issued = _issue(world)
    code = str(issued["code"])
    inspector = world.client("regulator_inspector")
    bad = inspector.post(
        f"{BASE}/codes/{code}/findings",
        json={"findings": [{"rule": "x", "guidance": "nonsense", "note": "n"}]},
    )
    assert bad.status_code == 422 and "普法碼" in bad.json()["detail"]
    assert bad.json()["detail"].startswith("findings[0].guidance:")
    # before the visit is concluded the firm has nothing to give feedback on
    early = world.client("employer_admin").post(f"{BASE}/codes/{code}/feedback", json={"rating": 4})
    assert early.status_code == 409 and "not concluded" in early.json()["detail"]
    done = inspector.post(
        f"{BASE}/codes/{code}/findings",
        json={
            "findings": [
                {
                    "rule": "decision.favourable_light",
                    "guidance": "favourable",
                    "note": "兩宗不錄用決定與綠燈報告相悖，須補記合法理由。",
                }
            ]
        },
    )
    assert done.status_code == 200, done.text
    seen = Api(world.app()).get(f"{BASE}/codes/{code}").json()
    assert seen["concluded_at"] is not None
    (finding,) = seen["findings"]
    assert finding["rule"] == "decision.favourable_light"
    guidance = finding["guidance"]
    assert set(guidance["text"]) == {"zh-Hant", "zh-Hans", "en"}
    assert "就業促進法" in guidance["statute"]
    link = guidance["links"]["en"]
    page = Api(world.app()).get(link)
    assert page.status_code == 200 and "green or blue" in page.json()["text"]["en"]
    assert inspector.post(f"{BASE}/codes/{code}/findings", json={}).status_code == 422

    # the visited firm gives feedback; another firm cannot even see the visit
    mine = world.client("employer_admin").post(
        f"{BASE}/codes/{code}/feedback", json={"rating": 4, "text": "指導具體，清楚知道問題在哪。"}
    )
    assert mine.status_code == 201, mine.text
    other = world.client("employer_admin", 1).post(
        f"{BASE}/codes/{code}/feedback", json={"rating": 1}
    )
    assert other.status_code == 404
    assert (
        world.client("employer_admin").post(f"{BASE}/codes/{code}/feedback", json={"rating": 9})
    ).status_code == 422


def test_the_code_key_is_never_remade_once_codes_depend_on_it(world: World) -> None:
    _issue(world)
    path = codes.key_path()
    path.unlink()
    again = world.client("regulator_inspector").post(
        f"{BASE}/visits",
        json={
            "id": "V-2",
            "org": world.orgs["employer"][0],
            "team": [{"id": "INS-1", "name": "王"}],
            "start": START.isoformat(),
            "end": (START + timedelta(hours=1)).isoformat(),
        },
    )
    assert again.status_code >= 400 and "restore it from backup" in again.text
    assert not path.exists()
