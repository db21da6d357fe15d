"""Find personal information in text: `scan_text(text) -> list[Finding]`, `scan_many(texts)`.

Kinds (the generator's vocabulary, `kitlib.synth.catalogue.KINDS`) are listed in `KINDS`.
`kitlib.classify.validators` checks single values (`is_resident_id`, `is_uscc`, `luhn_ok` …);
`registry()` lists the recognizers (one per kind, `recognizers.py`).

Other modules of this package (inventory, files, policy, report) add their imports below.
"""
from .finding import Finding
from .recognizers import FACT_KINDS, KINDS
from .scanner import registry, scan_many, scan_text

from .files import ExportError, read_export
from .inventory import INVENTORY_COLUMNS, inventory
from .masking import mask
from .overview import compare_with_truth, summary, unscannable, write_sample_exports
from .policy import PolicyError, load_policy
from .report import scan_exports, write_report

__all__ = ["Finding", "KINDS", "FACT_KINDS", "scan_text", "scan_many", "registry", "inventory", "INVENTORY_COLUMNS",
           "load_policy", "PolicyError", "read_export", "ExportError", "mask", "scan_exports", "write_report",
           "summary", "compare_with_truth", "unscannable", "write_sample_exports"]
