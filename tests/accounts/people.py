"""Organisations, staff and signed-in HTTP clients for the API tests: real accounts in the real
database, real sessions through the real app (Starlette's TestClient, in process)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairscreen.accounts import secrets, service, throttle
from fairscreen.accounts.policy import policy
from fairscreen.kit.clock import utcnow
from fairscreen.vault import Vault
from fairscreen.web.app import create_app
from tests.conftest import Database

PASSWORD = "correct horse battery staple"
KIND_OF = {name: role.organisation_kind for name, role in policy().roles.items()}


class Api:
    """A client of the app; ``login`` keeps the session cookie and sends the CSRF token."""

    def __init__(self, app: Any) -> None:
        # https: the session cookie is Secure, and http.cookiejar honours that even on localhost
        self.client = TestClient(app, base_url="https://localhost")
        self.csrf: str | None = None

    def request(self, method: str, url: str, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}) or {})
        if self.csrf and method.upper() not in ("GET", "HEAD", "OPTIONS"):
            headers.setdefault("X-CSRF-Token", self.csrf)
        return self.client.request(method, url, headers=headers, **kw)

    def get(self, url: str, **kw: Any) -> Any:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.request("POST", url, **kw)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        response = self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
        return response


@dataclass
class World:
    """Organisations of every kind, twice (to test across tenants), and one staff member per
    role in each."""

    db: Database
    vault: Vault
    orgs: dict[str, list[str]] = field(default_factory=dict)  # kind -> [org id, org id]
    staff: dict[tuple[str, int], str] = field(default_factory=dict)  # (role, tenant) -> email

    def app(self) -> Any:
        app = create_app(self.db.sessions)
        app.state.vault = self.vault
        return app

    def client(self, role: str | None = None, tenant: int = 0) -> Api:
        api = Api(self.app())
        if role is not None:
            response = api.login(self.staff[(role, tenant)])
            assert response.status_code == 200, response.text
        return api


# argon2-cffi's cheapest parameters (its profile for tests): 0.16 s of CPU less per password
# set up. Only here, in the fixtures that make accounts; the code under test keeps the
# production parameters, and the first login with such a hash rehashes it with them
# (``secrets.needs_rehash``).
_CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


@contextmanager
def cheap_password_hashes() -> Iterator[None]:
    saved = secrets._hasher
    secrets._hasher = _CHEAP_HASHER
    try:
        yield
    finally:
        secrets._hasher = saved


def add_staff(session: Session, org: str, role: str, email: str) -> None:
    made = service.add_staff(
        session, organisation_id=org, email=email, display_name=role, role=role, now=utcnow()
    )
    with cheap_password_hashes():
        service.set_password(session, token=made.setup_token, password=PASSWORD, now=utcnow())


def make_world(db: Database, vault: Vault) -> World:
    throttle.reset()
    world = World(db, vault)
    with db.sessions.begin() as session:
        for kind in ("platform", "employer", "agency", "regulator"):
            world.orgs[kind] = [
                service.create_organisation(
                    session, name=f"{kind} {n}", kind=kind, jurisdiction="CN", now=utcnow()
                )
                for n in (0, 1)
            ]
        for role, kind in KIND_OF.items():
            if not kind:
                continue
            for tenant in (0, 1):
                email = f"{role}.{tenant}@{kind}.example"
                add_staff(session, world.orgs[kind][tenant], role, email)
                world.staff[(role, tenant)] = email
    return world


def candidate_client(world: World, contact: str) -> Api:
    """A candidate signed in the way candidates sign in: a one-time code to their contact, read
    back from the outbox, then ``POST /auth/candidate/login``."""
    with world.db.sessions.begin() as session:
        service.candidate_account(session, world.vault, contact, now=utcnow())
    api = Api(world.app())
    assert api.post("/api/v1/auth/candidate/code", json={"contact": contact}).status_code == 202
    response = api.post(
        "/api/v1/auth/candidate/login", json={"contact": contact, "code": sent_code(world, contact)}
    )
    assert response.status_code == 200, response.text
    api.csrf = response.json()["csrf_token"]
    return api


def sent_code(world: World, contact: str) -> str:
    """The last one-time code waiting in the outbox for ``contact`` (its recipient and
    parameters are sealed: opened with the platform's notification key)."""
    from fairscreen.notify.outbox import waiting

    with world.db.sessions() as session:
        sent = [
            m
            for m in waiting(session, world.vault, template="one_time_code")
            if m.payload.recipient == contact
        ]
    assert sent, f"no one-time code waits for {contact}"
    return str(sent[-1].payload.params["code"])
