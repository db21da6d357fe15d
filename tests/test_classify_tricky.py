"""Hand-written tricky strings: real-world formats, look-alikes that must not be flagged, and the
decisions the scanner makes where the answer is a matter of policy (each noted in the table).

Each row: text, and the findings expected as (kind, text) in order of position — exactly those.
"""
import pytest

from kitlib.classify import Finding, scan_many, scan_text
from kitlib.classify import validators as v

MOBILE = "cn_mobile"
LAND = "cn_landline"
RID = "cn_resident_id"
CARD = "bank_card"

CASES = [
    # --- mobiles: separators, prefixes, full-width digits --------------------------------------
    ("手机138 0013 8000", [(MOBILE, "138 0013 8000")]),
    ("电话138-0013-8000", [(MOBILE, "138-0013-8000")]),
    ("+86 138 0013 8000", [(MOBILE, "+86 138 0013 8000")]),           # the prefix belongs to the span
    ("联系+86-13800138000", [(MOBILE, "+86-13800138000")]),
    ("008613800138000", [(MOBILE, "008613800138000")]),
    ("(+86)13800138000", [(MOBILE, "(+86)13800138000")]),
    ("手机１３８００１３８０００", [(MOBILE, "１３８００１３８０００")]),   # full-width: offsets stay the original's
    ("手机：１３８　００１３　８０００。", [(MOBILE, "１３８　００１３　８０００")]),  # ideographic spaces
    ("call me on 13912345678 tomorrow", [(MOBILE, "13912345678")]),
    ("手机12012345678", []),                                           # 120 is no mobile segment
    # --- service numbers, order numbers, timestamps and amounts are not phones ------------------
    ("拨打10086查询话费", []),
    ("工商银行客服95588", []),
    ("市民热线12345", []),
    ("客服热线400-820-8820", []),                                      # a company's 400 number: not personal
    ("订单号13800138000已发货", []),                                    # decided: order-number context wins
    ("退款13800138000元", []),                                         # decided: followed by 元 it is an amount
    ("金额¥13,800.00", []),
    ("时间戳20260315123045", []),
    ("1711234567", []),
    ("1711234567890", []),
    ("合同HT2026-00003137的发票", []),
    ("快递单号SF1234567890123", []),
    ("服务热线400-888-8888,工作时间9:00-18:00", []),
    # --- landlines ------------------------------------------------------------------------------
    ("电话021-6543 2100", [(LAND, "021-6543 2100")]),
    ("(021)65432100", [(LAND, "(021)65432100")]),
    ("0571-88888888", [(LAND, "0571-88888888")]),
    ("+86 21 6543 2100", [(LAND, "+86 21 6543 2100")]),
    ("座机02165432100", [(LAND, "02165432100")]),
    ("010-12345678", []),                                              # local numbers never start with 1
    # --- resident identity numbers --------------------------------------------------------------
    ("身份证110101199003076632", [(RID, "110101199003076632")]),
    ("110101 19900307 6632", [(RID, "110101 19900307 6632")]),
    ("310230 19880715 101X", [(RID, "310230 19880715 101X")]),
    ("31023019880715101x", [(RID, "31023019880715101x")]),            # lower-case check character
    ("身份证号110101900307663", [(RID, "110101900307663")]),            # legacy 15 digits
    ("110101199003076633", []),                                        # wrong check digit
    ("110101199013076636", []),                                        # month 13
    ("身份证440104199205211009", [(RID, "440104199205211009")]),        # also passes Luhn: not a card
    ("出生日期与身份证:110101199003076632", [(RID, "110101199003076632")]),  # no birth date inside the ID
    # --- USCC -----------------------------------------------------------------------------------
    ("统一社会信用代码91310151MA1FL8XQ38", [("cn_uscc", "91310151MA1FL8XQ38")]),
    ("91310151MA1FL8XQ38", [("cn_uscc", "91310151MA1FL8XQ38")]),
    ("91310151MA1FL8XQ39", []),                                        # one character changed
    ("91310151MA1FL8XP38", []),
    # --- bank cards -----------------------------------------------------------------------------
    ("卡号6222021001123456789", [(CARD, "6222021001123456789")]),
    ("6222 0210 0112 3456 789", [(CARD, "6222 0210 0112 3456 789")]),
    ("6225-8801-2345-6783", [(CARD, "6225-8801-2345-6783")]),
    ("6222021001123456788", []),                                       # fails Luhn
    ("4367421234567890129", [(CARD, "4367421234567890129")]),
    ("订单号6225880123456783", []),                                     # Luhn-valid order number: context wins
    ("1234 5678 9012 3456", []),
    # --- birth dates: only next to birth words --------------------------------------------------
    ("出生日期:1990-03-07", [("birth_date", "1990-03-07")]),
    ("生日1990年3月7日", [("birth_date", "1990年3月7日")]),
    ("1990年3月7日出生", [("birth_date", "1990年3月7日")]),
    ("DOB: 07 March 1990", [("birth_date", "07 March 1990")]),
    ("born on March 7, 1990", [("birth_date", "March 7, 1990")]),
    ("合同签订于1990-03-07", []),                                       # a date without birth words
    ("出生日期:1990-02-30", []),                                        # no such day
    # --- IP addresses ---------------------------------------------------------------------------
    ("登录IP 192.168.1.10", [("ip_address", "192.168.1.10")]),
    ("999.1.1.1", []),
    ("版本1.2.3.4", []),                                               # decided: version words win
    ("v1.2.3.4", []),
    ("从1.2.3.4登录", [("ip_address", "1.2.3.4")]),                     # decided: a bare dotted quad is an IP
    ("地址2001:db8::1", [("ip_address", "2001:db8::1")]),
    ("12:30:45", []),
    # --- plates ---------------------------------------------------------------------------------
    ("沪A·12345", [("cn_plate", "沪A·12345")]),
    ("沪AD12345", [("cn_plate", "沪AD12345")]),                         # new-energy, small car
    ("粤B12345D", [("cn_plate", "粤B12345D")]),                         # new-energy, large vehicle
    ("车牌京N 8P8P8", [("cn_plate", "京N 8P8P8")]),
    ("沪ICP备12345678号", []),                                          # an ICP licence
    # --- passports ------------------------------------------------------------------------------
    ("护照号E12345678", [("cn_passport", "E12345678")]),
    ("护照EA1234567", [("cn_passport", "EA1234567")]),
    ("E12345678", [("cn_passport", "E12345678")]),                     # decided: E + 8 digits is distinctive
    ("G12345678", []),                                                 # older G series only with context
    ("护照G12345678", [("cn_passport", "G12345678")]),
    # --- e-mail ---------------------------------------------------------------------------------
    ("邮箱zhang.san@example.com。", [("email", "zhang.san@example.com")]),
    ("Email: li_si+test@mail.example.org.", [("email", "li_si+test@mail.example.org")]),
    ("发送至wang@例子.com", []),
    # --- names ----------------------------------------------------------------------------------
    ("客户王芳来电", [("person_name", "王芳")]),
    ("客户胡远骏称已付款", [("person_name", "胡远骏")]),
    ("客户欧阳娜娜要求退款", [("person_name", "欧阳娜娜")]),
    ("李建国反映快递未到", [("person_name", "李建国")]),
    ("Mr. John Smith called", [("person_name", "John Smith")]),
    ("Customer Anastasia Lacombe asked for a refund", [("person_name", "Anastasia Lacombe")]),
    ("客户Anastasia Lacombe来电", [("person_name", "Anastasia Lacombe")]),
    ("您好,我是张伟,手机号码是13912345678", [("person_name", "张伟"), (MOBILE, "13912345678")]),
    ("车主王强驾驶苏E·A1234", [("person_name", "王强"), ("cn_plate", "苏E·A1234")]),
    ("客户王先生于2026年3月1日办理会员", [("person_name", "王先生")]),      # 先生于 is no birth word
    ("客户来电称", []),
    ("客户信息是否保留", []),
    ("明天来电", []),
    ("会员权益是否保留", []),
    # --- addresses ------------------------------------------------------------------------------
    ("上海市崇明区城桥镇人民路68号3幢201室", [("address", "上海市崇明区城桥镇人民路68号3幢201室")]),
    ("住址:北京市朝阳区建国路88号", [("address", "北京市朝阳区建国路88号")]),
    ("寄到杭州市西湖区文三路90弄5号1201室,谢谢", [("address", "杭州市西湖区文三路90弄5号1201室")]),
    ("送到人民路68号", [("address", "人民路68号")]),                    # no division: a weaker candidate
    ("崇明区陈家镇东滩湿地公园门口", []),                                # a place, but no road and number
    # --- PIPL Art. 28: health -------------------------------------------------------------------
    ("客户对花生过敏。", [("health", "对花生过敏")]),
    ("他患有糖尿病。", [("health", "他患有糖尿病")]),
    ("客户上周住院了", [("health", "上周住院了")]),
    ("客户有高血压,要求低钠配方。", [("health", "有高血压,要求低钠配方")]),   # a need, not a service request
    ("Note: she is pregnant.", [("health", "she is pregnant")]),
    ("He is allergic to nuts, please remove them.", [("health", "He is allergic to nuts")]),
    ("想买健康食品", []),                                               # decided: 健康 alone is no health fact
    ("手术刀片已到货", []),
    # --- religion -------------------------------------------------------------------------------
    ("客户是穆斯林,只吃清真食品,要求更换套餐。", [("religion", "是穆斯林,只吃清真食品")]),
    ("He is a Buddhist.", [("religion", "He is a Buddhist")]),
    ("she only eats halal food", [("religion", "she only eats halal food")]),
    ("佛山市的门店", []),
    ("他很佛系", []),
    # --- biometrics -----------------------------------------------------------------------------
    ("客户在门店录入了指纹,询问如何删除。", [("biometric", "录入了指纹")]),
    ("使用人脸识别登录", [("biometric", "使用人脸识别登录")]),
    ("We stored her fingerprint for the locker.", [("biometric", "We stored her fingerprint for the locker")]),
    ("指纹锁没电了", []),                                               # a product, not a person's biometric
    ("面部护理套餐", []),
    ("转基因食品标识", []),
    # --- location tracks ------------------------------------------------------------------------
    ("客户的行程轨迹显示昨晚在外滩", [("location_track", "行程轨迹显示昨晚在外滩")]),
    ("3月5日下午3点在东滩湿地公园门口等了一小时", [("location_track", "3月5日下午3点在东滩湿地公园门口等了一小时")]),
    ("GPS shows he was at the airport.", [("location_track", "GPS shows he was at the airport")]),
    ("产品定位是高端市场", []),
    ("周日不收货", []),
    # --- financial ------------------------------------------------------------------------------
    ("客户称存款不足,贷款逾期。", [("financial", "存款不足,贷款逾期")]),
    ("征信有问题", [("financial", "征信有问题")]),
    ("His credit score is low.", [("financial", "His credit score is low")]),
    ("Her salary is 8000 a month.", [("financial", "Her salary is 8000 a month")]),
    ("公司营业收入增长", []),                                            # a company's money, not a person's
    # --- minors (under 14) ----------------------------------------------------------------------
    ("孩子今年8岁", [("minor", "孩子今年8岁")]),
    ("儿子今年十一岁", [("minor", "儿子今年十一岁")]),
    ("未满十四周岁", [("minor", "未满十四周岁")]),
    ("小学生", [("minor", "小学生")]),
    ("女儿上小学二年级", [("minor", "女儿上小学二年级")]),
    ("my son is 9", [("minor", "my son is 9")]),
    ("a 10-year-old girl", [("minor", "a 10-year-old girl")]),
    ("顾客刘女士反映,她的孩子今年5岁,对牛奶过敏,希望推荐无乳制品。",
     [("person_name", "刘女士"), ("minor", "她的孩子今年5岁,对牛奶过敏")]),  # the allergy is told of the child
    ("孩子今年15岁", []),                                               # 14 and over: not a minor under Art. 28
    ("She is 35 years old.", []),
    ("儿童营养计划", []),                                               # a product name
    ("初一十五吃素", []),                                               # 初一 is a day of the lunar month here
    # --- several kinds together -------------------------------------------------------------------
    ("客户王芳(138 0013 8000)称最近失业,信用卡已逾期,申请延期付款,卡号6222 0210 0112 3456 789。",
     [("person_name", "王芳"), (MOBILE, "138 0013 8000"), ("financial", "最近失业,信用卡已逾期"),
      (CARD, "6222 0210 0112 3456 789")]),
    ("家长李建华来电,儿子今年6岁,有哮喘,要求删除孩子的信息。",
     [("person_name", "李建华"), ("minor", "儿子今年6岁,有哮喘")]),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0][:24] for c in CASES])
def test_tricky_string(text, expected):
    findings = scan_text(text)
    assert [(f.kind, f.text) for f in findings] == expected
    for f in findings:
        assert text[f.start:f.end] == f.text


def test_there_are_enough_cases_and_every_kind_is_covered():
    assert len(CASES) >= 60
    kinds = {k for _, exp in CASES for k, _ in exp}
    assert kinds == {"person_name", "cn_resident_id", "cn_passport", "cn_mobile", "cn_landline", "email", "address",
                     "bank_card", "cn_uscc", "ip_address", "cn_plate", "birth_date", "health", "religion",
                     "biometric", "location_track", "financial", "minor"}


def test_scan_many_gives_per_text_results_equal_to_scan_text():
    texts = [t for t, _ in CASES] + ["", "第一行\n客户王芳来电,手机13800138000", "２行目\n\n"]
    assert scan_many(texts) == [scan_text(t) for t in texts]


def test_kinds_filter_and_min_score():
    text = "客户王芳来电,身份证440104199205211009"
    assert [f.kind for f in scan_text(text, kinds=["bank_card"])] == []     # the ID is not a card
    assert [f.kind for f in scan_text(text, kinds="cn_resident_id")] == ["cn_resident_id"]
    # A card-looking number that fails Luhn next to card words is kept at 0.4, below the default.
    assert scan_text("卡号6222021001123456788") == []
    low = scan_text("卡号6222021001123456788", min_score=0.3)
    assert [(f.kind, f.score) for f in low] == [("bank_card", 0.4)]
    with pytest.raises(ValueError):
        scan_text(text, kinds=["no_such_kind"])


def test_finding_is_a_frozen_value():
    f = scan_text("手机13800138000")[0]
    assert f == Finding("cn_mobile", 2, 13, "13800138000", f.score, "cn_mobile")
    with pytest.raises(AttributeError):
        f.kind = "email"


def test_normalize_keeps_offsets():
    text = "ＩＤ：１１０１０１　ａｂｃ"
    norm, offsets = v.normalize(text)
    assert norm == "ID:110101 abc" and len(norm) == len(text)
    assert [offsets[i] for i in (0, 5, len(text))] == [0, 5, len(text)]


@pytest.mark.parametrize("check, value, ok", [
    (v.is_resident_id, "11010519491231002x", True),
    (v.is_resident_id, "110101 19900307 6632", True),
    (v.is_resident_id, "110101900307663", True),
    (v.is_resident_id, "999999900307663", False),
    (v.is_resident_id, "110101199003076633", False),
    (v.is_uscc, "91310151MA1FL8XQ38", True),
    (v.is_uscc, "91310151MA1FL8XQ39", False),
    (v.luhn_ok, "6222 0210 0112 3456 789", True),
    (v.is_bank_card, "6222021001123456788", False),
    (v.is_bank_card, "6222021001123456789", True),
    (v.is_cn_mobile, "+86 138-0013-8000", True),
    (v.is_cn_mobile, "１３８００１３８０００", True),
    (v.is_cn_mobile, "10086", False),
    (v.is_cn_landline, "(021)65432100", True),
    (v.is_cn_landline, "400-820-8820", False),
    (v.is_cn_passport, "EA1234567", True),
    (v.is_cn_passport, "E1234567", False),
    (v.is_plate, "沪AD12345", True),
    (v.is_plate, "沪I12345", False),
    (v.is_ip, "192.168.1.10", True),
    (v.is_ip, "999.1.1.1", False),
    (v.is_ip, "01.2.3.4", False),
    (v.is_email, "a.b@example.com", True),
])
def test_validators_on_single_values(check, value, ok):
    assert check(value) is ok


def test_parse_birth_date_forms():
    import datetime as dt
    day = dt.date(1990, 3, 7)
    for s in ("1990-03-07", "1990/3/7", "1990.03.07", "1990年3月7日", "19900307", "7 March 1990", "March 7, 1990"):
        assert v.parse_birth_date(s) == day, s
    assert v.parse_birth_date("1990-02-30") is None
    assert v.parse_birth_date("2999-01-01") is None
