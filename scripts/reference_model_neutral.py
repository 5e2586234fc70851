"""Ordinary reference sentences for training the backup model (scripts/train_reference_model.py).

The labelled corpus is adversarial on purpose (traps, negations, acts): it holds few of the
plain sentences most references are made of, so a model trained on it alone reads everyday
praise as adverse. This module writes such sentences from its own small grammar (who, how long,
what the candidate did and how well, how the referee knew them, why they left, whether the
referee would hire them again), in Simplified Chinese and English; the trainer adds a Taiwan
Traditional conversion of each Chinese one. All are labelled neutral. It is seeded and shares
nothing with the world generator (fairscreen.synth), whose sentences measure the screener and
must never train it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

ZH_NAMES = [
    "他",
    "她",
    "小王",
    "李工",
    "张经理",
    "陈主管",
    "刘老师",
    "赵同学",
    "孙会计",
    "周护士",
    "吴师傅",
    "郑顾问",
]
ZH_PLACES = [
    "一家物流公司",
    "我们门店",
    "总部财务部",
    "华东区销售部",
    "研发中心",
    "客服中心",
    "一家连锁餐厅",
    "社区医院的行政科",
    "仓储中心",
    "一家设计工作室",
    "市场部",
    "一家外贸公司",
    "生产车间",
    "信息技术部",
    "一所培训学校",
    "人力资源部",
    "采购部",
    "质检部门",
    "一家建筑公司",
    "品牌部",
]
ZH_ROLES = [
    "项目经理",
    "会计",
    "销售代表",
    "仓库主管",
    "软件工程师",
    "前台",
    "护士",
    "厨师",
    "司机",
    "保安",
    "设计师",
    "采购专员",
    "客服专员",
    "质检员",
    "行政助理",
    "数据分析师",
    "店长",
    "培训讲师",
    "技术员",
    "出纳",
]
ZH_SPANS = [
    "一年",
    "两年多",
    "三年",
    "大约半年",
    "四年左右",
    "五年",
    "一年半",
    "将近两年",
    "十个月",
    "六年",
]
ZH_DEEDS = [
    "负责客户回访和订单跟进",
    "主导了新系统的上线",
    "把库存周转天数降了一半",
    "带出了三个新人",
    "整理了部门的操作手册",
    "按时完成了每个季度的目标",
    "处理过很多棘手的客户问题",
    "优化了排班流程",
    "参与了年度预算的编制",
    "协调过好几个跨部门项目",
    "维护了公司的官网和公众号",
    "做了大量数据整理工作",
    "承担了新员工的入职培训",
    "负责门店的日常运营",
    "对接了二十多家供应商",
    "完成了两次系统迁移",
]
ZH_QUALITIES = [
    "做事认真细致",
    "沟通能力很强",
    "学习能力强",
    "责任心强",
    "很有耐心",
    "执行力强",
    "性格开朗",
    "话不多但很踏实",
    "思路清晰",
    "为人谦和",
    "抗压能力不错",
    "做事有条理",
    "很有主见",
    "乐于助人",
    "稳扎稳打",
    "专业水平扎实",
    "对细节要求很高",
    "反应快",
    "脾气有点急但对事不对人",
    "比较内向",
]
ZH_LEAVING = [
    "离职是因为想换个城市发展",
    "因为公司业务调整才离开",
    "离开是想尝试新的方向",
    "因为合同到期离职",
    "离职是为了继续深造",
    "后来跳槽去了一家更大的公司",
    "因为部门撤并离开",
    "是主动提出离职的，交接得很清楚",
]
ZH_OTHER = [
    "我是{n}的直属上级，共事了{s}",
    "我和{n}在{p}是同事，合作了{s}",
    "{n}在{p}担任{r}期间一直向我汇报",
    "工作以外的事情我不好评价",
    "我只能就工作方面谈谈我的看法",
    "如果有机会，我愿意再和{n}共事",
    "总体来说{n}是一位称职的{r}",
    "{n}在团队里人缘不错",
    "{n}的工作表现达到了我们的预期",
    "我对{n}的评价总体是正面的",
    "我推荐{n}担任类似的岗位",
    "具体细节可以再联系我",
    "{n}比较安静，交代的事都会做完",
    "{n}提的建议帮我们省下了一笔开支",
    "{n}有时候需要别人提醒截止时间",
    "{n}的报告写得清楚，数据也准确",
    "遇到问题{n}会主动找人商量",
]
ZH_TEMPLATES = [
    "{n}在{p}做{r}，{q}",
    "{n}{q}，{d}",
    "{n}在{p}工作了{s}，{d}",
    "{n}是一名{q}的{r}",
    "{n}{d}，大家都很认可",
    "{n}{l}",
    "{n}在我们这里做了{s}的{r}，{q}",
    "作为{r}，{n}{d}",
]

EN_NAMES = ["He", "She", "Sam", "Ms Chen", "Mr Lee", "Alex", "Priya", "Tom", "Dana", "Mr Okafor"]
EN_PLACES = [
    "our Shanghai office",
    "the finance team",
    "a logistics firm",
    "the regional sales team",
    "the support desk",
    "our flagship store",
    "the design studio",
    "the warehouse",
    "head office",
    "the engineering group",
    "a mid-sized bank",
    "the marketing department",
    "a software startup",
    "the procurement team",
    "the customer service centre",
    "the quality team",
]
EN_ROLES = [
    "project manager",
    "accountant",
    "sales representative",
    "warehouse supervisor",
    "software engineer",
    "receptionist",
    "nurse",
    "chef",
    "driver",
    "security officer",
    "designer",
    "buyer",
    "support agent",
    "analyst",
    "store manager",
    "trainer",
    "technician",
    "team lead",
]
EN_SPANS = [
    "two years",
    "about a year",
    "three years",
    "eighteen months",
    "four years",
    "six months",
]
EN_DEEDS = [
    "ran the quarterly close",
    "led the move to the new ticketing system",
    "trained our new hires",
    "cut our stock discrepancies in half",
    "handled our largest accounts",
    "rewrote the onboarding guide",
    "kept the rota running smoothly",
    "managed a team of five",
    "owned the release checklist",
    "shipped every release on time",
    "built good relationships with suppliers",
    "covered for colleagues when needed",
    "handled difficult customers calmly",
    "improved our reporting",
    "delivered the office move under budget",
]
EN_QUALITIES = [
    "reliable",
    "careful and thorough",
    "a quick learner",
    "a strong communicator",
    "calm under pressure",
    "well organised",
    "quiet but dependable",
    "friendly and approachable",
    "detail-oriented",
    "sometimes a little slow to start but always finished",
    "direct",
    "methodical",
    "popular with the team",
]
EN_OTHER = [
    "I was {n}'s line manager at {p} for {s}",
    "{n} and I worked together in {p} for {s}",
    "I can only comment on {n}'s work",
    "I would happily work with {n} again",
    "{n} fixed problems rather than escalating them",
    "{n} left to pursue a new challenge",
    "{n} left when the contract ended",
    "Beyond work I can't really say",
    "{n}'s reports were clear and accurate",
    "{n} asked for help when {n} needed it",
    "I shared a desk with {n} for a while",
    "Overall my view of {n} is positive",
    "{n} sometimes needed a nudge on deadlines",
    "Feel free to contact me for more detail",
]
EN_TEMPLATES = [
    "{n} worked as a {r} in {p} for {s}",
    "{n} was {q} and {d}",
    "{n} {d}",
    "As a {r}, {n} was {q}",
    "{n} joined {p} as a {r} and {d}",
    "In {s} with us {n} {d}",
    "{n} was a {q} {r}",
]


def _fill(rng: random.Random, template: str, zh: bool) -> str:
    if zh:
        values = {
            "n": rng.choice(ZH_NAMES),
            "p": rng.choice(ZH_PLACES),
            "r": rng.choice(ZH_ROLES),
            "s": rng.choice(ZH_SPANS),
            "d": rng.choice(ZH_DEEDS),
            "q": rng.choice(ZH_QUALITIES),
            "l": rng.choice(ZH_LEAVING),
        }
    else:
        values = {
            "n": rng.choice(EN_NAMES),
            "p": rng.choice(EN_PLACES),
            "r": rng.choice(EN_ROLES),
            "s": rng.choice(EN_SPANS),
            "d": rng.choice(EN_DEEDS),
            "q": rng.choice(EN_QUALITIES),
        }
    return template.format(**values)


def sentences(n: int, seed: int = 11) -> Iterator[tuple[str, str]]:
    """``n`` (language, sentence) pairs, half Simplified Chinese, half English."""
    rng = random.Random(seed)
    for i in range(n):
        if i % 2 == 0:
            template = rng.choice(ZH_TEMPLATES + ZH_OTHER)
            yield "zh-Hans", _fill(rng, template, zh=True)
        else:
            template = rng.choice(EN_TEMPLATES + EN_OTHER)
            yield "en", _fill(rng, template, zh=False)
