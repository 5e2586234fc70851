"""The API's OpenAPI description against the running server: schemathesis, every check
(``--checks all``), on a real ``fairscreen serve`` on loopback, signed in with an API token of
an employer administrator (the role that reaches the most routes; the others answer 403,
which the description lists). Zero failures of any kind, on SQLite and PostgreSQL.

The run is bounded (``--max-examples``) so that it takes well under a minute per backend, with
a fixed seed so every run tries the same requests; ``FAIRSCREEN_TEST_SCHEMATHESIS_SEED`` tries
others (seeds 1 to 4 found nothing on 2026-12-06)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Database
from tests.web.running import running

ROOT = Path(__file__).parents[2]


@pytest.fixture
def server(tmp_path: Path, db: Database) -> Iterator[tuple[str, dict[str, str]]]:
    # the fuzzer sends thousands of requests a minute: no rate limits for it
    with running(
        tmp_path, db, "employer_admin", rate_limit_per_address="none", rate_limit_per_account="none"
    ) as server:
        yield server.url, server.env


def test_schemathesis_finds_nothing(server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    url, env = server
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            "--include-path-regex",
            "^/api/",
            "--max-examples",
            "10",
            "--workers",
            "1",
            "--seed",
            os.environ.get("FAIRSCREEN_TEST_SCHEMATHESIS_SEED", "1"),
            "--no-color",
        ],
        env=env | {"SCHEMATHESIS_HOOKS": "tests.web.schemathesis_hooks", "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,  # its cache of past crashes stays out of the repository and out of the next run
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert re.search(r"Tested: \d+", run.stdout), run.stdout[-3000:]
