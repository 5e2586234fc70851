"""Signing in and out over HTTP, the second factor, tokens, candidates' codes, and the HTTP
hardening every route gets (problem details, headers, hosts, body size)."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

import fairscreen.models as m
from fairscreen.accounts import throttle
from fairscreen.notify.outbox import waiting
from fairscreen.vault import Vault
from tests.accounts.people import PASSWORD, Api, World, make_world
from tests.conftest import Database


@pytest.fixture
def world(db: Database, vault: Vault) -> World:
    return make_world(db, vault)


def test_anonymous_callers_get_401_as_problem_details(world: World) -> None:
    api = world.client()
    response = api.get("/api/v1/auth/session")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and body["title"] == "authentication required"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert api.post("/api/v1/organisations", json={}).status_code == 401


def test_login_sets_a_locked_down_cookie_and_needs_the_csrf_token(world: World) -> None:
    api = Api(world.app())
    response = api.login(world.staff[("recruiter", 0)])
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert attribute.lower() in cookie.lower()
    session = api.get("/api/v1/auth/session").json()
    assert session["role"] == "recruiter" and not session["second_factor_required"]
    # a state-changing request without the CSRF token is refused, with it accepted
    csrf, api.csrf = api.csrf, None
    assert api.post("/api/v1/auth/logout").status_code == 403
    api.csrf = csrf
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert api.get("/api/v1/auth/session").status_code == 401


def test_wrong_password_and_unknown_address_look_alike_then_lock(world: World) -> None:
    api = Api(world.app())
    email = world.staff[("recruiter", 0)]
    wrong = api.login(email, "not the password at all")
    unknown = api.login("nobody@nowhere.example", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    for _ in range(3):
        assert api.login(email, "still not the password").status_code == 401
    # the fifth failure in a row locks the account; the throttle answers unknown addresses alike
    assert api.login(email, "still not the password").status_code == 401
    locked = api.login(email)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    throttle.reset()
    with world.db.sessions() as s:
        staff = s.scalars(select(m.StaffAccount).where(m.StaffAccount.email == email)).one()
        assert staff.locked_until is not None
        assert staff.password_hash is not None and staff.password_hash.startswith("$argon2id$")


def test_the_per_address_throttle_counts_unknown_addresses(world: World) -> None:
    api = Api(world.app())
    codes = [api.login("ghost@nowhere.example", "wrong password 123").status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429


def test_an_organisation_can_require_a_second_factor(world: World) -> None:
    admin = world.client("employer_admin")
    org = world.orgs["employer"][0]
    response = admin.request("PATCH", f"/api/v1/organisations/{org}", json={"totp_required": True})
    assert response.status_code == 200 and response.json()["totp_required"] is True

    api = Api(world.app())
    session = api.login(world.staff[("recruiter", 0)]).json()
    assert session["second_factor_required"] is True
    assert api.get("/api/v1/auth/actions").status_code == 401  # held at the door
    enrolment = api.post("/api/v1/auth/totp/enroll").json()
    assert enrolment["uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(enrolment["secret"])
    assert api.post("/api/v1/auth/totp/confirm", json={"code": "000000"}).status_code in (401,)
    assert api.post("/api/v1/auth/totp/confirm", json={"code": totp.now()}).status_code == 204
    assert api.get("/api/v1/auth/actions").status_code == 200
    # the next login owes the code, and the secret is sealed at rest
    again = Api(world.app())
    assert again.login(world.staff[("recruiter", 0)]).json()["second_factor_required"] is True
    assert again.post("/api/v1/auth/totp", json={"code": totp.now()}).status_code == 204
    assert again.get("/api/v1/auth/actions").status_code == 200
    with world.db.sessions() as s:
        staff = s.scalars(
            select(m.StaffAccount).where(m.StaffAccount.email == world.staff[("recruiter", 0)])
        ).one()
        assert staff.totp_ct is not None and enrolment["secret"].encode() not in staff.totp_ct


def test_tokens_act_for_their_organisation_within_their_scopes(world: World) -> None:
    admin = world.client("employer_admin")
    made = admin.post(
        "/api/v1/tokens", json={"name": "ats", "scopes": ["org.read"], "expires_in_days": 30}
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    bearer = Api(world.app())
    headers = {"Authorization": f"Bearer {token}"}
    org = world.orgs["employer"][0]
    assert bearer.get(f"/api/v1/organisations/{org}", headers=headers).status_code == 200
    other = world.orgs["employer"][1]
    assert bearer.get(f"/api/v1/organisations/{other}", headers=headers).status_code == 404
    assert bearer.get("/api/v1/tokens", headers=headers).status_code == 403  # not in scope
    # beyond the role: refused; stored hashed
    wider = admin.post("/api/v1/tokens", json={"name": "x", "scopes": ["org.create"]})
    assert wider.status_code == 422
    with world.db.sessions() as s:
        assert token not in {t.token_hash for t in s.scalars(select(m.ApiToken))}
    token_id = made.json()["id"]
    assert admin.post(f"/api/v1/tokens/{token_id}/revoke").status_code == 204
    assert bearer.get(f"/api/v1/organisations/{org}", headers=headers).status_code == 401
    assert (
        bearer.get("/api/v1/auth/session", headers={"Authorization": "Basic x"}).status_code == 401
    )


def test_new_staff_set_their_own_password_with_a_one_time_link(world: World) -> None:
    admin = world.client("agency_admin")
    org = world.orgs["agency"][0]
    made = admin.post(
        f"/api/v1/organisations/{org}/staff",
        json={
            "email": "New.Analyst@Agency.example",
            "display_name": "分析員",
            "role": "agency_analyst",
        },
    )
    assert made.status_code == 201, made.text
    token = made.json()["password_setup_token"]
    api = Api(world.app())
    short = api.post("/api/v1/auth/password", json={"token": token, "password": "short"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "body.password"
    assert (
        api.post("/api/v1/auth/password", json={"token": token, "password": PASSWORD}).status_code
        == 204
    )
    assert (
        api.post("/api/v1/auth/password", json={"token": token, "password": PASSWORD}).status_code
        == 404
    )
    assert api.login("new.analyst@agency.example").status_code == 200
    # an employer role cannot be given to an agency's staff (a well-formed role, refused for
    # this organisation); another agency's admin sees nothing
    bad = admin.post(
        f"/api/v1/organisations/{org}/staff",
        json={"email": "x@agency.example", "display_name": "x", "role": "recruiter"},
    )
    assert bad.status_code == 409 and "agency_analyst" in bad.json()["detail"]
    assert (
        world.client("agency_admin", 1).get(f"/api/v1/organisations/{org}/staff").status_code == 404
    )


def test_candidates_sign_in_with_one_time_codes(world: World) -> None:
    from fairscreen.accounts import service
    from fairscreen.kit.clock import utcnow

    with world.db.sessions.begin() as s:
        service.candidate_account(s, world.vault, "applicant@mail.example", now=utcnow())
    api = Api(world.app())
    known = api.post("/api/v1/auth/candidate/code", json={"contact": "Applicant@Mail.example"})
    unknown = api.post("/api/v1/auth/candidate/code", json={"contact": "nobody@mail.example"})
    assert known.status_code == unknown.status_code == 202 and known.json() == unknown.json()
    with world.db.sessions() as s:
        sent = waiting(s, world.vault, template="one_time_code")
        stored = s.scalars(select(m.OutboxMessage)).all()
    assert len(sent) == 1 and sent[0].payload.recipient == "applicant@mail.example"
    code = sent[0].payload.params["code"]
    # what the table holds is sealed: neither the address nor the code is there in the clear
    assert [r.params for r in stored] == [None] and stored[0].sealed is not None
    assert b"applicant" not in stored[0].sealed and code.encode() not in stored[0].sealed
    wrong = api.post(
        "/api/v1/auth/candidate/login",
        json={
            "contact": "applicant@mail.example",
            "code": "999999" if code != "999999" else "111111",
        },
    )
    assert wrong.status_code == 401
    ok = api.post(
        "/api/v1/auth/candidate/login", json={"contact": "applicant@mail.example", "code": code}
    )
    assert ok.status_code == 200 and ok.json()["role"] == "candidate"
    again = Api(world.app())
    assert (
        again.post(
            "/api/v1/auth/candidate/login", json={"contact": "applicant@mail.example", "code": code}
        ).status_code
        == 401
    )  # used once
    with world.db.sessions() as s:
        account = s.scalars(select(m.CandidateAccount)).one()
        assert b"applicant" not in account.contact_ct


def test_hardening_headers_hosts_and_body_size(world: World) -> None:
    api = Api(world.app())
    response = api.get("/health")
    assert response.status_code == 200
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
    assert "access-control-allow-origin" not in headers
    cors = api.client.options(
        "/api/v1/auth/login",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in cors.headers
    assert api.get("/api/v1/auth/session").headers["cache-control"] == "no-store"
    foreign = api.client.get("/health", headers={"host": "evil.example"})
    assert foreign.status_code == 400
    big = api.client.post(
        "/api/v1/auth/login",
        content=b"{" + b" " * (2 << 20) + b"}",
        headers={"content-type": "application/json"},
    )
    assert big.status_code == 413 and big.json()["title"] == "content too large"


def test_validation_errors_never_echo_what_was_sent(world: World) -> None:
    api = Api(world.app())
    secret = "310101199001011234"
    response = api.post("/api/v1/auth/login", json={"email": secret, "password": ""})
    assert response.status_code in (401, 422)
    assert secret not in response.text
    response = api.post(
        "/api/v1/auth/candidate/login", json={"contact": "a@b.example", "code": secret}
    )
    assert response.status_code == 422 and secret not in response.text
    assert response.json()["errors"][0]["field"] == "body.code"
