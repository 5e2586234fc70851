"""The adapter for an operator's model server, against a real HTTP server on loopback: the
request follows the protocol (no host, no firm), the answer becomes findings, and a server that
fails or breaks the protocol is one error naming it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fairscreen.kit.errors import ConfigError
from fairscreen.monitors.livestream.remote import PROTOCOL, RemoteDetector
from tests.monitors.livestream.rooms import room

Answer = Callable[[dict[str, Any]], tuple[int, bytes]]


@contextmanager
def server(answer: Answer) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            seen.append(body)
            status, out = answer(body)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/detect", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def _keyword_model(body: dict[str, Any]) -> tuple[int, bytes]:
    """A stand-in for an operator's model: flags 最 with a score of 90, anything else 10."""
    findings = [
        {"segment": s["index"], "rule": "absolute_terms", "score": 90 if "最" in s["text"] else 10}
        for s in body["segments"]
    ]
    return 200, json.dumps({"findings": findings}).encode()


def test_the_server_reads_the_room_and_its_findings_come_back() -> None:
    live = room(["大家好", "全网最低价"])
    with server(_keyword_model) as (url, seen):
        detector = RemoteDetector(url)
        found = detector.detect(live)
        detector.close()
    [sent] = seen
    assert sent["protocol"] == PROTOCOL
    assert sent["room"] == {
        "room": "R-0001",
        "categories": ["ordinary_food"],
        "products": ["山楂饮"],
    }
    assert [s["text"] for s in sent["segments"]] == ["大家好", "全网最低价"]
    assert "H-7f3a9c" not in json.dumps(sent) and "F000001" not in json.dumps(sent)
    assert [(f.segment, f.rule, f.score, f.detector) for f in found] == [
        (1, "absolute_terms", 90, "remote")
    ]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (500, b"{}", "answered HTTP 500"),
        (200, b"<html>", "not JSON"),
        (200, b'{"hits": []}', "answer field findings"),
        (
            200,
            b'{"findings": [{"segment": 7, "rule": "absolute_terms", "score": 1}]}',
            r"findings\[0\]\.segment",
        ),
        (
            200,
            b'{"findings": [{"segment": 0, "rule": "weather", "score": 1}]}',
            r"findings\[0\]\.rule",
        ),
        (
            200,
            b'{"findings": [{"segment": 0, "rule": "guarantees", "score": 0.5}]}',
            r"findings\[0\]\.score",
        ),
    ],
)
def test_a_server_that_breaks_the_protocol_is_named(status: int, body: bytes, message: str) -> None:
    with server(lambda _: (status, body)) as (url, _), pytest.raises(ConfigError) as caught:
        RemoteDetector(url).detect(room(["全网最低价"]))
    assert url in str(caught.value) and caught.match(message)


def test_a_server_that_is_down_is_named() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/detect"
    with pytest.raises(ConfigError, match=f"model server {url}: no answer"):
        RemoteDetector(url).detect(room(["hi"]))
    with pytest.raises(ConfigError, match="http:// or https://"):
        RemoteDetector("ftp://x")
