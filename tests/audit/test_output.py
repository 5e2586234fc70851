"""The bias audit's report: JSON (its SHA-256 is the digest), CSV (one group per line) and HTML
with static SVG charts in LL144's table layout; suppressed groups show nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from fairscreen.audit import bias, output
from fairscreen.audit.bias import AuditRecord, Columns


def _records() -> list[AuditRecord]:
    out = []
    for i in range(300):
        sex = ("female", "male")[i % 2]
        hired = (i % 5 == 0) if sex == "female" else (i % 2 == 0)
        out.append(
            AuditRecord(
                employer="E1" if i < 200 else "E2",
                agency="A1",
                category="general_office",
                light="green" if i % 7 else "yellow",
                rules=() if i % 7 else ("CN-EDU-01",),
                decision="hired" if hired else "rejected",
                at=date(2026, 11, 1 + i % 28),
                sex=sex,
                birth_year=1970 + i % 30,
                ethnicity="Han" if i % 10 else "Hui",
                region=("东江", "西岭", "南湖")[i % 3],
            )
        )
    out.append(
        AuditRecord(
            "E1", "A1", "general_office", "green", (), "hired", date(2026, 11, 2), sex="other"
        )
    )
    # people who did not consent to the audit's use of their demographics: counted, not shown
    out += [AuditRecord("E1", "A1", "general_office", "green", (), "hired", date(2026, 11, 3))] * 12
    return out


@pytest.fixture(scope="module")
def report() -> output.Report:
    result = bias.run(Columns.from_records(_records()))
    return output.build(
        result,
        bias.flags(result),
        scope={"source": "world", "world": "test.jsonl"},
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def test_the_digest_is_the_sha256_of_the_json_file(report: output.Report, tmp_path: Path) -> None:
    paths = output.write(report, tmp_path / "audit")
    assert hashlib.sha256(paths["json"].read_bytes()).hexdigest() == report.digest
    assert orjson.loads(paths["json"].read_bytes()) == report.document
    assert sorted(p.name for p in (tmp_path / "audit").iterdir()) == [
        "audit.csv",
        "audit.html",
        "audit.json",
    ]


def test_key_figures_hold_aggregates_only(report: output.Report) -> None:
    figures = report.figures
    assert figures["records"] == 313
    assert figures["flags"] >= 1 and "decision:all:all" in figures["flagged_scopes"]
    assert set(figures) == {"records", "tables", "flags", "flagged_scopes", "lowest_impact_ratio"}


def test_the_csv_has_a_line_per_group_and_nothing_for_suppressed_ones(
    report: output.Report,
) -> None:
    rows = list(csv.DictReader(io.StringIO(output.to_csv(report))))
    groups = sum(len(t["groups"]) for t in report.document["tables"])
    assert len(rows) == groups
    suppressed = [r for r in rows if r["status"] == "suppressed"]
    assert suppressed and all(
        r["n"] == r["selected"] == r["selection_rate"] == "" for r in suppressed
    )
    other = [
        r
        for r in rows
        if r["scope"] == "all" and r["attributes"] == "sex" and r["group"] == "other"
    ]
    assert [r["status"] for r in other] == ["suppressed"] * len(other) and other


def test_the_html_report_has_charts_and_fetches_nothing(report: output.Report) -> None:
    page = output.to_html(report)
    assert page.count("<svg") >= 6  # a chart per main table
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?:""", page)
    assert report.digest in page
    assert "impact ratio" in page and "selection rate" in page
    assert "below four-fifths" in page and "suppressed" in page


def _any(document: dict[str, Any], **where: Any) -> list[dict[str, Any]]:
    return [t for t in document["tables"] if all(t[k] == v for k, v in where.items())]


def test_every_scope_is_in_the_tables(report: output.Report) -> None:
    scopes = {t["scope"] for t in report.document["tables"]}
    assert scopes == {"all", "employer", "agency", "category", "window", "rule"}
    assert {t["scope_value"] for t in _any(report.document, scope="employer")} == {"E1", "E2"}
    assert {t["scope_value"] for t in _any(report.document, scope="rule")} == {"CN-EDU-01"}
