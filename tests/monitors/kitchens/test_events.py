"""The feed format: every record type parses; a wrong line is named by file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairscreen.kit.errors import InputError
from fairscreen.monitors.kitchens.events import CameraFixed, Event, Review, dump, read_feed

SHA = "ab" * 32
EVENT = (
    '{"type":"event","id":"E1","restaurant":"F000001","camera":"CAM01",'
    '"at":"2026-11-01T12:00:00+08:00","kind":"no_mask",'
    f'"snapshot":{{"ref":"snap://F000001/E1","sha256":"{SHA}"}},"confidence":912}}'
)
REVIEW = '{"type":"review","event":"E1","verdict":"dismissed","by":"acct-7","at":"2026-11-01T13:00:00+08:00"}'
FIXED = '{"type":"camera_fixed","restaurant":"F000001","camera":"CAM01","by":"acct-7","at":"2026-11-02T09:00:00+08:00"}'


def test_a_feed_reads_back_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(f"{EVENT}\n\n{REVIEW}\n{FIXED}\n", encoding="utf-8")
    event, review, fixed = read_feed(path)
    assert isinstance(event, Event) and event.confidence == 912 and event.kind == "no_mask"
    assert event.at.utcoffset() is not None and event.snapshot.sha256 == SHA
    assert isinstance(review, Review) and review.verdict == "dismissed"
    assert isinstance(fixed, CameraFixed)
    again = tmp_path / "again.jsonl"
    again.write_bytes(b"".join(dump(r) for r in (event, review, fixed)))
    assert read_feed(again) == [event, review, fixed]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (EVENT.replace('"no_mask"', '"no_gloves"'), "feed.jsonl:2: event.kind"),
        (EVENT.replace("912", "1001"), "feed.jsonl:2: event.confidence"),
        (EVENT.replace("912", "0.9"), "feed.jsonl:2: event.confidence"),
        (EVENT.replace("+08:00", ""), "feed.jsonl:2: event.at"),
        (EVENT.replace(SHA, "img-bytes"), "feed.jsonl:2: event.snapshot.sha256"),
        (EVENT.replace('"confidence"', '"image":"..." ,"confidence"'), "feed.jsonl:2: event.image"),
        (REVIEW.replace("dismissed", "ok"), "feed.jsonl:2: review.verdict"),
        ("{not json", "feed.jsonl:2: not JSON"),
    ],
)
def test_a_wrong_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(f"{EVENT}\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_feed(path)


def test_a_missing_feed_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such feed file"):
        read_feed(tmp_path / "none.jsonl")
