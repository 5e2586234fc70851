"""A site as an operator runs it, for the tests that start real ``fairscreen`` processes: a data
directory with its key file, the test's database (SQLite or PostgreSQL), an employer with a
webhook endpoint, and the environment the processes get."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from fairscreen.accounts import service
from fairscreen.accounts.policy import Actor
from fairscreen.kit.clock import utcnow
from fairscreen.notify import webhooks
from fairscreen.notify.settings import networks
from fairscreen.vault import Vault
from fairscreen.vault.keys import LocalKeyFile
from tests.conftest import Database
from tests.notify.conftest import LOOPBACK

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Site:
    data: Path
    db: Database
    vault: Vault
    env: dict[str, str]
    employer: str

    def fairscreen(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fairscreen", *args],
            env={**self.env, **env},
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "fairscreen", *args],
            env={**self.env, **env},
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def endpoint(self, url: str, events: list[str]) -> tuple[str, str]:
        """A webhook of the employer's: ``(id, secret)``."""
        with self.db.sessions.begin() as session:
            secret, view = webhooks.create_endpoint(
                session,
                self.vault,
                Actor("staff", "0" * 32, "employer_admin", self.employer),
                url=url,
                events=events,
                allowed=networks(LOOPBACK),
                now=utcnow(),
            )
        return view.id, secret


def make_site(tmp_path: Path, db: Database) -> Site:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    vault = Vault(LocalKeyFile(data / "kek.json"))
    with db.sessions.begin() as session:
        employer = service.create_organisation(
            session, name="employer", kind="employer", jurisdiction="CN", now=utcnow()
        )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FAIRSCREEN_") or k.startswith("FAIRSCREEN_TEST_")
    }
    env |= {
        "HOME": str(tmp_path / "home"),
        "FAIRSCREEN_DATA_DIR": str(data),
        "FAIRSCREEN_DATABASE_URL": db.url,
        "FAIRSCREEN_WEBHOOK_ALLOW_NETWORKS": LOOPBACK,
        "FAIRSCREEN_RETENTION_SWEEP_INTERVAL": "0",
    }
    return Site(data, db, vault, env, employer)
