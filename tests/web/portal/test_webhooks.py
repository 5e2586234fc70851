"""The organisation's webhook pages (web/portal/webhooks.py) over the real app, on SQLite and
PostgreSQL, delivering to a real receiver on loopback: an endpoint added with its events (the
secret shown once), a test delivery signed with it and shown in the log, the secret rotated
(the next delivery signed with the new one only), removed; the same refusals as the API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from fairscreen.kit.webhooks import SignatureError, verify
from fairscreen.notify.settings import notify_settings
from fairscreen.vault import Vault
from tests.accounts.people import Api, World, make_world
from tests.conftest import Database
from tests.notify.conftest import LOOPBACK, T0, deliverer, loopback_webhooks
from tests.notify.servers import Receiver, Request


@pytest.fixture
def world(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAIRSCREEN_WEBHOOK_ALLOW_NETWORKS", LOOPBACK)
    notify_settings.cache_clear()
    yield make_world(db, vault)
    notify_settings.cache_clear()


def secret_in(html: str) -> str:
    found = re.search(r'id="webhook-secret">(whsec_[^<]+)<', html)
    assert found is not None, html
    return found.group(1)


def signed_with(request: Request, secret: str) -> bool:
    try:
        # the deliverer of the tests signs at its clock's T0
        verify(secret, request.headers["fairscreen-signature"], request.body, now=T0.timestamp())
    except SignatureError:
        return False
    return True


def post(api: Api, url: str, data: dict[str, object]) -> str:
    response = api.client.post(
        url, data={**data, "csrf": api.csrf}, headers={"Accept-Language": "en"}
    )
    assert response.status_code in (200, 303), (url, response.status_code, response.text)
    return str(response.text)


def test_add_test_rotate_and_remove_a_webhook_through_the_pages(world: World, vault: Vault) -> None:
    admin = world.client("employer_admin")
    with Receiver() as receiver:
        page = post(
            admin,
            "/staff/webhooks",
            {"url": receiver.url, "events": ["report.issued", "decision.recorded"]},
        )
        first = secret_in(page)
        endpoint = re.search(r'href="/staff/webhooks/([0-9a-f]{32})"', page)
        assert endpoint is not None
        url = f"/staff/webhooks/{endpoint.group(1)}"
        # shown once: neither the list nor the endpoint's page shows it again
        assert first not in admin.get("/staff/webhooks").text
        shown = admin.get(url, headers={"Accept-Language": "en"}).text
        assert first not in shown and receiver.url in shown
        assert re.findall(r'value="([a-z.*]+)" checked', shown) == [
            "report.issued",
            "decision.recorded",
        ]

        assert "on its way" in post(admin, f"{url}/test", {})
        assert deliverer(world.db, vault, webhook=loopback_webhooks()).run_once().sent == 1
        assert signed_with(receiver.requests[0], first)
        log = admin.get(url, headers={"Accept-Language": "en"}).text
        assert "delivered" in log and "http 200" in log

        second = secret_in(post(admin, f"{url}/secret", {}))
        assert second != first
        post(admin, f"{url}/test", {})
        assert deliverer(world.db, vault, webhook=loopback_webhooks()).run_once().sent == 1
        assert signed_with(receiver.requests[1], second)
        assert not signed_with(receiver.requests[1], first)

        changed = post(admin, f"{url}/events", {"events": ["*"]})
        assert "The events were changed." in changed
        assert re.findall(r'value="([a-z.*]+)" checked', changed) == ["*"]

        removed = admin.client.post(
            f"{url}/remove", data={"csrf": admin.csrf}, follow_redirects=False
        )
        assert removed.status_code == 303
        after = admin.get(url, headers={"Accept-Language": "en"}).text
        assert "removed" in after and f"{url}/secret" not in after


def test_webhook_pages_refuse_as_the_api_does(world: World) -> None:
    admin = world.client("employer_admin")
    # nothing chosen: the page says which field, nothing is added
    refused = admin.client.post(
        "/staff/webhooks",
        data={"url": "https://127.0.0.1:9/hook", "csrf": admin.csrf},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 422 and "events" in refused.text
    assert (
        "No webhooks yet." in admin.get("/staff/webhooks", headers={"Accept-Language": "en"}).text
    )
    page = post(admin, "/staff/webhooks", {"url": "https://127.0.0.1:9/hook", "events": "*"})
    endpoint = re.search(r'href="/staff/webhooks/([0-9a-f]{32})"', page)
    assert endpoint is not None
    url = f"/staff/webhooks/{endpoint.group(1)}"
    # another organisation's administrator: as if it did not exist
    other = world.client("employer_admin", 1)
    assert other.get(url).status_code == 404
    assert other.client.post(f"{url}/secret", data={"csrf": other.csrf}).status_code == 404
    # a role without webhook.manage, and a form without the session's token
    assert world.client("recruiter").get("/staff/webhooks").status_code == 403
    assert admin.client.post(f"{url}/secret", data={"csrf": "forged"}).status_code == 403
    assert "whsec_" not in admin.get(url).text
