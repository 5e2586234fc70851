"""The labelled set: live-room segments written for this monitor, each with the rules it breaks.

Templates are written by hand, per rule, with the honest look-alikes the context rules exist for
(第一次, a brand with 最 in its name, a substantiated comparison, a negated medical claim, a
true "only 2 left"), in simplified Chinese and English; the traditional-Chinese third is the
simplified templates put through OpenCC's s2t and then some written in traditional directly.
Each template is filled with two products of the right category.

The split is by **template**: every fourth template of each group is held out, so the measured
set (``test``) is phrasing the model never saw in training (``train``). ``fairscreen monitor
livestream labelled`` writes the set; ``bench/livestream.py`` measures both detectors on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import opencc

_S2T = opencc.OpenCC("s2t")

PRODUCTS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "ordinary_food": ("燕麦片", "山楂饮", "坚果礼盒", "蜂蜜柚子茶"),
        "cosmetics": ("保湿面霜", "精华液", "洗面奶", "防晒乳"),
        "health_food": ("鱼油软胶囊", "维生素C片", "蛋白粉", "钙片"),
        "other": ("保温杯", "数据线", "收纳箱", "雨伞"),
    },
    "en": {
        "ordinary_food": ("oat cereal", "hawthorn drink", "nut gift box", "honey tea"),
        "cosmetics": ("moisturising cream", "face serum", "cleanser", "sunscreen"),
        "health_food": ("fish oil capsules", "vitamin C tablets", "protein powder", "calcium"),
        "other": ("thermos cup", "charging cable", "storage box", "umbrella"),
    },
}


@dataclass(frozen=True, slots=True)
class T:
    """A template: text, the next segment, the category, the labels, stock, a listed name."""

    text: str
    labels: tuple[str, ...] = ()
    next: str = ""
    category: str = "ordinary_food"
    stock: int | None = None
    listed: str = ""  # a listed product name (``{p}`` is the filled product)


A, M, F, G, S = (
    "absolute_terms",
    "medical_claims",
    "unsupported_figures",
    "guarantees",
    "fake_scarcity",
)
FOOD, COSM, HEALTH, OTHER = "ordinary_food", "cosmetics", "health_food", "other"

ZH: dict[str, list[T]] = {
    A: [
        T("这款{p}是全网最低价，错过就没了", (A,)),
        T("我们的{p}品质是国家级的", (A,)),
        T("{p}绝对是市面上最好的", (A,), category=COSM),
        T("这是史上最划算的一次，{p}直接带走", (A,)),
        T("这款{p}销量第一，口碑第一", (A,), category=HEALTH),
        T("顶级原料做的{p}，家人们冲", (A,)),
        T("独一无二的配方，只有我们家{p}有", (A,), category=COSM),
        T("全球首发的最佳{p}", (A,)),
        T("这个{p}是最强的，没有之一", (A,), category=OTHER),
        T("极品{p}，手慢无", (A,)),
        T("{p}用的是世界级工艺", (A,), category=OTHER),
        T("我敢说这是最便宜的{p}", (A,)),
    ],
    "absolute_honest": [
        T("这是我第一次来直播间卖{p}", ()),
        T("第一批{p}明天就发货", ()),
        T("我们家「最好时光」{p}今天上新", (), listed="最好时光{p}"),
        T(
            "今天这款{p}是全网最低价",
            (),
            next="根据第三方比价平台十二月一日的数据，其他平台都在六十九元以上",
        ),
        T("最近天气冷了，多喝点{p}暖暖身子", ()),
        T("这款{p}口感很好，老人小孩都爱喝", ()),
        T("最后再给大家讲一下{p}的吃法", ()),
        T("第一步先把{p}拆开，给大家看看里面", (), category=OTHER),
        T("这是“最佳拍档”{p}礼盒，两瓶装", (), listed="最佳拍档{p}"),
        T("{p}是全网最低价，数据来源是平台的比价报告，报告编号在详情页", ()),
        T("大家好，欢迎来到直播间，今天给大家介绍{p}", ()),
        T("这款{p}我自己用了第一个月，感觉还不错", (), category=COSM),
    ],
    M: [
        T("喝了这个{p}能降血压", (M,)),
        T("{p}可以治疗失眠，晚上睡得特别香", (M,), category=HEALTH),
        T("这个{p}抗癌效果特别好", (M,), category=HEALTH),
        T("用了{p}，湿疹都能根治", (M,), category=COSM),
        T("吃{p}降血糖，比药还管用", (M,)),
        T("坚持吃三个月{p}，胃病都治愈了", (M,), category=HEALTH),
        T("{p}有消炎的作用，痘痘两天就下去", (M,), category=COSM),
        T("我妈吃了{p}，高血压都降下来了，降血压效果好", (M,)),
        T("这款{p}疗效显著，关节痛一周就好", (M,), category=HEALTH),
        T("{p}能防癌，全家都要吃", (M,)),
    ],
    "medical_honest": [
        T("{p}是普通食品，不能治疗任何疾病", ()),
        T("生病了请去医院，{p}不是药", (), category=HEALTH),
        T("{p}口感酸甜，适合下午茶", ()),
        T("这本讲如何治疗焦虑的书今天特价", (), category=OTHER),
        T("{p}质地清爽，不油腻，适合夏天", (), category=COSM),
        T("保健食品不能替代药物，{p}按说明吃", (), category=HEALTH),
        T("这个{p}可以放在办公室，很方便", (), category=OTHER),
        T("{p}是早餐的好搭配，配牛奶很香", ()),
        T("这个{p}适合治疗后需要补充营养的人吗？请咨询医生，它不具有治疗作用", (), category=HEALTH),
        T("{p}的包装今年换了新设计", (), category=COSM),
    ],
    F: [
        T("用了{p}，皮肤美白提升了80%", (F,), category=COSM),
        T("{p}的吸收率提高3倍", (F,), category=HEALTH),
        T("效果是普通产品的5倍，{p}真的好用", (F,), category=COSM),
        T("吃{p}一个月，精力提升了60%", (F,), category=HEALTH),
        T("{p}保湿效果提高200%", (F,), category=COSM),
        T("这款{p}有效率达到95%", (F,)),
        T("{p}让头发改善了70%", (F,), category=COSM),
        T("营养吸收是别人的2倍，选{p}就对了", (F,)),
    ],
    "figures_honest": [
        T("美白效果提升30%，数据来源是第三方检测报告，报告编号在详情页", (), category=COSM),
        T(
            "{p}的吸收率提高2倍",
            (),
            next="这个数据来自第三方检测报告，大家可以在详情页看到",
            category=HEALTH,
        ),
        T("今天下单{p}立减50%", ()),
        T("满200减30，{p}多买多省", ()),
        T("{p}买二送一，相当于打了67%的折", (), category=OTHER),
        T("根据国家统计局的数据，燕麦消费增长了20%，{p}也卖得好", ()),
        T("{p}今天到手价是原来的80%", (), category=COSM),
        T("这款{p}含量是3倍浓缩，配料表写得清楚", ()),
    ],
    G: [
        T("无效退款，{p}大家放心买", (G,), category=HEALTH),
        T("{p}百分百有效", (G,), category=COSM),
        T("保证有效，{p}不满意包退", (G,)),
        T("绝对有效，{p}一用就见效", (G,), category=COSM),
        T("这款{p}一定有效，我拿人格担保", (G,), category=HEALTH),
        T("{p}100%有效，没效果找我", (G, F)),
        T("{p}保证见效，三天就能看到", (G,), category=COSM),
        T("包好的，{p}吃了就知道", (G,), category=HEALTH),
    ],
    "guarantee_honest": [
        T("七天无理由退货，{p}大家放心", ()),
        T("{p}效果因人而异，不保证每个人都一样", (), category=COSM),
        T("我们保证{p}是正品，假一赔十", (), category=OTHER),
        T("{p}有运费险，收到不喜欢可以退", ()),
        T("{p}的保质期是十二个月", ()),
        T("{p}质量有问题包换", (), category=OTHER),
        T("买{p}送小样，数量有限", (), category=COSM),
        T("{p}支持货到付款", ()),
    ],
    S: [
        T("{p}仅剩3件了，赶紧下单", (S,), stock=500),
        T("最后5单，{p}抢完就没了", (S,), stock=300),
        T("{p}只剩2份，拼手速", (S,), stock=800),
        T("还剩10盒{p}，马上下架", (S,), stock=1000),
        T("家人们{p}仅剩1瓶了", (S,), stock=250, category=HEALTH),
        T("{p}最后8个，手慢无", (S,), stock=400, category=OTHER),
        T("{p}只剩4件，不等了", (S,), stock=600),
        T("最后6份{p}，上链接", (S,), stock=900),
    ],
    "scarcity_honest": [
        T("{p}仅剩3件了，赶紧下单", (), stock=3),
        T("最后5单，{p}抢完就没了", (), stock=5),
        T("{p}库存还很多，大家慢慢拍", (), stock=500),
        T("{p}只剩2份，拼手速", (), stock=2),
        T("今天{p}备了一千件，不用抢", (), stock=1000),
        T("还剩10盒{p}，马上下架", (), stock=8),
        T("{p}补货了，大家可以下单了", (), stock=300),
        T("最后6份{p}，上链接", (), stock=6),
    ],
}

# Traditional Chinese written as such (besides the s2t conversion of the whole ZH set).
HANT: dict[str, list[T]] = {
    A: [
        T("這款{p}是全網最低價，錯過就沒了", (A,)),
        T("{p}絕對是市面上最好的選擇", (A,), category=COSM),
        T("頂級原料做的{p}，大家衝", (A,)),
        T("全球首發的{p}，獨一無二", (A,), category=HEALTH),
    ],
    "absolute_honest": [
        T("這是我第一次來直播間介紹{p}", ()),
        T("我們家「最好時光」{p}今天上新", (), listed="最好時光{p}"),
        T("最近天氣冷了，多喝點{p}", ()),
        T("第一批{p}明天就發貨", ()),
    ],
    M: [
        T("喝了{p}可以降血壓", (M,)),
        T("{p}能治療失眠", (M,), category=HEALTH),
        T("用了{p}，濕疹都能根治", (M,), category=COSM),
        T("{p}有抗癌的功效", (M,), category=HEALTH),
    ],
    "medical_honest": [
        T("{p}是普通食品，不能治療任何疾病", ()),
        T("生病請去醫院，{p}不是藥", (), category=HEALTH),
        T("{p}口感酸甜，適合下午茶", ()),
        T("這本講如何治療焦慮的書今天特價", (), category=OTHER),
    ],
    G: [
        T("無效退款，{p}放心買", (G,), category=HEALTH),
        T("{p}百分百有效", (G,), category=COSM),
        T("保證有效，{p}不滿意包退", (G,)),
        T("{p}絕對有效", (G,), category=COSM),
    ],
    "guarantee_honest": [
        T("七天無理由退貨，{p}大家放心", ()),
        T("{p}效果因人而異", (), category=COSM),
        T("我們保證{p}是正品", (), category=OTHER),
        T("{p}的保質期是十二個月", ()),
    ],
}

EN: dict[str, list[T]] = {
    A: [
        T("This {p} is the world's best, full stop", (A,)),
        T("Our {p} is number one in the country", (A,), category=HEALTH),
        T("Cheapest anywhere, this {p} will not last", (A,)),
        T("This is the best in the world {p}, trust me", (A,), category=COSM),
        T("{p} made with top-grade ingredients", (A,)),
        T("It's the No.1 {p} on every platform", (A,), category=OTHER),
        T("A national-level {p}, quality you can feel", (A,)),
        T("This {p} is unrivalled, nothing comes close", (A,), category=COSM),
        T("Lowest price anywhere on this {p} tonight", (A,)),
        T("The best ever {p} you'll taste", (A,)),
    ],
    "absolute_honest": [
        T("This is my first time selling {p} here", ()),
        T("The first batch of {p} ships tomorrow", ()),
        T('Here\'s our "Best Days" {p}, new this week', (), listed="Best Days {p}"),
        T(
            "The {p} is the lowest price anywhere",
            (),
            next="according to the price tracker's report of 1 December, every other shop charges more",
        ),
        T("Welcome everyone, tonight we have {p}", ()),
        T("This {p} tastes really good with milk", ()),
        T("Last thing about the {p}: keep it dry", (), category=OTHER),
        T("First step, open the {p} box and look inside", (), category=OTHER),
        T('Our "Number One Fan" {p} set is back', (), listed="Number One Fan {p}"),
        T("I tried the {p} for the first time last month", (), category=COSM),
    ],
    M: [
        T("Drinking this {p} lowers blood pressure", (M,)),
        T("The {p} cures insomnia, you'll sleep like a baby", (M,), category=HEALTH),
        T("This {p} prevents cancer, the whole family should take it", (M,), category=HEALTH),
        T("My eczema healed, the {p} heals skin problems", (M,), category=COSM),
        T("The {p} treats diabetes better than pills", (M,)),
        T("It's anti-inflammatory, the {p} clears spots in two days", (M,), category=COSM),
        T("My mum's {p} fights cancer, she swears by it", (M,), category=HEALTH),
        T("Take the {p} and it will lower blood pressure in a week", (M,)),
    ],
    "medical_honest": [
        T("The {p} is ordinary food, it cannot cure any disease", ()),
        T("If you're ill see a doctor, the {p} is not a medicine", (), category=HEALTH),
        T("The {p} is sweet and sour, lovely with tea", ()),
        T("This book about how doctors treat anxiety is on sale", (), category=OTHER),
        T("The {p} feels light and not greasy", (), category=COSM),
        T("A {p} is handy to keep in the office", (), category=OTHER),
        T("The {p} goes well with breakfast", ()),
        T("Supplements don't cure anything, take the {p} as the label says", (), category=HEALTH),
    ],
    F: [
        T("With the {p} skin looks 80% whiter", (F,), category=COSM),
        T("The {p} is absorbed 3 times better", (F,), category=HEALTH),
        T("Results are 5 times stronger with this {p}", (F,), category=COSM),
        T("People lose 20% more weight with the {p}", (F,), category=HEALTH),
        T("The {p} is 95% effective", (F,)),
        T("Hydration improves 200 percent with the {p}", (F,), category=COSM),
    ],
    "figures_honest": [
        T(
            "Skin looks 30% brighter according to the independent lab's test report",
            (),
            category=COSM,
        ),
        T(
            "The {p} is absorbed 2 times better",
            (),
            next="source: the test report no. 2026-118, linked below",
            category=HEALTH,
        ),
        T("Tonight the {p} is 50% off", ()),
        T("Buy two {p}, get 30 percent off the second", ()),
        T("The {p} is now 80% of the usual price", (), category=COSM),
        T("This {p} is 3 times concentrated, it says so on the label", ()),
    ],
    G: [
        T("Money back if it doesn't work, the {p} is that good", (G,), category=HEALTH),
        T("The {p} is guaranteed to work", (G,), category=COSM),
        T("Guaranteed results with the {p}", (G,)),
        T("It's 100% effective, the {p}", (G, F), category=COSM),
        T("The {p} works every time, no exceptions", (G,), category=HEALTH),
        T("Guaranteed to work or I eat my hat, the {p}", (G,)),
    ],
    "guarantee_honest": [
        T("Seven-day returns on the {p}, no questions", ()),
        T("Results with the {p} vary from person to person", (), category=COSM),
        T("We guarantee the {p} is genuine", (), category=OTHER),
        T("The {p} has a twelve-month shelf life", ()),
        T("Damaged {p} on arrival? We replace it", (), category=OTHER),
        T("Free samples with the {p} while they last", (), category=COSM),
    ],
    S: [
        T("Only 3 left of the {p}, hurry", (S,), stock=500),
        T("Last 5 units of {p}, then it's gone", (S,), stock=300),
        T("Only 2 bottles of {p} left tonight", (S,), stock=800, category=HEALTH),
        T("Last 4 boxes of {p}, grab one", (S,), stock=600),
        T("Only 6 pieces of {p} left", (S,), stock=900, category=OTHER),
        T("Only 1 left, the {p}", (S,), stock=250),
    ],
    "scarcity_honest": [
        T("Only 3 left of the {p}, hurry", (), stock=3),
        T("Last 5 units of {p}, then it's gone", (), stock=5),
        T("Plenty of {p} in stock, take your time", (), stock=500),
        T("Only 2 bottles of {p} left tonight", (), stock=2, category=HEALTH),
        T("We restocked the {p}, order away", (), stock=300),
        T("Last 4 boxes of {p}, grab one", (), stock=4),
    ],
}


def _fill(
    groups: dict[str, list[T]], script: str, lang: str, convert: bool
) -> Iterator[dict[str, Any]]:
    for group, templates in groups.items():
        for t_index, t in enumerate(templates):
            split = "test" if t_index % 4 == 3 else "train"
            products = PRODUCTS[lang][t.category]
            for k in range(2):
                product = products[(t_index + k) % len(products)]
                text, after = t.text.replace("{p}", product), t.next.replace("{p}", product)
                listed = t.listed.replace("{p}", product) if t.listed else product
                if convert:
                    text, after, listed = (_S2T.convert(x) for x in (text, after, listed))
                yield {
                    "id": f"{script}{'-s2t' if convert else ''}:{group}:{t_index}:{k}",
                    "script": script,
                    "text": text,
                    "next": after,
                    "category": t.category,
                    "product": listed,
                    "stock": t.stock,
                    "labels": list(t.labels),
                    "split": split,
                }


def labelled() -> list[dict[str, Any]]:
    """The whole labelled set (deterministic)."""
    return [
        *_fill(ZH, "zh-Hans", "zh", False),
        *_fill(ZH, "zh-Hant", "zh", True),
        *_fill(HANT, "zh-Hant", "zh", False),
        *_fill(EN, "en", "en", False),
    ]


def room_of(item: dict[str, Any]) -> Any:
    """A labelled item as a one-product room of one or two segments (what detectors read)."""
    from datetime import UTC, datetime

    from fairscreen.monitors.livestream.format import Listing, Room, Segment

    listing = Listing(
        product=item["product"],
        category=item["category"],
        original_price_cents=1000,
        live_price_cents=900,
        stock=item["stock"],
    )
    segments = [Segment(0, 0, 3000, item["text"])]
    if item["next"]:
        segments.append(Segment(1, 3000, 6000, item["next"]))
    return Room(
        "R-L",
        "F-L",
        "H-label",
        datetime(2026, 12, 1, tzinfo=UTC),
        True,
        (listing,),
        tuple(segments),
    )
