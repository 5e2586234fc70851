"""The regulator's charts, drawn on the server with matplotlib as static SVG (text kept as text,
so the browser draws the Chinese labels with its own fonts; no script in the picture)."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fairscreen.web.portal.i18n import Text
from fairscreen.web.portal.labels import LABELS

COLOURS = {"green": "#11602a", "blue": "#0b4f8a", "yellow": "#b8860b", "red": "#9c1c1c"}
EVENT_COLOURS = {
    "dispute.opened": "#0b4f8a",
    "dispute.resolved": "#11602a",
    "decision.flagged": "#9c1c1c",
    "notice.sent": "#b8860b",
}


def _svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _figure() -> Figure:
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "fairscreen"
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    matplotlib.rcParams["font.sans-serif"] = ["WenQuanYi Micro Hei", "DejaVu Sans"]
    return Figure(figsize=(7.2, 3.4), dpi=100, layout="constrained")


def lights(monthly: Mapping[str, Counter[str]], text: Text) -> bytes:
    """Reports per month by light (stacked bars; suppressed cells count as zero)."""
    figure = _figure()
    axes = figure.subplots()
    months = sorted(monthly)
    bottom = [0] * len(months)
    for light, colour in COLOURS.items():
        heights = [monthly[m][light] for m in months]
        axes.bar(
            months,
            heights,
            bottom=bottom,
            color=colour,
            label=text.gettext(LABELS["light"][light]),
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_ylim(bottom=0, top=max([*bottom, 1]) * 1.25)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(text.gettext("Reports per month, by light"))
    axes.set_ylabel(text.gettext("Reports"))
    axes.legend(loc="upper left", frameon=False, ncols=4)
    if not months:
        axes.text(0.5, 0.5, text.gettext("No reports yet"), ha="center", transform=axes.transAxes)
    return _svg(figure)


def events(monthly: Mapping[str, Counter[str]], text: Text) -> bytes:
    """Disputes opened and resolved, notices and flagged decisions per month (ledger events)."""
    names = {
        "dispute.opened": text.gettext("Disputes opened"),
        "dispute.resolved": text.gettext("Disputes resolved"),
        "notice.sent": text.gettext("Pre-adverse notices"),
        "decision.flagged": text.gettext("Decisions flagged"),
    }
    figure = _figure()
    axes = figure.subplots()
    months = sorted(m for m in monthly if m)
    for kind, colour in EVENT_COLOURS.items():
        axes.plot(
            months, [monthly[m][kind] for m in months], marker="o", color=colour, label=names[kind]
        )
    highest = max([monthly[m][k] for m in months for k in EVENT_COLOURS] + [1])
    axes.set_ylim(bottom=0, top=highest * 1.4)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(text.gettext("Disputes, notices and flagged decisions per month"))
    axes.set_ylabel(text.gettext("Ledger events"))
    axes.legend(loc="upper left", frameon=False, ncols=2)
    return _svg(figure)
