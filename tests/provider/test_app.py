"""The sandbox provider, served on loopback: queries by idempotency key, answers that take
(provider) days, throttling, outages, failures, and signed callbacks a receiver can verify."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from fairscreen.kit import webhooks
from fairscreen.provider.app import ProviderConfig
from fairscreen.sources.world import world_sources
from fairscreen.world.load import WorldStore, load_world
from tests.jobs.checks import make_world
from tests.provider.served import provider_server

TIMEOUT = 30.0  # seconds: a loaded machine can take more than httpx's default 5 to answer


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldStore]:
    with load_world(make_world(tmp_path_factory.mktemp("w") / "w.jsonl", 4)) as world:
        yield world


def _query(store: WorldStore, key: str = "k1", **extra: Any) -> dict[str, Any]:
    candidate = next(iter(store.candidates()))
    return {
        "source": "identity_registry",
        "item": "identity",
        "subject": {
            "reference": candidate.id,
            "name": candidate.name,
            "id_number": candidate.id_document.number,
            "birth_date": candidate.birth_date.isoformat(),
        },
        "consent": "consent-1",
        "idempotency_key": key,
        **extra,
    }


def test_a_query_is_answered_after_its_latency_and_asked_once_per_key(store: WorldStore) -> None:
    with provider_server(world_sources(store), ProviderConfig(latency=2 * 86400)) as served:
        client = httpx.Client(base_url=served.url)
        asked = client.post("/v1/queries", json=_query(store))
        assert asked.status_code == 202
        body = asked.json()
        assert body["status"] == "pending" and body["records"] is None
        assert int(asked.headers["Retry-After"]) >= 2 * 86400 - 5
        again = client.post("/v1/queries", json=_query(store))
        assert again.status_code == 200 and again.json()["id"] == body["id"]
        other = client.post("/v1/queries", json={**_query(store), "item": "education"})
        assert other.status_code == 409
        assert client.get(f"/v1/queries/{body['id']}").json()["status"] == "pending"
        served.move_clock(2 * 86400)
        done = client.get(f"/v1/queries/{body['id']}").json()
        assert done["status"] == "done"
        assert [r["record"]["type"] for r in done["records"]] == ["identity_record"]
        assert client.get("/v1/sandbox/stats").json() == {"asked": 1, "repeat": 1}


def test_throttling_outages_and_failures_say_when_to_come_back(store: WorldStore) -> None:
    with provider_server(world_sources(store), ProviderConfig(rate=2)) as served:
        client = httpx.Client(base_url=served.url)
        statuses = [
            client.post("/v1/queries", json=_query(store, f"k{i}")).status_code for i in range(4)
        ]
        assert statuses[:2] == [202, 202] and 429 in statuses[2:]
        throttled = client.post("/v1/queries", json=_query(store, "k9"))
        if throttled.status_code == 429:
            assert int(throttled.headers["Retry-After"]) >= 1
    with provider_server(world_sources(store)) as served:
        served.outage(3600)
        down = httpx.post(f"{served.url}/v1/queries", timeout=TIMEOUT, json=_query(store))
        assert down.status_code == 503 and int(down.headers["Retry-After"]) >= 3500
        served.outage(0)
        assert (
            httpx.post(f"{served.url}/v1/queries", timeout=TIMEOUT, json=_query(store)).status_code
            == 202
        )
        # one register down, the others answering
        served.outage(3600, ["education_registry"])
        education = _query(store, "k2", source="education_registry", item="education")
        assert (
            httpx.post(f"{served.url}/v1/queries", timeout=TIMEOUT, json=education).status_code
            == 503
        )
        assert (
            httpx.post(
                f"{served.url}/v1/queries", timeout=TIMEOUT, json=_query(store, "k3")
            ).status_code
            == 202
        )
        served.move_clock(3600)
        assert (
            httpx.post(f"{served.url}/v1/queries", timeout=TIMEOUT, json=education).status_code
            == 202
        )
    with provider_server(world_sources(store), ProviderConfig(failure_rate=1.0)) as served:
        assert (
            httpx.post(f"{served.url}/v1/queries", timeout=TIMEOUT, json=_query(store)).status_code
            == 500
        )


class _Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[str | None, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append((self.headers.get(webhooks.SIGNATURE_HEADER), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_a_callback_is_signed_over_timestamp_and_body(store: WorldStore) -> None:
    receiver = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_port}/callback"
    secret = "callback-secret"
    config = ProviderConfig(latency=86400, callback_secret=secret, callback_every=0.05)
    try:
        with provider_server(world_sources(store), config) as served:
            asked = httpx.post(
                f"{served.url}/v1/queries", timeout=TIMEOUT, json=_query(store, callback_url=url)
            )
            assert asked.status_code == 202
            served.move_clock(86400)
            for _ in range(400):
                if _Receiver.got:
                    break
                time.sleep(0.025)
    finally:
        receiver.shutdown()
    ((header, body),) = _Receiver.got
    assert header is not None
    webhooks.verify(secret, header, body, now=time.time())
    assert json.loads(body)["id"] == asked.json()["id"]
    assert json.loads(body)["status"] == "done"
    with pytest.raises(webhooks.SignatureError):
        webhooks.verify(secret, header, body.replace(b"done", b"DONE"), now=time.time())


def test_serving_a_world_that_does_not_load_is_one_line_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "world"}\n')
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from fairscreen.cli import main; main()",
            "sandbox-provider",
            "serve",
            "--world",
            str(bad),
            "--port",
            "0",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and str(bad) in done.stderr
