"""Word lists the recognizers use: surnames, given-name characters, Western first names, and the
context words of each kind.  Built once, from Faker's name providers (already a dependency) and
hand-kept lists; nothing here comes from the generator's templates."""
from __future__ import annotations

from functools import lru_cache

# Compound (two-character) surnames; Faker's zh_CN list has only 欧阳.
COMPOUND_SURNAMES = ("欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 闾丘 "
                     "端木 独孤 南宫 西门 百里 呼延 赫连 澹台 公冶 宗政 濮阳 太史 申屠 万俟 拓跋").split()

# Characters common in given names (both sexes, all generations).  Used as a plausibility score,
# not as a gate: a name in strong context may use any character that is not a function word.
COMMON_GIVEN_CHARS = set(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞辉玲燕建国林文斌丹宇浩凯健俊帆帅旭宁"
    "龙欢阳佳晨婷雪琳晶妍茜秋珊莎锦黛青倩婕璐娅琦晴岚苑婉娴瑾颖露瑶怡婵雁蓓仪荷蓉眉君琴蕊薇菁梦馨"
    "瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希欣飘育滢馥筠柔竹霭凝晓霄枫芸菲寒伊亚宜可舒影荔枝妮宝"
    "贝初程梵罡恒鸿桦骅剑娇纪宽灵玛媚琪容睿烁堂唯威韦雯苇萱阅彦雨忠宗曼紫逸贤蝶菡绿蓝儿翠烟小轩"
    "博志嘉天泽子昊然梓航皓辰一鸣思远承卓诚毅骏哲民峰保东力永世广义兴良海山仁波贵福生元全胜学祥"
    "才发武新利清彬富顺信昌成康星光达安岩中茂进有坚和彪先敬震振壮会群豪心邦乐绍功松善厚庆友裕河"
    "江亮政谦亨奇固之翰朗伯宏言若朋梁栋维启克伦翔士以家致树炎德行时泰盛雄琛钧冠策腾楠榕风弘金鑫"
    "锋铭宸瑞恺瀚晟煜峻钰霖源铮彤涵诗雅语依蕾曦萌媛珍贞莉兰凤洁梅素云莲真环荣爱妹香月莺凡琼勤娣"
    "叶璧姣丰春冬夏秋菊芝兵斐晗钦铎麟骁凌云霏慧淑惠婧琳玥璇瑜婧姝娉婷嫣岑芷沁潇湘墨书画琴棋韬略"
    "鹤鹰彧翊尧舜禹汉唐宋明清永春泉溪川淼森杉桐柏槐梧竹兰菊荷莲蔚蓉晋熙烨炜焱照熠烽灿坤垚培基"
    "洪涌澄湛沛润泓涵瀚浚淳渊源溢满溶滔漫潮澈灏漪颜玮珂珏琨瑛瑭璋瑜璟瑄瑀琅琮琥芊芃芮苒茹荟莹"
    "萍菁蕙蓓蕴薇藜婉嫒婵娥姿娴娓婕佩佑侠俐倩偲傲儒元兆先克兢凯勋励劲勉卫卿厚可吉启君含咏哲唯嘉"
    "国圣坚城基堃增士壮奕奎好妙妤威娜婧媛子孜学宁安宏宜宝宸家容宽富寒尊尧峥崇嵘巍川帆希平年广庆"
    "康延建弘强彤彦彪彬影征德心志忠念思怡恒恩悦惠想意慈慧成战才振敏文斐斌新方旭昀昊昌明昕星春昭"
    "晋晓晖晟晨景晴晶智朗朝木杰松林果柏栋树桐梦森楷欢正武毅永江汐沐沛治泓泰洋洛浩海涛涵淑清渊"
    "湘源溪滢潇澄灵炎烨然煜熙燕爽玉珊琛琪瑞璐甜田皓益盈睿石硕祥禾秀秋程稳立竹笑策筱紫红纯绍"
    "缘美羽翔耀聪胜舒航良艺芬芳芸苗若英茂茵荣菡菲萌萱蓝蕾薇虹言诚语豪贝贤越轩辉达远迪遥钊钰"
    "铭锋锦镇长阳雁雅雨雪雯霖霞露青静韵顺颖飞香馨骏鸣鹏麒龙")

# Characters that are not given names: function words, measure words, and the words of the
# business text around names.  A candidate name containing one is rejected.
NOT_GIVEN_CHARS = set(
    "的了是在不和与及或也都就还又再很把被让给从到向对为以其这那个们我你他她它吗呢吧啊么嘛哦呀"
    "电话号码手机卡元块路街市区县省镇乡村室栋楼层单年月日时分秒点岁周今昨后里外内称说要求问询"
    "诉请申需等已经曾将该着过去反映表示投签收购买订退换删除改修取核验提供务户客员部门店司公"
    "邮箱址身份证件银行账款费钱单据票合订配送快递货物品套餐员服务系统资料")

# Words that follow a person's name in service notes (the right context of a name).
NAME_FOLLOW = ("来电 来访 来店 到店 致电 打电话 反映 反馈 投诉 称 说 讲 表示 要求 请求 询问 咨询 申请 希望 想 需要 "
               "同意 拒绝 确认 提出 办理 预约 购买 下单 订购 收到 留言 是 为 的 在 于 已 曾 也 还 和 与 及 因 "
               "本人 先生 女士 小姐 老师 同学 今年 今天 昨天 有 患 对 信佛 信教 信奉 信仰 家 他 她 未 没 不 "
               "被 把 给 向 从 到 去 做 签 通过 报 告知 现 刚 正 目前 最近 近期 之前 以前 一直 本月 驾驶 使用 签收 "
               "填写 提交 拨打 发来 寄来 登录 注册 订阅 预订 入住 乘坐 前往 到达 离开 多次 再次 曾经").split()
# The stronger set used where no role word stands before the name (start of a clause).
NAME_FOLLOW_STRONG = ("来电 来访 来店 到店 致电 反映 反馈 投诉 称 表示 要求 询问 咨询 申请 希望 留言 先生 女士 "
                      "小姐 同学 老师 告知").split()
# Role words that stand before a name.
NAME_ROLES = ("客户 顾客 用户 会员 家长 联系人 收件人 收货人 寄件人 持卡人 申请人 投诉人 当事人 户主 业主 患者 "
              "监护人 经办人 负责人 法定代表人 法人代表 法人 员工 同事 姓名 名字 本人 父亲 母亲 爸爸 妈妈 丈夫 "
              "妻子 儿子 女儿 孩子 学生 租户 房东 司机 骑手 配送员 快递员 客服 经理 主管 店长 病人 老人 车主 "
              "我是 我叫 收款人 付款人 开户人 受益人 被保险人 投保人").split()
# Bigrams that look like surname + given name but are ordinary words.  At the start of a clause
# a candidate beginning with one is dropped (明天来电 …).
NOT_NAMES = set(("明天 明早 明晚 明年 后天 当天 同事 平时 时常 经常 常常 全家 双方 上午 下午 晚上 早上 高兴 方便 "
                 "方面 全部 全国 安全 国家 海外 江苏 宁波 南京 南通 常州 金华 温州 杭州 苏州 徐州 成都 武汉 "
                 "和平 周末 周日 周六 张家 朱家 包括 应该 向来 原来 于是 由于 关于 计划 连续 东西 路上 "
                 "马上 车上 商家 云南 海南 万一 孔子 何时 何处 何况 施工 师傅 钱包 权益 权限 权利 信息 信用 "
                 "信誉 信件 信封 华为 高级 高端 金额 金卡 时间 程序 方式 方法 国内 国外 安装 成功 成员 全额 "
                 "余额 余下 关系 单位 单身 管理 任何 任务 文件 文字 明细 明确 章程 路线 司机 车辆 平台 常规 "
                 "原价 原件 原始 包装 包裹 申请 申报 向导 简单 支付 支持 邮件 卫生 曾经 那边 那里 谢谢 某某").split())
# After a role word (客户信息, 会员权益 …) only the whole candidate is checked, against these nouns.
NOT_NAMES_AFTER_ROLE = set(("信息 信用 信誉 权益 权限 权利 余额 金额 全额 时间 方式 方法 关系 单位 管理 任务 文件 "
                            "明细 支付 支持 申请 包裹 包装 路线 车辆 司机 邮件 平台 项目 程序 成员 安装 安全 全部 "
                            "高级 金卡 钱包 章程 常规 原因 原价 计划 资料 姓名 名字 本人 双方 某某 "
                            "周一 周二 周三 周四 周五 周六 周日 周末 明天 明早 明晚 当天 全家 全天").split())

# Times that start a whereabouts (上周六全天在…, 每天早上7点从…); the parts of the day count only
# with an hour after them (下午3点).
TIME_WORDS = tuple([f"周{d}" for d in "一二三四五六日天末"] + [f"星期{d}" for d in "一二三四五六日天"]
                   + "每天 每周 每晚 每早 昨天 前天 今天 当天 昨晚 今早 今晚 当晚".split())
PARTS_OF_DAY = tuple("早上 上午 中午 下午 晚上 凌晨 傍晚 夜里".split())
BIRTH_WORDS = ("出生", "生日", "生于", "诞生")

ENGLISH_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Mx", "Sir", "Madam")


@lru_cache(maxsize=1)
def chinese_surnames() -> tuple[frozenset, tuple]:
    """(single-character surnames, compound surnames) from Faker's zh_CN provider plus the list above."""
    from faker.providers.person.zh_CN import Provider as ZhPerson
    names = list(ZhPerson.last_names)
    single = frozenset(n for n in names if len(n) == 1)
    compound = tuple(sorted(set(COMPOUND_SURNAMES) | {n for n in names if len(n) == 2}, key=len, reverse=True))
    return single, compound


@lru_cache(maxsize=1)
def given_name_chars() -> frozenset:
    from faker.providers.person.zh_CN import Provider as ZhPerson
    chars = set(COMMON_GIVEN_CHARS)
    for n in list(ZhPerson.first_names_male) + list(ZhPerson.first_names_female):
        chars.update(n)
    return frozenset(chars - NOT_GIVEN_CHARS)


# Capitalised English words that are also first names but, in service notes, are mostly words.
_NOT_FIRST_NAMES = {"April", "May", "June", "August", "Christian", "Faith", "Grant", "Mark", "Bill", "Will",
                    "Joy", "Hope", "Summer", "Guy", "Chase", "Page", "Sunday", "Monday", "Friday", "Art", "Sky",
                    "Dean", "Rich", "Price", "Sterling", "Lane", "Max", "Ray", "Rose", "Jack", "Penny", "Ivy",
                    "Dawn", "Crystal", "Amber", "Ruby", "Pearl", "Holly", "Iris", "Violet", "Autumn", "Star"}


@lru_cache(maxsize=1)
def western_first_names() -> tuple[frozenset, frozenset]:
    """(first names, ambiguous first names that are also common English words) from Faker's
    English, German, French, Spanish and Italian providers."""
    from importlib import import_module
    names: set[str] = set()
    for loc in ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL"):
        try:
            provider = import_module(f"faker.providers.person.{loc}").Provider
        except ImportError:  # pragma: no cover - every Faker release ships these
            continue
        for attr in ("first_names", "first_names_male", "first_names_female"):
            for n in getattr(provider, attr, ()) or ():
                if n.isascii() and n.isalpha() and n[:1].isupper():
                    names.add(n)
    return frozenset(names), frozenset(_NOT_FIRST_NAMES & names)
