"""Chinese reference sentences: the Simplified templates, and the Traditional ones written as such
(every Simplified template is also used converted to Traditional; see ``compose.TEMPLATES``).

Part of the generator's answer key (see the package docstring): not for the classifier's author.
"""

from __future__ import annotations

from fairscreen.synth.phrases.table import Templates
from fairscreen.synth.phrases.table import plain as _plain

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
