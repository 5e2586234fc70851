"""A district's live rooms over a period: the livestream monitor's sandbox.

Each firm supervised under ``livestream_ecommerce`` (taken from a city register when one is
given, ``fairscreen supervision city``; otherwise ids in the register's format, ``F000001``)
hosts a few rooms a day. A share of firms are **planted violators**: their hosts repeat
absolute terms, claim cures for ordinary food and health food, quote guarantees and unsourced
figures, fake scarcity, inflate the original price and hide paid promotions. The others are
**honest** and walk into the traps the context rules exist for: 第一次, a brand with 最 in its
name, a comparison sourced in the next breath, a medical claim denied, a true "only 3 left".
Texts are in simplified Chinese, traditional Chinese and English.

``simulate`` returns the rooms (``monitors.livestream.format.Room``) and the truth (each firm's
role and what was planted); ``write`` puts them in ``rooms.jsonl`` (the monitor's input
format) and ``truth.json``. Deterministic in the seed. Hosts are pseudonymous ids only.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import opencc
import orjson

from fairscreen.monitors.livestream.format import Listing, Room, Segment, room_lines

SCENARIO = "livestream_ecommerce"
_S2T = opencc.OpenCC("s2t")

_PRODUCTS = {
    "ordinary_food": (
        ("山楂麦芽饮", 4900),
        ("即食燕麦片", 3900),
        ("坚果礼盒", 12900),
        ("蜂蜜柚子茶", 5900),
    ),
    "cosmetics": (("玻尿酸面霜", 15900), ("烟酰胺精华", 19900), ("氨基酸洗面奶", 6900)),
    "health_food": (("深海鱼油软胶囊", 9900), ("维生素C咀嚼片", 4900), ("乳清蛋白粉", 23900)),
    "other": (("不锈钢保温杯", 7900), ("快充数据线", 2900), ("折叠收纳箱", 3900)),
}
_BRAND = "最好时光"  # a brand with 最 in it: the honest hosts sell it

_FILLER = (
    "欢迎新进直播间的家人们",
    "大家点点关注，不迷路",
    "这个颜色是今年的新款",
    "我们来看一下细节",
    "拍下之后四十八小时内发货",
    "有问题可以在评论区问我",
    "家人们喜欢的扣个一",
    "今天的福利大家都领到了吗",
    "这个包装我很喜欢",
    "这款回购的人非常多",
)
_FILLER_EN = (
    "Welcome to everyone just joining",
    "Follow the room so you don't miss tomorrow",
    "Let's look at the details",
    "It ships within two days",
    "Ask me anything in the comments",
)
_VIOLATIONS = {
    "absolute_terms": (
        "这款{p}是全网最低价",
        "{p}销量第一，品质国家级",
        "史上最划算的{p}",
        "This {p} is the world's best",
    ),
    "medical_claims": (
        "喝了{p}能降血压",
        "{p}可以治疗失眠",
        "吃{p}降血糖，比药还管用",
        "The {p} cures insomnia",
    ),
    "guarantees": ("无效退款，{p}放心买", "{p}百分百有效", "Guaranteed results with the {p}"),
    "unsupported_figures": ("{p}吸收率提高3倍", "用了{p}精力提升了60%"),
    "fake_scarcity": ("{p}仅剩3件了，赶紧下单", "最后5单，{p}抢完就没了", "Only 2 left of the {p}"),
}
_TRAPS = (
    ("这是我第一次来直播间介绍{p}", ""),
    ("我们家「" + _BRAND + "」{p}今天上新", ""),
    ("今天这款{p}是全网最低价", "根据第三方比价平台今天的数据，其他平台都在更高价位"),
    ("{p}是普通食品，不能治疗任何疾病，生病请去医院", ""),
    ("最近天气冷了，大家注意保暖", ""),
    ("第一批{p}明天就发货", ""),
    ("This is my first time showing the {p}", ""),
    ("七天无理由退货，{p}大家放心", ""),
)


@dataclass
class Truth:
    firms: dict[str, str] = field(default_factory=dict)  # firm -> violator | honest
    planted: dict[str, dict[str, int]] = field(default_factory=dict)  # firm -> rule -> count

    def as_json(self) -> dict[str, Any]:
        return {"firms": self.firms, "planted": self.planted}


def _host(seed: int, firm: str, n: int) -> str:
    digest = hashlib.sha256(f"{seed}:{firm}:{n}".encode()).hexdigest()
    return f"H-{digest[:10]}"


def _script(rng: random.Random, text: str) -> str:
    """Simplified as written, or traditional for a third of the Chinese lines."""
    if text.isascii() or rng.random() >= 0.33:
        return text
    return str(_S2T.convert(text))


def _applicable(rule: str, category: str) -> bool:
    if rule == "medical_claims":
        return category in ("ordinary_food", "health_food", "cosmetics")
    return True


def _room(
    rng: random.Random,
    seed: int,
    firm: str,
    number: int,
    started: datetime,
    violator: bool,
    planted: dict[str, int],
    segments: int,
) -> Room:
    category = rng.choice(("ordinary_food", "ordinary_food", "health_food", "cosmetics", "other"))
    product, price = rng.choice(_PRODUCTS[category])
    if not violator and rng.random() < 0.3:
        product = _BRAND + product
    paid = rng.random() < 0.4
    inflate = violator and rng.random() < 0.5
    stock = (
        rng.choice((200, 500, 1000)) if violator or rng.random() < 0.7 else rng.choice((2, 3, 5))
    )
    listing = Listing(
        product=product,
        category=category,
        original_price_cents=price * (3 if inflate else 1),
        live_price_cents=price * 8 // 10,
        prior_low_price_cents=price,
        stock=stock,
        paid_promotion=paid,
    )
    ad_label = not (violator and paid and rng.random() < 0.7)
    if inflate:
        planted["false_original_price"] = planted.get("false_original_price", 0) + 1
    if paid and not ad_label:
        planted["ad_disclosure"] = planted.get("ad_disclosure", 0) + 1
    lines: list[str] = []
    # violators repeat one or two favourite claims through the stream; honest hosts hit traps
    favourites = [r for r in _VIOLATIONS if _applicable(r, category)]
    chosen = rng.sample(favourites, k=min(2, len(favourites))) if violator else []
    short = product if not product.startswith(_BRAND) else product[len(_BRAND) :]
    for i in range(segments):
        roll = rng.random()
        if chosen and roll < 0.25:
            rule = rng.choice(chosen)
            text = rng.choice(_VIOLATIONS[rule]).replace("{p}", short)
            if rule == "fake_scarcity" and stock <= 5:
                rule = ""
            if rule:
                planted[rule] = planted.get(rule, 0) + 1
            lines.append(_script(rng, text))
        elif not violator and roll < 0.15:
            trap, follow = rng.choice(_TRAPS)
            if _BRAND in trap and not product.startswith(_BRAND):
                trap = "今天给大家介绍{p}"  # the brand trap is for the brand's own product
            lines.append(_script(rng, trap.replace("{p}", short)))
            if follow and i + 1 < segments:
                lines.append(_script(rng, follow))
        elif roll < 0.9:
            lines.append(_script(rng, rng.choice(_FILLER)))
        else:
            lines.append(rng.choice(_FILLER_EN))
    segs: list[Segment] = []
    at = 0
    for i, text in enumerate(lines[:segments]):
        length = 2000 + 250 * len(text) // 2
        segs.append(Segment(i, at, at + length, text))
        at += length + rng.randint(500, 6000)
    return Room(
        f"R-{firm}-{number:04d}",
        firm,
        _host(seed, firm, number % 3),
        started,
        ad_label,
        (listing,),
        tuple(segs),
    )


def simulate(
    firms: Sequence[str],
    *,
    seed: int = 2026,
    start: datetime = datetime(2026, 12, 1, 11, tzinfo=UTC),
    days: int = 3,
    rooms_per_day: int = 1,
    segments: int = 60,
    violators: float = 0.2,
) -> tuple[list[Room], Truth]:
    """The rooms of ``firms`` over ``days`` from ``start`` and the truth of what was planted."""
    rng = random.Random(seed)
    truth = Truth()
    order = sorted(firms)
    bad = set(rng.sample(order, k=max(1, round(len(order) * violators)))) if order else set()
    rooms: list[Room] = []
    for firm in order:
        truth.firms[firm] = "violator" if firm in bad else "honest"
        planted: dict[str, int] = {}
        number = 0
        for day in range(days):
            for k in range(rooms_per_day):
                started = start + timedelta(days=day, hours=8 * k, minutes=rng.randint(0, 120))
                number += 1
                rooms.append(
                    _room(rng, seed, firm, number, started, firm in bad, planted, segments)
                )
        truth.planted[firm] = dict(sorted(planted.items()))
    return rooms, truth


def firm_ids(count: int) -> list[str]:
    """Firm ids in the city register's format, when no register is given."""
    return [f"F{i:06d}" for i in range(1, count + 1)]


def write(out: Path, rooms: Sequence[Room], truth: Truth) -> tuple[Path, Path]:
    """``rooms.jsonl`` and ``truth.json`` in ``out`` (the caller checks neither exists)."""
    rooms_path, truth_path = out / "rooms.jsonl", out / "truth.json"
    with rooms_path.open("wb") as handle:
        for room in rooms:
            for record in room_lines(room):
                handle.write(orjson.dumps(record) + b"\n")
    truth_path.write_bytes(orjson.dumps(truth.as_json(), option=orjson.OPT_INDENT_2) + b"\n")
    return rooms_path, truth_path
