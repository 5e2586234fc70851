"""Name material for the synthetic world generator: every person is a combination from these
lists, never a real person's record.

Chinese names are a surname drawn by its approximate frequency (the order of the 2020 census
ranking, rounded) and a given name drawn from pools that follow the fashion of the birth decade
(建國 and 秀英 for people born in the 1960s and 70s, 子軒 and 梓涵 for those born after 1995).
Each name exists in Simplified characters (as the mainland registries write it) and in
Traditional characters (as some candidates write it themselves); the surname table is written by
hand because a character-by-character conversion gets surnames wrong (范 is not 範, 余 is not
餘), and given-name characters are converted once, at import, with OpenCC (``s2tw``). A test checks that
both forms of every name have the same ``fairscreen.kit.names.name_key``.

English names are for foreign staff (passport holders) and for Hong Kong staff who use an
English given name with a romanised Cantonese surname (``Kelvin Chan Ka-ho``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

import opencc


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# (Simplified, Traditional, pinyin, weight per 10,000 people)
SURNAMES: tuple[tuple[str, str, str, int], ...] = (
    ("王", "王", "Wang", 71),
    ("李", "李", "Li", 70),
    ("张", "張", "Zhang", 64),
    ("刘", "劉", "Liu", 54),
    ("陈", "陳", "Chen", 46),
    ("杨", "楊", "Yang", 31),
    ("黄", "黃", "Huang", 25),
    ("赵", "趙", "Zhao", 20),
    ("吴", "吳", "Wu", 20),
    ("周", "周", "Zhou", 19),
    ("徐", "徐", "Xu", 15),
    ("孙", "孫", "Sun", 14),
    ("马", "馬", "Ma", 13),
    ("朱", "朱", "Zhu", 13),
    ("胡", "胡", "Hu", 12),
    ("郭", "郭", "Guo", 12),
    ("何", "何", "He", 12),
    ("林", "林", "Lin", 11),
    ("高", "高", "Gao", 10),
    ("罗", "羅", "Luo", 10),
    ("郑", "鄭", "Zheng", 9),
    ("梁", "梁", "Liang", 9),
    ("谢", "謝", "Xie", 8),
    ("宋", "宋", "Song", 8),
    ("唐", "唐", "Tang", 8),
    ("许", "許", "Xu", 7),
    ("韩", "韓", "Han", 7),
    ("冯", "馮", "Feng", 7),
    ("邓", "鄧", "Deng", 7),
    ("曹", "曹", "Cao", 6),
    ("彭", "彭", "Peng", 6),
    ("曾", "曾", "Zeng", 6),
    ("肖", "肖", "Xiao", 6),
    ("田", "田", "Tian", 6),
    ("董", "董", "Dong", 5),
    ("袁", "袁", "Yuan", 5),
    ("潘", "潘", "Pan", 5),
    ("于", "于", "Yu", 5),
    ("蒋", "蔣", "Jiang", 5),
    ("蔡", "蔡", "Cai", 5),
    ("余", "余", "Yu", 5),
    ("杜", "杜", "Du", 5),
    ("叶", "葉", "Ye", 5),
    ("程", "程", "Cheng", 4),
    ("苏", "蘇", "Su", 4),
    ("魏", "魏", "Wei", 4),
    ("吕", "呂", "Lyu", 4),
    ("丁", "丁", "Ding", 4),
    ("任", "任", "Ren", 4),
    ("沈", "沈", "Shen", 4),
    ("姚", "姚", "Yao", 4),
    ("卢", "盧", "Lu", 4),
    ("姜", "姜", "Jiang", 4),
    ("崔", "崔", "Cui", 3),
    ("钟", "鍾", "Zhong", 3),
    ("谭", "譚", "Tan", 3),
    ("陆", "陸", "Lu", 3),
    ("汪", "汪", "Wang", 3),
    ("范", "范", "Fan", 3),
    ("金", "金", "Jin", 3),
    ("石", "石", "Shi", 3),
    ("廖", "廖", "Liao", 3),
    ("贾", "賈", "Jia", 3),
    ("夏", "夏", "Xia", 3),
    ("韦", "韋", "Wei", 3),
    ("付", "付", "Fu", 3),
    ("方", "方", "Fang", 3),
    ("白", "白", "Bai", 3),
    ("邹", "鄒", "Zou", 3),
    ("孟", "孟", "Meng", 3),
    ("熊", "熊", "Xiong", 3),
    ("秦", "秦", "Qin", 3),
    ("邱", "邱", "Qiu", 3),
    ("江", "江", "Jiang", 3),
    ("尹", "尹", "Yin", 3),
    ("薛", "薛", "Xue", 2),
    ("段", "段", "Duan", 2),
    ("雷", "雷", "Lei", 2),
    ("侯", "侯", "Hou", 2),
    ("龙", "龍", "Long", 2),
    ("史", "史", "Shi", 2),
    ("陶", "陶", "Tao", 2),
    ("黎", "黎", "Li", 2),
    ("贺", "賀", "He", 2),
    ("顾", "顧", "Gu", 2),
    ("毛", "毛", "Mao", 2),
    ("郝", "郝", "Hao", 2),
    ("龚", "龔", "Gong", 2),
    ("邵", "邵", "Shao", 2),
    ("万", "萬", "Wan", 2),
    ("钱", "錢", "Qian", 2),
    ("严", "嚴", "Yan", 2),
    ("覃", "覃", "Qin", 2),
    ("武", "武", "Wu", 2),
    ("戴", "戴", "Dai", 2),
    ("莫", "莫", "Mo", 2),
    ("孔", "孔", "Kong", 2),
    ("向", "向", "Xiang", 2),
    ("汤", "湯", "Tang", 2),
    ("欧阳", "歐陽", "Ouyang", 1),
    ("司马", "司馬", "Sima", 1),
    ("上官", "上官", "Shangguan", 1),
    ("诸葛", "諸葛", "Zhuge", 1),
)

# Given names by era of birth and sex: whole names people of that generation were often given,
# and single characters that combine into plausible two-character names.
_ERA_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("early", "male"): _words(
        "建国 建华 志强 国强 海涛 永刚 晓东 立新 卫东 德明 振华 建军 国庆 红兵 文斌 俊峰 建平 海波 志勇 宏伟 伟 强 军 勇 斌 刚 平 辉 涛 明 波 峰 兵 东 林"
    ),
    ("early", "female"): _words(
        "秀英 桂英 秀兰 玉兰 桂兰 玉梅 凤英 淑珍 丽华 春燕 红梅 海燕 冬梅 晓红 雪梅 玉珍 秀珍 美玲 丽娟 建英 芳 丽 敏 静 艳 娟 霞 燕 玲 萍 红 梅 英 华"
    ),
    ("middle", "male"): _words(
        "俊杰 晓峰 志鹏 文博 海洋 浩然 子健 一鸣 嘉伟 佳豪 晨阳 鹏飞 宇航 志远 思远 振宇 文杰 俊辉 天宇 明杰 磊 鹏 浩 宇 凯 健 俊 帆 旭 博 晨 鑫 超 亮 杰 龙 阳 洋"
    ),
    ("middle", "female"): _words(
        "婷婷 晓丽 丽娜 佳慧 雪莹 文静 佳琪 晓燕 思雨 雅琴 晓雪 丹丹 琳琳 欣然 慧敏 静怡 晓敏 倩倩 春晓 美琪 婷 雪 琳 晶 颖 慧 倩 佳 丹 莉 娜 蕾 璐 洁 薇 瑶"
    ),
    ("late", "male"): _words(
        "子轩 浩宇 宇轩 梓豪 俊熙 皓轩 一诺 子墨 泽宇 博文 天佑 逸凡 宇航 浩然 铭泽 睿哲 子豪 嘉懿 煜城 奕辰 睿 煜 铭 哲 昊 航 宸 皓 泽 凯"
    ),
    ("late", "female"): _words(
        "梓涵 欣怡 诗涵 雨涵 子涵 可馨 思琪 梦琪 紫萱 雨欣 佳怡 若汐 心怡 婉清 语桐 雨桐 诗雨 一诺 沐晴 安琪 悦 萱 彤 妍 琪 涵 瑶 菲 晴 怡"
    ),
}

_ERA_CHARS: dict[tuple[str, str], tuple[str, str]] = {
    # (first characters, second characters) that combine into plausible given names
    ("early", "male"): ("建国志海永晓立卫德振宏文俊红", "华强明涛刚东新民军平斌峰伟波林"),
    ("early", "female"): ("秀桂玉凤淑丽春红海冬晓雪美", "英兰梅珍华燕霞芳娟玲萍琴云"),
    ("middle", "male"): ("俊晓志文海浩子一嘉佳晨鹏宇振天明思", "杰峰鹏博洋然健鸣伟豪阳飞航远宇辉"),
    ("middle", "female"): ("婷晓丽佳雪文思雅慧静倩春美欣丹", "婷丽娜慧莹静琪燕雨琴雪敏怡晓然"),
    ("late", "male"): ("子浩宇梓俊皓一泽博天逸铭睿嘉煜奕", "轩宇豪熙诺墨文佑凡泽哲辰城航睿"),
    ("late", "female"): ("梓欣诗雨子可思梦紫佳若心婉语沐安", "涵怡馨琪萱欣汐清桐晴悦妍彤瑶"),
}

# Romanised Hong Kong surnames (Cantonese) with their characters, and given-name syllables.
HK_SURNAMES: tuple[tuple[str, str, int], ...] = (
    ("Chan", "陳", 12),
    ("Wong", "黃", 10),
    ("Leung", "梁", 6),
    ("Cheung", "張", 6),
    ("Lau", "劉", 5),
    ("Lee", "李", 6),
    ("Ho", "何", 4),
    ("Ng", "吳", 4),
    ("Cheng", "鄭", 3),
    ("Yeung", "楊", 3),
    ("Tsang", "曾", 2),
    ("Lam", "林", 4),
    ("Chow", "周", 2),
    ("Tang", "鄧", 2),
    ("Kwok", "郭", 2),
    ("Mak", "麥", 2),
    ("Lo", "羅", 2),
    ("Tse", "謝", 2),
    ("Fung", "馮", 2),
    ("Yip", "葉", 2),
)
HK_SYLLABLES = _words(
    "Ka Wai Chi Man Ho Yan Kit Ming Hoi Siu Tsz Wing Yee Mei Ling Hin Lok Yu Sze Kwan Pui Shing Chun Fai Kin"
)

EN_GIVEN: dict[str, tuple[str, ...]] = {
    "male": _words(
        "Daniel Michael David James Thomas Andrew Peter Matthew Kevin Jason Eric Kelvin Raymond Vincent Alan Patrick Samuel Oliver Lucas Mark Simon Anthony Benjamin Nathan Henry Ryan Felix Marco Stefan Arjun Hiroshi Minh Joon Carlos Pierre Tom"
    ),
    "female": _words(
        "Emily Sarah Jessica Rachel Hannah Sophie Laura Anna Grace Michelle Karen Vivian Cindy Joanne Winnie Natalie Olivia Chloe Emma Isabel Claire Fiona Helen Amy Lucy Julia Priya Yuki Linh Ana Marie Katarzyna Ingrid Sofia Elena Mia"
    ),
}
EN_SURNAMES = _words(
    "Smith Johnson Brown Taylor Anderson Walker Harris Clarke Lewis Robinson Wright Thompson Evans Hughes Bennett Foster Murphy Kelly Sullivan Campbell Stewart Fischer Mueller Schneider Weber Dubois Martin Rossi Bianchi Garcia Fernandez Silva Santos Novak Kowalski Jensen Larsen Andersson Sharma Patel Iyer Nguyen Tran Kim Park Tanaka Sato Suzuki Ivanova Petrov"
)

_S2T = opencc.OpenCC("s2tw")


@cache
def _trad_char(char: str) -> str:
    return str(_S2T.convert(char))


def to_traditional(simplified_given: str) -> str:
    """A given name in Traditional characters, character by character."""
    return "".join(_trad_char(c) for c in simplified_given)


def all_given_characters() -> set[str]:
    chars: set[str] = set()
    for names in _ERA_NAMES.values():
        for name in names:
            chars.update(name)
    for firsts, seconds in _ERA_CHARS.values():
        chars.update(firsts)
        chars.update(seconds)
    return chars


_SURNAME_WEIGHTS = [s[3] for s in SURNAMES]
_HK_WEIGHTS = [s[2] for s in HK_SURNAMES]


def era(birth_year: int) -> str:
    if birth_year < 1980:
        return "early"
    if birth_year < 1995:
        return "middle"
    return "late"


@dataclass(frozen=True, slots=True)
class PersonName:
    """A name as the registries hold it (``registered``), as its bearer writes it (``written``),
    the surname alone in that script and its romanisation (for English-language references)."""

    registered: str
    written: str
    surname: str
    surname_written: str
    romanised_surname: str
    given_written: str
    script: str  # "zh-Hans", "zh-Hant" or "en"


def chinese_name(rng: random.Random, sex: str, birth_year: int, *, traditional: bool) -> PersonName:
    simp, trad, pinyin, _ = rng.choices(SURNAMES, _SURNAME_WEIGHTS)[0]
    key = (era(birth_year), "female" if sex == "female" else "male")
    if rng.random() < 0.6:
        given = rng.choice(_ERA_NAMES[key])
    else:
        firsts, seconds = _ERA_CHARS[key]
        given = rng.choice(firsts) + rng.choice(seconds)
        if given[0] == given[1] and rng.random() < 0.7:
            given = given[0] + rng.choice(seconds)
    registered = simp + given
    if traditional:
        given_t = to_traditional(given)
        return PersonName(registered, trad + given_t, simp, trad, pinyin, given_t, "zh-Hant")
    return PersonName(registered, registered, simp, simp, pinyin, given, "zh-Hans")


def english_name(rng: random.Random, sex: str, *, hong_kong: bool) -> PersonName:
    first = rng.choice(EN_GIVEN["female" if sex == "female" else "male"])
    if hong_kong:
        surname = rng.choices(HK_SURNAMES, _HK_WEIGHTS)[0][0]
        a, b = rng.sample(HK_SYLLABLES, 2)
        style = rng.random()
        if style < 0.4:
            name = f"{first} {surname} {a}-{b.lower()}"
        elif style < 0.7:
            name = f"{surname} {a} {b} {first}"
        else:
            name = f"{first} {surname}"
    else:
        surname = rng.choice(EN_SURNAMES)
        name = f"{first} {surname}"
    return PersonName(name, name, surname, surname, surname, first, "en")


def namesake_of(name: PersonName) -> PersonName:
    """Another person who is registered under exactly the same name."""
    return PersonName(
        name.registered,
        name.registered,
        name.surname,
        name.surname,
        name.romanised_surname,
        name.given_written,
        "en" if name.script == "en" else "zh-Hans",
    )


_TRADITIONAL_SURNAME = {s[0]: s[1] for s in SURNAMES}


def traditional_of(name: PersonName) -> str:
    """The name in Traditional characters (the surname from the hand-written table)."""
    if name.script == "zh-Hant":
        return name.written
    if name.script == "en":
        return name.registered
    given = name.registered[len(name.surname) :]
    return _TRADITIONAL_SURNAME.get(name.surname, name.surname) + to_traditional(given)


def referee_name(rng: random.Random, *, english: bool, traditional: bool) -> str:
    """A referee's name as it appears on a reference."""
    sex = rng.choice(("female", "male"))
    if english:
        return english_name(rng, sex, hong_kong=rng.random() < 0.3).written
    return chinese_name(rng, sex, rng.randint(1965, 1998), traditional=traditional).written
