"""The pages over HTTP (the real app in process, on SQLite and PostgreSQL): who may open what,
CSRF on every form, the language chosen and remembered, and the employer never shown what was
excluded. The browser tests (test_browser.py) play the whole cases."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from fairscreen.accounts.models import StaffAccount
from fairscreen.consent.models import ConsentRevocation
from fairscreen.kit.settings import get_settings
from fairscreen.vault import Vault
from fairscreen.web.portal import candidate, entry, regulator, staff, supervision
from tests.accounts.people import Api, World, make_world
from tests.conftest import Database
from tests.feedback.flow import CASES, Flow

PUBLIC_PAGES = {
    "/",
    "/login",
    "/login/totp",
    "/login/candidate",
    "/invite/{token}",
    "/inspection/{code}",  # the public check of an inspection code
}


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / "wang.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_every_page_needs_a_session_except_the_ways_in(world: World) -> None:
    anonymous = Api(world.app())
    pages = [
        (method, route.path)
        for module in (entry, candidate, staff, regulator, supervision)
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    ]
    assert len(pages) > 30
    for method, path in pages:
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = anonymous.client.request(method, url, follow_redirects=False)
        if path in PUBLIC_PAGES or path == "/lang" or path.startswith(("/login", "/invite")):
            # the ways in: a form, a refusal (401, 404 for an unknown link), never a crash
            assert response.status_code < 500, (method, path)
            continue
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/login"), (method, path)
    # pages are not part of the JSON API's description
    assert not [
        p
        for p in world.app().openapi()["paths"]
        if not p.startswith(("/api/", "/ledger", "/health", "/models"))
    ]


def test_a_form_without_the_session_csrf_token_does_nothing(world: World) -> None:
    flow = Flow(world, "wang", "general_office").run("C-WANG")
    assert flow.candidate is not None
    consent = flow.consent["id"]
    client = flow.candidate.client
    refused = client.post(f"/me/consents/{consent}/revoke", data={"csrf": "forged"})
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert "<html" in refused.text  # a page, not problem details
    with world.db.sessions() as session:
        assert session.scalars(select(ConsentRevocation)).first() is None
    assert flow.candidate.csrf is not None
    done = client.post(
        f"/me/consents/{consent}/revoke", data={"csrf": flow.candidate.csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    with world.db.sessions() as session:
        assert session.scalars(select(ConsentRevocation)).first() is not None


def test_the_language_is_guessed_then_chosen_and_remembered_on_the_account(world: World) -> None:
    guest = Api(world.app())
    assert lang(guest.get("/login").text) == "zh-Hant"
    assert (
        lang(guest.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text) == "zh-Hans"
    )
    assert lang(guest.get("/login", headers={"Accept-Language": "fr, en-GB;q=0.5"}).text) == "en"
    assert lang(guest.get("/login", headers={"Accept-Language": "zh-HK"}).text) == "zh-Hant"

    recruiter = world.client("recruiter")
    chosen = recruiter.client.post(
        "/lang", data={"to": "en", "next": "/staff", "csrf": recruiter.csrf}, follow_redirects=False
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/staff"
    assert lang(recruiter.get("/staff").text) == "en"
    with world.db.sessions() as session:
        account = session.scalars(
            select(StaffAccount).where(StaffAccount.email == world.staff[("recruiter", 0)])
        ).one()
        assert account.locale == "en"
    # signed in again elsewhere, without the cookie, with a browser asking for Simplified
    again = world.client("recruiter")
    page = again.get("/staff", headers={"Accept-Language": "zh-CN"})
    assert lang(page.text) == "en" and "Signed in as Recruiter." in page.text
    # a language that is not one of the three changes nothing
    assert again.client.post("/lang", data={"to": "fr", "csrf": again.csrf}).status_code == 200


def test_other_tenants_and_other_roles_are_refused_as_the_api_refuses_them(world: World) -> None:
    flow = Flow(world, "wang", "general_office").run("C-WANG")
    url = f"/staff/checks/{flow.check_id}?purpose=hiring_decision"
    assert flow.staff("recruiter").get(url).status_code == 200
    other = flow.staff("recruiter", tenant=1).get(url)
    assert other.status_code == 404 and "<html" in other.text
    assert flow.staff("recruiter").get("/regulator").status_code == 403
    assert flow.staff("regulator_inspector").get(url).status_code == 403
    assert flow.candidate is not None
    assert flow.candidate.get("/staff/checks").status_code == 403


def test_staff_pages_and_pdf_never_show_what_was_excluded(world: World) -> None:
    flow = Flow(world, "wang", "general_office").run("C-WANG")
    mine = flow.candidate
    assert mine is not None
    own = mine.get(f"/me/checks/{flow.check_id}").text
    assert "REF-WANG-1#1" in own and "關於私人生活的傳聞" in own
    for role in ("recruiter", "employer_admin", "agency_reviewer"):
        api = flow.staff(role)
        for url in (
            "/staff/checks",
            f"/staff/checks/{flow.check_id}?purpose=hiring_decision",
            "/staff/invitations",
            "/staff/disputes",
        ):
            page = api.get(url)
            assert page.status_code in (200, 403), (role, url)  # 403: the role may not
            for word in ("REF-WANG-1#1", "private_life", "生活作", "傳聞", "被排除"):
                assert word not in page.text, (role, url, word)
        pdf = api.get(f"/staff/checks/{flow.check_id}/report.pdf?purpose=hiring_decision")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert b"REF-WANG" not in pdf.content
    # each light shown in a list and each report read is in his access log
    log = mine.get("/me/access").text
    assert log.count("<tr>") >= 6


def test_reports_link_the_model_cards_of_what_made_them(world: World) -> None:
    flow = Flow(world, "wang", "general_office").run("C-WANG")
    assert flow.candidate is not None
    staff_page = f"/staff/checks/{flow.check_id}?purpose=hiring_decision"
    for api, url, language in (
        (flow.candidate, f"/me/checks/{flow.check_id}", "zh-Hans"),
        (flow.staff("recruiter"), staff_page, "en"),
    ):
        api.client.cookies.set("fs_lang", language)
        page = api.get(url).text
        links = re.findall(r'href="(/models/[^"]+)"', page)
        kinds = {link.split("/")[3] for link in links}
        assert kinds == {"policy-pack", "rule-set", "reference-screener", "identity-matching"}
        for link in links:
            assert link.endswith(f".{language}.html")
            card = api.client.get(link)
            assert card.status_code == 200 and card.headers["content-type"].startswith("text/html")
            # its own style element may apply, nothing else may load or run
            policy = card.headers["content-security-policy"]
            assert "default-src 'none'" in policy and "style-src 'unsafe-inline'" in policy
            assert "<style>" in card.text and "<script" not in card.text
