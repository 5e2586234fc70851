"""Counting screening results for the terminal table and the HTML summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, select_autoescape
from rich.table import Table

if TYPE_CHECKING:
    from fairscreen.policy.pack import PolicyPack
    from fairscreen.rating.engine import RuleSet

LIGHTS = ("green", "blue", "yellow", "red")
LIGHT_LABELS = {
    "green": "綠燈 green",
    "blue": "藍燈 blue",
    "yellow": "黃燈 yellow",
    "red": "紅燈 red",
}
LIGHT_STYLES = {"green": "green", "blue": "blue", "yellow": "yellow", "red": "red"}

# What the stable codes of the JSON output mean (docs/screen-output.md), for people reading a
# summary; the codes stay in the JSON and as tooltips.
EXCLUDED_TITLES = {
    "name_only_match": "same name, no ID number: not shown to be the candidate",
    "identity_conflict": "the candidate's ID number with another name or birth date",
    "forbidden_category": "touches a forbidden category (content not kept)",
    "private_life_hearsay": "hearsay about private life (content not kept)",
    "unverified_single_source": "adverse claim from one non-authoritative source",
    "no_adverse_outcome": "case ended without an adverse outcome",
    "outside_lookback": "older than the lookback window",
    "not_job_relevant": "verified, but no rule makes it relevant to the position",
}
NOT_CHECKED_TITLES = {
    "not_allowed_for_position": "not allowed for the position",
    "no_consent": "no consent to the item",
    "separate_consent_missing": "sensitive item without its separate consent",
    "consent_revoked": "consent revoked",
    "consent_invalid": "consent for another employer, agency or purpose",
    "source_unavailable": "the source did not answer in time",
}


def words(code: str) -> str:
    """A code as words (``offence_bars_work_with_minors``: ``offence bars work with minors``), so
    that a narrow terminal or screen wraps it between words."""
    return code.replace("_", " ")


def _titles(codes: str, titles: dict[str, str]) -> str:
    return "; ".join(titles.get(code, words(code)) for code in codes.split(","))


def category_title(pack: PolicyPack | None, category: str) -> str:
    policy = pack.categories.get(category) if pack is not None else None
    return policy.title if policy is not None else words(category)


def rule_item_title(pack: PolicyPack | None, ruleset: RuleSet | None, rule_id: str) -> str:
    """The title, in the pack, of the item a rule rates (``犯罪記錄 criminal record``)."""
    if pack is None or ruleset is None:
        return ""
    rule = next((r for r in ruleset.rules if r.id == rule_id), None)
    policy = pack.items.get(rule.item) if rule is not None else None
    return policy.title if policy is not None else ""


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
        """The most frequent reasons, codes as words: at 80 columns the text wraps between
        words, never inside one."""
        table = Table(title="Top reasons")
        table.add_column("rule", no_wrap=True)
        table.add_column("reason", ratio=3)
        table.add_column("light", no_wrap=True)
        table.add_column("legal basis", ratio=2)
        table.add_column("candidates", justify="right", no_wrap=True)
        for (rule, code, light, basis), n in self.reasons.most_common(top):
            table.add_row(
                rule,
                words(code),
                f"[{LIGHT_STYLES[light]}]{light}[/]",
                basis,
                f"{n:,}",
            )
        return table

    def excluded_table(self) -> Table:
        table = Table(title="Left out (never rated)")
        table.add_column("why")
        table.add_column("records", justify="right", no_wrap=True)
        for why, n in self.excluded.most_common():
            table.add_row(EXCLUDED_TITLES.get(why, words(why)), f"{n:,}")
        return table

    def write_html(
        self,
        path: Path,
        *,
        title: str,
        meta: dict[str, Any],
        pack: PolicyPack | None = None,
        ruleset: RuleSet | None = None,
    ) -> None:
        """The summary page; with the ``pack`` and ``ruleset`` the run used, categories and
        reasons carry the pack's titles."""
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
            words=words,
            category_title=lambda category: category_title(pack, category),
            item_title=lambda rule: rule_item_title(pack, ruleset, rule),
            excluded_title=lambda why: EXCLUDED_TITLES.get(why, words(why)),
            not_checked_title=lambda why: _titles(why, NOT_CHECKED_TITLES),
            generated=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        )
        path.write_text(html, encoding="utf-8")
