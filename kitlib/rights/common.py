"""Small pieces the request actions share: the case's tables, whose rows are a customer's, and
the check that a request may be acted on."""
from __future__ import annotations

import pandas as pd

from .requests import Request, RequestError

__all__ = ["CUSTOMER_TABLES", "tables_of", "customer_rows", "require_ready", "PURPOSES"]

# table -> the column naming the customer (the access log names the customer it looked at)
CUSTOMER_TABLES = {"customers": "customer_id", "accounts": "customer_id", "orders": "customer_id",
                   "consents": "customer_id", "tickets": "customer_id", "access_log": "record_id"}

# consents.purpose -> (zh, en, consent-based?)
PURPOSES = {
    "privacy_notice": ("已阅读隐私政策(告知确认,不是同意)", "privacy notice read (an acknowledgement, not a consent)", False),
    "marketing": ("营销信息推送", "marketing messages", True),
    "sensitive_financial": ("保存银行卡号用于订阅代扣(单独同意)", "keeping the bank card for subscription direct debit (separate consent)", True),
    "cross_border": ("向境外提供(单独同意)", "transfer abroad (separate consent)", True),
    "guardian": ("监护人同意处理不满十四周岁未成年人的信息", "a guardian's consent for a minor under 14", True),
}


def tables_of(case) -> dict[str, pd.DataFrame]:
    """The tables of a Case, or a dict of tables, as a new dict (frames are not copied)."""
    tables = getattr(case, "tables", case)
    if not isinstance(tables, dict) or "customers" not in tables:
        raise RequestError("case: expected a kitlib.synth.Case or a dict of tables with a 'customers' table")
    return dict(tables)


def customer_rows(tables: dict, customer_id: str) -> dict[str, pd.DataFrame]:
    """Every row of one customer, per table of CUSTOMER_TABLES present in ``tables``."""
    out = {}
    for table, column in CUSTOMER_TABLES.items():
        frame = tables.get(table)
        if frame is not None and column in frame.columns:
            out[table] = frame.loc[frame[column] == customer_id].reset_index(drop=True)
    return out


def require_ready(request: Request, kinds: tuple[str, ...]) -> str:
    """The right exercised (the type, or for a relative's request the right in details["right"]);
    RequestError unless the request is in progress (identity verified first) and of these kinds."""
    right = request.details.get("right", "") if request.type == "deceased_relative" else request.type
    if right not in kinds:
        raise RequestError(f"request {request.request_id}: a {request.type} request"
                           f"{' for ' + right if right and right != request.type else ''} cannot be answered this way "
                           f"(this action answers {', '.join(kinds)})")
    if request.state != "in_progress":
        raise RequestError(f"request {request.request_id}: it is {request.state}; verify the identity and start() "
                           "it before acting on the data")
    return right
