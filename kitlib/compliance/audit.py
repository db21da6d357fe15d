"""The compliance audit (PIPL Art. 54) of the case company, run over its real artefacts: the ledger,
the inventory, the retention schedule, the agreements, the emergency plan, the request policy and
the training records.

``audit(case, ledger=..., inventory=..., policies=..., store=..., today=...)`` runs the named checks
of ``checks.CHECKS`` and returns an :class:`AuditReport`: ``checks`` (one row per check: pass, fail
or n/a), ``findings`` (each with id, severity, criterion and article, what was found, evidence —
ledger seq and hash, system/table/column, file and line — the owner from the RACI and a
recommended action, in Chinese and English), ``measures`` (what the indicators read) and
``ledger_overview`` (entries by type).  With a ledger, the audit run itself is recorded ("change",
kind ``compliance_audit``).

policies (every key optional):
  ``retention``       the retention schedule: a path or RetentionSchedule (default: the kit's file)
  ``rights``          the request policy TOML (default: kitlib/rights/data/policy.toml)
  ``agreements``      {system id: agreement (dict or TOML path)} for the systems run by other parties
  ``emergency_plan``  the EmergencyPlan (kitlib.drills.plan) or the path of its written file
  ``certificates``    paths of destruction certificates (HTML) to check against the ledger
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..dates import to_date
from ..ledger import ENTRY_TYPES
from .checks import CHECKS, SEVERITIES
from .programme import ComplianceError, load_programme
from .raci import Raci, load_raci
from .training import TrainingRecords, _months_back, training_records

__all__ = ["Finding", "AuditReport", "audit", "FINDING_COLUMNS", "CHECK_COLUMNS"]

FINDING_COLUMNS = ["id", "check", "severity", "article", "criterion", "found", "evidence", "owner", "responsible",
                   "action"]
CHECK_COLUMNS = ["check", "title", "article", "status", "tested", "failed", "note"]
_POLICY_KEYS = {"retention", "rights", "agreements", "emergency_plan", "certificates"}
_STATUS = {"pass": ("通过", "pass"), "fail": ("不通过", "fail"), "n/a": ("不适用", "n/a")}


@dataclass(frozen=True)
class Finding:
    """One audit finding; ``evidence`` is a tuple of dicts (kind: ledger, table, system, file, store)."""
    id: str
    check: str
    severity: str
    found_zh: str
    found_en: str
    evidence: tuple
    owner_zh: str
    owner_en: str
    responsible_zh: str
    responsible_en: str
    key: str = ""            # what the finding is about (stable across audits: check + system, table, seq …)

    @property
    def definition(self):
        return CHECKS[self.check]

    @property
    def article(self) -> str:
        return self.definition.article

    def row(self, lang: str = "en") -> dict:
        zh = lang == "zh-CN"
        c = self.definition
        return {"id": self.id, "check": self.check, "severity": SEVERITIES[self.severity][0 if zh else 1],
                "article": c.article, "criterion": c.criterion_zh if zh else c.criterion_en,
                "found": self.found_zh if zh else self.found_en, "evidence": evidence_text(self.evidence),
                "owner": self.owner_zh if zh else self.owner_en,
                "responsible": self.responsible_zh if zh else self.responsible_en,
                "action": c.action_zh if zh else c.action_en}


def evidence_text(evidence) -> str:
    """The evidence as one line: ``ledger #12 (3fa2…)``, ``S04/tickets.text``, ``file:line``."""
    parts = []
    for e in evidence:
        kind = e.get("kind")
        if kind == "ledger":
            parts.append(f"ledger #{e['seq']} ({str(e['hash'])[:12]}…)" if e.get("hash") else f"ledger #{e['seq']}")
        elif kind == "system":
            cols = ",".join(e.get("columns", []))
            parts.append(f"{e['system']}/{e['table']}" + (f".{cols}" if cols else ""))
        elif kind == "table":
            bits = [e["table"]] + ([f"{e['column']}"] if e.get("column") else [])
            text = ".".join(bits)
            if e.get("rows") is not None:
                text += f" ({e['rows']} rows)"
            if e.get("examples"):
                text += " e.g. " + ", ".join(map(str, e["examples"]))
            parts.append(text)
        elif kind == "file":
            parts.append(f"{e['file']}:{e['line']}" if e.get("line") else str(e["file"]))
        else:
            parts.append(", ".join(f"{k}={v}" for k, v in e.items() if k != "kind"))
    return "; ".join(parts)


@dataclass
class AuditReport:
    today: dt.date
    company: tuple[str, str]
    checks: pd.DataFrame                 # check, status, tested, failed, note_zh, note_en
    findings: tuple[Finding, ...]
    measures: dict
    ledger_overview: pd.DataFrame
    notes: tuple[tuple[str, str], ...] = ()
    training: TrainingRecords | None = field(default=None, repr=False)
    entry: object = None
    inputs: dict = field(default_factory=dict, repr=False)

    def check_frame(self, lang: str = "en") -> pd.DataFrame:
        zh = lang == "zh-CN"
        rows = []
        for r in self.checks.itertuples(index=False):
            c = CHECKS[r.check]
            rows.append({"check": r.check, "title": c.title_zh if zh else c.title_en, "article": c.article,
                         "status": _STATUS[r.status][0 if zh else 1], "tested": r.tested, "failed": r.failed,
                         "note": r.note_zh if zh else r.note_en})
        return pd.DataFrame(rows, columns=CHECK_COLUMNS)

    def frame(self, lang: str = "en") -> pd.DataFrame:
        """The findings, most severe first."""
        return pd.DataFrame([f.row(lang) for f in self.findings], columns=FINDING_COLUMNS)

    def finding(self, finding_id: str) -> Finding:
        for f in self.findings:
            if f.id == finding_id:
                return f
        raise ComplianceError(f"no finding {finding_id!r}; findings are {', '.join(f.id for f in self.findings)}")

    def failed_checks(self) -> list[str]:
        return list(self.checks.loc[self.checks["status"] == "fail", "check"])

    def by_severity(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}

    def most_severe(self) -> Finding | None:
        """The first finding of the highest severity (findings are sorted that way)."""
        return self.findings[0] if self.findings else None

    def digest(self) -> str:
        payload = {"today": self.today.isoformat(), "checks": self.checks[["check", "status", "tested", "failed"]]
                   .to_dict("records"), "findings": [{"id": f.id, "found": f.found_en,
                                                      "evidence": evidence_text(f.evidence)} for f in self.findings]}
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def html(self, lang: str = "both") -> str:
        from .render import render
        return render("audit.html.j2", report=self, lang=lang)

    def markdown(self, lang: str = "both") -> str:
        from .render import render
        return render("audit.md.j2", report=self, lang=lang)

    def write(self, path, lang: str = "both") -> Path:
        from ..atomic import write_text_atomic
        path = Path(path)
        text = self.markdown(lang) if path.suffix == ".md" else self.html(lang)
        return write_text_atomic(path, text)


# -- helpers --------------------------------------------------------------------------------------

def _ev(entry) -> dict:
    return {"kind": "ledger", "seq": entry.seq, "hash": entry.hash, "type": entry.type}


def _day_of(entry) -> dt.date:
    return pd.Timestamp(entry.time).tz_convert("Asia/Shanghai").date()


class _Run:
    def __init__(self, case, ledger, inventory, policies, store, today, raci, programme, learners):
        self.case, self.ledger, self.store = case, ledger, store
        self.today = today
        self.raci, self.prog = raci, programme
        self.policies = policies
        self.learners = learners
        self.inventory = inventory
        self.entries = ledger.entries() if ledger is not None else []
        self.findings: list[Finding] = []
        self.results: dict[str, dict] = {}
        self.measures: dict = {}
        self.notes: list[tuple[str, str]] = []
        self.training = None

    # one finding
    def find(self, check: str, found_zh: str, found_en: str, evidence, severity: str | None = None,
             key: str = "") -> None:
        c = CHECKS[check]
        owner = self.raci.accountable(c.activity)
        resp = self.raci.responsible(c.activity)
        self.findings.append(Finding(
            "", check, severity or c.severity, found_zh, found_en, tuple(evidence), owner.name_zh, owner.name_en,
            "、".join(r.name_zh for r in resp), ", ".join(r.name_en for r in resp), f"{check}:{key}"))

    def result(self, check: str, status: str, tested: int, failed: int, note_zh: str = "", note_en: str = "") -> None:
        self.results[check] = {"check": check, "status": status, "tested": int(tested), "failed": int(failed),
                               "note_zh": note_zh, "note_en": note_en}

    def of_type(self, type_: str) -> list:
        return [e for e in self.entries if e.type == type_]

    def tokens(self, ids) -> dict[str, str]:
        return {self.ledger.subject_token(str(i)): str(i) for i in ids}


# -- the checks ----------------------------------------------------------------------------------

def _records(run: _Run) -> None:
    if run.ledger is None:
        run.find("C01", "没有提供台账:无法证明任何处理操作。", "No ledger was given: no processing can be shown.",
                 [{"kind": "store", "ledger": "none"}])
        run.result("C01", "fail", 1, 1)
        run.result("C02", "n/a", 0, 0, "没有台账。", "No ledger.")
        return
    run.result("C01", "pass", 1, 0, f"台账有{len(run.entries)}条记录。", f"The ledger holds {len(run.entries)} entries.")
    check = run.ledger.verify()
    if check.ok:
        run.result("C02", "pass", len(run.entries), 0, str(check), str(check))
    else:
        bad = next((e for e in run.entries if e.seq == check.first_bad_seq), None)
        evidence = [_ev(bad)] if bad is not None else [{"kind": "ledger", "seq": check.first_bad_seq, "hash": ""}]
        run.find("C02", f"台账链不完整:{check.problem}", f"The ledger chain does not verify: {check.problem}", evidence)
        run.result("C02", "fail", len(run.entries), 1, check.problem or "", check.problem or "")


def _schedule(run: _Run):
    from ..lifecycle.schedule import RetentionSchedule, ScheduleError, load_schedule
    source = run.policies.get("retention")
    try:
        sched = source if isinstance(source, RetentionSchedule) else load_schedule(source)
    except ScheduleError as exc:
        where = str(exc).split(": ", 1)[0]
        file, _, line = where.partition(":")
        run.find("C03", f"保存期限表无法读取:{exc}", f"The retention schedule does not load: {exc}",
                 [{"kind": "file", "file": file, "line": int(line) if line.isdigit() else 0}])
        run.result("C03", "fail", 1, 1)
        return None
    name = Path(str(sched.source)).name if getattr(sched, "source", None) else "retention.toml"
    records = [r for r in sched.rules if "access_log" in r.covers_tables or "processing_records_3y" in r.covers_basis]
    long_enough = [r for r in records if r.period.kind == "permanent" or
                   (r.period.kind == "fixed" and r.period.years * 12 + r.period.months >= 36)]
    if long_enough:
        rule = long_enough[0]
        run.result("C03", "pass", len(sched.rules), 0, f"规则 {rule.id}:{rule.period.text('zh-CN')}。",
                   f"Rule {rule.id}: {rule.period.text('en')}.")
    else:
        what = (f"处理记录的规则 {records[0].id} 只保存{records[0].period.text('zh-CN')}。" if records else
                "没有规则覆盖处理记录(访问日志)。",
                f"The processing-records rule {records[0].id} keeps them {records[0].period.text('en')}." if records else
                "No rule covers processing records (the access log).")
        run.find("C03", what[0], what[1], [{"kind": "file", "file": name, "line": 0,
                                            **({"rule": records[0].id} if records else {})}])
        run.result("C03", "fail", len(sched.rules), 1)
    return sched


def _destruction_acts(run: _Run) -> tuple[list, list]:
    """(binding destruction entries, residue verifications) in ledger order."""
    destruction = run.of_type("destruction")
    cited = {s.get("entry_seq") for e in destruction if e.details.get("operation") == "destruction_job"
             for s in e.details.get("steps", [])}
    verifications = [e for e in destruction if e.details.get("operation") == "residue_verification"]
    acts = [e for e in destruction if e.details.get("operation") != "residue_verification" and e.seq not in cited]
    return acts, verifications


def _overdue(run: _Run, sched, acts) -> None:
    from ..lifecycle.retention import plan_retention
    if sched is None:
        run.result("C04", "n/a", 0, 0, "保存期限表无法读取。", "The retention schedule did not load.")
        run.measures["overdue_deletions"] = None
        return
    plan = plan_retention(run.case, sched, today=run.today)
    due = plan.due_for_deletion(run.today)
    customers = set(run.case["customers"]["customer_id"].astype(str))
    due = due[due["customer_id"].astype(str).isin(customers)]
    if run.ledger is not None and len(due):
        destroyed_tokens = {t for e in acts for t in e.subjects}
        ids = due["customer_id"].astype(str).unique()
        tokens = run.tokens(ids)
        destroyed = {cid for tok, cid in tokens.items() if tok in destroyed_tokens}
        due = due[~due["customer_id"].astype(str).isin(destroyed)]
    run.measures["overdue_deletions"] = int(len(due))
    tested = int(plan.records["customer_id"].astype(str).isin(customers).sum())
    if not len(due):
        run.result("C04", "pass", tested, 0, f"截至{run.today}没有逾期未删除的客户记录。",
                   f"No customer record overdue for deletion on {run.today}.")
        return
    for table, group in due.groupby("table", observed=True, sort=True):
        first = pd.Timestamp(group["delete_on"].min()).date()
        run.find("C04", f"{table} 表有{len(group)}条记录({group['customer_id'].nunique()}位客户)已到删除日期"
                        f"(最早为{first}),台账中没有其销毁记录。",
                 f"{table}: {len(group)} records ({group['customer_id'].nunique()} customers) were due for deletion "
                 f"from {first}; the ledger records no destruction of them.",
                 [{"kind": "table", "table": str(table), "rows": int(len(group)),
                   "examples": [str(x) for x in group["row_id"].head(3)]}], key=str(table))
    run.result("C04", "fail", tested, len(due))


def _certificates(run: _Run, acts) -> None:
    from ..lifecycle.certificate import CertificateError, check_certificate
    paths = list(run.policies.get("certificates") or [])
    covered: set[int] = set()
    for path in paths:
        try:
            result = check_certificate(Path(path), run.ledger) if run.ledger is not None else None
        except CertificateError as exc:
            run.notes.append((f"证明文件无法读取:{exc}", f"A certificate could not be read: {exc}"))
            continue
        if result is not None and result.ok:
            covered |= {int(s) for s in result.seqs}
        elif result is not None:
            run.notes.append((f"{Path(path).name}:与台账不符({'; '.join(result.problems)})",
                              f"{Path(path).name}: does not match the ledger ({'; '.join(result.problems)})"))
    if not acts:
        run.result("C05", "n/a", 0, 0, "台账中没有销毁。", "No destruction in the ledger.")
        run.measures["destructions_certified_rate"] = None
        return
    missing = [e for e in acts if e.seq not in covered]
    for e in missing:
        what = e.details.get("operation") or e.details.get("method") or "destruction"
        run.find("C05", f"台账第{e.seq}条销毁({what},{len(e.subjects)}位客户)没有与台账核对一致的销毁证明。",
                 f"Destruction #{e.seq} ({what}, {len(e.subjects)} customers) has no certificate that checks "
                 f"against the ledger.", [_ev(e)], key=str(e.seq))
    run.measures["destructions_certified_rate"] = round((len(acts) - len(missing)) / len(acts), 4)
    run.result("C05", "fail" if missing else "pass", len(acts), len(missing))


def _residue(run: _Run, acts, verifications) -> None:
    jobs = [e for e in acts if e.details.get("operation") not in ("paper",) and "key_id" not in e.details]
    if not jobs:
        run.result("C06", "n/a", 0, 0, "没有需要核查的电子销毁。", "No electronic destruction to verify.")
        run.measures["residue_after_destruction"] = None
        return
    failed, residue = 0, 0
    for i, job in enumerate(jobs):
        nxt = jobs[i + 1].seq if i + 1 < len(jobs) else float("inf")
        after = [v for v in verifications if job.seq < v.seq < nxt]
        if not after:
            failed += 1
            run.find("C06", f"台账第{job.seq}条销毁之后没有残留核查记录。",
                     f"Destruction #{job.seq} was not followed by a residue scan.", [_ev(job)], key=str(job.seq))
            continue
        last = after[-1]
        found = int(last.details.get("residues", 0)) + int(last.details.get("unscanned", 0))
        residue += int(last.details.get("residues", 0))
        if found:
            failed += 1
            run.find("C06", f"台账第{last.seq}条核查在销毁#{job.seq}之后仍发现{last.details.get('residues', 0)}处残留、"
                            f"{last.details.get('unscanned', 0)}个文件未能读取。",
                     f"Scan #{last.seq} after destruction #{job.seq} still found {last.details.get('residues', 0)} "
                     f"residues and {last.details.get('unscanned', 0)} unreadable files.", [_ev(last), _ev(job)],
                     key=str(job.seq))
    run.measures["residue_after_destruction"] = residue
    run.result("C06", "fail" if failed else "pass", len(jobs), failed)


def _shares(run: _Run) -> None:
    shares = [e for e in run.of_type("share") if e.details.get("operation") in ("share", "authorize")]
    pias = [e for e in run.of_type("change") if e.details.get("kind") == "impact_assessment"]
    if not shares:
        run.result("C07", "n/a", 0, 0, "台账中没有共享。", "No share in the ledger.")
        run.measures["shares_assessed_rate"] = None
        return
    missing = []
    for e in shares:
        before = [p for p in pias if p.seq < e.seq]
        if not before:
            missing.append(e)
            who = e.details.get("recipient", "?")
            run.find("C07", f"台账第{e.seq}条共享(接收方 {who},{len(e.subjects)}位客户)之前没有影响评估记录。",
                     f"Share #{e.seq} (to {who}, {len(e.subjects)} customers) has no impact assessment recorded "
                     f"before it.", [_ev(e)], key=str(e.seq))
    run.measures["shares_assessed_rate"] = round((len(shares) - len(missing)) / len(shares), 4)
    run.result("C07", "fail" if missing else "pass", len(shares), len(missing))


def _agreements(run: _Run) -> None:
    from ..sharing import check_agreement
    from ..sharing.errors import SharingError
    systems = run.case["systems"]
    holding = set(run.case["system_tables"]["system_id"].astype(str))
    given = dict(run.policies.get("agreements") or {})
    unknown = sorted(set(given) - set(systems["system_id"].astype(str)))
    if unknown:
        raise ComplianceError(f"policies.agreements: {unknown[0]!r} is not a system of the case")
    tested = failed = 0
    for proc in run.prog.processors:
        row = systems[systems["system_id"] == proc.system]
        if row.empty or proc.system not in holding:
            continue
        tested += 1
        name_zh, name_en = str(row.iloc[0]["name_zh"]), str(row.iloc[0]["name_en"])
        agreement = given.get(proc.system)
        if agreement is None:
            failed += 1
            run.find("C08", f"系统 {proc.system}({name_zh})由其他方运行,但没有协议。",
                     f"System {proc.system} ({name_en}) is run by another party but has no agreement.",
                     [{"kind": "system", "system": proc.system, "table": "systems", "flow": proc.flow}], key=proc.system)
            continue
        try:
            problems = check_agreement(agreement, proc.flow, purpose=proc.purpose or None, on=run.today)
        except (SharingError, ValueError) as exc:
            problems = [str(exc)]
        if problems:
            failed += 1
            fields = ", ".join(p.field if hasattr(p, "field") else str(p) for p in problems)
            first = problems[0]
            evidence = [{"kind": "file", "file": getattr(first, "where", "agreement"), "line": getattr(first, "line", 0),
                         "field": getattr(first, "field", "")}]
            run.find("C08", f"系统 {proc.system}({name_zh})的协议缺少或不符合:{fields}。",
                     f"The agreement for {proc.system} ({name_en}) is missing or wrong in: {fields}.", evidence,
                     key=proc.system)
    run.result("C08", "fail" if failed else ("pass" if tested else "n/a"), tested, failed)


def _requests(run: _Run) -> None:
    from ..rights.deadlines import due_date, load_policy
    rights = run.policies.get("rights")
    days = load_policy(rights).working_days if rights else load_policy().working_days
    entries = run.of_type("request")
    by_id: dict[str, list] = {}
    for e in entries:
        rid = e.details.get("request_id")
        if rid:
            by_id.setdefault(str(rid), []).append(e)
    counted = on_time = 0
    for rid, group in sorted(by_id.items()):
        received = to_date(group[0].details.get("received_on"))
        if received is None:
            continue
        due = due_date(received, days)
        done = [e for e in group if e.details.get("to") in ("answered", "refused")]
        answered = to_date(done[0].details.get("on")) if done else None
        if answered is None and run.today <= due:
            continue                                    # open and not yet due: not counted
        counted += 1
        if answered is not None and answered <= due:
            on_time += 1
            continue
        if answered is not None:
            what = (f"请求 {rid} 于{received}收到,应在{due}前答复,实际{answered}答复。",
                    f"Request {rid} received {received}, due {due} ({days} working days), answered {answered}.")
            evidence = [_ev(group[0]), _ev(done[0])]
        else:
            what = (f"请求 {rid} 于{received}收到,应在{due}前答复,截至{run.today}仍未答复。",
                    f"Request {rid} received {received}, due {due} ({days} working days), still open on {run.today}.")
            evidence = [_ev(group[0])]
        run.find("C09", what[0], what[1], evidence, key=rid)
    run.measures["requests"] = {"received": len(by_id), "counted": counted, "on_time": on_time}
    run.measures["request_on_time_rate"] = round(on_time / counted, 4) if counted else None
    note = (f"公司承诺{days}个工作日(公司政策,法律未规定天数)。", f"Company commitment: {days} working days (policy; PIPL sets none).")
    run.result("C09", "n/a" if not counted else ("fail" if on_time < counted else "pass"), counted, counted - on_time,
               *note)


def _notified(run: _Run) -> None:
    ids = run.case["customers"]["customer_id"].astype(str)
    notices = run.of_type("notification")
    told = {t for e in notices for t in e.subjects}
    tokens = run.tokens(ids) if run.ledger is not None else {}
    done = sum(1 for tok in tokens if tok in told)
    n = len(ids)
    run.measures["customers_notified"] = done
    run.measures["customers_notified_rate"] = round(done / n, 4) if n else None
    if done < n:
        kinds = sorted({str(e.details.get("kind", "")) for e in notices if e.details.get("kind")})
        run.find("C10", f"{n}位客户中有{n - done}位没有告知记录(台账中的通知:{len(notices)}条)。",
                 f"{n - done} of {n} customers have no notice in the ledger ({len(notices)} notification entries"
                 + (f", kinds {', '.join(kinds)}" if kinds else "") + ").",
                 [{"kind": "table", "table": "customers", "rows": n - done}] + [_ev(e) for e in notices[-1:]])
    run.result("C10", "fail" if done < n else "pass", n, n - done)


def _training(run: _Run) -> None:
    store = run.store
    if store is None and run.ledger is not None:
        rows = [{"learner": e.actor, "module": e.details["module"], "completed_at": e.time}
                for e in run.of_type("training") if "module" in e.details]
        store = pd.DataFrame(rows, columns=["learner", "module", "completed_at"])
        run.notes.append(("没有提供学习记录库:培训情况取自台账中的培训记录。",
                          "No progress store was given: training is read from the ledger's training entries."))
    records = training_records(run.case["employees"], store, today=run.today, learners=run.learners,
                               programme=run.prog)
    run.training = records
    run.measures["training_coverage"] = records.coverage
    overdue = records.overdue
    for dept, group in overdue.groupby("department", sort=True):
        staff = int(records.by_department.loc[records.by_department["department"] == dept, "staff"].iloc[0])
        run.find("C11", f"{dept}:{len(group)}/{staff}名员工培训逾期(缺:{'; '.join(sorted(set(group['missing'])))})。",
                 f"{dept}: {len(group)} of {staff} employees overdue (missing modules: "
                 f"{'; '.join(sorted(set(group['missing'])))}).",
                 [{"kind": "table", "table": "employees", "rows": len(group),
                   "examples": list(group["employee_id"].head(5))}], key=str(dept))
    run.result("C11", "fail" if len(overdue) else "pass", len(records.by_employee), len(overdue),
               records.summary("zh-CN"), records.summary("en"))


def _encryption(run: _Run) -> None:
    inv = run.inventory
    systems = run.case["systems"].set_index("system_id")
    sensitive = inv[inv["tier"].isin(["sensitive", "core"]) & (inv["system"].astype(str) != "")]
    electronic = [s for s in systems.index if systems.loc[s, "kind"] != "paper_archive"]
    bad = 0
    for sid in electronic:
        if bool(systems.loc[sid, "encrypted_at_rest"]):
            continue
        rows = sensitive[sensitive["system"] == sid]
        if rows.empty:
            continue
        bad += 1
        evidence = [{"kind": "system", "system": sid, "table": t, "columns": list(g["column"])}
                    for t, g in rows.groupby("table", sort=True)]
        tiers = sorted(set(rows["tier"]))
        run.find("C12", f"系统 {sid}({systems.loc[sid, 'name_zh']})未静态加密,却存有{len(rows)}个"
                        f"{'/'.join({'core': '核心', 'sensitive': '敏感'}[t] for t in tiers)}列。",
                 f"System {sid} ({systems.loc[sid, 'name_en']}) is not encrypted at rest but holds {len(rows)} "
                 f"{'/'.join(tiers)} columns.", evidence, key=sid)
    run.measures["unencrypted_sensitive_systems"] = bad
    run.result("C12", "fail" if bad else "pass", len(electronic), bad,
               "纸质档案不在本项检查范围内(以上锁和出入登记保护)。",
               "Paper archives are outside this check (protected by locks and access registers).")


def _classification(run: _Run) -> None:
    inv = run.inventory
    review = inv[inv["tier"] == "review"]
    for r in review.itertuples(index=False):
        run.find("C13", f"{r.system or '?'}/{r.table}.{r.column} 待复核:没有识别出内容类别。",
                 f"{r.system or '?'}/{r.table}.{r.column} is left for review: its kind was not recognised.",
                 [{"kind": "table", "table": r.table, "column": r.column}], key=f"{r.system}/{r.table}.{r.column}")
    run.result("C13", "fail" if len(review) else "pass", len(inv), len(review))


def _plan_and_drills(run: _Run) -> None:
    plan = run.policies.get("emergency_plan")
    failed = 0
    if plan is None:
        failed += 1
        run.find("C14", "没有为本公司填写的应急预案。", "No emergency plan filled in for the company.",
                 [{"kind": "file", "file": "emergency plan", "line": 0}], key="plan")
    elif isinstance(plan, (str, Path)) and not Path(plan).is_file():
        failed += 1
        run.find("C14", f"应急预案文件 {Path(plan).name} 不存在。", f"The emergency plan file {Path(plan).name} does not exist.",
                 [{"kind": "file", "file": str(plan), "line": 0}], key="plan")
    months = int(run.prog.audit["drill_interval_months"])
    since = _months_back(run.today, months)
    drills = [e for e in run.of_type("training") if "exercise" in e.details or
              e.details.get("operation") == "drill_evidence"]
    recent = [e for e in drills if _day_of(e) >= since]
    if not recent:
        failed += 1
        last = drills[-1] if drills else None
        run.find("C14", f"自{since}以来没有演练记录(公司政策:每{months}个月至少一次)。",
                 f"No drill recorded since {since} (company policy: at least every {months} months).",
                 [_ev(last)] if last is not None else [{"kind": "ledger", "seq": "-", "type": "training"}], key="drill")
    run.measures["drills"] = len({e.details.get("run") or e.seq for e in drills})
    run.result("C14", "fail" if failed else "pass", 2, failed)


def _incidents(run: _Run) -> None:
    incidents = run.of_type("incident")
    notices = run.of_type("notification")
    missing = []
    for e in incidents:
        if not any(n.seq > e.seq and n.details.get("incident_seq") == e.seq for n in notices):
            missing.append(e)
            run.find("C15", f"台账第{e.seq}条安全事件之后没有引用它的通知记录。",
                     f"Incident #{e.seq} has no notification citing it (incident_seq).", [_ev(e)], key=str(e.seq))
    run.measures["incidents"] = len(incidents)
    run.result("C15", "n/a" if not incidents else ("fail" if missing else "pass"), len(incidents), len(missing))


def _officer(run: _Run) -> None:
    a = run.prog.audit
    people = len(run.case["customers"])
    emp = run.case["employees"]
    active = emp[emp["left_on"].isna()] if "left_on" in emp else emp
    officers = active[active["role"] == a["officer_role_zh"]] if "role" in active else active.iloc[0:0]
    threshold = int(a["officer_threshold_people"])
    if people >= threshold and officers.empty:
        run.find("C16", f"处理{people:,}人的个人信息,达到门槛({threshold:,}人,S),但没有个人信息保护负责人。",
                 f"Personal information of {people:,} people, at or above the threshold ({threshold:,}, S), "
                 f"and no protection officer.", [{"kind": "table", "table": "employees", "column": "role"}])
        run.result("C16", "fail", 1, 1)
        return
    has = (f"公司已指定({', '.join(officers['employee_id'])})。", f"The company has one ({', '.join(officers['employee_id'])}).") \
        if len(officers) else ("公司没有指定。", "The company has none.")
    run.result("C16", "pass" if people >= threshold else "n/a", 1, 0,
               f"{people:,}人,低于门槛{threshold:,}人(S),法律不要求;" + has[0] if people < threshold else has[0],
               (f"{people:,} people, below the {threshold:,} threshold (S): not required by law; " + has[1])
               if people < threshold else has[1])


def _audit_cadence(run: _Run) -> None:
    a = run.prog.audit
    people = len(run.case["customers"])
    statutory = people > int(a["statutory_people"])
    months = int(a["statutory_interval_months"] if statutory else a["policy_interval_months"])
    since = _months_back(run.today, months)
    audits = [e for e in run.of_type("change") if e.details.get("kind") == "compliance_audit"]
    recent = [e for e in audits if (d := to_date(e.details.get("audit_day"))) is not None and since <= d <= run.today]
    basis = ((f"处理超过{int(a['statutory_people']):,}人:《合规审计管理办法》要求至少每两年一次(S)。",
              f"Over {int(a['statutory_people']):,} people: the Compliance Audit Measures require one at least every two years (S).")
             if statutory else
             (f"处理{people:,}人,远低于{int(a['statutory_people']):,}人:法定两年周期不适用;本工具包每{months}个月一次的周期是公司政策。",
              f"{people:,} people, far below {int(a['statutory_people']):,}: the statutory two-year cycle does not apply; "
              f"the kit's {months}-month cadence is company policy."))
    run.notes.append(basis)
    if not recent:
        run.find("C17", f"自{since}以来台账中没有合规审计记录。", f"No compliance audit recorded since {since}.",
                 [_ev(audits[-1])] if audits else [{"kind": "ledger", "seq": "-", "type": "change"}])
    run.result("C17", "fail" if not recent else "pass", len(audits), 0 if recent else 1, *basis)


def audit(case, *, ledger=None, inventory=None, policies=None, store=None, today=None, raci=None, programme=None,
          learners=None, record: bool = True, actor: str = "kitlib.compliance") -> AuditReport:
    """Audit the case company on ``today`` (default: the case's data cut-off day).

    inventory: ``kitlib.classify.inventory`` frame (default: computed from the case);
    store: the progress store (or its completions) for training; without one, the ledger's training
    entries; raci / programme: paths or loaded objects (default: the kit's data files);
    learners: {learner: employee_id}; record: with a ledger, append the audit run to it."""
    from ..classify import inventory as build_inventory
    day = to_date(today if today is not None else case.company.get("data_cutoff"))
    if day is None:
        raise ComplianceError(f"today: {today!r} is not a date (YYYY-MM-DD)")
    policies = dict(policies or {})
    unknown = sorted(set(policies) - _POLICY_KEYS)
    if unknown:
        raise ComplianceError(f"policies: unknown key {unknown[0]!r}; use {', '.join(sorted(_POLICY_KEYS))}")
    raci_obj = raci if isinstance(raci, Raci) else load_raci(raci)
    prog = load_programme(programme)
    if inventory is None:
        inventory = build_inventory(case, lang="en")
    for col in ("system", "table", "column", "tier"):
        if col not in inventory.columns:
            raise ComplianceError(f"inventory: no column {col!r} (give a kitlib.classify.inventory frame)")
    run = _Run(case, ledger, inventory, policies, store, day, raci_obj, prog, learners)
    _records(run)
    sched = _schedule(run)
    acts, verifications = _destruction_acts(run) if ledger is not None else ([], [])
    _overdue(run, sched, acts)
    _certificates(run, acts)
    _residue(run, acts, verifications)
    _shares(run)
    _agreements(run)
    _requests(run)
    _notified(run)
    _training(run)
    _encryption(run)
    _classification(run)
    _plan_and_drills(run)
    _incidents(run)
    _officer(run)
    _audit_cadence(run)

    rank = {s: v[2] for s, v in SEVERITIES.items()}
    ordered = sorted(run.findings, key=lambda f: (-rank[f.severity], f.check))
    counters: dict[str, int] = {}
    findings = []
    for f in ordered:
        counters[f.check] = counters.get(f.check, 0) + 1
        findings.append(Finding(f"{f.check}-{counters[f.check]}", *[getattr(f, k) for k in
                                ("check", "severity", "found_zh", "found_en", "evidence", "owner_zh", "owner_en",
                                 "responsible_zh", "responsible_en", "key")]))
    run.measures["findings_open"] = len(findings)
    run.measures["findings_open_high"] = sum(f.severity == "high" for f in findings)
    checks = pd.DataFrame([run.results[c] for c in CHECKS], columns=["check", "status", "tested", "failed",
                                                                      "note_zh", "note_en"])
    counts = pd.Series([e.type for e in run.entries], dtype="object").value_counts()
    overview = pd.DataFrame({"type": list(ENTRY_TYPES), "entries": [int(counts.get(t, 0)) for t in ENTRY_TYPES]})
    company = case.company
    report = AuditReport(day, (str(company["name_zh"]), str(company["name_en"])), checks, tuple(findings),
                         run.measures, overview, tuple(run.notes), run.training,
                         inputs={"ledger": ledger, "inventory": inventory, "policies": policies, "store": store,
                                 "raci": raci_obj, "programme": prog, "learners": learners, "actor": actor})
    if ledger is not None and record:
        report.entry = ledger.append("change", actor=actor, subjects=[], details={
            "kind": "compliance_audit", "basis": "PIPL Art. 54", "audit_day": day.isoformat(),
            "checks": len(checks), "failed": report.failed_checks(), "findings": report.by_severity(),
            "report_sha256": report.digest()})
    return report
