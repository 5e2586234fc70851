"""A data directory as an operator has it, a real ``fairscreen serve`` over it, and the checks
that a copy of the database's main file holds nothing of an erased person.

``site`` screens a small world into ``{data}/fairscreen.db`` with the key file
``{data}/kek.json`` (the defaults of ``FAIRSCREEN_DATA_DIR``), with long client references
and a criminal case for the target so that every kind of identifier is there to look for, and
takes the target's footprint (tests/retention/footprint.py) before anything is erased.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from fairscreen.accounts import service
from fairscreen.accounts.policy import Actor
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import make_engine, session_factory, upgrade
from fairscreen.vault import Vault
from fairscreen.vault.core import SealError
from fairscreen.vault.keys import KeyProviderError, LocalKeyFile
from tests.conftest import Database
from tests.retention.footprint import Footprint, footprint, gone, haystack, labels
from tests.retention.people import Person, Screened, new_tag, screen_people
from tests.retention.scan import Needle, byte_needles, scan, text_needles

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "fairscreen.test/erasure"


@dataclass
class Site:
    data: Path
    env: dict[str, str]
    db: Database
    vault: Vault
    world: Screened
    before: Footprint  # the target's, before erasure
    token: str  # a platform operator's API token

    @property
    def database(self) -> Path:
        return self.data / "fairscreen.db"

    @property
    def target(self) -> Person:
        return self.world.target

    @property
    def others(self) -> list[Person]:
        return sorted(
            (p for p in self.world.people.values() if p is not self.target), key=lambda p: p.ref
        )

    @property
    def other(self) -> Person:
        """The positive control: never erased by a test."""
        return self.others[0]

    def fairscreen(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fairscreen", *args],
            env={**self.env, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )


def make_site(tmp_path: Path) -> Site:
    data = tmp_path / "data"
    tag = new_tag()
    env = {
        **os.environ,
        "FAIRSCREEN_DATA_DIR": str(data),
        "FAIRSCREEN_LOG_ORIGIN": ORIGIN,
        "FAIRSCREEN_KEY_PROVIDER": "local",
        "FAIRSCREEN_RETENTION_SWEEP_INTERVAL": "0",
    }
    env.pop("FAIRSCREEN_DATABASE_URL", None)
    url = f"sqlite:///{data / 'fairscreen.db'}"
    engine = make_engine(url)
    upgrade(engine)
    db = Database("sqlite", url, engine, session_factory(engine))
    vault = Vault(LocalKeyFile(data / "kek.json"))
    world = screen_people(
        db, vault, tmp_path, others=2, tag=tag, prefix=f"CLIENT-{tag}-", court_case=True
    )
    before = footprint(engine, world.target.candidate_id)
    with db.sessions.begin() as session:  # the platform's operator, through an API token
        org = service.create_organisation(
            session, name="platform", kind="platform", jurisdiction="CN", now=utcnow()
        )
        made = service.add_staff(
            session,
            organisation_id=org,
            email="operator@platform.example",
            display_name="operator",
            role="platform_admin",
            now=utcnow(),
        )
        token, _ = service.create_token(
            session,
            Actor("staff", made.id, "platform_admin", org),
            name="tests",
            scopes=["deletion.process", "deletion.read", "tally.read"],
            expires_in_days=1,
            now=utcnow(),
        )
    engine.dispose()
    return Site(data, env, db, vault, world, before, token)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``fairscreen serve`` as a subprocess on a free loopback port."""

    def __init__(self, site: Site, **env: str) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fairscreen", "serve", "--port", str(self.port)],
            env={**site.env, **env},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}",
            timeout=60,
            headers={"Authorization": f"Bearer {site.token}"},
        )
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited: {self.process.stderr.read()}")  # type: ignore[union-attr]
            try:
                if self.client.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("serve did not start")
            time.sleep(0.1)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(url, **kwargs)

    def erase(self, person: Person) -> dict[str, Any]:
        """A deletion request through the API, from receipt to ``done``; the last answer."""
        request = self.post("/api/v1/retention/deletion-requests", json={})
        assert request.status_code == 201, request.text
        rid = request.json()["id"]
        proof = {"id_number": person.id_number, "name": person.name}
        verified = self.post(f"/api/v1/retention/deletion-requests/{rid}/verify", json=proof)
        assert verified.status_code == 200, verified.text
        done = self.post(f"/api/v1/retention/deletion-requests/{rid}/process")
        assert done.status_code == 200, done.text
        body: dict[str, Any] = done.json()
        assert body["status"] == "done" and body["certificate_id"], body
        return body

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=60)
        finally:
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()

    def kill(self) -> None:
        self.process.kill()  # SIGKILL
        self.stop()


def copy_main_file(site: Site, to: Path) -> Path:
    """The main database file alone, as a file copy or a backup of the disk would take it."""
    to.write_bytes(site.database.read_bytes())
    return to


def live_haystack(site: Site) -> bytes:
    """Every value the database holds now (through SQLite, with its WAL)."""
    engine = make_engine(site.db.url)
    try:
        return haystack(engine)
    finally:
        engine.dispose()


def plaintext_needles(person: Person) -> list[Needle]:
    """What the world file says of the person in clear, in every encoding the scan knows."""
    return text_needles("clear", [v for v in person.world if len(v) >= 6])


def stored_needles(person: Person) -> list[Needle]:
    return (
        byte_needles("ciphertext", person.ciphertexts)
        + byte_needles("wrapped data key", [person.wrapped_key])
        + byte_needles("blind index", [person.blind_index], prefix=32)
    )


# Tables whose rows of the person must be gone, by the footprint's labels: the ones erasure
# deletes or blanks. A check that the generic footprint found them, so the scan is not empty.
EXPECTED_GONE = {
    "candidates.name_ct",
    "candidates.id_document_ct",
    "candidates.birth_date_ct",
    "candidates.claims_ct",
    "candidates.id_number_index",
    "candidates.external_ref_index",
    "candidates.external_ref_ct",
    "candidate_demographics.demographics_ct",
    "data_keys.wrapped",
    "reports.content_ct",
}


def person_needles(site: Site, after: bytes) -> list[Needle]:
    """Everything of the target's that erasure took out of the database, found generically,
    plus their clear values and the stored bytes known by name."""
    generic = gone(site.before, after)
    missing = EXPECTED_GONE - labels(generic)
    assert not missing, f"the footprint did not find, or erasure kept: {sorted(missing)}"
    return generic + plaintext_needles(site.target) + stored_needles(site.target)


def _rows(copy: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{copy}?mode=ro&immutable=1", uri=True)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def erased_in(copy: Path, candidate_id: str) -> bool:
    """Whether the copy already shows the erasure: the candidate's row is gone."""
    return bool(
        _rows(copy, "SELECT count(*) FROM candidates WHERE id = ?", candidate_id)[0][0] == 0
    )


def opened_with_key_file(site: Site, copy: Path, sealed: list[tuple[str, str, str, bytes]]) -> int:
    """How many of ``sealed`` (table, column, row, ciphertext) open with any data key in the
    copy, unwrapped with the key file."""
    opened = 0
    for key_id, version, wrapped in _rows(copy, "SELECT id, kek_version, wrapped FROM data_keys"):
        try:
            sealer = site.vault.sealer(key_id, version, bytes(wrapped))
        except KeyProviderError:
            continue
        for table, column, row_id, data in sealed:
            try:
                sealer.open(table, column, row_id, data)
                opened += 1
            except SealError:
                pass
    return opened


def assert_erased_in_copy(site: Site, copy: Path) -> None:
    """The copy of the main file alone shows the erasure (no row, a certificate) and holds
    nothing of the target: no byte string of theirs, nothing that opens with the key file;
    while the other people's bytes are found and open (the scan and the check work)."""
    assert erased_in(copy, site.target.candidate_id), "the main file does not have the erasure"
    assert _rows(copy, "SELECT count(*) FROM destruction_certificates")[0][0] >= 1

    hits = scan([copy], person_needles(site, live_haystack(site)))
    assert sorted({h.needle for h in hits}) == [], "found in the main file after erasure"
    theirs = [(s.table, s.column, s.row_id, s.data) for s in site.before.sealed]
    assert theirs and opened_with_key_file(site, copy, theirs) == 0

    other = site.other
    assert scan([copy], byte_needles("ciphertext", other.ciphertexts)), "positive control"
    (row,) = _rows(copy, "SELECT id, name_ct FROM candidates WHERE id = ?", other.candidate_id)
    assert opened_with_key_file(site, copy, [("candidates", "name_ct", row[0], row[1])]) == 1
