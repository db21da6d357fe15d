"""Employees, the systems that hold customer data, and a normal background of access logs."""
from __future__ import annotations

import datetime as dt

import chinese_calendar
import numpy as np
import pandas as pd

from .columns import from_pool, gather, join, numbered, series
from .identifiers import mobiles
from .people import emails, name_pools

# (department, role, share of staff, events per working day, the tables they touch)
DEPARTMENTS = [
    ("客户服务部", "客服专员", 0.34, 40, ("customers", "tickets")),
    ("销售部", "销售代表", 0.18, 15, ("customers", "accounts", "orders")),
    ("财务部", "会计", 0.10, 12, ("orders", "accounts")),
    ("物流部", "配送调度", 0.14, 20, ("customers", "orders")),
    ("市场部", "市场专员", 0.08, 6, ("customers", "consents")),
    ("信息技术部", "系统管理员", 0.08, 5, ("customers", "orders", "consents", "tickets")),
    ("法务合规部", "个人信息保护负责人", 0.04, 4, ("consents", "customers", "tickets")),
    ("总经理办公室", "总经理", 0.04, 2, ("orders",)),
]
_TABLE_SYSTEM = {"customers": "S01", "consents": "S01", "tickets": "S03", "accounts": "S02", "orders": "S02"}


def build_employees(n_customers: int, cutoff: dt.date, established: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    n = int(np.clip(n_customers // 2500, 20, 400))
    shares = np.array([d[2] for d in DEPARTMENTS])
    dept = np.sort(rng.choice(len(DEPARTMENTS), size=n, p=shares / shares.sum()))
    dept[: len(DEPARTMENTS)] = np.arange(len(DEPARTMENTS))  # every department staffed
    dept = np.sort(dept)
    male = rng.random(n) < 0.5
    foreign = rng.random(n) < 0.1
    born = rng.integers(1965, 2002, n)
    pools = name_pools()
    zf, zg = pools.chinese(male, born, rng)
    wf, wg = pools.western(male, rng)
    family, given = np.where(foreign, wf, zf), np.where(foreign, wg, zg)
    hired = np.datetime64(established) + rng.integers(0, (np.datetime64(cutoff) - np.datetime64(established)).astype(int) - 60, n)
    left = rng.random(n) < 0.12
    left_on = hired + ((np.datetime64(cutoff) - hired).astype(np.int64) * rng.random(n)).astype(np.int64)
    return pd.DataFrame({
        "employee_id": series(numbered("E", np.arange(1, n + 1), 4)),
        "name": series(pools.full_names(family, given, foreign)),
        "gender": series(from_pool(["女", "男"], male)),
        "nationality": series(from_pool(["中国", "外籍"], foreign)),
        "department": series(from_pool([d[0] for d in DEPARTMENTS], dept)),
        "role": series(from_pool([d[1] for d in DEPARTMENTS], dept)),
        "work_email": series(emails(from_pool(pools.given_roman, given), from_pool(pools.family_roman, family), born, rng)),
        "work_mobile": mobiles(n, rng),
        "hired_on": pd.to_datetime(hired),
        "left_on": pd.Series(pd.to_datetime(left_on)).where(left),
    })


def build_systems(employees: pd.DataFrame, tables: dict[str, pd.DataFrame], rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where each table lives (systems) and which tables each system holds (system_tables)."""
    def owner(dept: str) -> str:
        ids = employees.loc[employees["department"] == dept, "employee_id"].to_numpy(dtype=object)
        return ids[rng.integers(0, len(ids))]

    systems = pd.DataFrame([
        ("S01", "客户关系管理系统", "CRM", "crm", "崇明区办公室机房服务器", "Server room, Chongming office", owner("信息技术部"), True),
        ("S02", "企业资源计划系统", "ERP", "erp", "崇明区办公室机房服务器", "Server room, Chongming office", owner("财务部"), True),
        ("S03", "客服工单系统(SaaS)", "Help-desk SaaS", "helpdesk", "受托处理者的境内云服务", "Processor's cloud in mainland China", owner("客户服务部"), True),
        ("S04", "企业邮箱归档", "E-mail archive", "email_archive", "邮件服务商境内机房", "Mail provider's mainland data centre", owner("信息技术部"), False),
        ("S05", "每周全量备份(NAS)", "Weekly full backup (NAS)", "backup", "崇明区办公室机房NAS", "NAS, Chongming server room", owner("信息技术部"), False),
        ("S06", "月度异地备份磁带", "Monthly off-site backup tapes", "backup", "浦东新区档案寄存公司库房", "Records-storage vault, Pudong", owner("信息技术部"), True),
        ("S07", "境外股东集团CRM", "Foreign shareholder's group CRM", "crm", "境外(股东总部)", "Abroad (shareholder's head office)", owner("法务合规部"), True),
        ("P01", "纸质档案箱A: 合同原件", "Paper box A: signed contracts", "paper_archive", "崇明区办公室档案室3号柜", "Archive room cabinet 3, Chongming office", owner("法务合规部"), False),
        ("P02", "纸质档案箱B: 监护人同意书", "Paper box B: guardian consent forms", "paper_archive", "崇明区办公室档案室3号柜", "Archive room cabinet 3, Chongming office", owner("法务合规部"), False),
        ("P03", "纸质档案箱C: 发票记账联与凭证", "Paper box C: invoices and vouchers", "paper_archive", "崇明区办公室财务室", "Finance office, Chongming", owner("财务部"), False),
        ("P04", "纸质档案箱D: 门店纸质登记表", "Paper box D: store sign-up forms", "paper_archive", "崇明区门店仓库", "Store back room, Chongming", owner("客户服务部"), False),
    ], columns=["system_id", "name_zh", "name_en", "kind", "location_zh", "location_en", "owner_id", "encrypted_at_rest"])
    for col in systems.columns[:-1]:
        systems[col] = systems[col].astype("str")

    consents = tables["consents"]
    written = consents[consents["written"]]
    holdings = [
        ("S01", "customers", "primary", len(tables["customers"])),
        ("S01", "consents", "primary", len(consents)),
        ("S02", "accounts", "primary", len(tables["accounts"])),
        ("S02", "orders", "primary", len(tables["orders"])),
        ("S03", "tickets", "primary", len(tables["tickets"])),
        ("S04", "tickets", "copy", int(0.4 * len(tables["tickets"]))),
        ("S05", "customers", "backup", len(tables["customers"])),
        ("S05", "consents", "backup", len(consents)),
        ("S05", "accounts", "backup", len(tables["accounts"])),
        ("S05", "orders", "backup", len(tables["orders"])),
        ("S06", "customers", "backup", len(tables["customers"])),
        ("S06", "orders", "backup", len(tables["orders"])),
        ("S07", "customers", "copy", int((consents["purpose"] == "cross_border").sum())),
        ("P01", "accounts", "paper", len(tables["accounts"]) // 3),
        ("P02", "consents", "paper", int((written["purpose"] == "guardian").sum())),
        ("P03", "orders", "paper", int(tables["orders"]["invoice_no"].notna().sum())),
        ("P04", "customers", "paper", int((written["purpose"] == "privacy_notice").sum())),
        ("S01", "access_log", "primary", 0),
        ("S01", "employees", "primary", len(employees)),
    ]
    system_tables = pd.DataFrame(holdings, columns=["system_id", "table_name", "copy_kind", "records"])
    for col in ("system_id", "table_name", "copy_kind"):
        system_tables[col] = system_tables[col].astype("str")
    return systems, system_tables


def build_access_log(employees: pd.DataFrame, customers: pd.DataFrame, cutoff: dt.date,
                     rng: np.random.Generator, working_days: int = 30) -> pd.DataFrame:
    """The last `working_days` Chinese working days (holidays and make-up days included) of
    normal work: views and updates in office hours, month-end finance exports, nightly backups."""
    days = chinese_calendar.get_workdays(cutoff - dt.timedelta(days=working_days * 2), cutoff)[-working_days:]
    day0 = np.array(days, dtype="datetime64[D]")
    active = employees["left_on"].isna().to_numpy()
    staff = np.flatnonzero(active)
    dept_of = pd.Index([d[0] for d in DEPARTMENTS]).get_indexer(employees["department"])
    rate = np.array([d[3] for d in DEPARTMENTS])[dept_of[staff]]
    counts = rng.poisson(np.repeat(rate[None, :], len(day0), axis=0))  # day × employee
    day_idx = np.repeat(np.arange(len(day0)), counts.sum(axis=1))
    emp_idx = np.concatenate([np.repeat(staff, c) for c in counts])
    k = len(emp_idx)
    # Office hours 09:00-18:00 with a lunch dip.
    minute = np.where(rng.random(k) < 0.5, rng.normal(10.5 * 60, 70, k), rng.normal(15 * 60, 80, k))
    minute = np.clip(minute, 8.5 * 60, 19 * 60).astype(np.int64)
    ts = day0[day_idx].astype("datetime64[s]") + (minute * 60 + rng.integers(0, 60, k)).astype("timedelta64[s]")

    dept = dept_of[emp_idx]
    table_choice = rng.random(k)
    table_names = np.empty(k, dtype=object)
    for d, (_, _, _, _, touched) in enumerate(DEPARTMENTS):
        rows = dept == d
        table_names[rows] = np.array(touched, dtype=object)[(table_choice[rows] * len(touched)).astype(int)]
    action = np.where(rng.random(k) < 0.85, "view", "update").astype(object)
    action[(dept == 0) & (rng.random(k) < 0.3)] = "search"
    rows_n = np.ones(k, dtype=np.int64)
    # Marketing exports its consented list on Mondays; finance exports orders at month end.
    export = ((dept == 4) & (rng.random(k) < 0.05)) | ((dept == 2) & (rng.random(k) < 0.03))
    action[export] = "export"
    consented = int(customers["marketing_consent"].sum())
    rows_n[export] = np.where(dept[export] == 4, consented, rng.integers(100, 5000, export.sum()))
    n_cust = len(customers)
    record = gather(customers["customer_id"], rng.integers(0, n_cust, k)).to_numpy(zero_copy_only=False)
    record[export] = None

    # Nightly backup by the service account at 02:00.
    backup_ts = (day0.astype("datetime64[s]") + np.timedelta64(2 * 3600, "s"))
    log = pd.DataFrame({
        "ts": np.concatenate([ts, backup_ts]),
        "employee_id": np.concatenate([employees["employee_id"].to_numpy(dtype=object)[emp_idx],
                                       np.full(len(day0), "svc-backup", dtype=object)]),
        "system_id": np.concatenate([np.array([_TABLE_SYSTEM[t] for t in ("customers", "consents", "tickets", "accounts", "orders")], dtype=object)[
            pd.Index(["customers", "consents", "tickets", "accounts", "orders"]).get_indexer(table_names)],
            np.full(len(day0), "S05", dtype=object)]),
        "action": np.concatenate([action, np.full(len(day0), "backup", dtype=object)]),
        "table_name": np.concatenate([table_names, np.full(len(day0), "customers", dtype=object)]),
        "record_id": np.concatenate([record, np.full(len(day0), None, dtype=object)]),
        "rows": np.concatenate([rows_n, np.full(len(day0), n_cust)]),
        "client_ip": np.concatenate([join("10.31.", emp_idx // 250, ".", emp_idx % 250 + 2).to_numpy(zero_copy_only=False),
                                     np.full(len(day0), "10.31.0.1", dtype=object)]),
    })
    log = log.sort_values("ts", kind="stable").reset_index(drop=True)
    log["ts"] = pd.to_datetime(log["ts"])
    for col in ("employee_id", "system_id", "action", "table_name", "record_id", "client_ip"):
        log[col] = log[col].astype("str")
    log.insert(0, "log_id", series(numbered("LG", np.arange(1, len(log) + 1), 9)))
    return log
