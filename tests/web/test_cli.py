"""``fairscreen serve`` as a user starts it: it says where it listens, and its API docs load
everything from the server itself (no CDN), so they work on a machine with no internet."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "FAIRSCREEN_DATABASE_URL"}
    return env | {"FAIRSCREEN_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}


def test_serve_prints_its_url_and_serves_the_docs_itself(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "fairscreen", "serve", "--port", "0", "--no-publish"],
        env=_env(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        found = re.search(r"serving on (http://127\.0\.0\.1:\d+) \(API docs: \1/docs", line)
        assert found, line
        url = found.group(1)
        with httpx.Client(base_url=url, timeout=30) as client:
            for page, script in (
                ("/docs", "swagger-ui-bundle.js"),
                ("/redoc", "redoc.standalone.js"),
            ):
                html = client.get(page).text
                sources = re.findall(r'(?:src|href)="([^"]+)"', html)
                assert sources and all(s.startswith("/") for s in sources), sources
                assert f"/static-offline-docs/{script}" in sources
                asset = client.get(f"/static-offline-docs/{script}")
                assert asset.status_code == 200 and len(asset.content) > 100_000
            assert client.get("/openapi.json").json()["info"]["title"] == "fairscreen"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_port_in_use_is_one_line_with_exit_status_4(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "fairscreen", "serve", "--port", str(port), "--no-publish"],
            env=_env(tmp_path),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 4, run.stderr
    assert run.stderr == (
        f"error cannot listen on 127.0.0.1:{port}: Address already in use (choose another --port)\n"
    )
