"""What ``Recording.add`` queues is byte for byte what the ledger has always held: entries
encoded without building an ``Event`` first, and commitments written with the cached time
strings, equal the bytes pinned here (computed by the code before either shortcut existed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from fairscreen.consent.models import Consent
from fairscreen.kit import commitment
from fairscreen.ledger import record
from fairscreen.ledger.entry import Event, EventType
from fairscreen.ledger.record import Recording
from fairscreen.rating.models import Report
from fairscreen.sources.models import SourceQuery

BEIJING = timezone(timedelta(hours=8))
AT = datetime(2026, 12, 6, 13, 0, 1, 123456, tzinfo=BEIJING)
SIGNED = datetime(2026, 11, 1, 9, 30, tzinfo=BEIJING)

CASES: list[tuple[EventType, Any, dict[str, Any], dict[str, Any], bytes]] = [
    (
        EventType.SOURCE_QUERIED,
        SourceQuery,
        {
            "id": "q1",
            "request_id": "r1",
            "item": "identity",
            "source": "identity_registry",
            "queried_at": AT,
        },
        {
            "at": AT,
            "org": "o1",
            "subject": "s1",
            "check": "c1",
            "items": ["identity"],
            "attrs": {"source": "identity_registry"},
        },
        b'{"at":"2026-12-06T05:00:01.123Z","attrs":{"source":"identity_registry"},"check":"c1",'
        b'"commitment":"47821b27b39a87c3ef68545d4f56c3c703f36769094bfc0ff6e6867bcab89ce2",'
        b'"items":["identity"],"org":"o1","subject":"s1","type":"source.queried","v":2}',
    ),
    (
        EventType.REPORT_ISSUED,
        Report,
        {
            "id": "p1",
            "request_id": "r1",
            "version": 1,
            "ruleset": "cn-default@2026.2",
            "policy": "cn@2026.2",
            "issued_at": AT.astimezone(UTC),
            "content_ct": b"\x01sealed\xff",
        },
        {
            "at": AT,
            "org": "o1",
            "subject": "s1",
            "check": "c1",
            "policy": "cn@2026.2",
            "ruleset": "cn-default@2026.2",
            "attrs": {"employer": "o1"},
        },
        b'{"at":"2026-12-06T05:00:01.123Z","attrs":{"employer":"o1"},"check":"c1",'
        b'"commitment":"bb1d141d8f94478043b3e74acfa03339ef6fe7473e677d52a1865373cd36ec20",'
        b'"org":"o1","policy":"cn@2026.2","ruleset":"cn-default@2026.2","subject":"s1",'
        b'"type":"report.issued","v":2}',
    ),
    (
        EventType.CONSENT_SIGNED,
        Consent,
        {
            "id": "k1",
            "candidate_id": "c1",
            "items": ["identity", "education"],
            "separate_items": [],
            "purpose": "hiring",
            "recipient_id": "o1",
            "agency_id": None,
            "retention_days": 365,
            "signed_at": SIGNED,
            "digest": "d" * 64,
        },
        {
            "at": SIGNED,
            "org": "o1",
            "subject": "s1",
            "items": ["identity", "education"],
            "attrs": {"purpose": "hiring", "separate_items": [], "retention_days": 365},
        },
        b'{"at":"2026-11-01T01:30:00.000Z","attrs":{"purpose":"hiring","retention_days":365,'
        b'"separate_items":[]},'
        b'"commitment":"ddab4e2b654d848a1af289573a1af6c2f002b8211285e9559b39251e50e17a7f",'
        b'"items":["education","identity"],"org":"o1","subject":"s1","type":"consent.signed",'
        b'"v":2}',
    ),
]

SALT = bytes(range(16))


@pytest.mark.parametrize("repeat", [1, 3])
def test_entries_and_commitments_are_the_pinned_bytes(
    monkeypatch: pytest.MonkeyPatch, repeat: int
) -> None:
    # a fixed salt makes the commitment reproducible; repeating the same times exercises the
    # cached time strings (the second and third rounds are written from the cache)
    monkeypatch.setattr(record, "new_salt", lambda: SALT)
    recording = Recording()
    for _ in range(repeat):
        for event_type, table, row, entry, _expected in CASES:
            recording.add(event_type, table, dict(row), **entry)
    assert recording.entries == [expected for *_, expected in CASES] * repeat
    assert [row["commitment_salt"] for row in recording.rows] == [SALT] * len(CASES) * repeat


def test_encoded_entry_equals_the_event_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record, "new_salt", lambda: SALT)
    for event_type, table, row, entry, expected in CASES:
        recording = Recording()
        recording.add(event_type, table, dict(row), **entry)
        fields = table.committed_fields_of({**row, "commitment_salt": SALT})
        at = entry.pop("at")
        event = Event(
            event_type,
            at,
            commitment=commitment.commit(SALT, fields),
            **{**entry, "items": tuple(entry.get("items", ()))},
        )
        assert recording.entries == [event.encode()] == [expected]


def test_equal_instants_in_other_zones_write_the_same_time() -> None:
    # the caches are keyed by the datetime: equal instants must (and do) write one string
    utc = AT.astimezone(UTC)
    assert commitment.commit(SALT, {"t": AT}) == commitment.commit(SALT, {"t": utc})
    with pytest.raises(TypeError):  # a naive time is refused, cached or not
        commitment.commit(SALT, {"t": AT.replace(tzinfo=None)})
