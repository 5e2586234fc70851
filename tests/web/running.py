"""``fairscreen serve`` as an operator runs it, for the tests that need the real server: keys
made by ``fairscreen keys init``, an organisation with one staff member, and the server on a
free loopback port, over the test's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fairscreen.accounts import service
from fairscreen.accounts.policy import Actor, policy
from fairscreen.kit.clock import utcnow
from tests.conftest import Database


@dataclass(frozen=True)
class Running:
    url: str
    env: dict[str, str]  # the server's environment (FS_ST_*: who the staff member is)
    organisation: str
    staff: str
    role: str


def server_env(tmp_path: Path, db: Database, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    return env | {
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "data"),
        "FAIRSCREEN_DATABASE_URL": db.url,
        "FAIRSCREEN_RETENTION_SWEEP_INTERVAL": "0",
        "FAIRSCREEN_FEEDBACK_INTERVAL": "0",
        "FAIRSCREEN_NOTIFY_INTERVAL": "0",
        "FAIRSCREEN_LIVESTREAM_SWEEP_INTERVAL": "0",
        "HOME": str(tmp_path),
        **{f"FAIRSCREEN_{k.upper()}": v for k, v in settings.items()},
    }


@contextmanager
def running(
    tmp_path: Path, db: Database, role: str = "employer_admin", **settings: str
) -> Iterator[Running]:
    env = server_env(tmp_path, db, **settings)
    subprocess.run(
        [sys.executable, "-m", "fairscreen", "keys", "init"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    kind = role.split("_", 1)[0]
    with db.sessions.begin() as session:
        org = service.create_organisation(
            session, name=f"An {kind}", kind=kind, jurisdiction="CN", now=utcnow()
        )
        staff = service.add_staff(
            session,
            organisation_id=org,
            email=f"{role}@org.example",
            display_name=role,
            role=role,
            now=utcnow(),
        )
    env |= {"FS_ST_STAFF": staff.id, "FS_ST_ORGANISATION": org, "FS_ST_ROLE": role}
    process = subprocess.Popen(
        [sys.executable, "-m", "fairscreen", "serve", "--port", "0", "--no-publish"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", line)
        assert found, line
        yield Running(found.group(1), env, org, staff.id, role)
    finally:
        process.terminate()
        process.wait(timeout=30)


def api_token(db: Database, server: Running) -> str:
    """A new API token of the server's staff member, with every action of the role."""
    actor = Actor("staff", server.staff, server.role, server.organisation)
    with db.sessions.begin() as session:
        token, _ = service.create_token(
            session,
            actor,
            name="test",
            scopes=sorted(policy().roles[server.role].grants),
            expires_in_days=1,
            now=utcnow(),
        )
    return token
