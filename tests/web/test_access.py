"""Every route of the API, with every role and with nobody: the role check of the permission
policy, as the running app applies it (``permissions.toml`` x ``Require``).

Resource-level checks (another tenant's check, another candidate's report) are tested where
the resources are made (tests/accounts, tests/feedback); this test makes sure no route was
forgotten: each is public by name, or declares an action, and answers 401 to nobody, 403 to a
role without the action, and neither to a role with it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from fairscreen.accounts import throttle
from fairscreen.accounts.auth import Require
from fairscreen.accounts.policy import policy
from fairscreen.vault import Vault
from fairscreen.web.app import API_PREFIX, API_ROUTERS
from tests.accounts.people import KIND_OF, Api, World, candidate_client, make_world
from tests.conftest import Database

# Routes anyone may call: signing in, setting a password from a link, candidates' codes, an
# invitation's link (reading it, a code to the invited contact, accepting with the code), and
# a provider's callbacks (authenticated by their signature: tests/jobs/test_callbacks.py); an
# inspection code checked by the firm that holds it, the inspectorate's key, 普法碼 guidance.
PUBLIC = re.compile(
    r"^/api/v1/(auth/(login|password|candidate/code|candidate/login)"
    r"|invitation/\{token\}(/code|/accept)?|provider/callbacks"
    r"|supervision/(codes/key|codes/\{code\}|guidance/\{code\}))$"
)


def _requirement(route: APIRoute) -> Require | None:
    for dependency in route.dependant.dependencies:
        if isinstance(dependency.call, Require):
            return dependency.call
    return None


def api_routes(app: Any) -> list[tuple[str, str, Require | None]]:
    """Every (method, path, requirement) of the JSON API, from the routers ``create_app``
    mounts (``API_ROUTERS``); the app's OpenAPI description must list exactly these."""
    found = []
    for prefix, router in API_ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in sorted((route.methods or set()) - {"HEAD"}):
                found.append((method, API_PREFIX + prefix + route.path, _requirement(route)))
    described = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }
    assert described == {(method, path) for method, path, _ in found}
    return found


@pytest.fixture
def world(db: Database, vault: Vault) -> World:
    return make_world(db, vault)


def _candidate(world: World) -> Api:
    return candidate_client(world, "me@mail.example")


def test_every_api_route_is_public_or_declares_an_action(world: World) -> None:
    routes = api_routes(world.app())
    assert routes
    for method, path, requirement in routes:
        if PUBLIC.match(path):
            assert requirement is None, f"{method} {path} is public but declares {requirement}"
        else:
            assert requirement is not None, f"{method} {path} declares no Require(...)"
            if requirement.action is not None:
                assert requirement.action in policy().actions


def test_each_role_gets_exactly_what_the_policy_grants(world: World) -> None:
    app = world.app()
    routes = [r for r in api_routes(app) if r[2] is not None and r[2].action is not None]
    clients: dict[str, Api] = {"candidate": _candidate(world)}
    for role, kind in KIND_OF.items():
        if kind:
            clients[role] = world.client(role)
    anonymous = Api(app)
    checked = 0
    for method, path, requirement in routes:
        assert requirement is not None and requirement.action is not None
        url = re.sub(r"\{[^}]+\}", "0000", path)
        kwargs: dict[str, Any] = {} if method in ("GET", "DELETE") else {"json": {}}
        assert anonymous.request(method, url, **kwargs).status_code == 401, (method, path)
        for role, client in clients.items():
            throttle.reset()
            status = client.request(method, url, **kwargs).status_code
            granted = policy().grant(role, requirement.action) is not None
            if granted:
                assert status not in (401, 403), (role, method, path, status)
            else:
                assert status == 403, (role, method, path, status)
            checked += 1
    assert checked >= len(routes) * len(clients)
