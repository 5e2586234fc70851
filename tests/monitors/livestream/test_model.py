"""The shipped model: built from the labelled set's train half (rebuilding it gives the same
file), never from the test half; it finds the planted cases it was trained on and reads the
stock and the next segment as context."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import orjson
import pytest

from fairscreen.kit.errors import ConfigError
from fairscreen.monitors.livestream import labelled, model
from tests.monitors.livestream.rooms import listing, room


def test_the_shipped_model_is_the_one_the_train_half_gives() -> None:
    items = labelled.labelled()
    train = [i for i in items if i["split"] == "train"]
    shipped = orjson.loads(
        (resources.files("fairscreen.monitors.livestream") / "model.json").read_bytes()
    )
    assert model.train(train).as_json() == shipped


def test_the_split_is_by_template_and_covers_three_scripts() -> None:
    items = labelled.labelled()
    assert len(items) >= 300 and len({i["id"] for i in items}) == len(items)
    assert {i["script"] for i in items} == {"zh-Hans", "zh-Hant", "en"}
    template = {i["id"].rsplit(":", 1)[0]: i["split"] for i in items}
    for item in items:  # both fillings of a template fall on the same side
        assert template[item["id"].rsplit(":", 1)[0]] == item["split"]
    test_texts = {i["text"] for i in items if i["split"] == "test"}
    train_texts = {i["text"] for i in items if i["split"] == "train"}
    # the measured set is phrasing the model did not train on (the scarcity look-alikes repeat
    # a violation's words with a true stock, on purpose)
    assert len(test_texts & train_texts) <= 10
    for script in ("zh-Hans", "zh-Hant", "en"):
        assert any(i["split"] == "test" and i["script"] == script for i in items)


def test_the_model_reads_the_listing_and_the_next_segment() -> None:
    detector = model.ModelDetector()
    many = detector.detect(room(["仅剩3件了，赶紧下单"], listings=[listing(stock=500)]))
    few = detector.detect(room(["仅剩3件了，赶紧下单"], listings=[listing(stock=3)]))
    assert "fake_scarcity" in {f.rule for f in many}
    assert "fake_scarcity" not in {f.rule for f in few}
    assert all(f.detector == "model" and 0 <= f.score <= 100 for f in many)


def test_a_broken_model_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_bytes(b'{"format": "other"}')
    with pytest.raises(ConfigError, match=r"m\.json: not a livestream model"):
        model.load_weights(bad)
    with pytest.raises(ConfigError, match="cannot read the model"):
        model.load_weights(tmp_path / "none.json")
