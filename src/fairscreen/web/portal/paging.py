"""One pager for the portal's long lists (the signals queue, the inspections, the kitchens
page's lists): ``page`` counts from 1, a list shows ``size`` rows a page, and the links to the
previous and next page keep the rest of the query (the filters, another list's page) and jump
back to the list (``anchor``). The template side is ``macros.html``'s ``pager``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request

PAGE = 50


@dataclass(frozen=True, slots=True)
class Pager:
    page: int
    pages: int
    total: int
    previous: str | None  # the link to the previous page, None on the first
    next: str | None  # the link to the next page, None on the last


def first_page(page: int) -> int:
    """A page number as asked for (1 at least)."""
    return max(1, min(page, 1_000_000))


def offset(page: int, size: int = PAGE) -> int:
    return (first_page(page) - 1) * size


def pager(
    request: Request, page: int, total: int, *, size: int = PAGE, param: str = "page",
    anchor: str = "",
) -> Pager:  # fmt: skip
    """Where ``page`` (of ``total`` rows, ``size`` a page) stands, with its links."""
    page = first_page(page)
    pages = max(1, -(-total // size))

    def link(n: int) -> str:
        query = {**dict(request.query_params), param: str(n)}
        return "?" + urlencode(query) + (f"#{anchor}" if anchor else "")

    return Pager(
        page,
        pages,
        total,
        link(page - 1) if page > 1 else None,
        link(page + 1) if page < pages else None,
    )
