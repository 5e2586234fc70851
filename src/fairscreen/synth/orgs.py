"""Places, organisations, institutions, courts, job titles and fields of study for the synthetic
world generator.

Everything here is fictional: the cities (江州, 云州, ...) are invented, organisation names are a
city, a made-up brand word and an industry suffix, and court case numbers use region code
``99`` (as the generated ID numbers use division ``99``), which no real court uses. Any
resemblance to a real organisation is a coincidence of common words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# (Chinese, romanised)
CITIES: tuple[tuple[str, str], ...] = (
    ("江州", "Jiangzhou"),
    ("云州", "Yunzhou"),
    ("宁川", "Ningchuan"),
    ("东陵", "Dongling"),
    ("南屿", "Nanyu"),
    ("青岚", "Qinglan"),
    ("北辰", "Beichen"),
    ("明湖", "Minghu"),
    ("临澄", "Lincheng"),
    ("溪州", "Xizhou"),
    ("沧澜", "Canglan"),
    ("丰屿", "Fengyu"),
)
DISTRICTS = _words("东城 西城 南湖 北塘 高新 滨江 城南 临港 湖滨 新港 开元 望川")
BRANDS = _words(
    "星澜 瀚云 启明 睿驰 鼎盛 海川 嘉禾 恒信 博远 汇通 聚源 朗程 青禾 翼展 智渊 云帆 致远 安泰 "
    "中澄 新域 泓景 澄明 远航 金石 弘毅 华拓 天衡 沐阳 晟达 凯越 锦程 博纳 麦田 长风 川禾 正弘 "
    "优途 明德 信和 卓越 百川 森淼 嘉诚 盛元 同舟 星火 云栖 拓海 谦益"
)
EN_BRANDS = _words(
    "Northbridge Harbourline Bluestone Silverleaf Westmere Copperfield Brightwater Oakhaven "
    "Redcliff Stonebay Ashgrove Kestrel Larchmont Fernhill Glenmore Highmoor Ironwood Lindenfield "
    "Marlowe Pinecrest Quayside Ravensworth Thornbury Wrenfield"
)
EN_SECTORS = (
    ("Consulting", "general_office"),
    ("Software", "software_engineering"),
    ("Technologies", "software_engineering"),
    ("Advisory", "finance_accounting"),
    ("Trading", "general_office"),
    ("Engineering", "software_engineering"),
    ("Logistics", "driver"),
    ("Healthcare", "healthcare"),
)

# Industries: organisation-name suffixes and the position categories they hire for (weights).
INDUSTRIES: dict[str, tuple[tuple[str, ...], dict[str, int]]] = {
    "tech": (
        _words("信息技术有限公司 网络科技有限公司 软件有限公司 数据科技有限公司 智能科技有限公司"),
        {
            "software_engineering": 6,
            "general_office": 3,
            "finance_accounting": 1,
            "executive_legal_rep": 1,
        },
    ),
    "finance": (
        _words("投资管理有限公司 融资租赁有限公司 资产管理有限公司 会计师事务所有限公司"),
        {"finance_accounting": 5, "general_office": 2, "executive_legal_rep": 1},
    ),
    "logistics": (
        _words("物流有限公司 运输有限公司 供应链管理有限公司 快递服务有限公司"),
        {"driver": 5, "general_office": 2, "security_guard": 1, "finance_accounting": 1},
    ),
    "education": (
        _words("幼儿园 教育科技有限公司 托育服务有限公司 培训学校"),
        {"childcare_education": 6, "general_office": 1},
    ),
    "healthcare": (
        _words("医院 门诊部 健康管理有限公司 护理院"),
        {"healthcare": 6, "general_office": 1, "finance_accounting": 1},
    ),
    "property": (
        _words("物业服务有限公司 保安服务有限公司 物业管理有限公司"),
        {"security_guard": 5, "general_office": 2, "driver": 1},
    ),
    "manufacturing": (
        _words("精密机械有限公司 电子有限公司 汽车零部件有限公司 新材料有限公司 装备制造有限公司"),
        {
            "software_engineering": 3,
            "general_office": 2,
            "driver": 1,
            "security_guard": 1,
            "finance_accounting": 1,
            "executive_legal_rep": 1,
        },
    ),
    "retail": (
        _words("商贸有限公司 餐饮管理有限公司 食品有限公司 超市有限公司 电子商务有限公司"),
        {"general_office": 4, "driver": 2, "finance_accounting": 1, "security_guard": 1},
    ),
    "foreign": (
        (),
        {
            "software_engineering": 3,
            "general_office": 3,
            "finance_accounting": 2,
            "executive_legal_rep": 1,
        },
    ),
}
# How many of a world's employers come from each industry (every industry at least once).
INDUSTRY_WEIGHTS = {
    "tech": 25,
    "manufacturing": 15,
    "retail": 10,
    "logistics": 10,
    "education": 10,
    "healthcare": 10,
    "property": 8,
    "finance": 7,
    "foreign": 5,
}
# Where people of a category worked before (industry weights).
CAREER_INDUSTRIES: dict[str, dict[str, int]] = {
    "general_office": {
        "tech": 3,
        "retail": 3,
        "manufacturing": 2,
        "logistics": 1,
        "finance": 1,
        "property": 1,
        "education": 1,
        "healthcare": 1,
        "foreign": 1,
    },
    "software_engineering": {"tech": 6, "manufacturing": 3, "foreign": 2, "finance": 1},
    "finance_accounting": {
        "finance": 4,
        "tech": 1,
        "manufacturing": 1,
        "retail": 1,
        "foreign": 1,
        "healthcare": 1,
    },
    "executive_legal_rep": {"tech": 3, "finance": 2, "manufacturing": 2, "retail": 1, "foreign": 2},
    "driver": {"logistics": 6, "retail": 2, "property": 1, "manufacturing": 1},
    "childcare_education": {"education": 8, "retail": 1},
    "security_guard": {"property": 6, "retail": 1, "manufacturing": 1, "logistics": 1},
    "healthcare": {"healthcare": 9},
}

AGENCY_NAMES = (
    "明鉴企业信用调查有限公司",
    "知衡背景调查服务有限公司",
    "信诚人才评估咨询有限公司",
    "诚鉴人力资源服务有限公司",
)
EN_AGENCY_NAMES = (
    "Clearview Screening Services",
    "Truepath Background Verification",
)

# Job titles by category and seniority (zh-Hans), and English ones for foreign-invested firms.
TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "general_office": {
        "junior": _words(
            "行政助理 行政专员 人事专员 前台接待 客服专员 采购助理 市场专员 文员 招聘专员"
        ),
        "mid": _words("行政主管 人事主管 招聘主管 采购主管 市场主管 客服主管 法务专员"),
        "senior": _words("行政经理 人力资源经理 办公室主任 市场经理 采购经理"),
    },
    "software_engineering": {
        "junior": _words(
            "软件开发工程师 测试工程师 前端开发工程师 运维工程师 助理工程师 实施工程师"
        ),
        "mid": _words(
            "高级软件工程师 后端开发工程师 算法工程师 数据工程师 嵌入式软件工程师 结构工程师 电气工程师"
        ),
        "senior": _words("技术经理 系统架构师 研发总监 技术专家"),
    },
    "finance_accounting": {
        "junior": _words("出纳 会计助理 会计 费用会计"),
        "mid": _words("总账会计 税务会计 财务分析师 审计专员 成本会计"),
        "senior": _words("财务主管 财务经理 审计经理"),
    },
    "executive_legal_rep": {
        "junior": _words("部门经理 项目经理 区域经理"),
        "mid": _words("财务总监 运营总监 技术总监 销售总监"),
        "senior": _words("副总经理 总经理 执行董事 首席财务官"),
    },
    "driver": {
        "junior": _words("配送司机 货车司机 驾驶员"),
        "mid": _words("班车司机 商务车司机 冷链运输司机 危化品运输司机"),
        "senior": _words("车队队长 运输调度主管"),
    },
    "childcare_education": {
        "junior": _words("保育员 助教 托育老师"),
        "mid": _words("幼儿园教师 小学英语教师 早教指导师 美术教师"),
        "senior": _words("年级组长 教研组长 园长助理"),
    },
    "security_guard": {
        "junior": _words("保安员 门岗保安 巡逻保安"),
        "mid": _words("监控室值班员 安保领班"),
        "senior": _words("安保主管 安保经理"),
    },
}
# Healthcare titles depend on the licence the job needs.
HEALTH_TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "nurse": {
        "junior": _words("护士"),
        "mid": _words("护师 门诊护士 病房护士"),
        "senior": _words("主管护师 护士长"),
    },
    "physician": {
        "junior": _words("住院医师"),
        "mid": _words("主治医师 内科医师 儿科医师 全科医生"),
        "senior": _words("副主任医师"),
    },
    "pharmacist": {
        "junior": _words("药师"),
        "mid": _words("药剂师 临床药师"),
        "senior": _words("主管药师"),
    },
}
EN_TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "general_office": {
        "junior": ("Office Administrator", "HR Assistant", "Receptionist", "Marketing Assistant"),
        "mid": ("HR Specialist", "Office Manager", "Procurement Specialist", "Account Manager"),
        "senior": ("HR Manager", "Operations Manager", "Marketing Manager"),
    },
    "software_engineering": {
        "junior": ("Software Engineer", "QA Engineer", "Support Engineer"),
        "mid": ("Senior Software Engineer", "Data Engineer", "DevOps Engineer", "Test Lead"),
        "senior": ("Engineering Manager", "Principal Engineer", "Solutions Architect"),
    },
    "finance_accounting": {
        "junior": ("Accounts Assistant", "Accountant"),
        "mid": ("Senior Accountant", "Financial Analyst", "Internal Auditor"),
        "senior": ("Finance Manager", "Financial Controller"),
    },
    "executive_legal_rep": {
        "junior": ("Business Unit Manager",),
        "mid": ("Finance Director", "Operations Director", "Country Manager"),
        "senior": ("General Manager", "Chief Financial Officer", "Managing Director"),
    },
    "driver": {
        "junior": ("Delivery Driver",),
        "mid": ("Company Driver",),
        "senior": ("Fleet Supervisor",),
    },
    "healthcare": {
        "junior": ("Staff Nurse",),
        "mid": ("Registered Nurse",),
        "senior": ("Nurse Manager",),
    },
}

# Fields of study by category (zh-Hans, en).
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "general_office": (
        ("工商管理", "Business Administration"),
        ("行政管理", "Public Administration"),
        ("汉语言文学", "Chinese Language and Literature"),
        ("英语", "English"),
        ("市场营销", "Marketing"),
        ("人力资源管理", "Human Resource Management"),
        ("法学", "Law"),
        ("物流管理", "Logistics Management"),
    ),
    "software_engineering": (
        ("计算机科学与技术", "Computer Science"),
        ("软件工程", "Software Engineering"),
        ("电子信息工程", "Electronic Engineering"),
        ("自动化", "Automation"),
        ("通信工程", "Telecommunications"),
        ("机械工程", "Mechanical Engineering"),
        ("数据科学与大数据技术", "Data Science"),
    ),
    "finance_accounting": (
        ("会计学", "Accounting"),
        ("财务管理", "Financial Management"),
        ("金融学", "Finance"),
        ("审计学", "Auditing"),
        ("经济学", "Economics"),
    ),
    "executive_legal_rep": (
        ("工商管理", "Business Administration"),
        ("金融学", "Finance"),
        ("经济学", "Economics"),
        ("法学", "Law"),
        ("计算机科学与技术", "Computer Science"),
    ),
    "driver": (
        ("汽车运用与维修", "Automotive Maintenance"),
        ("物流管理", "Logistics Management"),
        ("机电技术应用", "Mechatronics"),
    ),
    "childcare_education": (
        ("学前教育", "Early Childhood Education"),
        ("小学教育", "Primary Education"),
        ("英语", "English"),
        ("心理学", "Psychology"),
        ("美术学", "Fine Arts"),
    ),
    "security_guard": (
        ("安全保卫", "Security Management"),
        ("机电技术应用", "Mechatronics"),
        ("物业管理", "Property Management"),
    ),
    "healthcare": (
        ("临床医学", "Clinical Medicine"),
        ("护理学", "Nursing"),
        ("药学", "Pharmacy"),
    ),
}
HEALTH_FIELD = {
    "physician": ("临床医学", "Clinical Medicine"),
    "nurse": ("护理学", "Nursing"),
    "pharmacist": ("药学", "Pharmacy"),
}

# Chinese institution suffixes by degree level and field family.
_UNIVERSITY = {
    "software_engineering": _words("理工大学 科技大学 大学 工业大学"),
    "finance_accounting": _words("财经大学 大学 工商大学"),
    "childcare_education": _words("师范大学 大学"),
    "healthcare": _words("医科大学 中医药大学"),
    "default": _words("大学 外国语大学 工商大学 师范大学"),
}
_COLLEGE = {
    "software_engineering": _words("职业技术学院 信息职业技术学院"),
    "finance_accounting": _words("财经职业学院 商贸职业学院"),
    "childcare_education": _words("幼儿师范高等专科学校 师范高等专科学校"),
    "healthcare": _words("卫生职业技术学院 护理职业学院"),
    "driver": _words("交通职业技术学院"),
    "default": _words("职业技术学院 商贸职业学院 城市职业学院"),
}
_SCHOOL = {
    "healthcare": _words("卫生学校"),
    "childcare_education": _words("幼儿师范学校"),
    "default": _words("技工学校 中等专业学校 交通技工学校 职业中专"),
}
FOREIGN_INSTITUTIONS = (
    "University of Westbridge",
    "Northgate Institute of Technology",
    "Lakeshore State University",
    "Kingsford Business School",
    "Harbour City University",
    "University of Ashworth",
    "Valmont Polytechnic",
    "Rivermouth University",
    "Eastmoor College London",
    "Université de Valcourt",
    "Technische Hochschule Lindenau",
    "Southbay University of Technology",
)

ETHNICITIES_CN: tuple[tuple[str, str, str, int], ...] = (
    # (self-identified value, zh-Hans, zh-Hant, weight per 1,000)
    ("Han", "汉族", "漢族", 911),
    ("Zhuang", "壮族", "壯族", 14),
    ("Hui", "回族", "回族", 8),
    ("Manchu", "满族", "滿族", 8),
    ("Uyghur", "维吾尔族", "維吾爾族", 8),
    ("Miao", "苗族", "苗族", 8),
    ("Yi", "彝族", "彝族", 7),
    ("Tujia", "土家族", "土家族", 7),
    ("Tibetan", "藏族", "藏族", 5),
    ("Mongol", "蒙古族", "蒙古族", 5),
    ("Dong", "侗族", "侗族", 3),
    ("Bai", "白族", "白族", 2),
    ("Korean", "朝鲜族", "朝鮮族", 2),
)
ETHNICITIES_OTHER: tuple[tuple[str, int], ...] = (
    ("White", 40),
    ("East Asian", 15),
    ("South Asian", 12),
    ("Southeast Asian", 12),
    ("Black", 8),
    ("Hispanic or Latino", 6),
    ("Mixed", 7),
)
PROVINCES = _words("河南 四川 安徽 湖南 江西 广西 贵州 甘肃 河北 山东 湖北 黑龙江 云南 山西")

GOVERNMENT_BODIES = _words(
    "人力资源和社会保障局 市场监督管理局 住房和城乡建设局 自然资源局 交通运输局 税务局"
)


@dataclass(frozen=True, slots=True)
class Org:
    name: str
    industry: str
    english: bool


def city(rng: random.Random) -> tuple[str, str]:
    return rng.choice(CITIES)


def company(rng: random.Random, industry: str) -> Org:
    """A fictional company of ``industry`` (an English name for foreign-invested firms)."""
    if industry == "foreign":
        _, roman = city(rng)
        brand = rng.choice(EN_BRANDS)
        sector, _ = rng.choice(EN_SECTORS)
        return Org(f"{brand} {sector} ({roman}) Co., Ltd.", industry, True)
    zh_city, _ = city(rng)
    suffix = rng.choice(INDUSTRIES[industry][0])
    brand = rng.choice(BRANDS)
    if suffix in ("幼儿园", "门诊部", "培训学校"):
        return Org(f"{zh_city}市{rng.choice(DISTRICTS)}区{brand}{suffix}", industry, False)
    if suffix in ("医院", "护理院"):
        return Org(f"{zh_city}{brand}{suffix}", industry, False)
    return Org(f"{zh_city}{brand}{suffix}", industry, False)


def agency(rng: random.Random, index: int) -> str:
    zh_city, roman = city(rng)
    if index == 1:
        return f"{rng.choice(EN_AGENCY_NAMES)} ({roman}) Co., Ltd."
    return f"{zh_city}{rng.choice(AGENCY_NAMES)}"


def institution(rng: random.Random, degree: str, family: str) -> str:
    zh_city, _ = city(rng)
    if degree in ("bachelor", "master", "doctorate"):
        table = _UNIVERSITY
    elif degree == "associate":
        table = _COLLEGE
    else:
        table = _SCHOOL
    return zh_city + rng.choice(table.get(family, table["default"]))


def foreign_institution(rng: random.Random) -> str:
    return rng.choice(FOREIGN_INSTITUTIONS)


def court(rng: random.Random, *, intermediate: bool = False) -> tuple[str, str]:
    """A court's name and the prefix of its case numbers (region code 99)."""
    zh_city, _ = city(rng)
    if intermediate:
        return f"{zh_city}市中级人民法院", f"{zh_city[0]}99"
    n = rng.randrange(len(DISTRICTS))
    return f"{zh_city}市{DISTRICTS[n]}区人民法院", f"{zh_city[0]}99{n + 1:02d}"


def case_number(rng: random.Random, prefix: str, year: int, kind: str) -> str:
    """A case number: ``（2023）江9903民初4521号``; ``kind`` is 民初, 刑初, 行初 or 执."""
    return f"（{year}）{prefix}{kind}{rng.randint(100, 29999)}号"


def government_body(rng: random.Random) -> str:
    zh_city, _ = city(rng)
    return f"{zh_city}市{rng.choice(GOVERNMENT_BODIES)}"
