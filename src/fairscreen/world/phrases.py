"""Sentences for the free-text references of the synthetic world generator.

These lists are the generator's answer key: whoever writes the reference classifier must not
read them (it would learn the templates instead of the language). Each template is one
sentence; the generator fills its slots, labels it with its kind, and joins the sentences of a
reference (no separator in Chinese, one space in English). Every filled sentence ends with exactly
one terminator and contains no other, so ``fairscreen.kit.sentences.split_sentences`` gives back exactly the
labelled sentences.

Kinds: ``opening:<relationship>``, ``positive``, ``neutral``, ``closing_positive``,
``closing_neutral`` (all labelled ``neutral`` or ``positive``), ``misconduct:<category>``,
``private_life`` and ``forbidden:<forbidden category>``. Each template carries a flag saying
whether it is phrased as second-hand hearsay (听说, 據說, I heard, apparently ...).

Traditional Chinese has its own templates and, in addition, every Simplified template converted
once with OpenCC, so that zh-Hant texts are as varied as zh-Hans ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import opencc

MISCONDUCT = ("dishonesty", "violence", "safety", "confidentiality", "harassment")
FORBIDDEN = (
    "marriage_romance",
    "pregnancy",
    "health_condition",
    "religion",
    "ethnicity",
    "household_registration",
    "union_political",
    "sexual_orientation",
    "litigation_as_plaintiff",
)

Templates = dict[str, tuple[tuple[str, bool], ...]]


def _plain(*texts: str) -> tuple[tuple[str, bool], ...]:
    return tuple((t, False) for t in texts)


# --- zh-Hans ------------------------------------------------------------------------------------

ZH_HANS: Templates = {
    "opening:manager": _plain(
        "我是{n}在{org}工作时的直属上级，我们共事了{yrs}。",
        "{n}在{org}期间一直向我汇报，前后大约{yrs}。",
        "我在{org}担任{team}负责人，{n}是我团队里的{role}。",
        "{n}在{org}做{role}的那段时间，我是{ta}的部门经理。",
    ),
    "opening:colleague": _plain(
        "我和{n}是{org}的同事，一起工作了{yrs}。",
        "我跟{n}同在{org}的{team}，共事{yrs}左右。",
        "在{org}的时候，我和{n}在同一个办公室。",
        "我与{n}在{org}的{team}合作过{yrs}。",
    ),
    "opening:hr": _plain(
        "我是{org}人力资源部的工作人员，{n}在我司任职{yrs}。",
        "根据我司的人事档案，{n}在{org}担任{role}。",
        "受贵方委托，我代表{org}人事部门说明{n}的工作情况。",
    ),
    "opening:subordinate": _plain(
        "{n}是我在{org}时的直属领导，带了我{yrs}。",
        "我在{org}工作时向{n}汇报，时间大约{yrs}。",
    ),
    "opening:client": _plain(
        "我们公司和{org}合作期间，{n}是负责对接我们的{role}。",
        "作为{org}的客户，我和{n}打过{yrs}的交道。",
    ),
    "opening:other": _plain(
        "我是{n}实习期间的指导老师，对{ta}的情况比较了解。",
        "{n}在我这里实习过一段时间，我对{ta}有一定了解。",
    ),
    "positive": _plain(
        "{ta}工作认真负责，交代的任务基本都能按时完成。",
        "{ta}的专业能力比较扎实，在{proj}里承担了不少核心工作。",
        "{ta}沟通能力不错，和团队配合得很好。",
        "{ta}学习能力强，接手新业务上手很快。",
        "{ta}做事细致，经手的工作很少出差错。",
        "客户对{ta}的服务评价一直很高。",
        "遇到困难时{ta}总是主动承担，很有责任心。",
        "{ta}连续两年被评为部门的优秀员工。",
        "{ta}带新人很有耐心，好几个新同事都是{ta}带出来的。",
        "{ta}在{proj}中提出的改进方案为公司节省了不少成本。",
        "{ta}执行力很强，领导布置的工作从不拖延。",
    ),
    "neutral": _plain(
        "{ta}在{team}担任{role}，负责日常工作。",
        "{ta}于{year}年因个人发展原因离职。",
        "{ta}的工作表现总体符合岗位要求。",
        "{ta}离职时工作交接比较完整。",
        "我们平时接触不算太多，主要是工作上的往来。",
        "{ta}平时话不多，按部就班地完成工作。",
        "{ta}在职期间的考勤记录正常。",
        "{ta}的绩效考核结果基本是中等。",
    ),
    "closing_positive": _plain(
        "总的来说，我愿意推荐{ta}。",
        "如果有机会，我很愿意再和{ta}共事。",
        "相信{ta}能够胜任新的岗位。",
    ),
    "closing_neutral": _plain(
        "以上是我了解的情况，仅供参考。",
        "其他方面我不太了解，不便多说。",
        "具体情况建议以公司的正式记录为准。",
    ),
    "misconduct:dishonesty": (
        ("{ta}在负责报销审核期间虚报过差旅费用，金额约{amt}元，后来被内部审计查出。", False),
        ("{ta}曾经挪用部门备用金{amt}元，事后公司要求{ta}全额退回。", False),
        ("{ta}篡改过项目的验收记录，客户发现后我们不得不返工整改。", False),
        ("{ta}在月度报表里伪造过销售数据，这件事有书面处理记录。", False),
        ("听说{ta}离职前私下把一笔货款转进了自己的账户。", True),
        ("据财务部的同事讲，{ta}用假发票报销过好几次。", True),
    ),
    "misconduct:violence": (
        ("{ta}在一次会议上和同事发生争执，当场动手打了对方，公司给了{ta}书面警告。", False),
        ("{ta}曾在仓库里推搡并殴打一名同事，导致对方受伤就医。", False),
        ("{ta}和客户发生冲突时动手打人，因此被公司辞退。", False),
        ("听说{ta}跟下属起冲突的时候动过手。", True),
    ),
    "misconduct:safety": (
        ("{ta}在车间作业时多次不按规定佩戴防护装备，被安全员通报过三次。", False),
        ("{ta}曾违反操作规程，私自拆除了设备的安全联锁装置。", False),
        ("{ta}有一次在油库附近吸烟，严重违反了公司的安全规定。", False),
        ("有同事反映{ta}经常跳过上岗前的安全检查。", True),
        ("听说{ta}运货时疲劳驾驶，出过险情。", True),
    ),
    "misconduct:confidentiality": (
        ("{ta}离职前把客户资料和部分源代码拷贝到了个人网盘，公司为此发了律师函。", False),
        ("{ta}曾把尚未公开的财务数据发给公司以外的人。", False),
        ("{ta}违反保密协议，在外部群里转发过内部的投标文件。", False),
        ("听说{ta}把公司的投标方案透露给了竞争对手。", True),
    ),
    "misconduct:harassment": (
        ("{ta}多次对女同事发表带有性暗示的言论，被人事部门正式约谈过。", False),
        ("有两名实习生投诉{ta}在工作中骚扰她们，公司调查后给了{ta}处分。", False),
        ("{ta}经常在工作群里辱骂下属，有员工因此辞职。", False),
        ("听说{ta}私下骚扰过新来的同事。", True),
    ),
    "private_life": (
        ("{ta}这个人生活作风存在问题。", False),
        ("听说{ta}生活作风有些问题。", True),
        ("有同事反映{ta}生活作风不太检点。", True),
        ("{ta}私生活比较乱，这个大家都知道。", False),
        ("我个人觉得{ta}在生活作风方面存在问题。", False),
        ("据说{ta}下班以后的私生活不太检点。", True),
    ),
    "forbidden:marriage_romance": (
        ("{ta}去年刚结婚，家里的事情比较多。", False),
        ("听说{ta}在和部门里的一位同事谈恋爱。", True),
        ("{ta}离过婚，现在一个人带孩子。", False),
        ("{ta}目前还是单身。", False),
    ),
    "forbidden:pregnancy": (
        ("她离职的时候已经怀孕了。", False),
        ("她说过打算这两年要孩子。", False),
        ("听说她准备生二胎。", True),
        ("她在我们这里休过一次产假。", False),
    ),
    "forbidden:health_condition": (
        ("{ta}有高血压，需要长期服药。", False),
        ("{ta}前几年因为抑郁症请过很长时间的病假。", False),
        ("听说{ta}做过心脏手术，身体不太好。", True),
        ("{ta}有糖尿病，每天要打胰岛素。", False),
    ),
    "forbidden:religion": (
        ("{ta}是基督徒，周日一般要去教堂。", False),
        ("{ta}信佛，平时吃素。", False),
        ("{ta}是穆斯林，工作时间会抽空做礼拜。", False),
        ("听说{ta}信教。", True),
    ),
    "forbidden:ethnicity": (
        ("{ta}是{eth}，老家在{place}。", False),
        ("据我所知{ta}是{eth}。", False),
        ("听说{ta}是{eth}。", True),
    ),
    "forbidden:household_registration": (
        ("{ta}是外地农村户口。", False),
        ("{ta}的户籍不在本市，在{place}。", False),
        ("{ta}的户口还在{place}老家。", False),
        ("听说{ta}是农村户籍。", True),
    ),
    "forbidden:union_political": (
        ("{ta}在原单位积极参加工会活动，还带头为大家争取过加班费。", False),
        ("{ta}经常在朋友圈发表一些政治观点。", False),
        ("{ta}曾经组织同事集体向工会反映问题。", False),
        ("听说{ta}参加过一些维权活动。", True),
    ),
    "forbidden:sexual_orientation": (
        ("听说{ta}是同性恋。", True),
        ("{ta}好像喜欢同性。", False),
        ("{ta}的伴侣是同性。", False),
    ),
    "forbidden:litigation_as_plaintiff": (
        ("{ta}以前把前东家告上过法院，讨要拖欠的工资。", False),
        ("{ta}曾经为一笔被骗的钱起诉过别人。", False),
        ("听说{ta}跟上一家公司打过劳动仲裁。", True),
    ),
}

# --- zh-Hant: own templates (added to the converted Simplified ones) ----------------------------

ZH_HANT_OWN: Templates = {
    "opening:manager": _plain(
        "我是{n}在{org}任職時的直屬主管，我們共事了{yrs}。",
        "{n}在{org}期間由我直接督導，約有{yrs}。",
    ),
    "opening:colleague": _plain(
        "我與{n}在{org}是同事，合作了{yrs}左右。",
        "{n}是我在{org}{team}的同事。",
    ),
    "opening:hr": _plain(
        "本人任職於{org}人力資源部，{n}於本公司任職{yrs}。",
        "經查本公司紀錄，{n}曾於{org}擔任{role}。",
    ),
    "positive": _plain(
        "{ta}做事積極主動，是團隊中可靠的一員。",
        "{ta}的專業能力很強，多次獲得客戶讚賞。",
        "{ta}為人隨和，與同事相處融洽。",
        "{ta}處理問題有條理，值得信賴。",
    ),
    "neutral": _plain(
        "{ta}於{year}年因個人規劃離職。",
        "{ta}任職期間的出勤紀錄正常。",
        "{ta}的工作表現中規中矩。",
    ),
    "closing_positive": _plain(
        "整體而言，我樂意推薦{ta}。",
        "如有需要，歡迎再與我聯絡。",
    ),
    "closing_neutral": _plain(
        "以上資料僅供參考。",
        "其餘情況本人不便評論。",
    ),
    "misconduct:dishonesty": (
        ("{ta}在任職期間挪用公款約{amt}元，事後被公司追回。", False),
        ("{ta}曾偽造出貨紀錄以達成業績指標。", False),
        ("聽說{ta}曾經虛報開支。", True),
    ),
    "misconduct:violence": (
        ("{ta}曾在辦公室與同事爭執並出手打人，被公司記過。", False),
        ("據說{ta}和保安發生過肢體衝突。", True),
    ),
    "misconduct:safety": (
        ("{ta}多次違反工地安全規定，未按要求佩戴安全帽。", False),
        ("聽同事說{ta}曾在沒有許可的情況下操作高壓設備。", True),
    ),
    "misconduct:confidentiality": (
        ("{ta}離職前將客戶資料外洩給競爭對手。", False),
        ("據說{ta}把內部文件傳給了外部人士。", True),
    ),
    "misconduct:harassment": (
        ("{ta}曾多次對下屬作出不當的言語騷擾，遭到正式投訴。", False),
        ("聽說{ta}經常在會議上羞辱同事。", True),
    ),
    "private_life": (
        ("{ta}的生活作風存在問題。", False),
        ("聽說{ta}生活作風不太好。", True),
        ("據同事說{ta}的私生活比較混亂。", True),
        ("坦白講，{ta}在生活作風方面有些問題。", False),
    ),
    "forbidden:marriage_romance": (
        ("{ta}去年剛結婚。", False),
        ("聽說{ta}正在辦離婚。", True),
    ),
    "forbidden:pregnancy": (
        ("她離職時已經懷孕。", False),
        ("她曾表示打算近年生小孩。", False),
    ),
    "forbidden:health_condition": (
        ("{ta}患有糖尿病，需要定期覆診。", False),
        ("聽說{ta}有精神方面的病史。", True),
    ),
    "forbidden:religion": (("{ta}是天主教徒，週日通常要去教堂。", False),),
    "forbidden:ethnicity": (("{ta}是{eth}。", False),),
    "forbidden:household_registration": (
        ("{ta}的戶籍不在本地，在{place}。", False),
        ("{ta}是農村戶口。", False),
    ),
    "forbidden:union_political": (
        ("{ta}在前公司積極參與工會事務。", False),
        ("{ta}經常在社交媒體發表政治言論。", False),
    ),
    "forbidden:sexual_orientation": (("聽說{ta}是同性戀。", True),),
    "forbidden:litigation_as_plaintiff": (("{ta}曾經向前僱主提起訴訟，追討欠薪。", False),),
}

# --- English ------------------------------------------------------------------------------------

EN: Templates = {
    "opening:manager": _plain(
        "I was {n}'s line manager at {org} for {yrs}.",
        "{n} reported to me directly at {org}, for {yrs} in all.",
        "I led the {team} at {org}, where {n} worked as {a_role}.",
    ),
    "opening:colleague": _plain(
        "I worked alongside {n} at {org} for {yrs}.",
        "{n} and I were colleagues in the {team} at {org}.",
        "I sat next to {n} for most of {his} time at {org}.",
    ),
    "opening:hr": _plain(
        "I work in the HR department at {org}, where {n} was employed for {yrs}.",
        "Our personnel records show that {n} worked at {org} as {a_role}.",
        "I am writing on behalf of {org} to confirm {n}'s employment with us.",
    ),
    "opening:subordinate": _plain(
        "{n} was my direct supervisor at {org} for {yrs}.",
        "I reported to {n} at {org} for {yrs}.",
    ),
    "opening:client": _plain(
        "My company worked with {org} for {yrs}, and {n} was our main contact there.",
        "As a client of {org}, I dealt with {n} regularly.",
    ),
    "opening:other": _plain(
        "I supervised {n} during {his} internship, so I know {his} work fairly well.",
        "{n} interned with my team for a few months.",
    ),
    "positive": _plain(
        "{He} is reliable and always delivered on time.",
        "{His} professional skills are solid, and {he} handled some of the hardest parts of {proj}.",
        "{He} communicates well and is easy to work with.",
        "{He} learns quickly and picked up new responsibilities without much help.",
        "{He} pays close attention to detail and rarely makes mistakes.",
        "Our clients consistently gave {him} excellent feedback.",
        "{He} was named employee of the year in {year}.",
        "{He} was patient with new joiners and trained several of them.",
        "{He} took ownership of problems instead of passing them on.",
        "{His} suggestions during {proj} saved the company a good deal of money.",
    ),
    "neutral": _plain(
        "{His} main duties were routine work in the {team}.",
        "{He} left in {year} to pursue other opportunities.",
        "Overall {his} performance met the requirements of the role.",
        "{He} completed a proper handover before leaving.",
        "We did not interact much outside of work matters.",
        "{He} is fairly quiet and got on with {his} work.",
        "{His} attendance record was normal.",
        "{His} performance ratings were mostly average.",
    ),
    "closing_positive": _plain(
        "I would recommend {him} without hesitation.",
        "I would be happy to work with {him} again.",
        "I am confident {he} will do well in a new role.",
    ),
    "closing_neutral": _plain(
        "That is all I can say from my side.",
        "For anything further, please rely on the company's official records.",
        "I hope this information is useful.",
    ),
    "misconduct:dishonesty": (
        (
            "While approving expense claims, {he} inflated {his} own travel costs by about {amt}, which our internal audit later found.",
            False,
        ),
        (
            "{He} misappropriated {amt} from the department's petty cash and was made to repay it in full.",
            False,
        ),
        (
            "{He} falsified the acceptance records for a project, and we had to redo the work when the client found out.",
            False,
        ),
        (
            "I heard that {he} diverted a customer payment into {his} own account before leaving.",
            True,
        ),
        (
            "According to people in finance, {he} submitted fake invoices for reimbursement several times.",
            True,
        ),
    ),
    "misconduct:violence": (
        (
            "During a meeting {he} got into an argument with a colleague and hit the colleague, for which {he} received a written warning.",
            False,
        ),
        (
            "{He} pushed and punched a coworker in the warehouse, and the coworker needed medical treatment.",
            False,
        ),
        ("Apparently {he} once got physical with a subordinate during a dispute.", True),
    ),
    "misconduct:safety": (
        (
            "{He} repeatedly ignored the rules on protective equipment on the shop floor and was reported by the safety officer.",
            False,
        ),
        (
            "{He} once bypassed a machine's safety interlock against the operating procedures.",
            False,
        ),
        ("Some colleagues told me {he} often skipped the pre-shift safety checks.", True),
    ),
    "misconduct:confidentiality": (
        (
            "Before leaving, {he} copied client data and parts of our source code to a personal cloud drive, and the company sent {him} a lawyer's letter.",
            False,
        ),
        ("{He} sent unpublished financial figures to someone outside the company.", False),
        ("I was told {he} leaked our tender documents to a competitor.", True),
    ),
    "misconduct:harassment": (
        (
            "{He} repeatedly made sexually suggestive comments to female colleagues and was formally warned by HR.",
            False,
        ),
        (
            "Two interns complained that {he} harassed them at work, and the company disciplined {him} after an investigation.",
            False,
        ),
        (
            "{He} regularly insulted {his} team members in the group chat, and one of them resigned over it.",
            False,
        ),
        ("I heard that {he} harassed a new colleague.", True),
    ),
    "private_life": (
        ("There were problems with {his} private life.", False),
        ("I heard {he} had some issues with {his} personal conduct outside work.", True),
        ("Frankly, {his} lifestyle left something to be desired.", False),
        ("Some colleagues said {his} private life was rather messy.", True),
        ("People in the office talked about {his} lifestyle, if you know what I mean.", True),
    ),
    "forbidden:marriage_romance": (
        ("{He} got married last year, so {he} has a lot going on at home.", False),
        ("I heard {he} was dating someone in {his} department.", True),
        ("{He} is divorced and raising a child alone.", False),
    ),
    "forbidden:pregnancy": (
        ("She was pregnant when she left.", False),
        ("She mentioned that she planned to have a baby soon.", False),
        ("I heard she is thinking about a second child.", True),
        ("She took maternity leave while she was with us.", False),
    ),
    "forbidden:health_condition": (
        ("{He} has high blood pressure and is on long-term medication.", False),
        ("A few years ago {he} took extended sick leave for depression.", False),
        ("I heard {he} had heart surgery.", True),
        ("{He} has diabetes and needs insulin every day.", False),
    ),
    "forbidden:religion": (
        ("{He} is a Christian and usually goes to church on Sundays.", False),
        ("{He} is a Buddhist and eats vegetarian food.", False),
        ("{He} is Muslim and takes time to pray during the working day.", False),
    ),
    "forbidden:ethnicity": (
        ("As far as I know {he} is {eth}.", False),
        ("I heard {he} is {eth}.", True),
    ),
    "forbidden:household_registration": (
        ("{His} hukou is rural and registered in another province.", False),
        ("{His} household registration is still in {his} hometown in {place}.", False),
        ("I heard {he} does not have a local hukou.", True),
    ),
    "forbidden:union_political": (
        ("{He} was very active in the trade union and led a push for overtime pay.", False),
        ("{He} often posts political opinions on social media.", False),
        ("I heard {he} took part in some labour rights campaigns.", True),
    ),
    "forbidden:sexual_orientation": (
        ("I heard {he} is gay.", True),
        ("{His} partner is of the same sex.", False),
        ("Rumour has it that {he} is not straight.", True),
    ),
    "forbidden:litigation_as_plaintiff": (
        ("{He} once sued a former employer over unpaid wages.", False),
        ("{He} took someone to court to recover money {he} had been cheated out of.", False),
        ("I heard {he} brought a labour arbitration claim against {his} previous company.", True),
    ),
}

# --- slot material ------------------------------------------------------------------------------

_ZH_NUMBERS = "一两三四五六七八九十"
PROJECTS = (
    ("去年的重点项目", "去年的重點項目", "last year's flagship project"),
    ("系统升级项目", "系統升級項目", "the system upgrade"),
    ("年度预算编制", "年度預算編製", "the annual budget round"),
    ("新园区开业筹备", "新園區開業籌備", "the opening of the new site"),
    ("客户迁移项目", "客戶遷移項目", "the client migration"),
    ("仓储改造项目", "倉儲改造項目", "the warehouse refit"),
)
TEAMS = {
    # category: (zh-Hans, zh-Hant, en)
    "general_office": ("行政部", "行政部", "operations team"),
    "software_engineering": ("研发部", "研發部", "engineering team"),
    "finance_accounting": ("财务部", "財務部", "finance team"),
    "executive_legal_rep": ("管理层", "管理層", "management team"),
    "driver": ("车队", "車隊", "transport team"),
    "childcare_education": ("教研组", "教研組", "teaching team"),
    "security_guard": ("安保部", "安保部", "security team"),
    "healthcare": ("护理部", "護理部", "clinical team"),
}
EN_ROLES = {
    "general_office": "an office administrator",
    "software_engineering": "an engineer",
    "finance_accounting": "an accountant",
    "executive_legal_rep": "a senior manager",
    "driver": "a driver",
    "childcare_education": "a teacher",
    "security_guard": "a security officer",
    "healthcare": "a member of the clinical staff",
}
PLACES = (
    ("河南", "河南", "Henan"),
    ("四川", "四川", "Sichuan"),
    ("安徽", "安徽", "Anhui"),
    ("湖南", "湖南", "Hunan"),
    ("江西", "江西", "Jiangxi"),
    ("广西", "廣西", "Guangxi"),
    ("贵州", "貴州", "Guizhou"),
    ("甘肃", "甘肅", "Gansu"),
    ("河北", "河北", "Hebei"),
    ("山东", "山東", "Shandong"),
    ("湖北", "湖北", "Hubei"),
    ("云南", "雲南", "Yunnan"),
)

_S2T = opencc.OpenCC("s2tw")


@lru_cache(maxsize=65536)
def to_hant(text: str) -> str:
    """Simplified to Traditional (OpenCC ``s2tw``, Taiwan standard characters), cached: slot values repeat a lot."""
    return str(_S2T.convert(text))


# Each template with the key of the sentence it says: a converted Simplified template keeps its
# Simplified key, so two referees of one candidate never say the very same sentence in two scripts.
Keyed = dict[str, tuple[tuple[str, bool, str], ...]]


def _keyed(templates: Templates, tag: str) -> Keyed:
    return {
        kind: tuple((text, hearsay, f"{tag}/{kind}/{i}") for i, (text, hearsay) in enumerate(items))
        for kind, items in templates.items()
    }


def _hant_templates() -> Keyed:
    out: dict[str, list[tuple[str, bool, str]]] = {}
    for kind, items in _keyed(ZH_HANS, "zh").items():
        out.setdefault(kind, []).extend((to_hant(t), h, key) for t, h, key in items)
    for kind, items in _keyed(ZH_HANT_OWN, "hant").items():
        out.setdefault(kind, []).extend(items)
    return {kind: tuple(items) for kind, items in out.items()}


TEMPLATES: dict[str, Keyed] = {
    "zh-Hans": _keyed(ZH_HANS, "zh"),
    "zh-Hant": _hant_templates(),
    "en": _keyed(EN, "en"),
}


def kinds() -> set[str]:
    return set(ZH_HANS)


# --- composing a reference ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class About:
    """What a referee knows of the candidate, in each script."""

    sex: str  # "female" or "male"
    name_hans: str  # how a Simplified-Chinese writer names the candidate
    name_hant: str
    name_en: str
    category: str
    org: str  # where they worked together
    role: str  # the candidate's title there (zh-Hans or English)
    months_together: int
    left_year: int
    ethnicity: tuple[str, str, str]  # (zh-Hans, zh-Hant, en phrase)
    place: int  # index into PLACES


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    label: str
    hearsay: bool


def _years_zh(months: int) -> str:
    years, rest = divmod(max(months, 6), 12)
    if years == 0:
        return "半年"
    head = "两" if years == 2 else _ZH_NUMBERS[min(years, 10) - 1]
    if rest >= 9:
        return f"快{'两' if years + 1 == 2 else _ZH_NUMBERS[min(years + 1, 10) - 1]}年"
    if rest >= 5:
        return f"{head}年半" if years < 10 else f"{head}年多"
    if rest >= 2:
        return f"{head}年多"
    return f"{head}年"


_EN_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _years_en(months: int) -> str:
    years, rest = divmod(max(months, 6), 12)
    if years == 0:
        return "about six months"
    word = _EN_NUMBERS[min(years, 10) - 1]
    unit = "year" if years == 1 else "years"
    if rest >= 6:
        return f"more than {word} {unit}"
    return f"about {word} {unit}" if rest >= 2 else f"{word} {unit}"


def _amount(rng: random.Random) -> tuple[str, str]:
    value = rng.choice((3000, 5000, 8000, 12000, 18000, 26000, 35000, 60000, 85000))
    zh = f"{value // 10000}万" if value % 10000 == 0 else f"{value:d}"
    return zh, f"{value:,} yuan"


def slots(rng: random.Random, about: About, language: str) -> dict[str, str]:
    project = rng.choice(PROJECTS)
    team = TEAMS.get(about.category, TEAMS["general_office"])
    place = PLACES[about.place]
    amt_zh, amt_en = _amount(rng)
    if language == "en":
        female = about.sex == "female"
        he, his, him = ("she", "her", "her") if female else ("he", "his", "him")
        return {
            "n": about.name_en,
            "he": he,
            "He": he.capitalize(),
            "his": his,
            "His": his.capitalize(),
            "him": him,
            "org": about.org,
            "yrs": _years_en(about.months_together),
            "team": team[2],
            "a_role": EN_ROLES.get(about.category, "a member of staff"),
            "year": str(about.left_year),
            "proj": project[2],
            "amt": amt_en,
            "eth": about.ethnicity[2],
            "place": place[2],
        }
    hant = language == "zh-Hant"
    ta = "她" if about.sex == "female" else "他"
    yrs = _years_zh(about.months_together)
    return {
        "n": about.name_hant if hant else about.name_hans,
        "ta": ta,
        "org": to_hant(about.org) if hant else about.org,
        "yrs": to_hant(yrs) if hant else yrs,
        "team": team[1] if hant else team[0],
        "role": to_hant(about.role) if hant else about.role,
        "year": str(about.left_year),
        "proj": project[1] if hant else project[0],
        "amt": to_hant(amt_zh) if hant else amt_zh,
        "eth": about.ethnicity[1] if hant else about.ethnicity[0],
        "place": place[1] if hant else place[0],
    }


def _pick(
    rng: random.Random,
    language: str,
    kind: str,
    used: set[str],
    *,
    left: bool,
) -> tuple[str, bool]:
    """A template of ``kind`` not used before in this candidate's references (if possible);
    templates that speak of the year the candidate left only if they have left."""
    options = TEMPLATES[language][kind]
    allowed = [opt for opt in options if left or "{year}" not in opt[0]]
    fresh = [opt for opt in allowed if opt[2] not in used]
    text, hearsay, key = rng.choice(fresh or allowed)
    used.add(key)
    return text, hearsay


def _label(kind: str) -> str:
    if kind.startswith(("opening:", "closing_neutral")) or kind == "neutral":
        return "neutral"
    if kind in ("positive", "closing_positive"):
        return "positive"
    return kind


def compose(
    rng: random.Random,
    language: str,
    about: About,
    relationship: str,
    remarks: list[str],
    used: set[str],
    *,
    left: bool = True,
) -> tuple[str, list[Sentence]]:
    """One reference: an opening, a few positive or neutral sentences with ``remarks`` (kinds
    such as ``misconduct:safety`` or ``forbidden:religion``) among them, maybe a closing."""
    values = slots(rng, about, language)
    body: list[str] = []
    hr = relationship == "hr"
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        body.append("neutral" if hr or rng.random() < 0.35 else "positive")
    for remark in remarks:
        body.insert(rng.randint(0, len(body)), remark)
    kinds_ = [f"opening:{relationship}", *body]
    if rng.random() < 0.6:
        adverse = any(r.startswith(("misconduct:", "private_life")) for r in remarks)
        kinds_.append("closing_neutral" if adverse or hr else "closing_positive")
    sentences = []
    for kind in kinds_:
        template, hearsay = _pick(rng, language, kind, used, left=left)
        sentences.append(Sentence(template.format_map(values), _label(kind), hearsay))
    joiner = " " if language == "en" else ""
    return joiner.join(s.text for s in sentences), sentences
