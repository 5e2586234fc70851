"""What the command lines share: a queue listed (``supervision signals``, ``monitor elevators
alerts``) with the same filters, newest first, either one JSON object a line or one text line a
row with a count at the end; and a time given as an option (ISO 8601 with a zone)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console

OrgOption = Annotated[str | None, typer.Option("--org", help="one organisation's (firm id)")]
RuleOption = Annotated[str | None, typer.Option("--rule", help="one rule's")]
OpenOption = Annotated[bool, typer.Option("--open", help="only those still open")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=10_000, help="how many at most")]
JsonLinesOption = Annotated[bool, typer.Option("--json", help="one JSON object per line")]


def state(view: Mapping[str, Any]) -> str:
    """``open`` or ``closed`` (by the view's ``closed_at``)."""
    return "open" if view.get("closed_at") is None else "closed"


def print_rows(
    out: Console,
    views: Sequence[Mapping[str, Any]],
    *,
    total: int,
    noun: str,
    as_json: bool,
    line: Callable[[Mapping[str, Any]], str],
) -> None:
    """Each view as JSON or as its ``line``, then (as text) how many of ``total`` were shown."""
    for view in views:
        out.print(json.dumps(view, ensure_ascii=False) if as_json else line(view))
    if not as_json:
        out.print(f"{len(views)} of {total} {noun}(s)")


def aware_time(text: str, option: str) -> datetime:
    """``text`` as an ISO 8601 time with a zone (in UTC); otherwise a usage error naming the
    ``option``."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("an ISO 8601 time with a zone", param_hint=option) from None
    if at.tzinfo is None:
        raise typer.BadParameter("the time needs a zone (e.g. +08:00)", param_hint=option)
    return at.astimezone(UTC)
