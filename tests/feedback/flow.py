"""The online workflow through the real app, as its people use it: an employer declares a
position (engaging the screening agency), a recruiter invites a candidate, the candidate opens
the link, gets a one-time code at the invited contact (read back from the outbox), accepts,
signs with their identity and claims, and the check runs against the sandbox world
(``FAIRSCREEN_SANDBOX_WORLD``: a case fixture)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fairscreen.accounts import throttle
from fairscreen.accounts.policy import Actor
from fairscreen.kit.clock import utcnow
from fairscreen.notify import webhooks
from fairscreen.notify.models import OutboxMessage, WebhookEndpoint
from fairscreen.notify.outbox import waiting
from fairscreen.notify.settings import networks
from tests.accounts.people import Api, World

CASES = Path(__file__).parents[1] / "fixtures" / "cases"
BASE = "/api/v1"


def case_candidate(case: str) -> dict[str, Any]:
    """The candidate line of a case fixture: who the person says they are."""
    for line in (CASES / f"{case}.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("type") == "candidate":
            return dict(record)
    raise LookupError(case)


def subscribe(world: World) -> World:
    """Each organisation's first tenant registers a webhook for every event (on loopback, as
    the tests allow), so what the organisations are told is in the outbox too."""
    with world.db.sessions.begin() as session:
        for kind in ("employer", "agency"):
            webhooks.create_endpoint(
                session,
                world.vault,
                Actor("staff", "0" * 32, f"{kind}_admin", world.orgs[kind][0]),
                url=f"https://127.0.0.1:9/{kind}",
                events=[webhooks.ALL],
                allowed=networks("127.0.0.0/8"),
                now=utcnow(),
            )
    return world


def messages(world: World, template: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every message of ``template``: ``(channel, recipient, params)``; an e-mail or SMS
    opened from its sealed payload, a webhook delivery named ``org:<organisation>`` with the
    ids it carries."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    with world.db.sessions() as session:
        for opened in waiting(session, world.vault, template=template):
            out.append((opened.channel, opened.payload.recipient, opened.payload.params))
        hooks = session.execute(
            select(OutboxMessage.params, WebhookEndpoint.organisation_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == OutboxMessage.endpoint_id)
            .where(OutboxMessage.template == template, OutboxMessage.channel == "webhook")
        ).all()
        out += [("webhook", f"org:{org}", dict(params or {})) for params, org in hooks]
    return out


def latest_message(world: World, recipient: str, template: str) -> dict[str, Any]:
    found = [p for _, r, p in messages(world, template) if r == recipient]
    assert found, (recipient, template)
    return found[-1]


@dataclass
class Flow:
    """One candidate's check, from the invitation on."""

    world: World
    case: str
    category: str
    tenant: int = 0
    contact: str = ""
    position_id: str = ""
    invitation: dict[str, Any] = field(default_factory=dict)
    token: str = ""
    candidate: Api | None = None
    consent: dict[str, Any] = field(default_factory=dict)
    check_id: str = ""
    clients: dict[tuple[str, int], Api] = field(default_factory=dict)

    def staff(self, role: str, tenant: int | None = None, *, fresh: bool = False) -> Api:
        """A signed-in staff member of ``role`` (of this flow's tenant unless told), kept
        (``fresh``: signed in again, as after a frozen clock moved past the session's life)."""
        key = (role, self.tenant if tenant is None else tenant)
        if fresh or key not in self.clients:
            throttle.reset()  # many sign-ins from one test address
            self.clients[key] = self.world.client(*key)
        return self.clients[key]

    def declare_position(self) -> str:
        admin = self.staff("employer_admin")
        made = admin.post(
            f"{BASE}/positions",
            json={
                "title": f"{self.case} position",
                "category": self.category,
                "agency_id": self.world.orgs["agency"][self.tenant],
            },
        )
        assert made.status_code == 201, made.text
        self.position_id = made.json()["id"]
        return self.position_id

    def invite(self, client_reference: str) -> dict[str, Any]:
        self.contact = self.contact or f"{self.case}.{self.tenant}@mail.example"
        made = self.staff("recruiter").post(
            f"{BASE}/invitations",
            json={
                "position_id": self.position_id or self.declare_position(),
                "contact": self.contact,
                "client_reference": client_reference,
            },
        )
        assert made.status_code == 201, made.text
        self.invitation = made.json()
        self.token = self.invitation["token"]
        return self.invitation

    def accept(self) -> Api:
        link = Api(self.world.app())
        assert link.get(f"{BASE}/invitation/{self.token}").status_code == 200
        assert link.post(f"{BASE}/invitation/{self.token}/code").status_code == 202
        code = latest_message(self.world, self.contact, "one_time_code")["code"]
        accepted = link.post(f"{BASE}/invitation/{self.token}/accept", json={"code": code})
        assert accepted.status_code == 200, accepted.text
        link.csrf = accepted.json()["csrf_token"]
        self.candidate = link
        return link

    def sign(
        self,
        *,
        claims: dict[str, Any] | None = None,
        items: list[str] | None = None,
        separate_items: list[str] | None = None,
    ) -> dict[str, Any]:
        person = case_candidate(self.case)
        assert self.candidate is not None
        signed = self.candidate.post(
            f"{BASE}/invitations/{self.invitation['id']}/sign",
            json={
                "identity": {
                    "name": person["name"],
                    "id_document": person["id_document"],
                    "birth_date": person["birth_date"],
                },
                "claims": person["claims"] if claims is None else claims,
                "items": self.invitation["items"] if items is None else items,
                "separate_items": separate_items or [],
            },
        )
        assert signed.status_code == 201, signed.text
        body = signed.json()
        self.consent = body["consent"]
        self.check_id = body["check"]["id"]
        return dict(body)

    def run(self, client_reference: str, **sign: Any) -> Flow:
        self.invite(client_reference)
        self.accept()
        self.sign(**sign)
        return self

    def report(self, api: Api, purpose: str = "hiring_decision") -> Any:
        return api.get(f"{BASE}/checks/{self.check_id}/report", params={"purpose": purpose})

    def mine(self) -> dict[str, Any]:
        assert self.candidate is not None
        response = self.candidate.get(f"{BASE}/checks/{self.check_id}/report")
        assert response.status_code == 200, response.text
        return dict(response.json())
