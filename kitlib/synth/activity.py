"""What customers did: accounts and contracts, orders with payments and invoices, and consents."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .columns import from_pool, gather, numbered, series
from .identifiers import ascii_strings, digit_matrix

_PRODUCTS = np.array(["会员卡", "有机蔬菜周配送", "生鲜月度订阅", "儿童营养计划", "企业团购协议"], dtype=object)
_PAY_METHODS = np.array(["银行卡代扣", "微信支付", "支付宝", "对公转账", "门店现金"], dtype=object)
_CHANNELS = np.array(["APP", "微信小程序", "官网", "门店纸质表", "电话"], dtype=object)


def _ids(prefix: str, n: int, width: int = 9) -> pd.Series:
    return series(numbered(prefix, np.arange(1, n + 1), width))


def _random_digits(rng, k: int, width: int) -> np.ndarray:
    return rng.integers(0, 10, (k, width), dtype=np.uint8)


def _uniform_between(lo: np.ndarray, hi: np.ndarray, rng) -> np.ndarray:
    return lo + ((hi - lo + 1) * rng.random(len(lo))).astype(np.int64)


def _days(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="datetime64[D]").astype(np.int64)


def _dates(days: np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(days.astype("datetime64[D]"))


def build_accounts(customers: pd.DataFrame, rng: np.random.Generator):
    """One membership or contract per customer, some with a second product.

    Returns (accounts, owner, pay): owner is each account's customer row, pay its payment
    method code, for the builders that follow."""
    n = len(customers)
    corporate = (customers["customer_type"] == "corporate").to_numpy()
    child = customers["is_minor"].to_numpy()
    count = 1 + (rng.random(n) < 0.3)
    owner = np.repeat(np.arange(n), count)
    second = np.zeros(len(owner), dtype=bool)
    second[1:] = owner[1:] == owner[:-1]
    product = np.where(corporate[owner], 4, np.where(child[owner], 3, rng.integers(0, 3, len(owner))))
    product = np.where(second & ~corporate[owner] & ~child[owner], rng.integers(1, 3, len(owner)), product)
    since, last = _days(customers["customer_since"]), _days(customers["last_activity"])
    opened = np.where(second, _uniform_between(since[owner], last[owner], rng), since[owner])
    closed_flag = rng.random(len(owner)) < 0.2
    closed = _uniform_between(opened, last[owner], rng)
    pay = np.where(corporate[owner], 3, rng.integers(0, 3, len(owner)))
    has_card = customers["bank_card"].notna().to_numpy()[owner]
    pay = np.where(has_card & (rng.random(len(owner)) < 0.7), 0, np.where(pay == 0, 1, pay))
    frame = pd.DataFrame({
        "account_id": _ids("AC", len(owner)),
        "customer_id": series(gather(customers["customer_id"], owner)),
        "product": series(from_pool(_PRODUCTS, product)),
        "contract_no": _ids("HT2026-", len(owner), 8),
        "opened_on": _dates(opened),
        "closed_on": pd.Series(_dates(closed)).where(closed_flag),
        "status": series(from_pool(["active", "closed"], closed_flag)),
        "payment_method": series(from_pool(_PAY_METHODS, pay)),
    })
    return frame, owner, pay


def build_orders(customers: pd.DataFrame, accounts: pd.DataFrame, owner: np.ndarray, pay: np.ndarray,
                 rng: np.random.Generator) -> pd.DataFrame:
    """Orders between the account opening and the customer's last activity, with payment and invoice."""
    m = len(accounts)
    cust_index = owner
    corporate = (customers["customer_type"] == "corporate").to_numpy()[cust_index]
    opened = _days(accounts["opened_on"])
    last = _days(customers["last_activity"])[cust_index]
    closed = accounts["closed_on"].to_numpy(dtype="datetime64[D]")
    end = np.where(np.isnat(closed), last, np.minimum(closed.astype(np.int64), last))
    count = rng.poisson(np.where(corporate, 4.0, 1.4)) + 1
    acc = np.repeat(np.arange(m), count)
    k = len(acc)
    order_day = _uniform_between(opened[acc], end[acc], rng)
    order_day[np.r_[True, acc[1:] != acc[:-1]]] = end[acc][np.r_[True, acc[1:] != acc[:-1]]]  # latest order on the last activity date
    amount = np.round(np.where(corporate[acc], rng.lognormal(8.2, 0.8, k), rng.lognormal(5.3, 0.7, k)), 2)
    paid = rng.random(k) < 0.97
    paid_day = order_day + rng.integers(0, 3, k)
    paid_day = np.minimum(paid_day, end[acc])
    invoiced = paid & (corporate[acc] | (rng.random(k) < 0.35))
    # Orders are numbered in date order, as an ERP numbers them.
    by_date = np.argsort(order_day, kind="stable")
    acc, order_day, paid_day = acc[by_date], order_day[by_date], paid_day[by_date]
    amount, paid, invoiced = amount[by_date], paid[by_date], invoiced[by_date]
    year = (order_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970) % 100
    # 数电发票 numbers: 20 digits, year + region (31, Shanghai) + channel + a 15-digit number.
    invoice_no = ascii_strings(np.concatenate(
        [digit_matrix(year, 2), np.broadcast_to(np.array([3, 1, 2], dtype=np.uint8), (k, 3)),
         _random_digits(rng, k, 15)], axis=1) + 48)
    pay_ref = ascii_strings(np.concatenate(
        [np.broadcast_to(np.array([4, 2, 0, 0], dtype=np.uint8), (k, 4)), _random_digits(rng, k, 15)], axis=1) + 48)
    buyer = cust_index[acc]
    # Invoice titles only where an invoice exists: null indices gather nulls.
    title_index = pa.array(buyer, mask=~invoiced)
    title = pa.array(customers["name"]).take(title_index)
    company = pa.array(customers["company_name"]).take(pa.array(buyer, mask=~(invoiced & corporate[acc])))
    frame = pd.DataFrame({
        "order_id": _ids("SO", k, 10),
        "customer_id": series(gather(customers["customer_id"], buyer)),
        "account_id": series(gather(accounts["account_id"], acc)),
        "order_date": _dates(order_day),
        "amount_cny": amount,
        "payment_method": series(from_pool(_PAY_METHODS, pay[acc])),
        "payment_ref": pay_ref.where(paid),
        "paid_on": pd.Series(_dates(paid_day)).where(paid),
        "invoice_no": invoice_no.where(invoiced),
        "invoice_title": series(pc.coalesce(company, title)),
    })
    return frame


def build_consents(customers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Consent records that agree with the customers table.

    Everyone acknowledged a privacy notice (PIPL Art. 17); marketing consent matches the
    customers' marketing_consent after withdrawals; a card on file has a separate consent
    (Arts. 28-29); a child under 14 has a guardian's consent (Art. 31); some customers
    consented separately to the foreign shareholder's group CRM (Art. 39).
    """
    n = len(customers)
    since = _days(customers["customer_since"])
    last = _days(customers["last_activity"])
    marketing_now = customers["marketing_consent"].to_numpy()
    individual = (customers["customer_type"] == "individual").to_numpy()
    child = customers["is_minor"].to_numpy()
    adult = individual & ~child
    withdrew = adult & ~marketing_now & (rng.random(n) < 0.25)
    parts = {
        "privacy_notice": np.ones(n, dtype=bool),
        "marketing": marketing_now | withdrew,
        "sensitive_financial": customers["bank_card"].notna().to_numpy(),
        "guardian": child,
        "cross_border": adult & (rng.random(n) < 0.12),
    }
    separate = {"privacy_notice": False, "marketing": False, "sensitive_financial": True,
                "guardian": True, "cross_border": True}
    scope = {
        "privacy_notice": "已阅读隐私政策v{v}(处理者名称、目的、方式、种类、保存期限、权利行使方式)",
        "marketing": "通过短信、电子邮件接收促销信息",
        "sensitive_financial": "保存银行卡号用于订阅代扣(单独同意)",
        "guardian": "监护人同意处理未满十四周岁儿童的个人信息(单独同意)",
        "cross_border": "向境外股东的集团客户管理系统提供姓名、联系方式、订单信息(单独同意)",
    }
    frames = []
    for purpose, who in parts.items():
        rows = np.flatnonzero(who)
        k = len(rows)
        given = since[rows].copy()
        if purpose in ("marketing", "cross_border"):
            given = _uniform_between(since[rows], last[rows], rng)
        version = np.where(given >= np.datetime64("2021-11-01").astype(np.int64), 3, 2)
        withdrawn = pd.Series(pd.NaT, index=range(k), dtype="datetime64[s]")
        if purpose == "marketing":
            w = withdrew[rows]
            withdrawn[w] = _dates(_uniform_between(given[w], last[rows][w], rng))
        channel = np.full(k, 3) if purpose == "guardian" else rng.integers(0, 5, k)
        text = scope[purpose]
        frames.append(pd.DataFrame({
            "customer_id": series(gather(customers["customer_id"], rows)),
            "purpose": series(from_pool([purpose], np.zeros(k, dtype=np.int64))),
            "scope": series(from_pool([text.format(v=2), text.format(v=3)], version - 2)),
            "channel": series(from_pool(_CHANNELS, channel)),
            "given_on": _dates(given),
            "separate_consent": separate[purpose],
            "written": (channel == 3) | (purpose == "guardian"),
            "notice_version": version,
            "withdrawn_on": withdrawn.to_numpy(),
        }))
    out = pd.concat(frames, ignore_index=True)
    # Customer rows are in join order already; a stable sort by date keeps ties in that order.
    out = out.iloc[np.argsort(out["given_on"].to_numpy(), kind="stable")].reset_index(drop=True)
    out.insert(0, "consent_id", _ids("CS", len(out)))
    return out
