"""The compliance programme and culture (module 10): the audit (PIPL Art. 54) over the case's
ledger, inventory and policies; training records (Art. 51); the RACI across departments;
indicators and the plan–do–check–act loop; the awareness-campaign planner; the customer-information
section of a social-responsibility report."""
from .audit import AuditReport, Finding, audit, evidence_text
from .campaign import Campaign, plan_campaign
from .checks import CHECKS, SEVERITIES, Check
from .csr import CsrSection, csr_section
from .exercise import accountability_exercise
from .improve import ImprovementLoop, compare_indicators, indicators
from .programme import ComplianceError, Programme, load_programme
from .raci import Raci, RaciError, load_raci
from .training import TrainingRecords, training_records

__all__ = ["AuditReport", "Finding", "audit", "evidence_text", "Campaign", "plan_campaign", "CHECKS", "SEVERITIES",
           "Check", "CsrSection", "csr_section", "accountability_exercise", "ImprovementLoop", "compare_indicators",
           "indicators", "ComplianceError", "Programme", "load_programme", "Raci", "RaciError", "load_raci",
           "TrainingRecords", "training_records"]
