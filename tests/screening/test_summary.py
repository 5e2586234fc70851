from pathlib import Path

from fairscreen.screening.summary import Tally


def _result(light: str | None, status: str = "reported", **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "candidate": "C",
        "position": "P",
        "status": status,
        "light": light,
        "reasons": [],
        "excluded": [],
        "not_checked": [],
    }
    base.update(extra)
    return base


def test_counts_lights_reasons_and_stops_without_double_counting() -> None:
    tally = Tally()
    tally.add(_result("green"), "general_office")
    tally.add(
        _result(
            "red",
            reasons=[
                {"rule": "R1", "code": "c", "light": "red", "legal_basis": "B", "findings": ["x"]}
            ],
            excluded=[{"finding": "y", "why": "name_only_match"}],
            not_checked=[{"item": "credit", "why": "no_consent"}],
        ),
        "driver",
    )
    tally.add(
        _result(None, "stopped", not_checked=[{"item": "identity", "why": "consent_revoked"}]),
        "driver",
    )
    assert tally.total == 3
    assert tally.lights == {"green": 1, "red": 1}
    assert tally.stopped == {"consent_revoked": 1}
    assert tally.not_checked == {"no_consent": 1}, "a stopped check is counted once, not per item"
    assert tally.excluded == {"name_only_match": 1}
    assert tally.by_category["driver"] == {"red": 1, "stopped": 1}


def test_html_summary_renders(tmp_path: Path) -> None:
    tally = Tally()
    tally.add(
        _result(
            "yellow",
            reasons=[
                {
                    "rule": "R<1>",
                    "code": "c",
                    "light": "yellow",
                    "legal_basis": "勞動合同法 第8條",
                    "findings": [],
                }
            ],
        )
    )
    out = tmp_path / "s.html"
    tally.write_html(out, title="t", meta={"world": "w", "policy": "p", "ruleset": "r"})
    html = out.read_text(encoding="utf-8")
    assert "勞動合同法 第8條" in html and "R&lt;1&gt;" in html, "escaped"
