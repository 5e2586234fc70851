"""Destruction is durable before it is reported, with a real ``fairscreen serve`` running.

Each test erases a person as an operator would (through the HTTP API of a running server, or
the sweep beside it), then copies the database's main file alone, without its WAL, as a file
copy or a disk backup would, and shows that nothing of the person is in it: no value of any row
that was theirs (found generically, tests/retention/footprint.py), nothing the world file says
of them in clear (name, ID number, birth date, client and consent references, source record
ids, case number, reference text, in UTF-8, UTF-16 and GB18030), no ciphertext, wrapped data key
or blind index of theirs, and nothing that opens with the key file; while the others' bytes are
found and open.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import transaction
from fairscreen.kit.files import FilePermissionError, private_dir
from fairscreen.policy.pack import load_pack
from fairscreen.retention import deletion
from tests.retention.people import expire
from tests.retention.scan import byte_needles, scan
from tests.retention.served import (
    Server,
    Site,
    assert_erased_in_copy,
    copy_main_file,
    erased_in,
    make_site,
)

LONG_AGO = date(2001, 1, 1)  # a retention that ended before any real "today"


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path)


def _wal(site: Site) -> Path:
    return Path(f"{site.database}-wal")


def _wal_empty(site: Site) -> bool:
    """No WAL (the last connection closed removes it), or one cut to zero bytes."""
    return not _wal(site).exists() or _wal(site).stat().st_size == 0


def test_a_deletion_through_the_api_is_out_of_the_main_file_when_answered(
    site: Site, tmp_path: Path
) -> None:
    server = Server(site)
    try:
        answer = server.erase(site.target)
        # Copied the moment the answer arrives, the server still running.
        copy = copy_main_file(site, tmp_path / "at-answer.db")
    finally:
        assert server.stop(signal.SIGTERM) == 0, "a clean stop"
    assert answer["durability"] == "clean"
    assert_erased_in_copy(site, copy)

    # A clean stop leaves everything in the main file: no WAL, or an empty one.
    assert _wal_empty(site)
    assert_erased_in_copy(site, copy_main_file(site, tmp_path / "after-stop.db"))


def test_ctrl_c_stops_the_server_cleanly_with_the_wal_in_the_main_file(
    site: Site, tmp_path: Path
) -> None:
    server = Server(site, FAIRSCREEN_RETENTION_SWEEP_INTERVAL="3600")
    try:
        server.erase(site.target)
        server.erase(site.others[1])  # more writes after the first checkpoint
    finally:
        assert server.stop(signal.SIGINT) == 0
    assert _wal_empty(site)
    assert_erased_in_copy(site, copy_main_file(site, tmp_path / "after-ctrl-c.db"))


def test_kill_9_right_after_the_answer_loses_nothing_of_the_erasure(
    site: Site, tmp_path: Path
) -> None:
    server = Server(site)
    try:
        server.erase(site.target)
    finally:
        server.kill()
    assert_erased_in_copy(site, copy_main_file(site, tmp_path / "after-kill.db"))
    # The next start finds the database whole and the certificate there.
    again = Server(site)
    try:
        certificates = again.client.get("/api/v1/retention/certificates").json()
        assert [c["reason"] for c in certificates] == ["deletion_request"]
    finally:
        assert again.stop() == 0


def test_a_sweep_beside_the_running_server(site: Site, tmp_path: Path) -> None:
    expire(site.db, site.vault, site.target.ref, on=LONG_AGO)
    server = Server(site)
    try:
        swept = site.fairscreen("retention", "sweep")
        assert swept.returncode == 0, swept.stderr
        assert "destroyed 1 candidate(s)" in swept.stdout
        copy = copy_main_file(site, tmp_path / "after-sweep.db")
        assert server.client.get("/api/v1/retention/certificates").json()[0]["reason"] == (
            "retention_expired"
        )
    finally:
        assert server.stop() == 0
    assert_erased_in_copy(site, copy)


def test_a_reader_that_holds_the_wal_is_reported_and_the_server_retries(
    site: Site, tmp_path: Path
) -> None:
    server = Server(
        site,
        FAIRSCREEN_SQLITE_CHECKPOINT_WAIT="0.5",
        FAIRSCREEN_SQLITE_CHECKPOINT_RETRY="0.2",  # the sweep scheduler is off (the default)
    )
    reader = sqlite3.connect(site.database, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM candidates").fetchall()  # a snapshot from before
        answer = server.erase(site.target)
        assert answer["durability"] == "wal_pending"
        # Not claimed: the main file does still hold the person (the reader's pages).
        held = copy_main_file(site, tmp_path / "held.db")
        assert scan([held], byte_needles("wrapped data key", [site.target.wrapped_key]))

        reader.execute("ROLLBACK")
        reader.close()
        # The server retries until the checkpoint completes: then the main file has the
        # erasure (the publisher may have written to the WAL again since, which is harmless).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            retried = copy_main_file(site, tmp_path / "retried.db")
            if erased_in(retried, site.target.candidate_id):
                break
            time.sleep(0.1)
        assert_erased_in_copy(site, retried)
    finally:
        reader.close()
        assert server.stop() == 0


def test_the_cli_says_when_a_deletion_is_not_yet_out_of_the_wal(site: Site, tmp_path: Path) -> None:
    now = utcnow()
    with transaction(site.db.sessions) as s:
        rid = deletion.receive(s, now=now, pack=load_pack(), channel="cli").id
        deletion.verify(
            s, site.vault, rid, id_number=site.target.id_number, name=site.target.name, now=now
        )
    site.db.engine.dispose()
    reader = sqlite3.connect(site.database, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM candidates").fetchall()
        held = site.fairscreen("deletion", "process", rid, FAIRSCREEN_SQLITE_CHECKPOINT_WAIT="0.3")
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert held.returncode == 6, held.stderr
    assert "still in the SQLite WAL" in held.stderr and "retention compact" in held.stderr
    assert deletion.DONE in held.stdout
    compacted = site.fairscreen("retention", "compact")
    assert compacted.returncode == 0, compacted.stderr
    assert "checkpoint: truncated" in compacted.stdout
    assert _wal_empty(site)
    assert_erased_in_copy(site, copy_main_file(site, tmp_path / "compacted.db"))


def test_loosened_permissions_are_refused_with_the_fix(site: Site) -> None:
    assert site.data.stat().st_mode & 0o777 == 0o700
    for path in (site.database, Path(f"{site.database}-wal"), Path(f"{site.database}-shm")):
        if path.exists():
            assert path.stat().st_mode & 0o777 == 0o600, path
    site.database.chmod(0o644)
    refused = site.fairscreen("retention", "certificates")
    assert refused.returncode != 0
    assert f"{site.database}: the database file is open to group or others" in refused.stderr
    assert f"chmod 600 {site.database}" in refused.stderr
    assert "Traceback" not in refused.stderr
    site.database.chmod(0o600)
    site.data.chmod(0o755)
    with pytest.raises(FilePermissionError, match="chmod 700"):
        private_dir(site.data)
    refused = site.fairscreen("serve", "--port", "1")
    assert refused.returncode == 1 and f"chmod 700 {site.data}" in refused.stderr
