"""The livestream sandbox: deterministic in its seed, firms from the register's format, hosts
pseudonymous, three scripts; the rule pack flags every planted violator and no honest host,
whose traps (第一次, a brand with 最, a sourced comparison, a denied cure, a true scarcity) are
exactly what the context rules are for."""

from __future__ import annotations

import re
from collections import Counter

from fairscreen.monitors.livestream.detect import RuleDetector, structured
from fairscreen.monitors.livestream.pack import shipped_pack
from fairscreen.synth.livestream import firm_ids, simulate


def test_the_pack_flags_the_violators_and_spares_the_honest_hosts() -> None:
    rooms, truth = simulate(firm_ids(15), seed=7, days=2, segments=50)
    again, _ = simulate(firm_ids(15), seed=7, days=2, segments=50)
    assert rooms == again and len(rooms) == 30
    assert all(re.fullmatch(r"H-[0-9a-f]{10}", r.host) for r in rooms)
    assert all(re.fullmatch(r"F\d{6}", r.firm) for r in rooms)
    texts = " ".join(s.text for r in rooms for s in r.segments)
    assert "們" in texts or "這" in texts  # traditional script
    assert "Welcome" in texts and "第一次" in texts and "「最好时光」" in texts
    pack = shipped_pack()
    detector = RuleDetector(pack)
    flagged: Counter[str] = Counter()
    for room in rooms:
        flagged[room.firm] += len(detector.detect(room)) + len(structured(room, pack))
    bad = {f for f, role in truth.firms.items() if role == "violator"}
    assert len(bad) == 3
    assert {f for f, n in flagged.items() if n} == bad
    for firm in bad:
        assert sum(truth.planted[firm].values()) > 0
