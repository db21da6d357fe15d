"""Column headers → kinds: the vocabulary the inventory reads headers with (Chinese and English).

A header is first normalised (``normalize_header``): full-width characters become half-width
(NFKC), letters lower case, camelCase and spaces become snake_case, and bracketed notes and
required-field stars are dropped — ``"身份证号码(必填)"``, ``"ID No."``, ``"idNumber"`` and
``"ID_NUMBER "`` all become comparable.  ``match_header(header, table)`` then tries, in order:

1. ``SCOPED``: the generator's own column names whose meaning depends on the table
   (``name_zh`` is an organisation in ``company`` and a system in ``systems``);
2. ``VOCABULARY`` exact: the normalised header (or the header with ``_`` removed) is a term;
3. ``VOCABULARY`` partial: the header contains a Chinese term of two or more characters
   (``客户手机号码`` ⊃ ``手机``), or an English term as whole words (``customer_mobile_no`` ⊃
   ``mobile``).  Terms in ``NO_PARTIAL`` (``name``, ``id`` ...) are too vague for this.

An entry may name several kinds, most likely first (``联系方式`` → mobile, landline or e-mail):
the inventory lets the sampled values choose among them.  ``table_context(table)`` gives the kind
the generator's record-keeping tables use for a column nothing else recognises (every unnamed
column of ``access_log`` is part of the processing record).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["VOCABULARY", "SCOPED", "TABLE_CONTEXT", "NO_PARTIAL", "HeaderMatch", "table_key",
           "normalize_header", "match_header", "table_context"]

# (kinds, most likely first) → terms.  Terms are written as people write headers; they are
# normalised when the index is built.
VOCABULARY: list[tuple[tuple[str, ...], list[str]]] = [
    (("cn_resident_id", "passport", "cn_passport"), [
        "证件号码", "证件号", "证件编号", "证件", "有效证件号码", "id_no", "id_number", "id_card", "id_card_no",
        "id_document", "identity_number", "document_number", "document_no", "certificate_no"]),
    (("cn_resident_id",), [
        "身份证", "身份证号", "身份证号码", "居民身份证", "居民身份证号码", "公民身份号码", "身份号码", "身份证件号码",
        "resident_id", "resident_id_no", "resident_id_number", "national_id", "citizen_id", "sfz", "sfzh",
        "idcard", "chinese_id"]),
    (("passport", "cn_passport"), [
        "护照", "护照号", "护照号码", "passport", "passport_no", "passport_number", "passport_id"]),
    (("cn_mobile",), [
        "手机", "手机号", "手机号码", "移动电话", "手机电话", "mobile", "mobile_no", "mobile_number", "mobile_phone",
        "cell", "cellphone", "cell_phone", "work_mobile", "guardian_mobile", "监护人手机", "监护人电话"]),
    (("cn_mobile", "cn_landline"), [
        "电话", "电话号码", "联系电话", "联系人电话", "联系号码", "收货人电话", "phone", "phone_no", "phone_number",
        "telephone", "tel", "contact_phone", "contact_number"]),
    (("cn_landline", "cn_mobile"), [
        "座机", "固定电话", "固话", "办公电话", "landline", "office_phone", "fixed_line"]),
    (("cn_mobile", "email", "cn_landline"), [
        "联系方式", "联系信息", "contact", "contact_info", "contact_details", "contact_information"]),
    (("email",), [
        "邮箱", "电子邮箱", "电子邮件", "邮件地址", "邮箱地址", "email", "e_mail", "email_address", "mail",
        "work_email"]),
    (("person_name",), [
        "姓名", "客户姓名", "客户名称", "客户名", "联系人", "联系人姓名", "收货人", "收件人", "持卡人", "户名", "开户名",
        "监护人", "监护人姓名", "法定代表人", "法人代表", "发票抬头", "name", "full_name", "customer_name",
        "client_name", "contact_name", "contact_person", "first_name", "last_name", "given_name", "family_name",
        "surname", "holder_name", "cardholder", "guardian_name", "legal_representative", "invoice_title"]),
    (("person_name",), [
        "监护人关系", "与监护人关系", "与本人关系", "关系", "guardian_relation", "relationship", "relation"]),
    (("gender",), ["性别", "gender", "sex"]),
    (("birth_date",), ["出生日期", "出生年月", "出生年月日", "生日", "出生", "birth_date", "birthday", "date_of_birth",
                       "dob", "birthdate", "born_on"]),
    (("age",), ["年龄", "age", "age_years"]),
    (("nationality",), ["国籍", "nationality", "citizenship"]),
    (("address",), ["地址", "住址", "家庭住址", "联系地址", "收货地址", "通讯地址", "居住地址", "户籍地址", "详细地址",
                    "配送地址", "address", "home_address", "street_address", "delivery_address", "mailing_address",
                    "residential_address", "addr"]),
    (("region",), ["省", "市", "区", "县", "省份", "城市", "区县", "地区", "所在地区", "所在地", "省市区", "province",
                   "city", "district", "county", "region", "area", "prefecture"]),
    (("bank_name",), ["开户行", "开户银行", "开户行名称", "发卡行", "发卡银行", "银行名称", "bank", "bank_name",
                      "issuing_bank", "card_issuer", "bank_branch"]),
    (("bank_card",), ["卡号", "银行卡", "银行卡号", "银行卡号码", "银行账号", "银行账户", "借记卡号", "信用卡号",
                      "代扣卡号", "bank_card", "bank_card_no", "card_no", "card_number", "bank_account",
                      "bank_account_no", "account_number", "iban", "debit_card", "credit_card"]),
    (("financial",), ["余额", "账户余额", "收入", "月收入", "年收入", "信用额度", "授信额度", "存款", "负债", "balance",
                      "income", "salary", "credit_limit", "credit_score", "deposit", "debt"]),
    (("minor",), ["是否未成年", "是否未成年人", "未成年", "未成年人", "儿童", "is_minor", "minor", "is_child", "under_14"]),
    (("health",), ["健康", "健康状况", "病史", "过敏", "过敏史", "诊断", "病历", "health", "medical", "diagnosis",
                   "allergy", "allergies", "medical_history", "health_condition"]),
    (("religion",), ["宗教", "宗教信仰", "信仰", "religion", "religious_belief", "faith"]),
    (("biometric",), ["指纹", "人脸", "人脸照片", "面部特征", "声纹", "虹膜", "biometric", "fingerprint", "face_image",
                      "face_template", "voiceprint", "iris"]),
    (("location_track",), ["行踪", "行踪轨迹", "轨迹", "定位", "位置", "经纬度", "gps", "location", "trajectory",
                           "track", "latitude", "longitude", "geo_location"]),
    (("cn_plate",), ["车牌", "车牌号", "车牌号码", "号牌", "license_plate", "plate", "plate_no", "plate_number",
                     "vehicle_plate"]),
    (("ip_address",), ["ip", "ip地址", "ip_address", "ip_addr", "client_ip", "source_ip", "remote_addr", "登录ip"]),
    (("customer_id",), ["客户编号", "客户号", "客户id", "客户代码", "会员号", "会员编号", "会员卡号", "customer_id",
                        "customer_no", "customer_number", "client_id", "member_id", "member_no", "cust_id",
                        "customer_type", "客户类型", "customer_since", "客户起始日期", "入会日期", "注册日期",
                        "last_activity", "最近活跃", "最后活跃日期", "account_id", "账户编号", "ticket_id", "工单号",
                        "工单编号"]),
    (("transaction",), ["订单号", "订单编号", "交易号", "交易流水号", "流水号", "支付流水号", "合同号", "合同编号",
                        "金额", "订单金额", "交易金额", "支付方式", "付款方式", "order_id", "order_no",
                        "transaction_id", "payment_ref", "contract_no", "contract_number", "amount",
                        "payment_method", "order_date"]),
    (("invoice",), ["发票号", "发票号码", "发票代码", "invoice_no", "invoice_number", "invoice_code"]),
    (("consent_record",), ["营销同意", "同意营销", "是否同意", "同意记录", "授权记录", "marketing_consent", "consent",
                           "consent_id", "opt_in", "marketing_opt_in"]),
    (("preference",), ["会员等级", "会员级别", "偏好", "兴趣", "membership_level", "member_level", "tier_level",
                       "preference", "preferences", "interests"]),
    (("free_text",), ["备注", "说明", "描述", "内容", "备忘", "留言", "附言", "问题描述", "处理意见", "沟通记录",
                      "工单内容", "客服记录", "notes", "note", "remarks", "remark", "comment", "comments",
                      "description", "memo", "text", "message", "details", "free_text", "body"]),
    (("employee",), ["员工编号", "工号", "员工号", "客服工号", "经办人", "employee_id", "employee_no", "staff_id",
                     "agent_id", "department", "部门", "职位", "岗位", "hired_on", "入职日期"]),
    (("cn_uscc",), ["统一社会信用代码", "社会信用代码", "信用代码", "uscc", "unified_social_credit_code",
                    "credit_code", "uscc_or_registration", "营业执照号"]),
    (("organisation",), ["公司名称", "企业名称", "单位名称", "工作单位", "公司", "单位", "company", "company_name",
                         "organisation", "organization", "employer", "enterprise_name"]),
]

# The generator's column names whose kind depends on the table (normalised table → header → kind).
SCOPED: dict[str, dict[str, str]] = {
    "company": {"name_zh": "organisation", "name_en": "organisation", "registered_address": "organisation",
                "new_registered_address": "organisation", "registered_district": "organisation",
                "scenario": "system", "decision_date": "system", "data_cutoff": "system",
                "address_cancelled_on": "system", "business_zh": "organisation", "business_en": "organisation",
                "entity_type_zh": "organisation", "entity_type_en": "organisation"},
    "shareholders": {"country_zh": "organisation", "country_en": "organisation"},
    "systems": {"name_zh": "system", "name_en": "system", "owner_id": "employee", "location_zh": "system",
                "location_en": "system", "kind": "system"},
    "system_tables": {"table_name": "system", "records": "system"},
    "access_log": {"employee_id": "access_record", "record_id": "customer_id", "table_name": "access_record",
                   "system_id": "access_record", "rows": "access_record"},
    "timeline": {"date": "system", "data_cutoff": "system", "basis": "system", "event_zh": "system",
                 "event_en": "system"},
    "consents": {"channel": "consent_record", "purpose": "consent_record", "scope": "consent_record"},
    "tickets": {"channel": "transaction", "language": "transaction"},
}

# Kind of a column in a record-keeping table that neither header nor values identify.
TABLE_CONTEXT: dict[str, str] = {
    "company": "organisation", "shareholders": "organisation", "timeline": "system",
    "accounts": "transaction", "orders": "transaction", "tickets": "transaction",
    "consents": "consent_record", "employees": "employee", "access_log": "access_record",
    "systems": "system", "system_tables": "system",
}

# Terms that match only a whole header, never as part of a longer one.
NO_PARTIAL = {"name", "id", "no", "number", "code", "type", "date", "text", "body", "mail", "cell", "tel",
              "area", "bank", "note", "track", "plate", "contact", "relation", "minor", "company", "location",
              "message", "details", "consent", "amount", "deposit", "faith", "iris", "sex", "age", "dob",
              "关系", "出生", "公司", "单位", "位置", "定位", "证件", "信仰", "收入", "存款", "负债", "儿童", "部门",
              "偏好", "兴趣"}

_BRACKETS = re.compile(r"[\(\[\{<【（《][^\)\]\}>】）》]*[\)\]\}>】）》]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s_\-./:;,|\\#*?!'\"`~+=&%$@^]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def normalize_header(header) -> str:
    """Comparable form of a header: NFKC, brackets and stars dropped, snake_case, lower case."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    text = _BRACKETS.sub(" ", text)
    text = _CAMEL.sub("_", text)
    text = text.replace("№", "no")
    text = _SEPARATORS.sub("_", text.lower()).strip("_")
    # "ip地址", "手机 号码": no separators between or inside Chinese words.
    text = re.sub(r"(?<=[\u3400-\u9fff])_|_(?=[\u3400-\u9fff])", "", text)
    return text


@dataclass(frozen=True)
class HeaderMatch:
    kinds: tuple          # candidate kinds, most likely first
    term: str             # the vocabulary term (or scoped column) that matched
    how: str              # "scoped", "exact" or "partial"

    @property
    def kind(self) -> str:
        return self.kinds[0]


def _build_index():
    exact: dict[str, tuple] = {}
    for kinds, terms in VOCABULARY:
        for term in terms:
            key = normalize_header(term)
            exact.setdefault(key, (kinds, term))
            exact.setdefault(key.replace("_", ""), (kinds, term))
    partial_cjk = sorted(((normalize_header(t), kinds, t) for kinds, terms in VOCABULARY for t in terms
                          if _CJK.search(t) and len(normalize_header(t)) >= 2 and t not in NO_PARTIAL),
                         key=lambda x: -len(x[0]))
    partial_en = sorted(((tuple(normalize_header(t).split("_")), kinds, t) for kinds, terms in VOCABULARY
                         for t in terms if not _CJK.search(t) and t not in NO_PARTIAL),
                        key=lambda x: -len(x[0]))
    return exact, partial_cjk, partial_en


_EXACT, _PARTIAL_CJK, _PARTIAL_EN = _build_index()


def table_key(table) -> str:
    """The normalised table name used for SCOPED and TABLE_CONTEXT (``Customers.csv`` → ``customers``)."""
    text = normalize_header(str(table or ""))
    return re.sub(r"_(csv|tsv|txt|xlsx)$", "", text)


def table_context(table) -> str | None:
    return TABLE_CONTEXT.get(table_key(table))


def match_header(header, table=None) -> HeaderMatch | None:
    """The vocabulary entry a header matches, or None (see the module docstring for the order)."""
    norm = normalize_header(header)
    if not norm:
        return None
    scoped = SCOPED.get(table_key(table), {})
    if norm in scoped:
        return HeaderMatch((scoped[norm],), str(header), "scoped")
    hit = _EXACT.get(norm) or _EXACT.get(norm.replace("_", ""))
    if hit:
        return HeaderMatch(hit[0], hit[1], "exact")
    for key, kinds, term in _PARTIAL_CJK:
        if key in norm:
            return HeaderMatch(kinds, term, "partial")
    tokens = norm.split("_")
    for key, kinds, term in _PARTIAL_EN:
        n = len(key)
        if any(tuple(tokens[i:i + n]) == key for i in range(len(tokens) - n + 1)):
            return HeaderMatch(kinds, term, "partial")
    return None
