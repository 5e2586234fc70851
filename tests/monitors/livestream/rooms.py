"""Rooms built by hand for the livestream tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fairscreen.monitors.livestream.format import Listing, Room, Segment

START = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


def listing(
    product: str = "山楂饮",
    category: str = "ordinary_food",
    *,
    original: int = 9900,
    live: int = 4900,
    prior_low: int | None = None,
    stock: int | None = None,
    paid: bool = False,
) -> Listing:
    return Listing(
        product=product,
        category=category,
        original_price_cents=original,
        live_price_cents=live,
        prior_low_price_cents=prior_low,
        stock=stock,
        paid_promotion=paid,
    )


def room(
    texts: Sequence[str],
    *,
    name: str = "R-0001",
    firm: str = "F000001",
    listings: Sequence[Listing] | None = None,
    ad_label: bool = True,
    every_ms: int = 60_000,
) -> Room:
    segments = tuple(
        Segment(i, i * every_ms, i * every_ms + 4000, text) for i, text in enumerate(texts)
    )
    return Room(
        name,
        firm,
        "H-7f3a9c",
        START,
        ad_label,
        tuple(listings if listings is not None else [listing()]),
        segments,
    )
