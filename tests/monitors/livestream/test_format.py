"""The JSON Lines input: rooms and their segments read in order; every error names the line and
the field, and a file with an error yields nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from fairscreen.kit.errors import InputError
from fairscreen.monitors.livestream.format import read_file, read_rooms, room_lines
from tests.monitors.livestream.rooms import listing, room

ROOM: dict[str, Any] = {
    "type": "room",
    "room": "R-0001",
    "firm": "F000001",
    "host": "H-3f9a2c",
    "started_at": "2026-12-01T19:00:00+08:00",
    "listings": [
        {
            "product": "山楂饮",
            "category": "ordinary_food",
            "original_price_cents": 9900,
            "live_price_cents": 4900,
        }
    ],
}


def _seg(start: int, text: str = "大家好", room: str = "R-0001") -> dict[str, object]:
    return {"type": "segment", "room": room, "start_ms": start, "end_ms": start + 10, "text": text}


def _lines(*records: dict[str, object]) -> list[bytes]:
    return [orjson.dumps(r) for r in records]


def test_a_room_and_its_segments_are_read_in_order() -> None:
    [got] = read_rooms(_lines(ROOM, _seg(0), _seg(5000, "再见")), "t.jsonl")
    assert (got.room, got.firm, got.host, got.ad_label) == ("R-0001", "F000001", "H-3f9a2c", False)
    assert [(s.index, s.start_ms, s.text) for s in got.segments] == [
        (0, 0, "大家好"),
        (1, 5000, "再见"),
    ]
    assert got.started_at.utcoffset() is not None and got.categories == {"ordinary_food"}


def test_what_the_simulator_writes_reads_back() -> None:
    made = room(["一", "二"], listings=[listing(prior_low=100, stock=3, paid=True)])
    lines = [orjson.dumps(r) for r in room_lines(made)]
    [again] = read_rooms(lines, "x")
    assert again == made


@pytest.mark.parametrize(
    ("records", "where"),
    [
        ([{**ROOM, "host": "张三"}], ":1 field host"),
        ([{**ROOM, "started_at": "2026-12-01T19:00:00"}], ":1 field started_at"),
        (
            [{**ROOM, "listings": [{**ROOM["listings"][0], "category": "drug"}]}],
            ":1 field listings.0.category",
        ),
        (
            [{**ROOM, "listings": [{**ROOM["listings"][0], "live_price_cents": 49.9}]}],
            ":1 field listings.0.live_price_cents",
        ),
        ([ROOM, {**_seg(0), "colour": "red"}], ":2 field colour"),
        ([ROOM, _seg(0, room="R-9")], ":2 field room"),
        ([ROOM, _seg(100), _seg(50)], ":3 field start_ms"),
        ([ROOM, {**_seg(100), "end_ms": 5}], ":2 field end_ms"),
        ([ROOM, ROOM], ":2 field room"),
        ([{"type": "weather"}], ":1 field type"),
    ],
)
def test_errors_name_the_line_and_the_field(records: list[dict[str, object]], where: str) -> None:
    with pytest.raises(InputError, match=f"t.jsonl{where}"):
        read_rooms(_lines(*records), "t.jsonl")


def test_a_line_that_is_not_json_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"t\.jsonl:2: not JSON: "):
        read_rooms([orjson.dumps(ROOM), b"{oops"], "t.jsonl")
    with pytest.raises(InputError, match="cannot read"):
        read_file(tmp_path / "none.jsonl")
