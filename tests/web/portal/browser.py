"""A real browser on the real server: uvicorn serving the app on a loopback port (in a thread of
the test process, so a frozen clock moves the server's "now" too), Debian's chromium driven by
Playwright, axe-core (from the npm registry) run on every page, and a screenshot of every page
at 360 px and at desktop width under ``screenshots/`` (gitignored)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

ROOT = Path(__file__).parents[3]
SHOTS = ROOT / "screenshots"
CACHE = ROOT / ".cache" / "axe-core"
CHROMIUM = Path(os.environ.get("FAIRSCREEN_CHROMIUM", "/usr/bin/chromium"))
WIDTHS = {"phone": (360, 740), "desktop": (1280, 900)}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_source() -> str:
    """axe-core's browser bundle, fetched once with ``npm pack`` (the npm registry) into a
    gitignored cache."""
    bundle = CACHE / "axe.min.js"
    if not bundle.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot fetch axe-core (apt-get install npm)")
        CACHE.mkdir(parents=True, exist_ok=True)
        packed = subprocess.run(
            [npm, "pack", "axe-core@4", "--silent", "--pack-destination", str(CACHE)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if packed.returncode != 0:
            pytest.skip(f"npm pack axe-core failed: {packed.stderr.strip()[:200]}")
        tarball = CACHE / packed.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None
            bundle.write_bytes(member.read())
    return bundle.read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def serve(app: Any) -> Server:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.025)
    assert server.started, "uvicorn did not start"
    return Server(f"http://127.0.0.1:{port}", server, thread)


@dataclass
class Shooter:
    """Screens every page it is shown: axe-core's serious and critical violations, CSP
    violations in the console, then a full-page screenshot at each width."""

    axe: str
    folder: Path
    count: int = 0
    problems: list[str] = field(default_factory=list)

    def look(self, page: Any, name: str) -> None:
        page.wait_for_load_state("load")
        self.count += 1
        results = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS,
        )
        for violation in results["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in violation["nodes"]][:3]
                self.problems.append(f"{name}: {violation['id']} {targets}")
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        for width, size in WIDTHS.items():
            page.set_viewport_size({"width": size[0], "height": size[1]})
            page.screenshot(
                path=str(self.folder / f"{self.count:02d}-{slug}-{width}.png"), full_page=True
            )
            if width == "phone":
                overflow = page.evaluate(
                    "() => document.documentElement.scrollWidth - window.innerWidth"
                )
                if overflow > 1:
                    self.problems.append(f"{name}: {overflow}px wider than a 360px screen")
        page.set_viewport_size({"width": WIDTHS["desktop"][0], "height": WIDTHS["desktop"][1]})


def launch(playwright: Any) -> Any:
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])


def contexts(browser: Any, axe: str, *, locale: str) -> Iterator[Any]:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    context.add_init_script(script=axe)
    try:
        yield context
    finally:
        context.close()
