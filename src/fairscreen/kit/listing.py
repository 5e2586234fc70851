"""A queue listed on the command line (``supervision signals``, ``monitor elevators alerts``,
``monitor livestream alerts``): the same filters, newest first, and either one JSON object a
line or one text line a row with a count at the end."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
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
