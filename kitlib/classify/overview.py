"""What module 01 shows about an inventory: totals by tier, a check against the generator's truth,
the media a scanner cannot read, and a folder of realistic, messy exports to practise `kit scan` on."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

TIER_ORDER = ["core", "sensitive", "general", "review", "none"]
UNSCANNABLE = {"paper_archive": ("逐箱清点,登记箱号、位置、保管人、份数", "count box by box: number, location, custodian, records"),
               "backup": ("按备份目录清点内容与保存期限;恢复测试时抽查", "list contents and retention from the backup catalogue; sample in a restore test"),
               "email_archive": ("导出归档、解出附件后扫描", "export the archive, extract attachments, scan them")}


def summary(inv: pd.DataFrame) -> pd.DataFrame:
    """Columns per tier (distinct table.column), their copies across systems, and Art. 28 columns."""
    inv = inv.assign(key=inv["table"] + "." + inv["column"])
    rows = []
    for tier in [t for t in TIER_ORDER if t in set(inv["tier"])]:
        part = inv[inv["tier"] == tier]
        rows.append({"tier": tier, "tier_zh": part["tier_zh"].iloc[0], "columns": part["key"].nunique(),
                     "copies": len(part), "systems": part["system"].nunique(),
                     "art28_columns": part.loc[part["art28"].astype(bool), "key"].nunique()})
    return pd.DataFrame(rows).set_index("tier")


def compare_with_truth(inv: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Per table: columns, how many the inventory got right (kind and tier), and which it got wrong."""
    found = inv.drop_duplicates(["table", "column"]).set_index(["table", "column"])[["kind", "tier"]]
    truth = catalogue.set_index(["table", "column"])[["kind", "tier"]]
    joined = truth.join(found, rsuffix="_found", how="left")
    joined["kind_ok"] = joined["kind"] == joined["kind_found"]
    joined["tier_ok"] = joined["tier"] == joined["tier_found"]
    rows = []
    for table, part in joined.groupby(level="table", sort=False):
        wrong = [f"{c}: {r.kind_found} ≠ {r.kind}" for (_, c), r in part.iterrows() if not r.kind_ok]
        rows.append({"table": table, "columns": len(part), "kind_right": int(part["kind_ok"].sum()),
                     "tier_right": int(part["tier_ok"].sum()), "wrong": "; ".join(wrong)})
    result = pd.DataFrame(rows).set_index("table")
    result.loc["total"] = [result["columns"].sum(), result["kind_right"].sum(), result["tier_right"].sum(), ""]
    return result


def unscannable(case) -> pd.DataFrame:
    """The case company's media a scanner cannot read directly, with what they hold and how to count them."""
    systems = case["systems"]
    holds = case["system_tables"].groupby("system_id").apply(
        lambda g: ", ".join(f"{t} ({n:,})" for t, n in zip(g["table_name"], g["records"])), include_groups=False)
    part = systems[systems["kind"].isin(UNSCANNABLE)].copy()
    part["holds"] = part["system_id"].map(holds).fillna("")
    part["清点方法"] = part["kind"].map(lambda k: UNSCANNABLE[k][0])
    part["how"] = part["kind"].map(lambda k: UNSCANNABLE[k][1])
    return part[["system_id", "name_zh", "name_en", "location_en", "holds", "清点方法", "how"]].set_index("system_id")


# Chinese headers as a CRM export would have them: the same data, the names people actually use.
_ZH_HEADERS = {"customer_id": "客户编号", "name": "客户姓名", "resident_id": "证件号码", "mobile": "联系方式",
               "email": "电子邮箱", "address": "联系地址", "bank_name": "开户行", "bank_card": "银行卡号",
               "birth_date": "出生日期"}


def write_sample_exports(case, folder: Path | str, rows: int = 300) -> list[Path]:
    """Write the exports a real company hands over: a GBK CSV with Chinese headers, a UTF-8-with-BOM
    ticket dump, an Excel workbook, and one broken file (a ragged CSV) that the scan must report."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    customers = case["customers"].head(rows)
    crm = customers[list(_ZH_HEADERS)].rename(columns=_ZH_HEADERS)
    paths = [folder / "客户导出_GBK.csv", folder / "tickets_utf8_bom.csv", folder / "orders.xlsx",
             folder / "broken_export.csv"]
    crm.to_csv(paths[0], index=False, encoding="gb18030")
    tickets = case["tickets"].head(rows)[["ticket_id", "customer_id", "opened_at", "text"]]
    tickets.rename(columns={"text": "备注"}).to_csv(paths[1], index=False, encoding="utf-8-sig")
    case["orders"].head(rows).to_excel(paths[2], index=False, sheet_name="orders")
    lines = ["客户编号,客户姓名,联系方式"] + [f"{r.customer_id},{r.name},{r.mobile}" for r in customers.head(20).itertuples()]
    lines[12] += ",多出来的一列"     # one row with an extra field: a ragged file
    paths[3].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths
