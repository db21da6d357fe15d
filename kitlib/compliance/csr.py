"""The customer-information section of a social-responsibility report (seed section 16), written
from the records: every figure is computed from the ledger, the audit and the training records,
and a statement appears only when the figures support it (no "all requests answered on time"
unless every counted request was).

``csr_section(report)`` returns :class:`CsrSection`: ``figures`` (a dict), ``markdown(lang)``
and ``html(lang)`` (bilingual Jinja2 templates in kitlib/templates/compliance/).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_text_atomic
from .audit import AuditReport
from .render import render

__all__ = ["CsrSection", "csr_section"]


@dataclass(frozen=True)
class CsrSection:
    figures: dict

    def markdown(self, lang: str = "both") -> str:
        return render("csr.md.j2", lang=lang, f=self.figures)

    def html(self, lang: str = "both") -> str:
        return render("csr.html.j2", lang=lang, f=self.figures)

    def write(self, path, lang: str = "both") -> Path:
        path = Path(path)
        return write_text_atomic(path, self.markdown(lang) if path.suffix == ".md" else self.html(lang))


def csr_section(report: AuditReport) -> CsrSection:
    """The figures of the CSR section, from the audit ``report`` and the ledger it read."""
    ledger = report.inputs.get("ledger")
    entries = ledger.entries() if ledger is not None else []
    m = report.measures
    destruction = [e for e in entries if e.type == "destruction"]
    jobs = [e for e in destruction if e.details.get("operation") != "residue_verification"]
    checks = dict(zip(report.checks["check"], report.checks["status"]))
    requests = m.get("requests") or {"received": 0, "counted": 0, "on_time": 0}
    training = report.training
    audits = [e for e in entries if e.type == "change" and e.details.get("kind") == "compliance_audit"]
    figures = {
        "company_zh": report.company[0], "company_en": report.company[1], "as_of": report.today.isoformat(),
        "ledger_entries": len(entries), "ledger_ok": checks.get("C02") == "pass",
        "customers": int(report.checks.loc[report.checks["check"] == "C10", "tested"].iloc[0]),
        "customers_notified": int(m.get("customers_notified") or 0),
        "requests_received": int(requests["received"]), "requests_due": int(requests["counted"]),
        "requests_on_time": int(requests["on_time"]),
        "destructions": len(jobs), "customers_deleted": len({t for e in jobs for t in e.subjects}),
        "certified_rate": m.get("destructions_certified_rate"),
        "residue": m.get("residue_after_destruction"),
        "overdue_deletions": m.get("overdue_deletions"),
        "incidents": int(m.get("incidents") or 0),
        "incidents_notified": int(report.checks.loc[report.checks["check"] == "C15", "tested"].iloc[0]
                                  - report.checks.loc[report.checks["check"] == "C15", "failed"].iloc[0]),
        "drills": int(m.get("drills") or 0),
        "staff": len(training.by_employee) if training is not None else 0,
        "trained": int((training.by_employee["status"] == "current").sum()) if training is not None else 0,
        "training_coverage": m.get("training_coverage"),
        "audits": len(audits) + (0 if report.entry is not None else 1),
        "findings_open": int(m.get("findings_open") or 0), "findings_high": int(m.get("findings_open_high") or 0),
    }
    figures["all_notified"] = figures["customers"] > 0 and figures["customers_notified"] == figures["customers"]
    figures["all_on_time"] = figures["requests_due"] > 0 and figures["requests_on_time"] == figures["requests_due"]
    figures["all_certified"] = figures["destructions"] > 0 and figures["certified_rate"] == 1.0
    return CsrSection(figures)
