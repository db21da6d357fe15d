"""Assessments of the deregistration's processing: the PIPL Arts. 55–56 impact assessment."""
from __future__ import annotations

from .pia import (KEEP_YEARS, LEGAL_BASES, MEASURES, RELATIONS, TRIGGERS, Assessment, AssessmentError,
                  ItemAssessment, Processing, deregistration_processing, impact_assessment, keep_until)

__all__ = ["AssessmentError", "Processing", "ItemAssessment", "Assessment", "RELATIONS", "LEGAL_BASES",
           "MEASURES", "TRIGGERS", "KEEP_YEARS", "deregistration_processing", "impact_assessment", "keep_until"]
