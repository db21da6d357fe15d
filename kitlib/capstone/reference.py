"""The kit's own disposition plan for the case company, computed from the retention plan, the
systems inventory, the purpose registry and the consents — with the why of every row in zh-CN
and English, each naming its article (the kit's legal reference only)."""
from __future__ import annotations


from ..lifecycle.destroy import CATEGORIES
from .facts import CaseFacts, Holding, case_facts
from .plan import Plan, PlanRow
from .vocab import METHODS

__all__ = ["reference_plan", "expected_method", "rule_cite", "rule_text", "method_fits"]


def rule_cite(facts: CaseFacts, rule, lang: str) -> str:
    """``Accounting Archives Measures (Order 79); Accounting Law Art. 23`` with the certainty mark."""
    cite = facts.schedule.cite(rule.basis, "en" if lang == "en" else "zh")
    if rule.certainty == "U":
        return f"公司政策(非法律规定;{cite})" if lang == "zh-CN" else f"company policy, not law ({cite})"
    if rule.certainty == "S":
        return f"{cite}(二手来源)" if lang == "zh-CN" else f"{cite} (secondary source)"
    return cite


def rule_text(facts: CaseFacts, rule, lang: str) -> str:
    """The rule's name, period and provisions in a phrase."""
    if lang == "zh-CN":
        return f"“{rule.name_zh}”{rule.period.text('zh')}({rule_cite(facts, rule, lang)})"
    return f"'{rule.name_en}', {rule.period.text('en')} ({rule_cite(facts, rule, lang)})"


def method_fits(method: str, h: Holding) -> bool:
    m = METHODS.get(method)
    if m is None or h.medium not in m["media"]:
        return False
    return method != "crypto_shred" or h.encrypted


def expected_method(h: Holding, facts: CaseFacts) -> str:
    """The kit's method for destroying ``h``: what the medium allows, and for tapes that still hold
    records kept elsewhere, crypto-shredding the early tables (when encrypted) and destroying the
    media at the end."""
    duty = facts.tables[h.table].duty
    return {"database": "delete_rows", "processor": "processor_deletion", "abroad": "recipient_deletion",
            "paper": "cross_cut_shredding",
            "backup": "delete_from_backup" if duty == "none" else "destroy_file",
            "tape": "crypto_shred" if duty == "none" and h.encrypted else "media_destruction"}[h.medium]


def _fmt(day) -> str:
    return day.isoformat() if day else ""


def _method_why(method: str, h: Holding, lang: str) -> str:
    m = METHODS[method]
    zh = lang == "zh-CN"
    if m["category"]:
        cat = CATEGORIES[m["category"]]
        return (f"方法:{m['zh']}——NIST SP 800-88 {cat['zh']}:{cat['definition_zh']}。" if zh else
                f"Method: {m['en']} — NIST SP 800-88 {cat['en']}: {cat['definition_en']}.")
    if h.medium == "processor":
        return ("该系统由受托处理者运营:委托结束时受托方返还或删除个人信息、不得保留(《个人信息保护法》第21条);"
                "取得其书面确认,确认书写明方法及其 NIST SP 800-88 类别。" if zh else
                "A processor runs this system: when the entrustment ends it returns or deletes the data and keeps "
                "nothing (PIPL Art. 21); obtain its written confirmation stating the method and its NIST SP 800-88 "
                "category.")
    return ("副本在境外接收方处,公司不能自己删除;法律参考没有规定接收方应要求删除的义务,因此依协议要求其删除并取得书面"
            "确认(公司政策;向境外提供见第38–40条)。" if zh else
            "The copy is with a recipient abroad and the company cannot delete it itself; the legal reference states "
            "no duty of the recipient to delete on request, so ask under the agreement and obtain written "
            "confirmation (company policy; provision abroad: PIPL Arts. 38–40).")


def _row(h: Holding, facts: CaseFacts) -> tuple[PlanRow, str, str]:
    tf = facts.tables[h.table]
    rule = tf.rule
    deadline = facts.deadline(h)
    where_zh, where_en = f"{h.system_id}{h.name_zh}中的{h.table}", f"{h.table} in {h.system_id} {h.name_en}"
    if not facts.dissolution:
        moved = ""
        if tf.deleting:
            moved = (f"其中{tf.deleting}条记录的目的已结束,按保存计划于{_fmt(tf.delete_by)}前删除,不迁移。",
                     f" {tf.deleting} record(s) whose purpose has ended are deleted by {_fmt(tf.delete_by)} under the "
                     f"schedule, not migrated.")
        if h.at_old_site:
            notify = ("customers",) if h.table == "customers" and h.copy_kind == "primary" else ()
            row = PlanRow(h.system_id, h.table, "migrate", recipient="new_site", by=facts.address_cancelled_on,
                          notify=notify)
            zh = (f"迁址:公司仍是同一法人,不触发第22条;{where_zh}位于原址,在{_fmt(row.by)}注册地址注销前迁到新址,"
                  f"继续按{rule_text(facts, rule, 'zh-CN')}保存。")
            en = (f"Relocation keeps the same legal person, so PIPL Art. 22 is not triggered; {where_en} is at the old "
                  f"site and moves to the new site before the address is cancelled on {_fmt(row.by)}, still kept "
                  f"under {rule_text(facts, rule, 'en')}.")
            if notify:
                zh += "地址和联系方式变了,须再次告知客户(《个人信息保护法》第17条)。"
                en += " The address and contact change, so customers are told again (PIPL Art. 17)."
            return row, zh + (moved[0] if moved else ""), en + (moved[1] if moved else "")
        until = tf.required_until if not tf.open_rows else None
        abroad = h.medium == "abroad"
        row = PlanRow(h.system_id, h.table, "retain", until=until, basis=rule.id, custodian="company",
                      condition="separate_consent" if abroad else "")
        zh = f"{where_zh}不在原址,迁址不影响它:按{rule_text(facts, rule, 'zh-CN')}继续保存" + \
             (f"至{_fmt(until)}。" if until else ",关系仍在继续,期限尚未开始。")
        en = f"{where_en} is not at the old site and relocation leaves it where it is: kept under " \
             f"{rule_text(facts, rule, 'en')}" + (f" until {_fmt(until)}." if until else
                                                  "; the relationship goes on and the period has not started.")
        if abroad:
            zh += "境外副本只包含单独同意向境外提供的客户(《个人信息保护法》第39条)。"
            en += " The copy abroad holds only customers whose separate consent to provision abroad is on record (PIPL Art. 39)."
        return row, zh + (moved[0] if moved else ""), en + (moved[1] if moved else "")

    dereg = facts.deregistration
    if h.medium in ("processor", "abroad"):
        method = expected_method(h, facts)
        who = "processor" if h.medium == "processor" else "shareholder"
        row = PlanRow(h.system_id, h.table, "destroy", method=method, by=deadline, notify=(who,))
        zh = (f"{where_zh}:公司停止服务,目的已实现,应删除(《个人信息保护法》第47条),最迟{_fmt(deadline)}。"
              + _method_why(method, h, "zh-CN"))
        en = (f"{where_en}: the company stops its service, the purpose is achieved and the data must go (PIPL "
              f"Art. 47), by {_fmt(deadline)}. " + _method_why(method, h, "en"))
        return row, zh, en
    if h.is_record_copy and tf.duty != "none" and tf.required_until and tf.required_until > dereg:
        custodian = rule.hand_over_to if (rule.hand_over_to != "successor" or facts.successor) else "archives"
        row = PlanRow(h.system_id, h.table, "retain", until=tf.required_until, basis=rule.id, custodian=custodian,
                      by=dereg, notify=(custodian,))
        to_zh = "承接方(承接方继续履行处理者的义务,《个人信息保护法》第22条)" if custodian == "successor" else \
            "档案保管机构(《档案法》第16条)"
        to_en = "the successor (which continues the handler's duties, PIPL Art. 22)" if custodian == "successor" else \
            "the archives custodian (Archives Law Art. 16)"
        also_zh = "".join(f";其中部分字段另有{rule_text(facts, a, 'zh-CN')}" for a in tf.also)
        also_en = "".join(f"; some fields also fall under {rule_text(facts, a, 'en')}" for a in tf.also)
        zh = (f"{where_zh}按{rule_text(facts, rule, 'zh-CN')}保存至{_fmt(tf.required_until)}{also_zh}。公司于"
              f"{_fmt(dereg)}注销,早于期限届满:在注销前移交{to_zh};期间只存储并采取必要的安全措施(第47条)。")
        en = (f"{where_en} is kept under {rule_text(facts, rule, 'en')} until {_fmt(tf.required_until)}{also_en}. The "
              f"company is deregistered on {_fmt(dereg)}, before the period ends: hand it over before then to {to_en}; "
              f"meanwhile only storage and necessary security measures (PIPL Art. 47).")
        return row, zh, en
    purpose = facts.purposes.get("successor")
    if (h.copy_kind == "primary" and tf.duty == "none" and facts.successor and purpose is not None
            and h.table in purpose.tables):
        need = purpose.tables[h.table]
        method = expected_method(h, facts)
        row = PlanRow(h.system_id, h.table, "transfer", recipient="successor", columns=purpose.columns(h.table),
                      condition="separate_consent" if need.consent else "", method=method, by=deadline,
                      notify=("customers", "successor"))
        zh = (f"{where_zh}:因解散转移给承接方,只转移继续同一服务所需的列(目的登记表),告知客户承接方的名称和联系方式"
              f"(《个人信息保护法》第22条);敏感列只随单独同意在案的客户转移(第28、29条)。公司自己的副本在"
              f"{_fmt(deadline)}前删除(第47条)。" + _method_why(method, h, "zh-CN"))
        en = (f"{where_en}: transferred to the successor because of the dissolution, only the columns the same "
              f"service needs (the purpose registry), and customers are told the successor's name and contact (PIPL "
              f"Art. 22); sensitive columns go only for customers whose separate consent is on record (Arts. 28, 29). "
              f"The company's own copy is deleted by {_fmt(deadline)} (Art. 47). " + _method_why(method, h, "en"))
        return row, zh, en
    method = expected_method(h, facts)
    row = PlanRow(h.system_id, h.table, "destroy", method=method, by=deadline)
    if tf.duty == "none":
        zh = (f"{where_zh}只受{rule_text(facts, rule, 'zh-CN')}约束;服务结束即应删除(第47条),最迟{_fmt(deadline)}。")
        en = (f"{where_en} is kept only under {rule_text(facts, rule, 'en')}; it goes when the service ends "
              f"(Art. 47), by {_fmt(deadline)}.")
    else:
        zh = (f"{where_zh}是{ {'backup': '备份', 'copy': '副本'}.get(h.copy_kind, '副本') }:保存义务由原始记录的移交履行,公司注销({_fmt(dereg)})前销毁这份副本"
              f"(个人信息包括以任何方式记录的信息,《个人信息保护法》第4条;第47条)。")
        en = (f"{where_en} is a {h.copy_kind}: the retention duty is met by handing over the records themselves, "
              f"and this copy is destroyed before the company is deregistered on {_fmt(dereg)} (personal information "
              f"recorded in any form, PIPL Art. 4; Art. 47).")
    if h.copy_kind == "backup":
        zh += "备份也是副本,同样要删除。"
        en += " Backups are copies too and must go as well."
    return row, zh + _method_why(method, h, "zh-CN"), en + " " + _method_why(method, h, "en")


def reference_plan(case, facts: CaseFacts | None = None) -> Plan:
    """The kit's disposition plan for ``case`` (either scenario): one row per (system, table) of the
    inventory; ``plan.why[(system_id, table)]`` is (zh, en)."""
    facts = facts or case_facts(case)
    rows, why = [], {}
    for h in facts.holdings:
        row, zh, en = _row(h, facts)
        rows.append(row)
        why[h.key] = (zh, en)
    return Plan(rows, "<reference>", why)
