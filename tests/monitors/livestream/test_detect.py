"""The rule matcher on planted cases and their honest look-alikes: each context rule stops the
false alarm it exists for, in the three scripts; the listing checks read the listing."""

from __future__ import annotations

import pytest

from fairscreen.monitors.livestream.detect import RuleDetector, normalise, structured
from fairscreen.monitors.livestream.pack import shipped_pack
from tests.monitors.livestream.rooms import listing, room


def _rules(texts: list[str], **kw: object) -> list[tuple[int | None, str]]:
    found = RuleDetector(shipped_pack()).detect(room(texts, **kw))  # type: ignore[arg-type]
    return [(f.segment, f.rule) for f in found]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("这款是全网最低价", "absolute_terms"),
        ("這款是全網最低價", "absolute_terms"),
        ("This is the NO.1 tea in town", "absolute_terms"),
        ("销量第一，品质国家级", "absolute_terms"),
        ("喝了能降血压", "medical_claims"),
        ("喝了能降血壓", "medical_claims"),
        ("It lowers blood pressure in a week", "medical_claims"),
        ("无效退款，放心买", "guarantees"),
        ("Guaranteed results, every time", "guarantees"),
        ("吸收率提高3倍", "unsupported_figures"),
    ],
)
def test_a_planted_violation_is_found(text: str, rule: str) -> None:
    assert (0, rule) in _rules([text])


@pytest.mark.parametrize(
    "text",
    [
        "这是我第一次来直播间",  # 第一 in 第一次
        "這是我第一次來直播間",
        "This is my first time here",
        "我们家「最好时光」山楂饮今天上新",  # 最 inside a listed, quoted name
        "最好时光山楂饮今天上新",  # the listed name unquoted
        "最近天气冷了",  # 最 alone is no term
        "山楂饮是普通食品，不能治疗任何疾病",  # a negated medical claim
        "今天下单立减50%",  # a figure with no effect claimed
        "七天无理由退货",
    ],
)
def test_an_honest_look_alike_is_not_flagged(text: str) -> None:
    kw = {"listings": [listing("最好时光山楂饮")]}
    assert _rules([text], **kw) == []


def test_a_comparison_substantiated_in_the_next_segment_is_not_flagged() -> None:
    claim = "今天这款是全网最低价"
    assert _rules([claim, "大家快拍"]) == [(0, "absolute_terms")]
    assert _rules([claim, "根据第三方比价平台的数据，其他平台都更贵"]) == []
    # substantiation excuses a comparison, not an absolute claim of quality
    assert _rules(["品质国家级", "根据第三方检测报告"]) == [(0, "absolute_terms")]
    # a figure sourced in the next segment is supported too
    assert _rules(["吸收率提高2倍", "这个数据来自第三方检测报告"]) == []


def test_medical_claims_only_for_food_cosmetics_and_health_food() -> None:
    text = "这本讲如何治疗焦虑的书今天特价"
    assert _rules([text], listings=[listing("书", "other")]) == []
    assert _rules([text], listings=[listing("书", "ordinary_food")]) == [(0, "medical_claims")]


def test_scarcity_is_fake_only_against_a_larger_known_stock() -> None:
    text = "仅剩3件了，赶紧下单"
    assert _rules([text], listings=[listing(stock=500)]) == [(0, "fake_scarcity")]
    assert _rules([text], listings=[listing(stock=3)]) == []
    assert _rules([text], listings=[listing(stock=None)]) == []
    assert _rules(["Only 2 left!"], listings=[listing(stock=80)]) == [(0, "fake_scarcity")]


def test_the_listing_checks() -> None:
    pack = shipped_pack()
    honest = room(["hi"], listings=[listing(original=5900, prior_low=5900, paid=True)])
    assert structured(honest, pack) == []
    inflated = room(["hi"], listings=[listing(original=9900, prior_low=5900)])
    [f] = structured(inflated, pack)
    assert (f.rule, f.product, f.segment) == ("false_original_price", "山楂饮", None)
    hidden = room(["hi"], ad_label=False, listings=[listing(paid=True), listing("茶", paid=True)])
    assert [f.rule for f in structured(hidden, pack)] == ["ad_disclosure"]
    assert structured(room(["hi"], ad_label=False, listings=[listing()]), pack) == []


def test_the_three_scripts_fold_to_one() -> None:
    assert normalise("全網最低價") == normalise("全网最低价")
    assert normalise("ＮＯ．１") == "no.1"
