"""Helpers for the ledger tests: signers, entries, and real committed rows to point entries at."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from fairscreen.candidates.models import Candidate
from fairscreen.consent.models import Consent
from fairscreen.kit.ids import new_id
from fairscreen.kit.settings import get_settings
from fairscreen.ledger.entry import Event, EventType
from fairscreen.ledger.note import Signer
from fairscreen.ledger.record import Recording
from fairscreen.organisations.models import Organisation
from fairscreen.vault.models import DataKey
from tests.vault.conftest import hsm, softhsm_conf  # noqa: F401  (SoftHSM2 tokens, for test_signing)

ORIGIN = "test.fairscreen.invalid/ledger"
T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


@pytest.fixture
def signer() -> Signer:
    return Signer.generate(ORIGIN)


@pytest.fixture
def settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """FAIRSCREEN_DATA_DIR and the log origin pointed at a fresh directory (settings re-read)."""
    data = tmp_path / "data"
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(data))
    monkeypatch.setenv("FAIRSCREEN_LOG_ORIGIN", ORIGIN)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def plain_entries(n: int, start: int = 0, tag: str = "e") -> list[bytes]:
    """Distinct entries with no record reference."""
    return [
        Event(
            EventType.SOURCE_QUERIED,
            T0 + timedelta(milliseconds=start + i),
            org="org-1",
            check=f"{tag}-{start + i}",
            items=("criminal",),
        ).encode()
        for i in range(n)
    ]


@dataclass
class Records:
    """Consent rows inserted for real, and the entries that commit to them."""

    consent_ids: list[str]
    subjects: list[str]
    entries: list[bytes]


def insert_consents(session: Session, positions: list[int]) -> Records:
    """A consent (with its organisation and candidate) for each of ``positions``, the ledger
    indexes their ``consent.signed`` entries will have; returns the entries, which the caller
    appends at those positions."""
    org = new_id()
    session.execute(
        insert(Organisation.__table__),  # type: ignore[arg-type]
        [
            {
                "id": org,
                "external_ref": f"org-{org}",
                "kind": "employer",
                "name": "Test Employer",
                "jurisdiction": "CN",
                "created_at": T0,
            }
        ],
    )
    session.execute(
        insert(DataKey.__table__),  # type: ignore[arg-type]
        [
            {
                "id": "key-1",
                "provider": "local",
                "kek_version": "local-1",
                "wrapped": bytes(40),
                "created_at": T0,
            }
        ],
    )
    candidates, consents, subjects = [], [], []
    recording = Recording()
    for i, position in enumerate(positions):
        cid, consent_id = new_id(), new_id()
        subject = os.urandom(16).hex()
        subjects.append(subject)
        candidates.append(
            {
                "id": cid,
                "data_key_id": "key-1",
                "external_ref_index": os.urandom(32),
                "external_ref_ct": b"ct",
                "id_number_index": os.urandom(32),
                "name_ct": b"ct",
                "id_document_ct": b"ct",
                "birth_date_ct": b"ct",
                "claims_ct": b"ct",
                "subject_ref": subject,
                "created_at": T0,
                "retain_until": date(2027, 11, 29),
            }
        )
        row: dict[str, Any] = {
            "id": consent_id,
            "candidate_id": cid,
            "items": ["criminal", "education"],
            "separate_items": ["criminal"],
            "purpose": "hiring",
            "recipient_id": org,
            "agency_id": None,
            "retention_days": 365,
            "signed_at": T0 + timedelta(seconds=i),
            "digest": os.urandom(32).hex(),
        }
        recording.add(
            EventType.CONSENT_SIGNED,
            Consent,
            row,
            at=row["signed_at"],
            org=org,
            subject=subject,
            items=row["items"],
        )
        row["ledger_index"] = position
        consents.append(row)
    entries = list(recording.entries)
    session.execute(insert(Candidate.__table__), candidates)  # type: ignore[arg-type]
    session.execute(insert(Consent.__table__), consents)  # type: ignore[arg-type]
    return Records([c["id"] for c in consents], subjects, entries)


class AsgiClient:
    """A synchronous face on httpx's ASGI transport: real requests into the real app, in process."""

    def __init__(self, app: Any, base_url: str = "http://localhost") -> None:
        self.app = app
        self.base_url = base_url

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=self.base_url) as client:
                return await client.get(url, **kwargs)

        return asyncio.run(call())
