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


def _mixed() -> Tally:
    """A thousand results: 70% green, 8% blue, 14% yellow, 8% red."""
    tally = Tally()
    reason = {
        "rule": "CN-CHILD-01",
        "code": "offence_bars_work_with_minors",
        "light": "red",
        "legal_basis": "未成年人保護法 第62條",
        "findings": [],
    }
    for i in range(1000):
        light = "green" if i < 700 else "blue" if i < 780 else "yellow" if i < 920 else "red"
        reasons = [reason] if light == "red" else []
        tally.add(_result(light, reasons=reasons), "childcare_education")
    return tally


def test_html_summary_shows_shares_as_text_and_the_packs_titles(tmp_path: Path) -> None:
    from fairscreen.policy.pack import load_pack
    from fairscreen.rating.engine import default_ruleset_for

    pack = load_pack()
    out = tmp_path / "s.html"
    _mixed().write_html(
        out,
        title="t",
        meta={"world": "w", "policy": "p", "ruleset": "r"},
        pack=pack,
        ruleset=default_ruleset_for(pack),
    )
    html = out.read_text(encoding="utf-8")
    # shares are text in the cards, never squeezed into a bar segment that clips them
    assert html.count('<div class="pct">8.0%</div>') == 2 and '<div class="pct">70.0%</div>' in html
    bar = html[html.index('<div class="bar"') : html.index('<div class="cards">')]
    assert "%</div>" not in bar
    assert "托育與教育 childcare and education" in html  # the category's title in the pack
    assert "offence bars work with minors" in html and "犯罪記錄 criminal record" in html
    assert "@media (max-width: 40rem)" in html  # narrow screens stack rows instead of clipping


def test_terminal_tables_wrap_between_words_at_80_columns() -> None:
    from rich.console import Console

    console = Console(width=80, record=True, color_system=None)
    console.print(_mixed().reasons_table())
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    cells = " ".join(
        part.strip() for line in text.splitlines() for part in line.split("│")[2:3] if part.strip()
    )
    assert cells == "offence bars work with minors", "each word whole, wrapped between words"
