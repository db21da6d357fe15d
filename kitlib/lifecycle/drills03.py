"""Module 03's destruction exercise: for each place the case company's customer data lives,
choose how to destroy it (item "destruction-method").

The places come from the case's own ``systems`` and ``system_tables`` (the CRM, the help-desk
SaaS run by a processor, the e-mail archive, the NAS backup, the off-site encrypted tapes, the
foreign shareholder's CRM copy, the paper boxes) plus a spreadsheet someone exported to a laptop
(an ``export`` row of the access log).  The right answer is computed by :func:`recommend_method`
from the data — the system's kind, whether it is encrypted at rest, where it is and who runs it,
and the retention bases of the tables it holds (the catalogue and retention rules) — never typed
in.  Each explanation names the NIST SP 800-88 category and the article.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..learn.choices import ChoiceExercise
from .destroy import CATEGORIES

__all__ = ["OPTIONS", "Recommendation", "recommend_method", "exercise_artefacts", "destruction_exercise",
           "table_duties"]

OPTIONS = (
    ("delete_rows", "删除这些客户的行", "Delete the customers' rows"),
    ("crypto_shred", "加密擦除:删除密钥", "Crypto-shred: delete the keys"),
    ("destroy_file", "覆写并删除整个文件", "Destroy the file (overwrite and delete)"),
    ("destroy_media", "在见证人在场时物理销毁介质或纸张", "Physically destroy the media or paper, with a witness"),
    ("processor_delete", "要求受托方或接收方删除并取得确认", "Instruct the processor or recipient to delete, and obtain confirmation"),
    ("keep", "保留(保存义务),限制处理", "Keep (retention duty) and restrict processing"),
)
_LABELS = {o[0]: (o[1], o[2]) for o in OPTIONS}
_ABROAD = ("境外", "abroad")
_PROCESSOR = ("受托", "服务商", "processor", "provider")


@dataclass(frozen=True)
class Recommendation:
    """The method for one place: the best option, the options also accepted, the NIST SP 800-88
    category (None when nothing is destroyed now) and why, in zh-CN and English."""
    best: str
    accepted: tuple
    category: str | None
    zh: str
    en: str


def table_duties(catalogue: pd.DataFrame, rules: pd.DataFrame) -> dict[str, tuple[str, str, str]]:
    """{table: (duty, basis_en, certainty)} for tables with a retention period: duty "law" when a
    basis is V or S, "policy" when only U (company policy, not law)."""
    periods = rules.set_index("code")
    out = {}
    for table, codes in catalogue.groupby("table")["retention_basis"]:
        bases = []
        for code in codes.dropna().unique():
            if code not in periods.index or pd.isna(periods.loc[code, "years"]) or periods.loc[code, "years"] in ("", None):
                continue
            bases.append((str(periods.loc[code, "certainty"]), str(periods.loc[code, "basis"])))
        if bases:
            legal = [b for c, b in bases if c in ("V", "S")]
            out[table] = ("law", "; ".join(legal), "V/S") if legal else ("policy", "; ".join(b for _, b in bases), "U")
    return out


def _has(text: str, words) -> bool:
    low = str(text).lower()
    return any(w.lower() in low for w in words)


def recommend_method(system: Mapping, tables: list[str], duties: dict) -> Recommendation:
    """The destruction method for one system (a row of ``systems``: kind, location_zh/en,
    encrypted_at_rest) holding ``tables``, given ``table_duties``."""
    kind = str(system["kind"])
    encrypted = str(system["encrypted_at_rest"]).strip().lower() in ("true", "1", "yes")
    where = f"{system.get('location_zh', '')} {system.get('location_en', '')}"
    held = [t for t in tables if t != "employees"]
    law = [t for t in held if duties.get(t, ("",))[0] == "law"]
    policy = [t for t in held if duties.get(t, ("",))[0] == "policy"]
    basis = "; ".join(dict.fromkeys(duties[t][1] for t in law + policy))
    names = ", ".join(held)
    clear, purge, destroy = (f"NIST SP 800-88 {CATEGORIES[k]['en']}: {CATEGORIES[k]['definition_en']}"
                             for k in ("clear", "purge", "destroy"))
    clear_zh, purge_zh, destroy_zh = (f"NIST SP 800-88 {CATEGORIES[k]['zh']}:{CATEGORIES[k]['definition_zh']}"
                                      for k in ("clear", "purge", "destroy"))
    keep_zh = "期限届满前只存储并采取必要的安全保护措施,停止其他处理(《个人信息保护法》第47条);现在不销毁,故尚无 NIST 类别"
    keep_en = ("until the period ends, only storage and necessary security measures, no other processing (PIPL "
               "Art. 47); nothing is destroyed now, so no NIST category applies yet")
    if kind == "paper_archive":
        if held and len(law) == len(held):
            return Recommendation("keep", ("keep",), None,
                                  f"纸质{names}有法定保存义务({basis}):保留原件;{keep_zh}。",
                                  f"The paper {names} must be kept by law ({basis}); {keep_en}.")
        if held and len(law) + len(policy) == len(held):
            return Recommendation("keep", ("keep",), None,
                                  f"纸质{names}按公司政策保留({basis});法律参考未规定期限(标为 U),这是公司政策而非法律义务;"
                                  f"{keep_zh}。",
                                  f"The paper {names} is kept under company policy ({basis}); the legal reference "
                                  f"sets no period (marked U), so this is policy, not law; {keep_en}.")
        return Recommendation("destroy_media", ("destroy_media",), "destroy",
                              f"纸质{names}没有保存义务,服务结束即应删除(《个人信息保护法》第47条);纸张只能由销毁服务商"
                              f"在见证人在场时碎纸、打浆或焚烧,并记入台账——{destroy_zh}。",
                              f"The paper {names} has no retention duty and must go when the service ends (PIPL "
                              f"Art. 47); paper can only be shredded, pulped or incinerated by a vendor before a "
                              f"witness, and recorded — {destroy}.")
    if _has(where, _ABROAD):
        return Recommendation("processor_delete", ("processor_delete",), None,
                              "副本在境外的股东处:公司不能自己删除。向境外提供须走第38–40条规定的途径;法律参考未规定接收方"
                              "应公司要求删除的义务,所以依双方协议要求其删除并取得书面确认、记入台账(公司政策);确认书应写明方式及其 "
                              "NIST SP 800-88 类别。",
                              "The copy is with the shareholder abroad: the company cannot delete it itself. Transfers "
                              "abroad follow PIPL Arts. 38–40; the legal reference states no duty of the recipient to "
                              "delete on request, so ask under the agreement, obtain written confirmation and record "
                              "it (company policy); the confirmation should state the method and its NIST SP 800-88 "
                              "category.")
    if _has(where, _PROCESSOR):
        return Recommendation("processor_delete", ("processor_delete",), None,
                              "该系统由受托处理者运营:委托结束时,受托方应返还或删除个人信息,不得保留(《个人信息保护法》第21条)。"
                              "发出删除指令,取得删除确认并记入台账;确认书应写明受托方的方式及其 NIST SP 800-88 类别。",
                              "A processor runs this system: when the entrustment ends the processor returns or "
                              "deletes the data and keeps nothing (PIPL Art. 21). Instruct it to delete, obtain its "
                              "confirmation and record it.")
    if kind == "backup":
        if encrypted:
            return Recommendation("crypto_shred", ("crypto_shred",), "purge",
                                  f"加密备份无法逐行修改,物理销毁又会毁掉需保留的记录:删除这些客户的数据密钥,使每个副本中的密文"
                                  f"都无法解密——{purge_zh}(前提:没有删除前的密钥库副本)。",
                                  f"An encrypted backup cannot be edited row by row, and destroying it would destroy "
                                  f"records that must be kept: delete the customers' data keys so their ciphertexts "
                                  f"in every copy cannot be decrypted — {purge} (provided no copy of the key store "
                                  f"from before survives).")
        return Recommendation("destroy_file", ("destroy_file", "delete_rows"), "clear",
                              f"未加密的备份无法加密擦除:删除后重新做一份不含这些客户的备份,再覆写并删除旧备份文件——"
                              f"{clear_zh}(固态硬盘或写时复制文件系统可能保留旧块)。",
                              f"An unencrypted backup cannot be crypto-shredded: make a new backup without the "
                              f"customers, then overwrite and delete the old backup file — {clear} (an SSD or a "
                              f"copy-on-write file system may keep old blocks).")
    if kind == "export":
        return Recommendation("destroy_file", ("destroy_file",), "clear",
                              f"笔记本上的导出表格只是副本,保存义务由原系统履行:覆写并删除整个文件,先记录其 SHA-256——{clear_zh}。",
                              f"A spreadsheet exported to a laptop is only a copy; any retention duty is met by the "
                              f"system it came from: overwrite and delete the whole file, recording its SHA-256 first "
                              f"— {clear}.")
    if held and len(law) == len(held):
        return Recommendation("keep", ("keep",), None,
                              f"{names}有法定保存义务({basis}):保留;{keep_zh}。",
                              f"{names} must be kept by law ({basis}); {keep_en}.")
    accepted = ("delete_rows", "crypto_shred") if encrypted else ("delete_rows",)
    kept = [t for t in held if t in law + policy]
    also_zh = f";同一系统中的{', '.join(kept)}依保存义务保留并限制处理" if kept else ""
    also_en = f"; {', '.join(kept)} in the same system stay under their retention duty, restricted" if kept else ""
    return Recommendation("delete_rows", accepted, "clear",
                          f"公司自己运营的系统:删除这些客户的行及派生数据{also_zh}——{clear_zh}"
                          + ("(该系统已加密,加密擦除也可接受)。" if encrypted else "。"),
                          f"A system the company runs itself: delete the customers' rows and derived data{also_en} — "
                          f"{clear}" + (" (it is encrypted, so crypto-shredding is also accepted)." if encrypted else "."))


def exercise_artefacts(case, seed: int = 0) -> pd.DataFrame:
    """The places of the exercise, in an order set by ``seed``: system_id, names, kind, location,
    encrypted_at_rest and the tables held — the CRM, the two backups, the foreign copy, one of the
    processor-run systems, a paper box that must be kept and one that need not (chosen by
    ``seed``), and a spreadsheet exported to a laptop (an export in the access log)."""
    rng = np.random.default_rng(seed)
    systems = case["systems"].copy()
    holdings = case["system_tables"]
    held = holdings.groupby("system_id")["table_name"].agg(list)
    systems["tables"] = systems["system_id"].map(held).apply(lambda v: v if isinstance(v, list) else [])
    present = set(systems["system_id"])
    pick = lambda ids: [ids[int(rng.integers(len(ids)))]] if ids else []   # noqa: E731
    chosen = [s for s in ("S01", "S05", "S06", "S07") if s in present]
    chosen += pick([s for s in ("S03", "S04") if s in present])
    duties = table_duties(case.catalogue, case.retention_rules)
    paper = systems[systems["kind"] == "paper_archive"]
    kept = [r["system_id"] for r in paper.to_dict("records") if recommend_method(r, r["tables"], duties).best == "keep"]
    chosen += pick(kept) + pick([s for s in paper["system_id"] if s not in kept])
    out = systems.set_index("system_id").loc[chosen].reset_index()
    log = case["access_log"]
    exports = log[log["action"] == "export"]
    if len(exports):
        row = exports.iloc[int(rng.integers(len(exports)))]
        who, table, day = row["employee_id"], row["table_name"], str(row["ts"])[:10]
    else:
        who, table, day = "E0001", "customers", ""
    laptop = {"system_id": "X01", "name_zh": f"{who} 笔记本电脑上的导出表格({table}, {day})",
              "name_en": f"Spreadsheet exported to {who}'s laptop ({table}, {day})", "kind": "export",
              "location_zh": "员工笔记本电脑", "location_en": "Employee's laptop", "owner_id": who,
              "encrypted_at_rest": False, "tables": [table]}
    out = pd.concat([out, pd.DataFrame([laptop])], ignore_index=True)
    order = rng.permutation(len(out))
    return out.iloc[order].reset_index(drop=True)


def destruction_exercise(case, seed: int = 0) -> ChoiceExercise:
    """Module 03's exercise "destruction-method": choose how to destroy the data in each place."""
    duties = table_duties(case.catalogue, case.retention_rules)
    places = exercise_artefacts(case, seed)
    rows, truth = [], {}
    for place in places.to_dict("records"):
        key = place["system_id"]
        encrypted = str(place["encrypted_at_rest"]).strip().lower() in ("true", "1", "yes")
        detail = (f"{place['location_zh']} · {place['location_en']} · "
                  f"{'加密存储' if encrypted else '未加密'} / {'encrypted at rest' if encrypted else 'not encrypted'} · "
                  f"{', '.join(place['tables'])}")
        rows.append({"key": key, "title": f"{place['name_zh']} · {place['name_en']}", "detail": detail})
        truth[key] = recommend_method(place, place["tables"], duties)

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        rec = truth[key]
        if given in rec.accepted:
            return True, ""
        zh, en = _LABELS[rec.best]
        return False, (f"应为:{zh}。{rec.zh}" if lang == "zh-CN" else f"Expected: {en}. {rec.en}")

    return ChoiceExercise("destruction-method", ("为每处客户数据选择销毁方式", "Choose how to destroy the customer data in each place"),
                          pd.DataFrame(rows, columns=["key", "title", "detail"]), OPTIONS, marker)
