"""Counting screening results for the terminal table and the HTML summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape
from rich.table import Table

LIGHTS = ("green", "blue", "yellow", "red")
LIGHT_LABELS = {
    "green": "綠燈 green",
    "blue": "藍燈 blue",
    "yellow": "黃燈 yellow",
    "red": "紅燈 red",
}
LIGHT_STYLES = {"green": "green", "blue": "blue", "yellow": "yellow", "red": "red"}


@dataclass
class Tally:
    """Aggregates of screening results: no personal data, only codes and counts."""

    total: int = 0
    lights: Counter[str] = field(default_factory=Counter)
    stopped: Counter[str] = field(default_factory=Counter)
    reasons: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    excluded: Counter[str] = field(default_factory=Counter)
    not_checked: Counter[str] = field(default_factory=Counter)
    by_category: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, result: dict[str, Any], category: str | None = None) -> None:
        self.total += 1
        if result["status"] == "stopped":
            why = {n["why"] for n in result["not_checked"]} - {"not_allowed_for_position"}
            self.stopped[",".join(sorted(why)) or "stopped"] += 1
            light = "stopped"
        else:
            light = result["light"]
            self.lights[light] += 1
        if category is not None:
            self.by_category.setdefault(category, Counter())[light] += 1
        for reason in result["reasons"]:
            self.reasons[
                (reason["rule"], reason["code"], reason["light"], reason["legal_basis"])
            ] += 1
        for ex in result["excluded"]:
            self.excluded[ex["why"]] += 1
        if result["status"] == "stopped":
            return  # counted above as a stopped check, not item by item
        for nc in result["not_checked"]:
            if nc["why"] != "not_allowed_for_position":
                self.not_checked[nc["why"]] += 1

    def pct(self, n: int) -> str:
        return f"{100 * n / self.total:.1f}%" if self.total else "-"

    def lights_table(self) -> Table:
        table = Table(title=f"Lights for {self.total:,} candidates")
        table.add_column("light")
        table.add_column("candidates", justify="right")
        table.add_column("share", justify="right")
        for light in LIGHTS:
            n = self.lights[light]
            table.add_row(f"[{LIGHT_STYLES[light]}]{LIGHT_LABELS[light]}[/]", f"{n:,}", self.pct(n))
        n = sum(self.stopped.values())
        table.add_row("stopped (consent)", f"{n:,}", self.pct(n))
        return table

    def reasons_table(self, top: int = 10) -> Table:
        table = Table(title="Top reasons")
        table.add_column("rule", no_wrap=True)
        table.add_column("reason code", overflow="fold")
        table.add_column("light", no_wrap=True)
        table.add_column("legal basis", overflow="fold")
        table.add_column("candidates", justify="right", no_wrap=True)
        for (rule, code, light, basis), n in self.reasons.most_common(top):
            table.add_row(rule, code, f"[{LIGHT_STYLES[light]}]{light}[/]", basis, f"{n:,}")
        return table

    def excluded_table(self) -> Table:
        table = Table(title="Left out (never rated)")
        table.add_column("why")
        table.add_column("records", justify="right")
        for why, n in self.excluded.most_common():
            table.add_row(why, f"{n:,}")
        return table

    def write_html(self, path: Path, *, title: str, meta: dict[str, Any]) -> None:
        env = Environment(
            autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True
        )
        template = env.from_string(
            (resources.files("fairscreen.screening") / "templates" / "summary.html").read_text(
                encoding="utf-8"
            )
        )
        html = template.render(
            title=title,
            meta=meta,
            tally=self,
            lights=LIGHTS,
            labels=LIGHT_LABELS,
            generated=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        )
        path.write_text(html, encoding="utf-8")
