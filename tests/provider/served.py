"""The sandbox provider served for real on a loopback port, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from fairscreen.provider.app import ProviderConfig, ProviderState, create_provider_app
from fairscreen.sources.base import SourceSet


@dataclass
class Served:
    url: str
    state: ProviderState

    def move_clock(self, seconds: float) -> None:
        httpx.post(f"{self.url}/v1/sandbox/clock", json={"advance": seconds}).raise_for_status()

    def outage(self, seconds: float, sources: list[str] | None = None) -> None:
        httpx.post(
            f"{self.url}/v1/sandbox/outage", json={"seconds": seconds, "sources": sources}
        ).raise_for_status()


@contextmanager
def provider_server(sources: SourceSet, config: ProviderConfig | None = None) -> Iterator[Served]:
    app = create_provider_app(sources, config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the provider did not start")
        time.sleep(0.01)
    try:
        yield Served(f"http://127.0.0.1:{port}", app.state.provider)
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
