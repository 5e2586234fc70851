"""Bright kitchens end to end over the database: confirmed events escalate by the pack (a rodent
at once, repeated no-mask in a window), honest look-alikes do not, a camera that cries wolf is
flagged and its events stop counting (its restaurant keeps its tier), a fixed camera counts
again, and the tiers move the planted violator up and name the rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from fairscreen.kit.errors import ConflictError, InputError, NotFoundError
from fairscreen.ledger.verify import verify_log
from fairscreen.models import LEDGER_RECORDS
from fairscreen.monitors import escalate
from fairscreen.monitors.kitchens import service
from fairscreen.monitors.kitchens.models import CameraFlag, KitchenEvent
from fairscreen.monitors.kitchens.pack import shipped_pack
from fairscreen.supervision import service as tiers_service
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.supervision.register import Firm, Office, Register
from fairscreen.supervision.tiers import Tier, shipped_rules
from tests.conftest import Database
from tests.monitors.kitchens.helpers import event, reviewed, series

T0 = datetime(2026, 9, 1, 11, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 23, tzinfo=UTC)
DAY = timedelta(days=1)


def _signals(db: Database) -> dict[tuple[str, str], list[SignalRow]]:
    out: dict[tuple[str, str], list[SignalRow]] = {}
    with db.sessions() as session:
        for s in session.scalars(select(SignalRow).order_by(SignalRow.opened_at)):
            out.setdefault((s.org, s.rule), []).append(s)
    return out


def _run(db: Database, records: list, now: datetime = NOW) -> service.RunResult:  # type: ignore[type-arg]
    with db.sessions.begin() as session:
        service.ingest(session, records, now=now)
        return service.run(session, shipped_pack(), now=now)


def test_confirmed_events_escalate_and_look_alikes_do_not(db: Database) -> None:
    rat = event("F000001", "C1", T0 + 3 * DAY, "rodent")
    false_rat = event("F000002", "C1", T0 + 3 * DAY, "rodent")
    records = [
        rat,
        reviewed(rat, "confirmed"),
        false_rat,
        reviewed(false_rat, "dismissed"),
        # violator: 5 no-mask in 12 days -> hygiene_repeated; and 15 within 30 days -> persistent
        *series("F000003", "C2", T0, "no_mask", 5, 3 * DAY, "confirmed"),
        *series("F000004", "C1", T0, "no_hat", 16, DAY, "confirmed"),
        # look-alikes: 4 in a month; 5 spread over 4 months; 8 dismissed; 3 awaiting review
        *series("F000005", "C1", T0, "no_mask", 4, 5 * DAY, "confirmed"),
        *series("F000006", "C1", T0, "no_mask", 5, 20 * DAY, "confirmed"),
        *series("F000007", "C1", T0, "no_mask", 8, DAY, "dismissed"),
        *[event("F000008", "C1", T0 + i * DAY, "smoking") for i in range(3)],
    ]
    result = _run(db, records)
    assert result.published and not result.flagged
    found = {k: len(v) for k, v in _signals(db).items()}
    assert found == {
        ("F000001", "kitchens.rodents"): 1,
        ("F000003", "kitchens.hygiene_repeated"): 1,
        ("F000004", "kitchens.hygiene_repeated"): 1,  # once a window, however many more
        ("F000004", "kitchens.hygiene_persistent"): 1,
    }
    signals = _signals(db)
    rodent = signals[("F000001", "kitchens.rodents")][0]
    assert rodent.severity == "serious" and rodent.scenario == "catering"
    assert rodent.opened_at == rat.at and rodent.ruleset == "kitchens@2026.12"
    assert "第三十三条" in (rodent.detail or {})["legal_basis"]
    with db.sessions() as session:
        _, doc = escalate.evidence_document(session, rodent.id)
        assert service.summary(session) == {"pending": 3, "flagged": 0, "open_signals": 4}
    assert [e["id"] for e in doc["events"]] == [rat.id]
    assert doc["events"][0]["snapshot_sha256"] == rat.snapshot.sha256
    assert "acct-1" not in str(doc)  # the reviewer's account stays in the events table

    # a second run over the same data raises nothing new; the log verifies
    again = _run(db, [])
    assert not again.escalated and not again.published
    assert verify_log(db.sessions, records=LEDGER_RECORDS).ok


def test_a_camera_that_cries_wolf_is_flagged_and_its_restaurant_keeps_its_tier(
    db: Database,
) -> None:
    records = []
    # the wolf: 3 false alarms a day for 60 days, one in 15 confirmed by mistake
    for i in range(180):
        e = event("F000010", "WOLF", T0 + i * timedelta(hours=8), "no_mask")
        records += [e, reviewed(e, "confirmed" if i % 15 == 0 else "dismissed")]
    # its neighbour camera in the same restaurant is honest and quiet
    records += series("F000010", "C2", T0, "bin_uncovered", 2, 7 * DAY, "confirmed")
    # the planted violator: repeated confirmed no-mask, and a rodent
    records += series("F000011", "C1", T0, "no_mask", 15, 2 * DAY, "confirmed")
    rat = event("F000011", "C3", T0 + 40 * DAY, "rodent")
    records += [rat, reviewed(rat, "confirmed")]
    end = T0 + 61 * DAY + timedelta(hours=1)
    result = _run(db, records, end)
    assert result.flagged == [("F000010", "WOLF")]
    assert result.discounted == 12  # the wolf's mistaken confirmations
    with db.sessions() as session:
        flag = session.scalars(select(CameraFlag)).one()
        assert flag.discounted_from == T0 and flag.fixed_at is None
        assert flag.reviewed == 86 and flag.dismissed == 81  # the last 30 days
        stats = {(s.org, s.camera): s for s in service.camera_stats(session, T0, end)}
    assert stats[("F000010", "WOLF")].dismissed_permille == 933
    assert stats[("F000010", "C2")].dismissed_permille == 0
    assert {o for o, _ in _signals(db)} == {"F000011"}

    office = Office(id="o1", name="Office", x=0, y=0)
    firms = [
        Firm(id=f, name=f, x=1, y=1, office="o1", scenarios=("catering",))
        for f in ("F000010", "F000011", "F000012")
    ]
    with db.sessions.begin() as session:
        tiers_service.store_tiers(
            session, shipped_rules(), Register([office], [], firms), end.date(), now=end
        )
    with db.sessions() as session:
        tiers = tiers_service.effective_tiers(session)
    wolf, violator, honest = (tiers[(f, "catering")] for f in ("F000010", "F000011", "F000012"))
    assert wolf.tier == honest.tier == Tier.LOW
    assert violator.tier is Tier.CRITICAL  # the open serious rodent signal
    named = {s["rule"] for s in violator.computed.explanation["signals"]}
    assert {"kitchens.rodents", "kitchens.hygiene_persistent"} <= named


def test_a_fixed_camera_counts_again_from_its_fix(db: Database) -> None:
    records = []
    for i in range(59):  # one short of the pack's min_reviewed: not flagged yet
        e = event("F000020", "C1", T0 + i * timedelta(hours=3), "no_hat")
        records += [e, reviewed(e, "dismissed")]
    assert not _run(db, records, T0 + 8 * DAY).flagged
    last = event("F000020", "C1", T0 + 8 * DAY, "no_hat")
    first = _run(db, [last, reviewed(last, "dismissed")], T0 + 8 * DAY + timedelta(hours=1))
    assert first.flagged == [("F000020", "C1")]
    fixed_at = T0 + 9 * DAY
    with db.sessions.begin() as session:
        service.fix_camera(session, "F000020", "C1", by="acct-9", at=fixed_at)
        with pytest.raises(NotFoundError):
            service.fix_camera(session, "F000020", "C1", by="acct-9", at=fixed_at)
    later = series("F000020", "C1", fixed_at + DAY, "no_hat", 5, DAY, "confirmed")
    second = _run(db, later, fixed_at + 10 * DAY)
    assert not second.flagged and second.counted == 5
    assert list(_signals(db)) == [("F000020", "kitchens.hygiene_repeated")]


def test_a_late_review_counts_in_the_next_run(db: Database) -> None:
    rat = event("F000030", "C1", T0, "rodent")
    assert not _run(db, [rat], T0 + DAY).escalated
    with db.sessions.begin() as session:
        service.review(session, rat.id, "confirmed", by="regulator-7", at=T0 + DAY)
        with pytest.raises(InputError, match="verdict"):
            service.review(session, rat.id, "maybe", by="regulator-7", at=T0 + DAY)
        with pytest.raises(NotFoundError):
            service.review(session, rat.id, "confirmed", by="x", at=T0, org="F000031")
    assert len(_run(db, [], T0 + 2 * DAY).escalated) == 1
    with db.sessions() as session:
        row = session.get(KitchenEvent, rat.id)
        assert row is not None and row.reviewed_by == "regulator-7"


def test_ingest_refuses_what_it_cannot_store_whole(db: Database) -> None:
    e = event("F000040", "C1", T0, "phone")
    with db.sessions.begin() as session:
        assert service.ingest(session, [e], now=NOW).events == 1
    with db.sessions.begin() as session:
        again = service.ingest(session, [e, reviewed(e, "confirmed")], now=NOW)
    assert again.events == 0 and again.repeated == 1 and again.reviews == 1
    changed = e.model_copy(update={"confidence": 10})
    with db.sessions.begin() as session, pytest.raises(ConflictError, match=e.id):
        service.ingest(session, [changed], now=NOW)
    other = event("F000041", "C1", T0, "phone")
    with db.sessions.begin() as session, pytest.raises(NotFoundError, match="record 2: no event"):
        service.ingest(
            session, [other, reviewed(event("F9", "C", T0, "phone"), "dismissed")], now=NOW
        )
    with db.sessions.begin() as session, pytest.raises(NotFoundError, match="not yours"):
        service.ingest(session, [other], now=NOW, org="F000040")
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(KitchenEvent)) == 1


def test_a_run_without_a_time_is_as_of_the_newest_event(db: Database) -> None:
    # `monitor kitchens run` without --at: a feed of past months is judged over its own last
    # 30 days (the cameras' false-alarm window), not the empty month before today
    with db.sessions() as session:
        assert service.data_as_of(session) is None
    early, late = (
        event("F1", "CAM01", T0, "no_mask"),
        event("F1", "CAM02", T0 + timedelta(days=40), "smoking"),
    )
    with db.sessions.begin() as session:
        service.ingest(session, [late, early], now=NOW)
    with db.sessions() as session:
        assert service.data_as_of(session) == T0 + timedelta(days=40)
