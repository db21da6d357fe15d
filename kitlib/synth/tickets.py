"""Support tickets whose free text carries personal and sensitive facts the way real ones do,
with the exact span of every embedded fact as ground truth."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .columns import gather, series

# Each template: text with {slots}.  A slot's kind is the ground-truth kind of its span.
TEMPLATES_ZH = [
    "客户{name}来电,手机{mobile},称银行卡{bank_card}被重复扣款{amount}元,要求退款。",
    "{name}反映配送地址{address}的订单未送达,联系电话{mobile}。客户{health}。",
    "客户要求修改手机号,身份证号{resident_id},新号码{mobile}。已核验身份。",
    "客户{name}{religion},要求更换套餐内的肉类。邮箱{email}。",
    "家长{guardian}来电,{minor},要求停止儿童营养计划并删除孩子的信息。",
    "客户投诉配送员:{location_track},配送车辆{plate}迟到两小时。",
    "客户{name}称{financial},申请延期付款,卡号{bank_card}。",
    "客户{name}({mobile})询问公司迁址后会员权益是否保留,要求告知新的联系方式。",
    "客户{name}要求提供我司保存的其个人信息副本,发送至{email}。身份证{resident_id}。",
    "客户在门店{biometric},询问如何删除。电话{mobile}。",
    "合同{order_ref}的发票抬头有误,客户{name}要求重开,地址{address}。",
]
TEMPLATES_EN = [
    "Customer {name} ({email}, {mobile}) reports the delivery to {address} was late. Note: {health_en}.",
    "{name} asks us to delete all personal data before the company closes. Card on file {bank_card}.",
    "{name} called from {mobile}: {religion_en}, please adjust the weekly box.",
]
SLOT_KIND = {
    "name": "person_name", "guardian": "person_name", "mobile": "cn_mobile", "bank_card": "bank_card",
    "resident_id": "cn_resident_id", "email": "email", "address": "address", "plate": "cn_plate",
    "health": "health", "health_en": "health", "religion": "religion", "religion_en": "religion",
    "minor": "minor", "location_track": "location_track", "financial": "financial", "biometric": "biometric",
    "amount": None, "order_ref": None,
}
FACTS = {
    "health": ["对花生过敏", "患有糖尿病,需要无糖食品", "正在怀孕,想咨询孕期饮食", "刚做完胃部手术,只能吃流食",
               "有高血压,要求低钠配方", "乳糖不耐受"],
    "health_en": ["allergic to peanuts", "diabetic, needs sugar-free items", "pregnant, asks about diet",
                  "lactose intolerant"],
    "religion": ["是穆斯林,只吃清真食品", "信佛,初一十五吃素", "是基督徒,周日不收货"],
    "religion_en": ["she is Muslim and eats halal food only", "he is a vegetarian Buddhist"],
    "minor": ["孩子今年8岁", "女儿上小学二年级", "儿子今年6岁,有哮喘", "孩子今年11岁"],
    "location_track": ["3月5日下午3点在崇明区陈家镇东滩湿地公园门口等了一小时", "每天早上7点从城桥镇出发去浦东上班,只能晚上收货",
                       "上周六全天在长兴岛医院陪护,周日才回到家"],
    "financial": ["最近失业,信用卡已逾期", "月收入约一万五,房贷压力大", "名下有两笔网贷未还清"],
    "biometric": ["做人脸识别签到时被采集了人脸", "留过指纹用于储物柜"],
}
_SLOT = re.compile(r"\{(\w+)\}")
_PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _parse(template: str):
    parts, pos = [], 0
    for m in _SLOT.finditer(template):
        parts.append((template[pos:m.start()], None))
        parts.append((None, m.group(1)))
        pos = m.end()
    parts.append((template[pos:], None))
    return [(lit, slot) for lit, slot in parts if lit or slot]


def _mobile_style(m: str, style: int) -> str:
    return [m, f"{m[:3]} {m[3:7]} {m[7:]}", f"{m[:3]}-{m[3:7]}-{m[7:]}", f"+86 {m}", f"0086{m}",
            m.translate(_FULLWIDTH)][style]


def _card_style(c: str, style: int) -> str:
    return " ".join(c[i:i + 4] for i in range(0, len(c), 4)) if style else c


def build_tickets(customers: pd.DataFrame, employees: pd.DataFrame, accounts: pd.DataFrame,
                  owner: np.ndarray, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tickets, spans): about 15% of customers opened one or more tickets."""
    n = len(customers)
    count = np.where(rng.random(n) < 0.15, 1 + rng.poisson(0.3, n), 0)
    who = np.repeat(np.arange(n), count)
    k = len(who)
    # Gather the few rows needed before leaving Arrow: no million-object columns.
    cols = {c: gather(customers[c], who).to_numpy(zero_copy_only=False)
            for c in ("name", "mobile", "bank_card", "resident_id", "email", "address", "guardian_name")}
    foreign = ((customers["nationality"] != "中国") & (customers["customer_type"] == "individual")).to_numpy()[who]
    templates = [(t, "zh") for t in TEMPLATES_ZH] + [(t, "en") for t in TEMPLATES_EN]
    parsed = [_parse(t) for t, _ in templates]
    needs = {"mobile", "bank_card", "resident_id", "email", "guardian"}
    have = {s: np.array([v is not None for v in cols["guardian_name" if s == "guardian" else s]], dtype=bool)
            for s in needs}
    score = rng.random((k, len(templates)))
    for j, parts in enumerate(parsed):
        english = templates[j][1] == "en"
        slots = {slot for _, slot in parts if slot}
        # Foreign customers write in English, a few in Chinese; everyone else in Chinese.
        ok = foreign if english else ~foreign | (rng.random(k) < 0.1)
        ok = ok & (have["guardian"] if "guardian" in slots else have["mobile"])
        for slot in slots & needs:
            ok &= have[slot]
        score[~ok, j] = -1
    choice = score.argmax(axis=1)
    valid = score[np.arange(k), choice] >= 0
    who, choice = who[valid], choice[valid]
    cols = {c: v[valid] for c, v in cols.items()}
    k = len(who)

    fact_pick = {key: rng.integers(0, len(v), k) for key, v in FACTS.items()}
    mobile_style = rng.integers(0, 6, k)
    card_style = rng.integers(0, 2, k)
    rid_lower = rng.random(k) < 0.3
    plates = ["沪C·" + "".join(_PLATE_CHARS[i] for i in row) for row in rng.integers(0, len(_PLATE_CHARS), (k, 5))]
    amounts = rng.integers(20, 900, k)
    # The customer's own first contract (accounts are grouped by customer row).
    order_refs = gather(accounts["contract_no"], np.searchsorted(owner, who)).to_numpy(zero_copy_only=False)

    texts, span_rows = [], []
    ticket_ids = [f"TK{i + 1:08d}" for i in range(k)]
    for i in range(k):
        pieces, pos = [], 0
        for lit, slot in parsed[choice[i]]:
            if lit:
                pieces.append(lit)
                pos += len(lit)
                continue
            value = _value(slot, i, cols, fact_pick, mobile_style, card_style, rid_lower, plates, amounts, order_refs)
            pieces.append(value)
            kind = SLOT_KIND[slot]
            if kind:
                span_rows.append((ticket_ids[i], pos, pos + len(value), kind, value))
            pos += len(value)
        texts.append("".join(pieces))

    opened = _between(customers["customer_since"], customers["last_activity"], who, rng)
    last_day_end = customers["last_activity"].to_numpy()[who] + np.timedelta64(86399, "s")
    closed = np.minimum(opened + pd.to_timedelta(rng.integers(1, 96 * 60, k), unit="min"), last_day_end)
    service = employees.loc[employees["department"] == "客户服务部", "employee_id"].to_numpy(dtype=object)
    tickets = pd.DataFrame({
        "ticket_id": series(np.array(ticket_ids, dtype=object)),
        "customer_id": series(gather(customers["customer_id"], who)),
        "opened_at": opened,
        "closed_at": closed,
        "channel": series(np.array(["电话", "在线客服", "邮件", "门店"], dtype=object)[rng.integers(0, 4, k)]),
        "language": series(np.array([templates[j][1] for j in range(len(templates))], dtype=object)[choice]),
        "agent_id": series(service[rng.integers(0, len(service), k)]),
        "text": series(np.array(texts, dtype=object)),
    })
    spans = pd.DataFrame(span_rows, columns=["ticket_id", "start", "end", "kind", "text"])
    return tickets, spans


def _value(slot, i, cols, fact_pick, mobile_style, card_style, rid_lower, plates, amounts, order_refs) -> str:
    if slot == "name":
        return cols["name"][i]
    if slot == "guardian":
        return cols["guardian_name"][i]
    if slot == "mobile":
        return _mobile_style(cols["mobile"][i], mobile_style[i])
    if slot == "bank_card":
        return _card_style(cols["bank_card"][i], card_style[i])
    if slot == "resident_id":
        rid = cols["resident_id"][i]
        return rid.lower() if rid_lower[i] else rid
    if slot in ("email", "address"):
        return cols[slot][i]
    if slot == "plate":
        return plates[i]
    if slot == "amount":
        return str(amounts[i])
    if slot == "order_ref":
        return order_refs[i]
    return FACTS[slot][fact_pick[slot][i]]


def _between(lo: pd.Series, hi: pd.Series, rows: np.ndarray, rng) -> pd.DatetimeIndex:
    a = lo.to_numpy(dtype="datetime64[s]").astype(np.int64)[rows]
    b = hi.to_numpy(dtype="datetime64[s]").astype(np.int64)[rows]
    t = a + ((b - a) * rng.random(len(rows))).astype(np.int64)
    t = t - t % 86400 + rng.integers(8 * 3600, 21 * 3600, len(rows))  # office hours of the help desk
    t = np.minimum(t, b + 86400 - 1)
    return pd.to_datetime(t.astype("datetime64[s]"))
