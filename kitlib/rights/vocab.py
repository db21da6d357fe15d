"""The words of module 06, in zh-CN and English: request types with their articles, states,
reasons, triage outcomes, channels and verification methods.

Articles come from the kit's legal reference (PIPL Arts. 44-50, 47, 49, 22, 31, 14/29).  Where
the reference is silent (legal holds, who is a close relative) the wording says it is company
policy.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RequestType", "REQUEST_TYPES", "STATES", "REASONS", "OUTCOMES", "CHANNELS", "METHODS",
           "ROLES", "RELATIONS", "relation", "label", "pick"]


@dataclass(frozen=True)
class RequestType:
    code: str
    article: str          # "PIPL Art. 45"
    zh: str
    en: str


REQUEST_TYPES: dict[str, RequestType] = {t.code: t for t in (
    RequestType("access_copy", "PIPL Art. 45", "查阅、复制个人信息", "access to and a copy of personal information"),
    RequestType("correction", "PIPL Art. 46", "更正、补充个人信息", "correction or completion of personal information"),
    RequestType("deletion", "PIPL Art. 47", "删除个人信息", "deletion of personal information"),
    RequestType("portability", "PIPL Art. 45", "将个人信息转移至其指定的处理者(符合国家网信部门规定的条件)",
                "portability to another handler (under the conditions the CAC sets)"),
    RequestType("explanation", "PIPL Art. 48", "解释说明个人信息处理规则", "an explanation of the processing rules"),
    RequestType("withdraw_consent", "PIPL Arts. 14, 44, 47", "撤回同意", "withdrawal of consent"),
    RequestType("deceased_relative", "PIPL Art. 49", "死者近亲属为自身合法、正当利益行使权利",
                "a close relative of a deceased person exercising rights for their own lawful interests"),
)}

STATES = {
    "received": ("已收到", "received"),
    "identity_verified": ("身份已核验", "identity verified"),
    "in_progress": ("处理中", "in progress"),
    "answered": ("已答复", "answered"),
    "refused": ("已拒绝(附理由)", "refused (with reasons)"),
    "closed": ("已结案", "closed"),
}

# code -> (zh, en, article): why a request is refused or answered only in part (Art. 50: reasons).
REASONS = {
    "identity_not_verified": ("我们无法核验您的身份:您提供的身份信息与我们的记录不一致", "we could not verify your identity: the details you gave do not match our records", "PIPL Art. 50"),
    "not_own_data": ("您请求的不是您本人的个人信息,也没有法律依据允许您代为行使权利", "the information asked for is not your own, and no legal ground lets you act for that person", "PIPL Arts. 44–50"),
    "retention_duty": ("法律、行政法规规定的保存期限尚未届满,这部分信息必须保存;期间除存储和必要的安全保护措施外停止处理", "a retention period set by law has not ended, so this part must be kept; meanwhile we stop all processing except storage and necessary security measures", "PIPL Art. 47"),
    "legal_hold": ("这部分信息处于法律程序(诉讼或监管调查)要求的保全之中;保全期间只存储、不作其他处理,保全结束后删除(保全是公司的做法,法律参考中没有专门条文)", "this part is under a legal hold for a legal proceeding (litigation or an authority's inquiry): while it runs we only store it, and we delete it when the hold ends (the hold is company practice; the kit's legal reference has no article on holds)", "PIPL Art. 47"),
    "deceased_arranged_otherwise": ("死者生前另有安排", "the deceased person arranged otherwise during their lifetime", "PIPL Art. 49"),
    "not_close_relative": ("请求人不是死者的近亲属,或没有说明自身合法、正当的利益", "the requester is not a close relative of the deceased, or gave no lawful interest of their own", "PIPL Art. 49"),
    "guardian_not_verified": ("无法核验您是该未成年人的父母或监护人", "we could not verify that you are the minor's parent or guardian", "PIPL Art. 31"),
    "company_deregistered": ("本公司已注销;公司解散时个人信息已转移给承继方,由承继方继续履行个人信息处理者的义务", "our company has been deregistered; on its dissolution the information passed to the successor, which continues the handler's duties", "PIPL Art. 22"),
    "not_consent_based": ("该项处理不以同意为基础,没有可撤回的同意", "that processing is not based on consent, so there is no consent to withdraw", "PIPL Art. 13"),
}

# The first decision on a request (module 06's exercise), in the order triage applies them.
OUTCOMES = (
    ("successor", "转交承继方处理(公司已注销)", "forward to the successor (the company is deregistered)"),
    ("refuse_identity", "拒绝:身份未能核验", "refuse: identity not verified"),
    ("refuse_not_theirs", "拒绝:不是请求人本人的信息", "refuse: not the requester's data"),
    ("guardian", "通过监护人为未成年人办理", "act for the minor via the guardian"),
    ("relative", "作为死者近亲属的请求办理", "handle as a deceased person's relative (Art. 49)"),
    ("legal_hold", "暂缓删除:法律保全", "hold: legal hold"),
    ("partial_retention", "部分答复:法定保存义务", "answer in part: retention duty"),
    ("proceed", "核验身份后办理", "verify identity, then proceed"),
)

CHANNELS = {
    "app": ("手机应用", "app"),
    "phone": ("电话", "phone"),
    "online_chat": ("在线客服", "online chat"),
    "email": ("电子邮件", "e-mail"),
    "store": ("门店", "store"),
    "post": ("信函", "letter"),
}

METHODS = {
    "sms_code": ("短信验证码(核对手机号)", "SMS code (checks the mobile number)"),
    "email_link": ("邮件确认链接(核对邮箱)", "e-mail confirmation link (checks the e-mail address)"),
    "app_login": ("应用内登录(核对账户绑定手机号)", "signed-in app (checks the account's mobile number)"),
    "id_document": ("出示身份证件(核对姓名和证件号后四位)", "identity document (checks the name and the last four digits)"),
    "relative_documents": ("死亡证明、亲属关系证明和请求人身份证件", "death certificate, proof of relationship and the requester's own identity document"),
    "guardian_documents": ("监护关系证明和监护人身份信息(核对登记的监护人)", "proof of guardianship and the guardian's details (checked against the registered guardian)"),
}

RELATIONS = {"母亲": "mother", "父亲": "father", "女儿": "daughter", "儿子": "son", "配偶": "spouse",
             "兄弟": "brother", "姐妹": "sister", "祖父": "grandfather", "祖母": "grandmother", "外祖父": "grandfather",
             "外祖母": "grandmother", "孙子": "grandson", "孙女": "granddaughter", "外孙": "grandson",
             "外孙女": "granddaughter", "监护人": "guardian"}

ROLES = {
    "self": ("本人", "the customer"),
    "guardian": ("监护人", "a guardian"),
    "relative": ("近亲属", "a relative"),
    "other": ("他人", "someone else"),
}


def pick(pair, lang: str) -> str:
    """The zh or en half of a (zh, en, ...) tuple for ``lang`` (zh-CN or en)."""
    return pair[0] if lang == "zh-CN" else pair[1]


def label(table: str, code: str, lang: str) -> str:
    """The wording of ``code`` in one of the tables above ("types", "states", "reasons" ...)."""
    if table == "types":
        t = REQUEST_TYPES[code]
        return t.zh if lang == "zh-CN" else t.en
    if table == "outcomes":
        return pick(next(o[1:] for o in OUTCOMES if o[0] == code), lang)
    source = {"states": STATES, "reasons": REASONS, "channels": CHANNELS, "methods": METHODS, "roles": ROLES}[table]
    return pick(source[code], lang)


def relation(word: str, lang: str) -> str:
    """A relationship word as the record writes it (Chinese), in ``lang``."""
    return word if lang == "zh-CN" else RELATIONS.get(word, word)
