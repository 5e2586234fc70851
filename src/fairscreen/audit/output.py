"""The bias audit's outputs: JSON and CSV tables, an HTML report with charts, and its digest.

The JSON document is the audit (canonical JSON, written as is: the SHA-256 of ``audit.json`` is
the report's digest, which goes on the ledger with the key figures); the CSV holds the same
rows, one group per line; the HTML report lays the tables out as NYC Local Law 144's summaries
do (category, applicants, selected, selection rate, impact ratio) with a bar chart per table,
drawn by matplotlib (Agg backend) as static SVG inside the page: no script, nothing fetched
from elsewhere.
"""

from __future__ import annotations

import csv
import hashlib
import io
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from fairscreen.audit.bias import (
    ALPHA,
    FOUR_FIFTHS,
    MIN_CELL,
    MIN_SHARE,
    OUTCOME_TITLES,
    AuditResult,
    Flag,
    Table,
)
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.files import atomic_write

FORMAT = "fairscreen-bias-audit"
VERSION = "1"
CSV_COLUMNS = (
    "outcome",
    "scope",
    "scope_value",
    "attributes",
    "group",
    "status",
    "n",
    "selected",
    "selection_rate",
    "impact_ratio",
    "below_four_fifths",
    "p_value",
)


@dataclass(frozen=True)
class Report:
    document: dict[str, Any]
    digest: str  # SHA-256 of the canonical JSON document

    @property
    def figures(self) -> dict[str, Any]:
        figures: dict[str, Any] = self.document["key_figures"]
        return figures


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def key_figures(result: AuditResult, found: Sequence[Flag]) -> dict[str, Any]:
    """What the ledger entry says: counts and the lowest judged impact ratio per outcome over
    everything (single attributes), nothing below the suppression threshold."""
    lowest: dict[str, float] = {}
    for table in result.tables:
        if table.scope != "all" or len(table.attributes) != 1:
            continue
        for row in table.rows:
            if row.impact_ratio is not None:
                lowest[table.outcome] = min(lowest.get(table.outcome, 1.0), row.impact_ratio)
    return {
        "records": result.records,
        "tables": len(result.tables),
        "flags": len(found),
        "flagged_scopes": sorted({f"{f.outcome}:{f.scope}:{f.scope_value}" for f in found}),
        "lowest_impact_ratio": {k: round(v, 4) for k, v in sorted(lowest.items())},
    }


def build(
    result: AuditResult,
    found: Sequence[Flag],
    *,
    scope: Mapping[str, Any],
    created_at: datetime | None = None,
) -> Report:
    created = (created_at or datetime.now(UTC)).astimezone(UTC)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created.isoformat(timespec="seconds"),
        "scope": dict(scope),
        "thresholds": {
            "min_cell": MIN_CELL,
            "min_share": MIN_SHARE,
            "four_fifths": FOUR_FIFTHS,
            "alpha": ALPHA,
            "correction": "holm",
        },
        "key_figures": key_figures(result, found),
        "flags": [
            {
                "outcome": f.outcome,
                "scope": f.scope,
                "scope_value": f.scope_value,
                "group": dict(zip(f.attributes, f.group, strict=True)),
                "impact_ratio": _round(f.impact_ratio),
                "p_value": f.p_value,
                "n": f.n,
            }
            for f in found
        ],
        "tables": [_table_json(t) for t in result.tables],
    }
    return Report(document, hashlib.sha256(canonical_json(document)).hexdigest())


def _table_json(table: Table) -> dict[str, Any]:
    out = table.as_json()
    for group in out["groups"]:
        group["selection_rate"] = _round(group["selection_rate"])
        group["impact_ratio"] = _round(group["impact_ratio"])
    return out


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for table in report.document["tables"]:
        attributes = "+".join(table["attributes"])
        for group in table["groups"]:
            writer.writerow(
                [
                    table["outcome"],
                    table["scope"],
                    table["scope_value"],
                    attributes,
                    "+".join(str(v) for v in group["group"].values()),
                    group["status"],
                    _blank(group["n"]),
                    _blank(group["selected"]),
                    _blank(group["selection_rate"]),
                    _blank(group["impact_ratio"]),
                    "yes" if group["below_four_fifths"] else "",
                    _blank(group["p_value"]),
                ]
            )
    return buffer.getvalue()


def _blank(value: object) -> str:
    return "" if value is None else str(value)


def chart_svg(table: Mapping[str, Any]) -> str:
    """A bar chart of a table's selection rates with the four-fifths line, as an SVG element."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    groups = [g for g in table["groups"] if g["selection_rate"] is not None]
    labels = [" + ".join(str(v) for v in g["group"].values()) for g in groups]
    rates = [g["selection_rate"] for g in groups]
    colours = [
        "#b8312f" if g["below_four_fifths"] else "#2f6db8" if g["status"] != "too_small" else "#999"
        for g in groups
    ]
    best = max((g["selection_rate"] for g in groups if g["status"] == "reference"), default=None)
    height = 0.9 + 0.32 * max(len(groups), 1)
    with (
        matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "fairscreen"}),
        warnings.catch_warnings(),
    ):
        # text is kept as text (svg.fonttype none): the browser draws CJK labels with its own
        # fonts, so matplotlib's missing-glyph warnings (from layout and saving) do not apply
        warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
        fig, ax = plt.subplots(figsize=(6.4, height))
        try:
            ax.barh(range(len(groups)), rates, color=colours)
            ax.set_yticks(range(len(groups)), labels=labels)
            ax.invert_yaxis()
            ax.set_xlim(0, 1)
            ax.set_xlabel("selection rate")
            if best:
                ax.axvline(best * FOUR_FIFTHS, color="#b8312f", linestyle="--", linewidth=1)
            fig.tight_layout()
            out = io.StringIO()
            fig.savefig(out, format="svg", metadata={"Date": None})
        finally:
            plt.close(fig)
    text = out.getvalue()
    return text[text.index("<svg") :]


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: (resources.files("fairscreen.audit") / "templates" / name).read_text(
                encoding="utf-8"
            )
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def to_html(report: Report) -> str:
    document = report.document
    main = [
        t
        for t in document["tables"]
        if t["scope"] == "all"
        and (len(t["attributes"]) == 1 or t["attributes"] in (["sex", "ethnicity"],))
    ]
    sections = []
    for outcome, title in OUTCOME_TITLES.items():
        tables = [t for t in main if t["outcome"] == outcome]
        if tables:
            sections.append(
                {
                    "outcome": outcome,
                    "title": title,
                    "tables": [{"table": t, "chart": chart_svg(t)} for t in tables],
                }
            )
    return (
        _env()
        .get_template("bias_audit.html")
        .render(document=document, digest=report.digest, sections=sections)
    )


def write(report: Report, directory: Path) -> dict[str, Path]:
    """Write ``audit.json``, ``audit.csv`` and ``audit.html`` into ``directory``, each whole or
    not at all (rendered first, then written through a temporary file and renamed)."""
    contents = {
        "json": canonical_json(report.document),  # its SHA-256 is the digest
        "csv": to_csv(report).encode("utf-8"),
        "html": to_html(report).encode("utf-8"),
    }
    directory.mkdir(parents=True, exist_ok=True)
    paths = {kind: directory / f"audit.{kind}" for kind in contents}
    for kind, data in contents.items():
        atomic_write(paths[kind], data, mode=0o644)
    return paths
