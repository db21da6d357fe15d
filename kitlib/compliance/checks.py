"""The audit's named checks: what each tests, the article it serves, its severity when it fails,
the RACI activity that owns it and the recommended action, in Chinese and English.

Articles follow the kit's legal reference (legal.md); where it marks an item U, or is silent, the
text says "company policy".
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Check", "CHECKS", "SEVERITIES"]

SEVERITIES = {"high": ("高", "high", 3), "medium": ("中", "medium", 2), "low": ("低", "low", 1)}


@dataclass(frozen=True)
class Check:
    id: str
    title_zh: str
    title_en: str
    article: str
    severity: str
    activity: str            # the RACI activity that owns a finding
    criterion_zh: str
    criterion_en: str
    action_zh: str
    action_en: str


CHECKS = {c.id: c for c in (
    Check("C01", "处理记录存在", "Processing records exist", "NDSMR Art. 12; PIPL Art. 56", "high", "records",
          "对客户信息的处理(销毁、迁移、共享、请求等)有记录,并至少保存3年。",
          "Processing of customer information (destruction, migration, sharing, requests …) is recorded and kept at least three years.",
          "启用台账(kitlib.ledger),此后每项操作都以 ledger= 记录。",
          "Start the ledger (kitlib.ledger) and record every operation with ledger= from now on."),
    Check("C02", "台账链完整", "The ledger chain verifies", "NDSMR Art. 12; PIPL Art. 69", "high", "records",
          "台账的哈希链完整:记录没有被修改、删除或重排(发生争议时推定过错,台账是证据)。",
          "The ledger's hash chain verifies: no entry changed, deleted or reordered (in a dispute fault is presumed; the ledger is the evidence).",
          "从签名检查点和异地保存的锚点查明被改动的记录,恢复可信副本,并报告个人信息保护负责人。",
          "Find the altered entry from the signed checkpoints and the anchors kept elsewhere, restore a trusted copy and report to the protection officer."),
    Check("C03", "保存期限表保存处理记录至少3年", "The retention schedule keeps processing records at least 3 years",
          "PIPL Art. 56; NDSMR Art. 12", "medium", "retention_schedule",
          "保存期限表可以读取,并为处理记录(访问日志)规定至少3年的保存期限。",
          "The retention schedule loads and keeps processing records (the access log) at least three years.",
          "修正保存期限表中报错的行,或为处理记录加入至少3年的规则。",
          "Fix the schedule at the line reported, or add a rule keeping processing records at least three years."),
    Check("C04", "到期记录已删除", "Records due for deletion are deleted", "PIPL Art. 47", "high", "destruction",
          "保存期限届满或停止提供服务后,到期的客户记录已经删除(台账中有销毁记录)。",
          "Customer records whose period has ended, or whose service has stopped, are deleted (a destruction is in the ledger).",
          "对到期客户运行销毁任务(kitlib.lifecycle.destroy),核查残留,出具销毁证明。",
          "Run a destruction job for the customers due (kitlib.lifecycle.destroy), verify residue and issue the certificate."),
    Check("C05", "每次销毁都有销毁证明", "Every destruction has a certificate",
          "PIPL Art. 47; the certificate is company policy", "medium", "destruction",
          "每次销毁都有一份与台账核对一致的销毁证明(出具证明是公司政策)。",
          "Every destruction has a certificate that checks against the ledger (issuing one is company policy).",
          "用 destruction_certificate 为该台账记录出具证明,并由见证人签字。",
          "Issue the certificate for that ledger entry with destruction_certificate and have the witness sign it."),
    Check("C06", "销毁后核查无残留", "No residue after destruction", "PIPL Art. 47", "high", "destruction",
          "每次销毁之后都做了残留核查,且最近一次核查没有发现残留。",
          "Every destruction was followed by a residue scan, and the latest scan found nothing.",
          "删除剩余副本后重新运行 scan_residue(ledger=...)。",
          "Destroy the remaining copies and run scan_residue(ledger=...) again."),
    Check("C07", "共享前完成影响评估", "An impact assessment before each share", "PIPL Arts. 55-56", "high",
          "impact_assessment",
          "向他人提供、委托处理或跨境提供之前,台账中已记录个人信息保护影响评估。",
          "Before providing, entrusting or transferring abroad, an impact assessment is recorded in the ledger.",
          "补做影响评估(kitlib.assessment.impact_assessment, ledger=...);在评估完成之前暂停该共享。",
          "Carry out the assessment (kitlib.assessment.impact_assessment, ledger=...); suspend the share until it is done."),
    Check("C08", "受托方和接收方协议齐全", "Agreements with processors and recipients are complete",
          "PIPL Arts. 21, 38-40; NDSMR Art. 12", "medium", "processor_contracts",
          "由其他方运行的系统都有协议,且协议通过共享清单的检查。",
          "Every system run by another party has an agreement that passes the sharing checklist.",
          "按清单补齐协议条款(kitlib.sharing.draft_agreement / check_agreement),重新签署。",
          "Complete the agreement by the checklist (kitlib.sharing.draft_agreement / check_agreement) and sign it again."),
    Check("C09", "请求按公司承诺的期限答复", "Requests answered within the company's commitment",
          "PIPL Arts. 44-50; the number of days is company policy", "medium", "requests",
          "每项请求都在公司承诺的期限内答复或说明理由拒绝(《个人信息保护法》没有规定天数)。",
          "Every request is answered, or refused with reasons, within the company's commitment (PIPL sets no number of days).",
          "立即答复逾期请求;检查请求队列的分派和提醒。",
          "Answer the overdue requests now; review how the request queue assigns and reminds."),
    Check("C10", "客户已被告知", "Customers have been told", "PIPL Arts. 17, 22", "medium", "customer_notices",
          "每位客户都收到了告知(联系方式变更、移交承继方或删除),台账中有通知记录。",
          "Every customer has been told (new contact details, transfer to the successor or deletion); the ledger records the notice.",
          "向未告知的客户发出告知函(kitlib.reports.generate_letters, ledger=...)。",
          "Send the letters to the customers not yet told (kitlib.reports.generate_letters, ledger=...)."),
    Check("C11", "员工定期培训", "Staff are trained regularly", "PIPL Art. 51; the interval is company policy",
          "medium", "training",
          "在职员工都在公司规定的周期内完成了本部门要求的培训模块。",
          "Every employee in service completed their department's modules within the company's cycle.",
          "安排逾期员工在宽限期内完成培训模块,并由部门负责人跟进。",
          "Have the overdue staff complete their modules within the grace period, followed up by their heads."),
    Check("C12", "敏感信息加密存储", "Sensitive data encrypted at rest", "PIPL Arts. 28, 51", "high", "encryption",
          "存有敏感或核心客户信息的电子系统启用静态加密。",
          "Electronic systems holding sensitive or core customer information are encrypted at rest.",
          "为该系统启用静态加密或加密相关列(kitlib.protect),无法加密的副本按期限删除。",
          "Encrypt the system at rest or its columns (kitlib.protect); delete copies that cannot be encrypted when due."),
    Check("C13", "每一列都已分类", "Every column is classified", "PIPL Art. 51", "low", "inventory",
          "清单中没有待复核(未能识别)的列。", "No column of the inventory is left for review (unrecognised).",
          "人工复核该列,在分类策略中登记其类别。", "Review the column by hand and record its kind in the classification policy."),
    Check("C14", "应急预案与演练", "Emergency plan and drills", "PIPL Art. 51; the drill interval is company policy",
          "medium", "drills",
          "有为本公司填写的应急预案,且在公司规定的间隔内进行过演练。",
          "An emergency plan filled in for the company exists, and a drill was held within the company's interval.",
          "用 kitlib.drills.plan.emergency_plan 制定预案并组织一次演练(模块09)。",
          "Draw up the plan with kitlib.drills.plan.emergency_plan and hold a drill (module 09)."),
    Check("C15", "安全事件已补救并通知", "Incidents remedied and notified", "PIPL Art. 57", "high",
          "incident_response",
          "台账中的每起安全事件之后都有通知记录(监管部门和个人)。",
          "Every incident in the ledger is followed by a notification (regulator and individuals).",
          "按第五十七条通知监管部门和受影响的个人,并在台账中引用该事件。",
          "Notify the regulator and the people affected under Art. 57 and cite the incident in the ledger."),
    Check("C16", "个人信息保护负责人", "Protection officer", "PIPL Art. 52 (threshold S)", "high",
          "officer_appointment",
          "处理人数达到网信部门门槛(二手资料:100万人)的,指定个人信息保护负责人。",
          "A handler above the CAC threshold (secondary source: 1 million people) appoints a protection officer.",
          "指定个人信息保护负责人,公开其联系方式并报送。", "Appoint the officer, publish the contact and report it."),
    Check("C17", "定期合规审计", "Regular compliance audits",
          "PIPL Art. 54 (two-year interval above 10 million people: S; below, company policy)", "low", "audits",
          "在法定或公司规定的间隔内进行过合规审计,台账中有记录。",
          "A compliance audit was recorded within the statutory or company interval.",
          "按公司政策的周期安排下一次审计,并把审计结果记入台账。",
          "Schedule the next audit on the company's cycle and record its result in the ledger."),
)}
