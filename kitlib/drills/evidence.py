"""Evidence for breach drills, made per run from the synthetic case, and the checkers that mark
a team's findings against its ground truth.

``make_evidence(kind, case, seed, out_dir)`` writes the artefacts a team works on and returns an
:class:`Evidence` whose ``truth`` (a :class:`ScopeTruth`) is computed from the same data:

* ``crm_export``  a departing marketing specialist exports a customer segment from the CRM on an
  evening of the office move.  Artefacts: the access log with the export hidden among the
  normal Monday exports, the CRM's export jobs and export audit, and a sample of the file offered
  for sale (columns renamed, values masked, fake rows added) whose customer ids carry the
  generator's watermark (``kitlib.synth.check_ids`` separates the real rows from the fakes).
* ``backup_ransomware``  the migration's backup server is encrypted by ransomware mid-migration.
  Artefacts: the server as found (``*.locked``), its file inventory from the night before, the
  migration batches, the off-site copies (real ``kitlib.lifecycle`` backup archives) and the key.
* ``paper_found``  boxes of paper contracts and consent forms turn up at a recycling station after
  the move-out.  Artefacts: the list of documents found; the team maps them to customers through
  accounts and consents and checks the retention plan (``kitlib.lifecycle.plan_retention``).

The grade follows the CAC's 2025 incident-reporting measures as summarised in the kit's legal
reference (marked S there): personal-information leaks of 1 million people or more are
relatively major (较大), 10 million major, 100 million particularly major; relatively major or above
must be reported — by an ordinary network operator such as the case company (a joint venture, not
a critical-infrastructure operator nor a state body) to the provincial CAC within 4 hours at the
latest.  Below that grade the measures' 4-hour duty does not apply, but PIPL Art. 57 still asks the
handler to remedy at once and notify the regulator and the individuals (no hour deadline); notice
to individuals may be skipped only where the measures effectively avoid harm.

Checkers: ``CHECKERS[name](answer, evidence) -> CheckResult`` (``evidence``: an Evidence or its
ScopeTruth); a CheckResult unpacks as ``correct, share, explanation`` (explanation: {"zh-CN", "en"}).
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_bytes_atomic, write_text_atomic
from ..learn.labelling import CATEGORIES
from ..synth.watermark import check_ids

__all__ = ["EVIDENCE_KINDS", "GRADES", "REPORT_HOURS", "CHECKERS", "EvidenceError", "CheckResult", "ScopeTruth",
           "Evidence", "ReportingDuty", "grade_incident", "reporting_duty", "make_evidence", "check_scope",
           "check_customers", "check_categories", "check_sensitive", "check_minors", "check_people",
           "check_grade", "check_report_deadline", "check_notify", "check_archives", "check_overdue",
           "check_affected_customers"]

EVIDENCE_KINDS = ("crm_export", "backup_ransomware", "paper_found")

# (code, zh, en, at least this many people) — legal.md, CAC 2025 reporting measures (S).
GRADES = (("particularly_major", "特别重大", "particularly major", 100_000_000),
          ("major", "重大", "major", 10_000_000),
          ("relatively_major", "较大", "relatively major", 1_000_000),
          ("general", "一般", "general", 0))
# Hours to report an incident graded relatively major or above, by kind of operator (legal.md, S).
REPORT_HOURS = {"cii": 1, "state_body": 2, "ordinary": 4}
_REPORT_TO = {"cii": ("按规定报告(关键信息基础设施运营者)", "as the rules require (critical-infrastructure operator)"),
              "state_body": ("按规定报告(中央和国家机关)", "as the rules require (central and state bodies)"),
              "ordinary": ("属地省级网信部门", "the provincial CAC")}
_TS = "%Y-%m-%d %H:%M:%S"


class EvidenceError(ValueError):
    """Bad input to the evidence maker or a checker; the message is one line naming the field."""


# -- grading and the reporting duty -------------------------------------------------------------

def grade_incident(people: int) -> str:
    """The grade code of a personal-information leak of ``people`` people (CAC 2025 measures)."""
    if isinstance(people, bool) or not isinstance(people, (int, np.integer)) or people < 0:
        raise EvidenceError(f"people: a non-negative whole number is needed, got {people!r}")
    return next(code for code, _, _, least in GRADES if people >= least)


@dataclass(frozen=True)
class ReportingDuty:
    """Whether and when to report: ``hours`` is None when the 2025 measures set no deadline."""
    grade: str
    must_report: bool
    hours: int | None
    to: dict
    why: dict


def reporting_duty(grade: str, operator: str = "ordinary") -> ReportingDuty:
    """The duty for ``grade`` and an operator kind: "ordinary" (the case company), "cii", "state_body"."""
    labels = {code: (zh, en) for code, zh, en, _ in GRADES}
    if grade not in labels:
        raise EvidenceError(f"grade: unknown grade {grade!r}; one of {', '.join(labels)}")
    if operator not in REPORT_HOURS:
        raise EvidenceError(f"operator: unknown operator kind {operator!r}; one of {', '.join(REPORT_HOURS)}")
    zh, en = labels[grade]
    if grade != "general":
        hours, (to_zh, to_en) = REPORT_HOURS[operator], _REPORT_TO[operator]
        return ReportingDuty(grade, True, hours, {"zh-CN": to_zh, "en": to_en}, {
            "zh-CN": f"事件定级为{zh}(较大及以上),须在{hours}小时内报告{to_zh}(《国家网络安全事件报告管理办法》,2025);"
                     "同时按《个人信息保护法》第五十七条通知个人。",
            "en": f"Graded {en} (relatively major or above): report to {to_en} within {hours} hours (CAC incident-"
                  "reporting measures, 2025), and notify individuals under PIPL Art. 57."})
    return ReportingDuty(grade, False, None, {"zh-CN": "履行职责的部门(第五十七条,无小时时限)",
                                              "en": "the regulator (PIPL Art. 57, no hour deadline)"}, {
        "zh-CN": "事件定级为一般(低于较大):2025年报告办法的4小时报告义务不适用;但《个人信息保护法》第五十七条仍要求立即补救,"
                 "并通知履行个人信息保护职责的部门和个人(该法未规定小时时限;措施能有效避免危害的,可不通知个人)。",
        "en": "Graded general (below relatively major): the 2025 measures' 4-hour duty does not apply, but PIPL "
              "Art. 57 still requires remedying at once and notifying the regulator and the individuals (PIPL sets no "
              "hour deadline; individual notice may be skipped where the measures effectively avoid harm)."})


# -- the truth and the evidence -----------------------------------------------------------------

@dataclass(frozen=True)
class ScopeTruth:
    """What really happened, computed from the case: the answer key of a drill's hands-on tasks."""
    kind: str
    customer_ids: tuple[str, ...]            # customers whose data was exposed (readable by others)
    affected_customer_ids: tuple[str, ...]   # customers on the compromised medium (exposed or not)
    categories: tuple[str, ...]              # PIPL categories exposed (kitlib.learn.labelling.CATEGORIES)
    sensitive: bool                          # any PIPL Art. 28 information exposed
    sensitive_categories: tuple[str, ...]
    minors: bool                             # any minor under 14 among the exposed
    minor_ids: tuple[str, ...]
    guardians: int                           # guardians whose own details were exposed
    people_factor: int                       # each customer stands for this many people (variants)
    people: int                              # (customers + guardians) x people_factor
    grade: str
    must_report: bool
    report_hours: int | None
    report_to: dict
    discovered_at: str                       # "YYYY-MM-DD HH:MM:SS", the exercise's story time
    report_by: str | None
    notify_individuals: bool
    archives: tuple[str, ...] = ()           # backup_ransomware: archives hit on the server
    overdue_documents: tuple[str, ...] = ()  # paper_found: documents already due for destruction
    notes: tuple[dict, ...] = ()

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Evidence:
    """One run's evidence: the artefacts written, the truth, the story and facts injects may cite."""
    kind: str
    seed: int
    truth: ScopeTruth
    artefacts: dict
    story: dict
    facts: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    def artefact(self, name: str) -> Path:
        if name not in self.artefacts:
            raise EvidenceError(f"artefact: no artefact {name!r}; have {', '.join(self.artefacts)}")
        return self.artefacts[name]

    def write_answer_key(self, path) -> Path:
        """The facilitator's answer key (truth, facts, story) as JSON, atomically; keep it away from teams."""
        data = {"kind": self.kind, "seed": self.seed, "params": self.params, "story": self.story,
                "facts": self.facts, "truth": self.truth.to_dict()}
        return write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@dataclass
class _Exposure:
    """What a kind's builder found: exposed customers and (table, column) fields, per customer group."""
    exposed: list[str]
    fields: set
    affected: list[str] | None = None
    guardian_fields: bool = False
    discovered_at: pd.Timestamp | None = None
    archives: tuple = ()
    overdue: tuple = ()
    notify: bool | None = None
    notes: list = field(default_factory=list)
    story: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    artefacts: dict = field(default_factory=dict)


_PARAMS = {"crm_export": {"people_factor", "sample_share", "fake_rows", "masked", "segment"},
           "backup_ransomware": {"people_factor", "batches", "key_on_server"},
           "paper_found": {"people_factor", "documents", "foreign_documents"}}


def make_evidence(kind: str, case, seed: int, out_dir, *, params: Mapping | None = None, ledger=None,
                  actor: str = "kit") -> Evidence:
    """Write the artefacts of ``kind`` for ``case`` under ``out_dir`` and return the Evidence.

    Same case, kind, seed and params: the same truth and the same CSV artefacts (encrypted archives
    differ byte for byte — fresh nonces — but hold the same content).  params (all optional):
    people_factor (each customer stands for this many people, to rehearse a large leak); crm_export:
    segment (0-2), sample_share (0-1], fake_rows, masked; backup_ransomware: batches (3-10),
    key_on_server; paper_found: documents, foreign_documents.  With ``ledger``, one "training" entry
    records the making (subjects: the exposed customers; details: counts only).
    """
    if kind not in EVIDENCE_KINDS:
        raise EvidenceError(f"kind: unknown evidence kind {kind!r}; one of {', '.join(EVIDENCE_KINDS)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise EvidenceError(f"seed: a non-negative whole number is needed, got {seed!r}")
    params = dict(params or {})
    unknown = sorted(set(params) - _PARAMS[kind])
    if unknown:
        raise EvidenceError(f"params.{unknown[0]}: unknown parameter for {kind}; allowed: {', '.join(sorted(_PARAMS[kind]))}")
    factor = _int_param(params, "people_factor", 1, 1, 10**9)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([int(seed), EVIDENCE_KINDS.index(kind)])
    builder = {"crm_export": _crm_export, "backup_ransomware": _backup_ransomware, "paper_found": _paper_found}[kind]
    exposure = builder(case, rng, params, out)
    truth = _truth(kind, case, exposure, factor)
    evidence = Evidence(kind, int(seed), truth, exposure.artefacts, exposure.story, exposure.facts, params)
    if ledger is not None:
        ledger.append("training", actor=actor, subjects=list(truth.customer_ids), details={
            "operation": "drill_evidence", "kind": kind, "seed": int(seed),
            "artefacts": sorted(exposure.artefacts), "exposed_customers": len(truth.customer_ids),
            "affected_customers": len(truth.affected_customer_ids), "grade": truth.grade,
            "note": "synthetic evidence for an exercise, not a real incident"})
    return evidence


def _int_param(params, name, default, lo, hi) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise EvidenceError(f"params.{name}: a whole number from {lo} to {hi} is needed, got {value!r}")
    return int(value)


def _truth(kind, case, x: _Exposure, factor: int) -> ScopeTruth:
    customers = case["customers"].set_index("customer_id")
    exposed = sorted(set(x.exposed))
    affected = sorted(set(x.affected if x.affected is not None else exposed))
    cat = case.catalogue.set_index(["table", "column"])
    rows = cat.loc[sorted(x.fields)]
    rows = rows[rows["personal"]]
    minor_ids = sorted(c for c in exposed if bool(customers.at[c, "is_minor"]))
    categories = set(rows["pipl_category"]) | ({"minor"} if minor_ids else set())
    sensitive_cats = set(rows.loc[rows["art28"], "pipl_category"]) | ({"minor"} if minor_ids else set())
    guardians = 0
    if x.guardian_fields and minor_ids:
        guardians = int(customers.loc[minor_ids, "guardian_name"].notna().sum())
    people = (len(exposed) + guardians) * factor
    grade = grade_incident(people)
    duty = reporting_duty(grade, "ordinary")
    found = x.discovered_at
    report_by = (found + pd.Timedelta(hours=duty.hours)).strftime(_TS) if duty.must_report else None
    notes = [{"zh-CN": "本案公司是普通网络运营者(中外合资企业,既非关键信息基础设施运营者,也非国家机关):"
                       "较大及以上事件须在4小时内报告属地省级网信部门。",
              "en": "The case company is an ordinary network operator (a joint venture, neither a critical-"
                    "infrastructure operator nor a state body): incidents graded relatively major or above go to "
                    "the provincial CAC within 4 hours."}, duty.why]
    if "identity_document" in sensitive_cats:
        notes.append({"zh-CN": "身份证件号码按公司政策视为敏感个人信息(法律参考未确认其属于第二十八条)。",
                      "en": "Identity-document numbers count as sensitive under company policy (the kit's legal "
                            "reference does not settle that Art. 28 covers them)."})
    if factor > 1:
        notes.append({"zh-CN": f"本变体中每位合成客户代表{factor:,}人,用于演练大规模泄露的定级。",
                      "en": f"In this variant each synthetic customer stands for {factor:,} people, to rehearse "
                            "grading a large leak."})
    notify = bool(exposed) if x.notify is None else x.notify
    return ScopeTruth(kind, tuple(exposed), tuple(affected), tuple(sorted(categories)), bool(sensitive_cats),
                      tuple(sorted(sensitive_cats)), bool(minor_ids), tuple(minor_ids), guardians, factor, people,
                      grade, duty.must_report, duty.hours, duty.to, found.strftime(_TS), report_by, notify,
                      tuple(x.archives), tuple(x.overdue), tuple(notes + x.notes))


def _csv(path: Path, frame: pd.DataFrame) -> Path:
    return write_text_atomic(path, frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S"))


def _day(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


# -- crm_export: the departing employee ---------------------------------------------------------

# (filter text as the CRM writes it, selector, extra columns exported)
_SEGMENTS = (
    ("membership_level in ('金卡','钻石')", lambda c: c["membership_level"].isin(["金卡", "钻石"]), ["resident_id"]),
    ("bank_card is not null and province = '上海市'", lambda c: c["bank_card"].notna() & (c["province"] == "上海市"),
     ["bank_name", "bank_card"]),
    ("membership_level = '钻石' or is_minor", lambda c: (c["membership_level"] == "钻石") | c["is_minor"],
     ["is_minor", "guardian_name", "guardian_relation", "guardian_mobile"]),
)
_BASE_COLUMNS = ["customer_id", "name", "gender", "birth_date", "mobile", "email", "province", "city", "district",
                 "address", "membership_level"]
_NORMAL_COLUMNS = ["customer_id", "name", "mobile", "email", "membership_level"]
_HEADERS = ({"customer_id": "会员编号", "name": "姓名", "gender": "性别", "birth_date": "生日", "mobile": "手机",
             "email": "邮箱", "province": "省", "city": "市", "district": "区", "address": "地址",
             "membership_level": "等级", "resident_id": "身份证", "bank_name": "开户行", "bank_card": "卡号",
             "is_minor": "儿童", "guardian_name": "家长", "guardian_relation": "关系", "guardian_mobile": "家长电话"},
            {"customer_id": "member_no", "name": "full_name", "gender": "sex", "birth_date": "dob", "mobile": "tel",
             "email": "mail", "province": "prov", "city": "city", "district": "area", "address": "addr",
             "membership_level": "vip", "resident_id": "id_card", "bank_name": "bank", "bank_card": "card_no",
             "is_minor": "child", "guardian_name": "parent", "guardian_relation": "relation",
             "guardian_mobile": "parent_tel"})


def _crm_export(case, rng, params, out: Path) -> _Exposure:
    cust, log, staff = case["customers"], case["access_log"], case["employees"]
    share = params.get("sample_share", 0.4)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise EvidenceError(f"params.sample_share: a number in (0, 1] is needed, got {share!r}")
    n_fake = _int_param(params, "fake_rows", int(rng.integers(3, 8)), 0, 1000)
    masked = params.get("masked", True)
    if not isinstance(masked, bool):
        raise EvidenceError(f"params.masked: true or false is needed, got {masked!r}")
    consented = cust["marketing_consent"].astype(bool)
    usable = [i for i, (_, pick, _) in enumerate(_SEGMENTS) if (pick(cust) & ~consented).any()]
    if not usable:
        raise EvidenceError("case: no customer segment outside the marketing list; generate more customers")
    chosen = params.get("segment", int(usable[int(rng.integers(0, len(usable)))]))
    if chosen not in usable:
        raise EvidenceError(f"params.segment: segment {chosen!r} unavailable for this case; usable: {usable}")
    filter_text, pick, extras = _SEGMENTS[chosen]
    segment = cust.loc[pick(cust), "customer_id"].tolist()
    columns = _BASE_COLUMNS + extras

    active = staff[staff["left_on"].isna()]
    people = active.loc[active["role"] == "市场专员", "employee_id"].tolist() or \
        sorted(set(active["employee_id"]) & set(log["employee_id"]))
    if not people:
        raise EvidenceError("case: no active employee to play the departing employee")
    who = people[int(rng.integers(0, len(people)))]
    staffed = log[log["employee_id"] != "svc-backup"]
    days = sorted(pd.to_datetime(staffed["ts"]).dt.normalize().unique())[-5:]
    day = pd.Timestamp(days[int(rng.integers(0, len(days)))])
    start = day + pd.Timedelta(hours=18, minutes=int(rng.integers(35, 55)))
    mine = log.loc[log["employee_id"] == who, "client_ip"]
    ip = mine.mode().iloc[0] if len(mine) else "10.31.0.200"
    looks = [segment[i] for i in rng.permutation(len(segment))[:int(rng.integers(3, 7))]]
    ts = start + pd.to_timedelta(np.cumsum(rng.integers(20, 90, len(looks) + 1)), unit="s")
    planted = pd.DataFrame({"ts": ts, "employee_id": who, "system_id": "S01",
                            "action": ["search"] * len(looks) + ["export"], "table_name": "customers",
                            "record_id": looks + [None], "rows": [1] * len(looks) + [len(segment)],
                            "client_ip": ip})
    next_id = int(log["log_id"].str[2:].astype("int64").max()) + 1
    prefix, width = log["log_id"].iloc[0][:2], len(log["log_id"].iloc[0]) - 2
    planted["log_id"] = [f"{prefix}{i:0{width}d}" for i in range(next_id, next_id + len(planted))]
    full = pd.concat([log, planted[log.columns]], ignore_index=True).sort_values("ts", kind="stable")
    export_id = planted["log_id"].iloc[-1]

    # The CRM's export jobs and audit: every export of the customer table, with the records it held.
    exports = full[(full["action"] == "export") & (full["table_name"] == "customers")]
    marketing_list = cust.loc[consented, "customer_id"].tolist()
    others = cust.loc[~consented, "customer_id"].tolist()
    jobs, audit = [], []
    for row in exports.itertuples(index=False):
        if row.log_id == export_id:
            ids, flt, cols = segment, filter_text, columns
        else:
            ids, flt, cols = (marketing_list + others)[:int(row.rows)], "marketing_consent = true", _NORMAL_COLUMNS
        jobs.append({"log_id": row.log_id, "ts": pd.Timestamp(row.ts).strftime(_TS), "employee_id": row.employee_id,
                     "filter": flt, "columns": ";".join(cols), "rows": len(ids)})
        audit += [{"log_id": row.log_id, "customer_id": c} for c in ids]

    sample = _leaked_sample(cust, segment, consented, columns, share, n_fake, masked, rng)
    found = day + pd.Timedelta(days=int(rng.integers(3, 10)), hours=9, minutes=int(rng.integers(0, 50)))
    art = {"access_log": _csv(out / "access_log.csv", full.assign(ts=pd.to_datetime(full["ts"]).dt.strftime(_TS))),
           "crm_export_jobs": _csv(out / "crm_export_jobs.csv", pd.DataFrame(jobs)),
           "crm_export_audit": _csv(out / "crm_export_audit.csv", pd.DataFrame(audit)),
           "leaked_sample": _csv(out / "leaked_sample.csv", sample["frame"])}
    name = staff.set_index("employee_id").at[who, "name"] if who in set(staff["employee_id"]) else who
    story = {"zh-CN": f"办公室搬迁期间,即将离职的员工{name}({who})于{start:%Y-%m-%d}晚间在CRM中导出了一批客户资料。"
                      f"{found:%Y-%m-%d}有人在网上兜售“贵公司会员数据”,并附上样本。",
             "en": f"During the office move, departing employee {name} ({who}) exported customer records from the CRM "
                   f"on the evening of {start:%Y-%m-%d}. On {found:%Y-%m-%d} someone offered 'your members' data' for "
                   "sale online, with a sample."}
    facts = {"employee_id": who, "export_log_id": export_id, "export_at": planted["ts"].iloc[-1].strftime(_TS),
             "segment_filter": filter_text, "exported_rows": len(segment), "columns": columns,
             "sample_real_rows": sample["real"], "sample_fake_rows": sample["fake"], "discovered_at": found.strftime(_TS)}
    return _Exposure(segment, {("customers", c) for c in columns}, guardian_fields="guardian_name" in columns,
                     discovered_at=found, story=story, facts=facts, artefacts=art)


def _leaked_sample(cust, segment, consented, columns, share, n_fake, masked, rng) -> dict:
    index = cust.set_index("customer_id")
    k = max(1, min(len(segment), round(share * len(segment))))
    order = [segment[i] for i in rng.permutation(len(segment))]
    chosen = order[:k]
    listed = set(cust.loc[consented, "customer_id"])
    outside = [c for c in order if c not in listed]
    if outside and not any(c in outside for c in chosen):  # the sample must point to this export only
        chosen[-1] = outside[0]
    real = index.loc[chosen].reset_index()[columns]
    fakes = real.iloc[rng.integers(0, len(real), n_fake)].copy() if n_fake else real.iloc[:0].copy()
    known = set(cust["customer_id"])
    fake_ids = []
    top = max(int(c[2:10]) for c in known) + 50          # fakes look like real numbers
    while len(fake_ids) < n_fake:
        serial = int(rng.integers(10_000, top))
        tag = "".join(rng.choice(list("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), 4))
        cid = f"CM{serial:08d}{tag}"
        if cid not in known and check_ids([cid]).passed == 0:
            fake_ids.append(cid)
    fakes["customer_id"] = fake_ids
    fakes["mobile"] = [f"1{int(rng.integers(3, 10))}{int(rng.integers(0, 10**9)):09d}" for _ in range(n_fake)]
    fakes["email"] = [f"vip{int(rng.integers(1000, 99999))}@example.com" for _ in range(n_fake)]
    frame = pd.concat([real, fakes], ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    frame["birth_date"] = pd.to_datetime(frame["birth_date"]).dt.strftime("%Y/%m/%d")
    if masked:
        frame["mobile"] = frame["mobile"].astype(str).str.replace(r"^(\d{3})\d{4}(\d{4})$", r"\1****\2", regex=True)
        if "resident_id" in frame:
            frame["resident_id"] = frame["resident_id"].astype("string").str.replace(
                r"^(\d{6})\d{8}(\w{4})$", r"\1********\2", regex=True)
        if "bank_card" in frame:
            frame["bank_card"] = frame["bank_card"].astype("string").str.replace(r"^\d+(\d{4})$", r"************\1",
                                                                                 regex=True)
    headers = _HEADERS[int(rng.integers(0, len(_HEADERS)))]
    frame = frame.rename(columns=headers)
    frame = frame[[frame.columns[0]] + [frame.columns[i] for i in 1 + rng.permutation(len(frame.columns) - 1)]]
    return {"frame": frame, "real": len(real), "fake": n_fake}


# -- backup_ransomware: the backup server mid-migration -------------------------------------------

def _backup_ransomware(case, rng, params, out: Path) -> _Exposure:
    from ..lifecycle.archive import read_archive
    from ..lifecycle.backup import create_backup, file_sha256

    cust = case["customers"].sort_values("customer_id")
    n_batches = _int_param(params, "batches", 4, 3, 10)
    if len(cust) < n_batches:
        raise EvidenceError(f"params.batches: {n_batches} batches need at least as many customers, have {len(cust)}")
    key_on_server = params.get("key_on_server", False)
    if not isinstance(key_on_server, bool):
        raise EvidenceError(f"params.key_on_server: true or false is needed, got {key_on_server!r}")
    key = rng.bytes(32)
    done = int(rng.integers(1, n_batches - 1))               # batches 1..done transferred; done+1 in progress
    parts = np.array_split(cust["customer_id"].to_numpy(dtype=object), n_batches)
    when = _day(case.company["data_cutoff"]) + pd.Timedelta(days=int(rng.integers(1, 5)))
    accounts, orders = case["accounts"], case["orders"]
    offsite, server = out / "offsite", out / "server"
    for folder in (offsite, server):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    batches, inventory, staged = [], [], {}
    for i, ids in enumerate(parts, start=1):
        name = f"batch_{i:02d}"
        members = {"customers.csv": cust[cust["customer_id"].isin(ids)],
                   "accounts.csv": accounts[accounts["customer_id"].isin(ids)],
                   "orders.csv": orders[orders["customer_id"].isin(ids)]}
        status = "transferred" if i <= done else "in_progress" if i == done + 1 else "pending"
        with tempfile.TemporaryDirectory() as tmp:
            for file, frame in members.items():
                _csv(Path(tmp) / file, frame)
            create_backup(tmp, offsite / f"{name}.kitarc", key, label=f"migration {name}")
        batches.append({"batch": name, "customers": len(ids), "first_customer_id": ids[0], "last_customer_id": ids[-1],
                        "status": status, "archive": f"{name}.kitarc",
                        "transferred_on": (when - pd.Timedelta(days=done - i + 1)).strftime("%Y-%m-%d")
                        if status == "transferred" else ""})
        if status != "transferred":
            shutil.copyfile(offsite / f"{name}.kitarc", server / f"{name}.kitarc")
        if status == "in_progress":   # the batch being exported: plaintext staging files, customers first
            (server / "staging" / name).mkdir(parents=True)
            staged[name] = ["customers.csv", "accounts.csv"]
            for file in staged[name]:
                _csv(server / "staging" / name / file, members[file])
    if key_on_server:
        (server / "keys").mkdir()
        write_text_atomic(server / "keys" / "backup.key", key.hex() + "\n")
    for path in sorted(p for p in server.rglob("*") if p.is_file()):
        inventory.append({"path": path.relative_to(server).as_posix(), "bytes": path.stat().st_size,
                          "sha256": file_sha256(path), "modified": (when - pd.Timedelta(hours=6)).strftime(_TS)})
    for path in sorted(p for p in server.rglob("*") if p.is_file()):   # the attack
        size = path.stat().st_size
        write_bytes_atomic(path.with_name(path.name + ".locked"), rng.bytes(size + 32))
        path.unlink()
    hit = when + pd.Timedelta(hours=3, minutes=int(rng.integers(0, 60)))
    found = hit + pd.Timedelta(hours=4, minutes=int(rng.integers(0, 40)))
    write_text_atomic(server / "README_RESTORE_FILES.txt",
                      "您的所有文件已被加密。支付赎金以获取解密工具,否则我们将公开您客户的数据。\n"
                      "All your files are encrypted. Pay to get the decryptor, or we publish your customers' data.\n"
                      f"ID: {hashlib.sha256(rng.bytes(16)).hexdigest()[:16]}\n")
    art = {"server": server, "server_inventory": _csv(out / "server_inventory.csv", pd.DataFrame(inventory)),
           "migration_batches": _csv(out / "migration_batches.csv", pd.DataFrame(batches)),
           "offsite": offsite, "backup_key": write_text_atomic(out / "backup_key.hex", key.hex() + "\n")}

    on_server = [b for b in batches if b["status"] != "transferred"]
    affected = [c for ids in parts[done:] for c in ids]
    staged_ids = list(parts[done])
    fields = {(t.removesuffix(".csv"), c) for name, files in staged.items() for t in files
              for c in (case[t.removesuffix(".csv")].columns)}
    exposed = staged_ids
    if key_on_server:
        exposed = affected
        _, content = read_archive(offsite / f"{on_server[0]['batch']}.kitarc", key)
        fields |= {(t.removesuffix(".csv"), c) for t in content
                   for c in pd.read_csv(io.BytesIO(content[t]), nrows=0).columns}
    notes = [{"zh-CN": "服务器上的备份归档以AES-GCM加密" + ("但密钥文件也在服务器上,攻击者可解密:归档中的客户均视为已泄露。"
                                                       if key_on_server else ",密钥未存放在服务器上:归档中的客户受影响(可用性),"
                                                       "但其信息未被读取;第五十七条:措施能有效避免危害的,可不通知个人(监管部门另有要求的除外)。"),
              "en": "The backup archives on the server are AES-GCM encrypted" + (
                  ", but the key file was on the server too, so the attacker could decrypt them: every customer in them "
                  "counts as exposed." if key_on_server else "; the key was not on the server, so their customers are "
                  "affected (availability) but not exposed; PIPL Art. 57: individual notice may be skipped where the "
                  "measures effectively avoid harm, unless the regulator requires it.")}]
    story = {"zh-CN": f"迁移进行到第{done + 1}批时,{hit:%Y-%m-%d %H:%M}备份服务器被勒索软件加密;{found:%H:%M}值班人员发现。",
             "en": f"With the migration at batch {done + 1}, ransomware encrypted the backup server at {hit:%Y-%m-%d %H:%M}; "
                   f"the duty engineer found it at {found:%H:%M}."}
    facts = {"attacked_at": hit.strftime(_TS), "discovered_at": found.strftime(_TS), "batches": len(batches),
             "transferred": done, "in_progress": f"batch_{done + 1:02d}", "key_on_server": key_on_server,
             "archives_on_server": [b["archive"] for b in on_server]}
    return _Exposure(exposed, fields, affected=affected, guardian_fields=True, discovered_at=found,
                     archives=tuple(b["archive"] for b in on_server), notes=notes, story=story, facts=facts,
                     artefacts=art)


# -- paper_found: boxes at a recycling station ------------------------------------------------------

_CONTRACT_FIELDS = [("customers", c) for c in ("name", "resident_id", "mobile", "address")] + \
    [("accounts", c) for c in ("contract_no", "product", "opened_on", "payment_method")]
_FORM_FIELDS = [("customers", "name"), ("customers", "mobile")] + \
    [("consents", c) for c in ("consent_id", "purpose", "scope", "given_on", "written")]
_BANK = [("customers", "bank_name"), ("customers", "bank_card")]
_GUARDIAN = [("customers", c) for c in ("birth_date", "is_minor", "guardian_name", "guardian_relation", "guardian_mobile")]
_DOC_TYPES = {"contract": ("合同原件", "signed contract"), "consent": ("纸质同意书", "paper consent form"),
              "guardian": ("监护人同意书", "guardian consent form")}


def _paper_found(case, rng, params, out: Path) -> _Exposure:
    from ..lifecycle import plan_retention

    n_docs = _int_param(params, "documents", 30, 1, 100_000)
    n_foreign = _int_param(params, "foreign_documents", int(rng.integers(2, 5)), 0, 1000)
    cust = case["customers"].set_index("customer_id")
    accounts, consents = case["accounts"], case["consents"]
    forms = consents[consents["written"].astype(bool)]
    found = _day(case.company["data_cutoff"]) + pd.Timedelta(days=int(rng.integers(5, 21)), hours=10,
                                                              minutes=int(rng.integers(0, 50)))
    n_contracts = min(len(accounts), max(1, round(n_docs * 0.6))) if len(accounts) else 0
    n_forms = min(len(forms), n_docs - n_contracts)
    picked_accounts = accounts.iloc[np.sort(rng.permutation(len(accounts))[:n_contracts])]
    picked_forms = forms.iloc[np.sort(rng.permutation(len(forms))[:n_forms])]
    docs, fields, exposed = [], set(), []
    for a in picked_accounts.itertuples(index=False):
        f = set(_CONTRACT_FIELDS) | (set(_BANK) if a.payment_method == "银行卡代扣" else set())
        f |= set(_GUARDIAN) if bool(cust.at[a.customer_id, "is_minor"]) else set()
        docs.append(("contract", a.contract_no, a.opened_on, "accounts", a.account_id, a.customer_id, f))
    for c in picked_forms.itertuples(index=False):
        kind = "guardian" if c.purpose == "guardian" else "consent"
        f = set(_FORM_FIELDS) | (set(_GUARDIAN) if kind == "guardian" else set()) | \
            (set(_BANK) if c.purpose == "sensitive_financial" else set())
        docs.append((kind, c.consent_id, c.given_on, "consents", c.consent_id, c.customer_id, f))
    plan = plan_retention(case, today=found.normalize())
    rec = plan.records.set_index(["table", "row_id"])
    rows, overdue = [], []
    for kind, ref, date, table, row_id, cid, f in docs:
        fields |= f
        exposed.append(cid)
        r = rec.loc[(table, row_id)] if (table, row_id) in rec.index else None
        if r is not None and str(r["action"]) == "delete_by" and pd.notna(r["delete_on"]) and r["delete_on"] <= found:
            overdue.append(ref)
        rows.append({"reference": ref, "type": kind, "dated": pd.Timestamp(date).strftime("%Y-%m-%d")})
    for i in range(n_foreign):   # papers of another firm mixed in
        rows.append({"reference": f"QX-{int(rng.integers(2015, 2026))}-{int(rng.integers(1, 99999)):05d}",
                     "type": "contract", "dated": (found - pd.Timedelta(days=int(rng.integers(100, 3000)))).strftime("%Y-%m-%d")})
    listing = pd.DataFrame(rows).iloc[rng.permutation(len(rows))].reset_index(drop=True)
    listing.insert(0, "box", [f"box {1 + i % 3}" for i in range(len(listing))])
    listing.insert(1, "item", range(1, len(listing) + 1))
    listing["type_zh"] = listing["type"].map(lambda t: _DOC_TYPES[t][0])
    listing["type_en"] = listing["type"].map(lambda t: _DOC_TYPES[t][1])
    listing["condition"] = rng.choice(["intact", "torn", "wet"], len(listing), p=[0.7, 0.2, 0.1])
    art = {"found_documents": _csv(out / "found_documents.csv", listing.drop(columns="type"))}
    story = {"zh-CN": f"搬离后,{found:%Y-%m-%d}废品回收站联系公司:几箱纸质合同和表格上印有公司名称。",
             "en": f"After the move-out, on {found:%Y-%m-%d} a recycling station called: several boxes of paper "
                   "contracts and forms bear the company's name."}
    notes = [{"zh-CN": "保存期限未满的文件本应妥善保管或移交;已到期的本应销毁:两种情况都是事件,但原因和整改不同。",
              "en": "Papers still under a retention duty should have been kept safe or handed over; papers past their "
                    "date should have been destroyed: both are incidents, with different causes and fixes."}]
    facts = {"discovered_at": found.strftime(_TS), "documents": len(docs), "foreign_documents": n_foreign,
             "contracts": n_contracts, "forms": n_forms, "overdue": len(overdue)}
    return _Exposure(exposed, fields, guardian_fields=any(_GUARDIAN[2] in d[6] for d in docs), discovered_at=found,
                     overdue=tuple(sorted(overdue)), notes=notes, story=story, facts=facts, artefacts=art)


# -- checkers ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckResult:
    """A marked answer: unpacks as (correct, share, explanation); ``details`` holds the figures."""
    correct: bool
    share: float
    explanation: dict
    details: dict = field(default_factory=dict)

    def __iter__(self):
        return iter((self.correct, self.share, self.explanation))

    def text(self, lang: str = "en") -> str:
        return self.explanation["zh-CN" if lang.lower().startswith("zh") else "en"]


def _truth_of(evidence) -> ScopeTruth:
    if isinstance(evidence, Evidence):
        return evidence.truth
    if isinstance(evidence, ScopeTruth):
        return evidence
    raise EvidenceError(f"evidence: an Evidence or ScopeTruth is needed, got {type(evidence).__name__}")


def _items(answer, field_name: str) -> list[str]:
    if answer is None:
        return []
    if isinstance(answer, str):
        return [p for p in re.split(r"[\s,;,;、]+", answer) if p]
    if isinstance(answer, Mapping) or not isinstance(answer, Iterable):
        raise EvidenceError(f"{field_name}: a list or a comma-separated text is needed, got {type(answer).__name__}")
    return [str(v).strip() for v in answer if str(v).strip()]


def _few(values, n: int = 5) -> str:
    values = sorted(values)
    return ", ".join(values[:n]) + (" …" if len(values) > n else "")


def _set_check(given: set, truth: set, what: tuple[str, str]) -> CheckResult:
    hit = given & truth
    missed, extra = truth - given, given - truth
    precision = len(hit) / len(given) if given else (1.0 if not truth else 0.0)
    recall = len(hit) / len(truth) if truth else (1.0 if not given else 0.0)
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    correct = not missed and not extra
    zh = f"{what[0]}:答对 {len(hit)}/{len(truth)}"
    en = f"{what[1]}: {len(hit)} of {len(truth)} found"
    if missed:
        zh += f";漏掉 {len(missed)} 项({_few(missed)})"
        en += f"; {len(missed)} missed ({_few(missed)})"
    if extra:
        zh += f";多报 {len(extra)} 项({_few(extra)})"
        en += f"; {len(extra)} extra ({_few(extra)})"
    zh += f";精确率 {precision:.0%},召回率 {recall:.0%}。"
    en += f"; precision {precision:.0%}, recall {recall:.0%}."
    return CheckResult(correct, 1.0 if correct else round(f1, 4), {"zh-CN": zh, "en": en},
                       {"precision": precision, "recall": recall, "missed": sorted(missed), "extra": sorted(extra)})


def check_customers(answer, evidence) -> CheckResult:
    """The exposed customers: a list of customer ids (or text); share = F1 of precision and recall."""
    given = set(_items(answer, "exposed_customers"))
    return _set_check(given, set(_truth_of(evidence).customer_ids), ("泄露的客户", "Exposed customers"))


def check_affected_customers(answer, evidence) -> CheckResult:
    """Every customer on the compromised medium, exposed or not (ransomware: the server's batches)."""
    given = set(_items(answer, "affected_customers"))
    return _set_check(given, set(_truth_of(evidence).affected_customer_ids), ("受影响的客户", "Affected customers"))


def check_archives(answer, evidence) -> CheckResult:
    """The archives hit on the server (names such as ``batch_02.kitarc``; ``.locked`` is ignored)."""
    given = {v.removesuffix(".locked").rsplit("/", 1)[-1] for v in _items(answer, "affected_archives")}
    return _set_check(given, set(_truth_of(evidence).archives), ("受影响的归档", "Archives hit"))


def check_overdue(answer, evidence) -> CheckResult:
    """The found documents that were already due for destruction under the retention plan."""
    given = set(_items(answer, "overdue_documents"))
    return _set_check(given, set(_truth_of(evidence).overdue_documents), ("本应已销毁的文件", "Documents due for destruction"))


_CATEGORY_WORDS = {w.lower(): code for code, (zh, en) in CATEGORIES.items() for w in (code, zh, en)}


def check_categories(answer, evidence) -> CheckResult:
    """The PIPL categories exposed (codes, or zh/en labels of kitlib.learn.labelling.CATEGORIES); share = Jaccard."""
    given = set()
    for word in (answer if isinstance(answer, (list, tuple, set, frozenset)) else _items(answer, "exposed_categories")):
        code = _CATEGORY_WORDS.get(str(word).strip().lower())
        if code is None:
            raise EvidenceError(f"exposed_categories: unknown category {word!r}; use one of {', '.join(CATEGORIES)}")
        given.add(code)
    truth = set(_truth_of(evidence).categories)
    result = _set_check(given, truth, ("泄露的信息类别", "Categories exposed"))
    union = given | truth
    share = 1.0 if result.correct else (len(given & truth) / len(union) if union else 1.0)
    label = {c: CATEGORIES[c] for c in union}
    missed = [label[c] for c in truth - given]
    extra = [label[c] for c in given - truth]
    zh = "信息类别:" + ("全部正确。" if result.correct else
                     "".join([f"漏掉{'、'.join(z for z, _ in missed)};" if missed else "",
                              f"多报{'、'.join(z for z, _ in extra)};" if extra else ""]).rstrip(";") + "。")
    en = "Categories: " + ("all right." if result.correct else "; ".join(
        ([f"missed {', '.join(e for _, e in missed)}"] if missed else []) +
        ([f"extra {', '.join(e for _, e in extra)}"] if extra else [])) + ".")
    return CheckResult(result.correct, round(share, 4), {"zh-CN": zh, "en": en}, result.details)


_YES = {"yes", "y", "true", "1", "是", "有", "涉及"}
_NO = {"no", "n", "false", "0", "否", "无", "没有", "不涉及"}


def _yes_no(answer, field_name: str) -> bool:
    if isinstance(answer, (bool, np.bool_)):
        return bool(answer)
    text = str(answer).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise EvidenceError(f"{field_name}: yes or no is needed, got {answer!r}")


def _bool_check(given: bool, truth: bool, what: tuple[str, str], why: tuple[str, str]) -> CheckResult:
    ok = given == truth
    zh = f"{what[0]}:{'正确' if ok else '不正确'},应为“{'是' if truth else '否'}”。{why[0]}"
    en = f"{what[1]}: {'right' if ok else 'wrong'}, the answer is {'yes' if truth else 'no'}. {why[1]}"
    return CheckResult(ok, 1.0 if ok else 0.0, {"zh-CN": zh, "en": en}, {"expected": truth})


def check_sensitive(answer, evidence) -> CheckResult:
    """Whether sensitive personal information (PIPL Art. 28) was exposed: yes or no."""
    t = _truth_of(evidence)
    names = [CATEGORIES[c] for c in t.sensitive_categories]
    why = (f"涉及:{'、'.join(z for z, _ in names)}(第二十八条)。" if names else "未涉及第二十八条所列信息。",
           f"Involved: {', '.join(e for _, e in names)} (Art. 28)." if names else "No Art. 28 information involved.")
    return _bool_check(_yes_no(answer, "sensitive_involved"), t.sensitive, ("是否涉及敏感个人信息", "Sensitive information"), why)


def check_minors(answer, evidence) -> CheckResult:
    """Whether minors under 14 are among the exposed (PIPL Arts. 28, 31): yes or no."""
    t = _truth_of(evidence)
    why = (f"泄露的客户中有{len(t.minor_ids)}名不满十四周岁的未成年人。", f"{len(t.minor_ids)} exposed customers are minors under 14.")
    return _bool_check(_yes_no(answer, "minors_involved"), t.minors, ("是否涉及未成年人", "Minors involved"), why)


def check_notify(answer, evidence) -> CheckResult:
    """Whether the individuals must be notified (PIPL Art. 57): yes or no."""
    t = _truth_of(evidence)
    why = ("第五十七条:应通知个人,说明信息种类、原因和可能的危害、已采取的补救措施、个人可采取的措施及联系方式。",
           "PIPL Art. 57: tell them the categories, cause and possible harm, the remedies taken, what they can do, "
           "and a contact.") if t.notify_individuals else \
        ("第五十七条:措施能有效避免危害的,可不通知个人(监管部门要求的除外)。",
         "PIPL Art. 57: individual notice may be skipped where the measures effectively avoid harm, unless the "
         "regulator requires it.")
    return _bool_check(_yes_no(answer, "notify_individuals"), t.notify_individuals, ("是否通知个人", "Notify individuals"), why)


def check_people(answer, evidence) -> CheckResult:
    """How many people are affected (customers plus exposed guardians, times the variant's factor)."""
    try:
        given = int(str(answer).replace(",", "").strip())
    except ValueError:
        raise EvidenceError(f"people_count: a whole number is needed, got {answer!r}") from None
    t = _truth_of(evidence)
    ok = given == t.people
    share = 1.0 if ok else max(0.0, 1 - abs(given - t.people) / max(t.people, 1))
    extra = (f"(含{t.guardians}名监护人)" if t.guardians else "", f" (including {t.guardians} guardians)" if t.guardians else "")
    return CheckResult(ok, round(share, 4), {"zh-CN": f"涉及人数:应为{t.people:,}人{extra[0]},回答{given:,}。",
                                             "en": f"People affected: {t.people:,}{extra[1]}; answered {given:,}."},
                       {"expected": t.people})


_GRADE_WORDS = {w.lower(): code for code, zh, en, _ in GRADES for w in (code, zh, en, en.replace(" ", "_"))}


def check_grade(answer, evidence) -> CheckResult:
    """The incident grade (code, or 特别重大/重大/较大/一般, or the English label)."""
    code = _GRADE_WORDS.get(str(answer).strip().lower())
    if code is None:
        raise EvidenceError(f"incident_grade: unknown grade {answer!r}; one of {', '.join(c for c, *_ in GRADES)}")
    t = _truth_of(evidence)
    labels = {c: (zh, en) for c, zh, en, _ in GRADES}
    ok = code == t.grade
    zh, en = labels[t.grade]
    return CheckResult(ok, 1.0 if ok else 0.0, {
        "zh-CN": f"事件级别:{'正确' if ok else '不正确'},{t.people:,}人对应“{zh}”(100万人及以上为较大,1000万重大,1亿特别重大)。",
        "en": f"Grade: {'right' if ok else 'wrong'}; {t.people:,} people is {en} (1 million or more relatively major, "
              "10 million major, 100 million particularly major)."}, {"expected": t.grade})


_NONE_WORDS = {"", "none", "no", "n/a", "无", "不适用", "不需要", "0"}


def check_report_deadline(answer, evidence) -> CheckResult:
    """The reporting deadline: hours (4, "4h", "4小时"), "none" when no hour deadline applies, or the
    latest report time "YYYY-MM-DD HH:MM"."""
    t = _truth_of(evidence)
    hours = None
    if isinstance(answer, Mapping):
        answer = answer.get("hours")
    if isinstance(answer, (int, float, np.integer, np.floating)) and not isinstance(answer, bool):
        hours = float(answer) or None
    elif answer is not None and str(answer).strip().lower() not in _NONE_WORDS:
        text = str(answer).strip().lower()
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(h|hours?|小时)?", text)
        if m:
            hours = float(m.group(1)) or None
        else:
            try:
                at = pd.Timestamp(text)
            except (ValueError, TypeError):
                raise EvidenceError(f"report_deadline: hours, 'none' or a time is needed, got {answer!r}") from None
            hours = (at - pd.Timestamp(t.discovered_at)).total_seconds() / 3600
    ok = (hours is None and t.report_hours is None) or (
        hours is not None and t.report_hours is not None and abs(hours - t.report_hours) < 1 / 60)
    if t.report_hours is None:
        zh = "报告时限:本事件低于较大级,2025年报告办法的小时时限不适用;仍须按第五十七条及时通知监管部门。"
        en = ("Report deadline: below relatively major, so the 2025 measures' hour deadline does not apply; PIPL "
              "Art. 57 still requires notifying the regulator.")
    else:
        zh = f"报告时限:{t.report_hours}小时内报告{t.report_to['zh-CN']},即不晚于{t.report_by}。"
        en = f"Report deadline: within {t.report_hours} hours to {t.report_to['en']}, i.e. by {t.report_by}."
    return CheckResult(ok, 1.0 if ok else 0.0, {"zh-CN": ("正确。" if ok else "不正确。") + zh,
                                                "en": ("Right. " if ok else "Wrong. ") + en},
                       {"expected_hours": t.report_hours, "report_by": t.report_by})


CHECKERS = {
    "exposed_customers": check_customers,
    "affected_customers": check_affected_customers,
    "exposed_categories": check_categories,
    "sensitive_involved": check_sensitive,
    "minors_involved": check_minors,
    "people_count": check_people,
    "incident_grade": check_grade,
    "report_deadline": check_report_deadline,
    "notify_individuals": check_notify,
    "affected_archives": check_archives,
    "overdue_documents": check_overdue,
}


def check_scope(answer: Mapping, truth) -> dict[str, CheckResult]:
    """Mark a team's whole answer, a mapping of checker name → answer, against the truth (or Evidence)."""
    if not isinstance(answer, Mapping):
        raise EvidenceError(f"answer: a mapping of checker names to answers is needed, got {type(answer).__name__}")
    unknown = [k for k in answer if k not in CHECKERS]
    if unknown:
        raise EvidenceError(f"answer.{unknown[0]}: unknown checker; one of {', '.join(CHECKERS)}")
    return {name: CHECKERS[name](value, truth) for name, value in answer.items()}
