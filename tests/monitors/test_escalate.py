"""A monitor's escalation is a supervision signal like an off-site one: its evidence document
is committed on the ledger by its SHA-256 (the entry names no person and holds no document),
the signal's evidence is that entry with an inclusion proof, the same key twice is one signal,
and the risk tiers count it against the firm under the monitor's scenario."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import orjson
import pytest
from sqlalchemy import func, select

from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.errors import InputError, NotFoundError, PolicyError
from fairscreen.ledger import checkpoints, log
from fairscreen.ledger.note import Signer
from fairscreen.ledger.verify import verify_log
from fairscreen.models import LEDGER_RECORDS
from fairscreen.monitors import escalate
from fairscreen.monitors.escalate import Escalation
from fairscreen.supervision import service as tiers_service
from fairscreen.supervision.offsite import evidence
from fairscreen.supervision.offsite.evidence import verify_bundle
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.supervision.offsite.service import signal_json
from fairscreen.supervision.register import Firm, Office, Register
from fairscreen.supervision.signals import Severity
from fairscreen.supervision.tiers import Tier, shipped_rules
from tests.conftest import Database

SIGNER = Signer.generate("fairscreen.invalid/ledger")
NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
SEEN = datetime(2026, 11, 1, 20, 15, 7, tzinfo=UTC)
DOC = {"room": "R-0001", "segment": {"start_ms": 61_000, "text": "全网最低价"}, "rule": "x"}


def _escalation(key: str = "R-0001:absolute_terms:2026-11-01", **over: object) -> Escalation:
    fields: dict[str, object] = {
        "monitor": "livestream",
        "key": key,
        "org": "F00042",
        "scenario": "catering",
        "rule": "livestream.absolute_terms",
        "severity": Severity.SERIOUS,
        "ruleset": "livestream@2026.12.1",
        "opened_at": SEEN,
        "evidence": DOC,
        "title": "Absolute terms in an advertisement",
        "legal_basis": "广告法 第九条第(三)项",
        "guidance": None,
    }
    fields.update(over)
    return Escalation(**fields)  # type: ignore[arg-type]


def test_an_escalation_is_a_signal_whose_entry_commits_to_the_document(db: Database) -> None:
    with db.sessions.begin() as session:
        made = escalate.escalate(session, _escalation(), now=NOW)
        again = escalate.escalate(session, _escalation(), now=NOW)
    assert made.created and not again.created and again.signal.id == made.signal.id
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SignalRow)) == 1
        row = session.get(SignalRow, made.signal.id)
        assert row is not None and row.evidence == [made.index] and row.closed_at is None
        entry = orjson.loads(log.read_entry(session, made.index))
        digest, document = escalate.evidence_document(session, row.id)
        shown = signal_json(row)
    assert document == DOC
    assert digest == hashlib.sha256(canonical_json(DOC)).hexdigest()
    assert entry["type"] == "monitor.signalled" and entry["org"] == "F00042"
    assert entry["attrs"] == {
        "monitor": "livestream",
        "rule": "livestream.absolute_terms",
        "scenario": "catering",
        "severity": "serious",
        "digest": digest,
    }
    assert shown["title"] == "Absolute terms in an advertisement"
    assert shown["legal_basis"] == "广告法 第九条第(三)项"
    # the whole log, with the new committed table, verifies
    assert verify_log(db.sessions, records=LEDGER_RECORDS).ok

    # and the signal's evidence bundle proves the entry against a signed checkpoint
    checkpoints.publish(db.sessions, SIGNER)
    with db.sessions() as session:
        doc = evidence.bundle(session, row)
    assert verify_bundle(doc, SIGNER.verifier).size >= made.index + 1


def test_the_entry_holds_no_document(db: Database) -> None:
    with db.sessions.begin() as session:
        made = escalate.escalate(session, _escalation(), now=NOW)
    with db.sessions() as session:
        raw = log.read_entry(session, made.index)
    assert "全网最低价".encode() not in raw and b"R-0001" not in raw


def test_close_ends_the_open_signal_once(db: Database) -> None:
    with db.sessions.begin() as session:
        made = escalate.escalate(session, _escalation("E-1:maintenance_overdue"), now=NOW)
    later = datetime(2026, 11, 20, tzinfo=UTC)
    with db.sessions.begin() as session:
        assert escalate.close(session, "livestream", "E-1:maintenance_overdue", later)
        assert not escalate.close(session, "livestream", "E-1:maintenance_overdue", later)
    with db.sessions() as session:
        row = session.get(SignalRow, made.signal.id)
        assert row is not None and row.closed_at == later


def test_bad_input_names_the_field(db: Database) -> None:
    with db.sessions.begin() as session:
        with pytest.raises(InputError, match="monitor"):
            escalate.escalate(session, _escalation(monitor="radio"), now=NOW)
        with pytest.raises(InputError, match="evidence"):
            escalate.escalate(session, _escalation(evidence={"speed": 1.5}), now=NOW)
        with pytest.raises(InputError, match="key"):
            escalate.escalate(session, _escalation(key=""), now=NOW)
    with db.sessions() as session, pytest.raises(NotFoundError):
        escalate.evidence_document(session, "nope")


def test_a_pack_is_published_once_and_a_changed_file_refused(db: Database) -> None:
    with db.sessions.begin() as session:
        assert escalate.publish_pack(
            session, monitor="kitchens", ref="kitchens@1", digest="a" * 64, now=NOW
        )
        assert not escalate.publish_pack(
            session, monitor="kitchens", ref="kitchens@1", digest="a" * 64, now=NOW
        )
        with pytest.raises(PolicyError, match="kitchens rule pack kitchens@1"):
            escalate.publish_pack(
                session, monitor="kitchens", ref="kitchens@1", digest="b" * 64, now=NOW
            )


def test_the_tiers_count_a_monitor_signal_under_its_scenario(db: Database) -> None:
    office = Office(id="o1", name="Office", x=0, y=0)
    firm = Firm(id="F00042", name="Kitchen", x=10, y=10, office="o1", scenarios=("catering",))
    register = Register([office], [], [firm])
    as_of = date(2026, 11, 3)
    with db.sessions.begin() as session:
        escalate.escalate(session, _escalation(), now=NOW)
        tiers_service.store_tiers(session, shipped_rules(), register, as_of, now=NOW)
    with db.sessions() as session:
        tier = tiers_service.effective_tiers(session, firm="F00042")[("F00042", "catering")]
    assert tier.tier is Tier.CRITICAL  # an open serious signal
    named = {s["rule"] for s in tier.computed.explanation["signals"]}
    assert named == {"livestream.absolute_terms"}
