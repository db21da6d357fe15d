"""Risk assessment (module 08): the register, the 5×5 matrix and heat map, the treatment plan and
indicators, and annual loss expectancy by Monte Carlo with fines bounded by PIPL Art. 66."""
from __future__ import annotations

from .montecarlo import (Simulation, art66_cap, expected_loss_fixed_rate, simulate,
                         simulate_register)
from .register import (LABELS, LEVELS, ROLES, TREATMENTS, Indicator, Quant, Register, Risk, RiskRegisterError,
                       check_against_case, default_register_path, heat_map, indicators, label, labelled, level, level_label,
                       load_register, score, treatment_plan)

__all__ = ["Simulation", "art66_cap", "expected_loss_fixed_rate", "simulate", "simulate_register",
           "LABELS", "LEVELS", "ROLES", "TREATMENTS", "Indicator", "Quant", "Register", "Risk", "RiskRegisterError",
           "check_against_case", "default_register_path", "heat_map", "indicators", "label", "labelled", "level", "level_label",
           "load_register", "score", "treatment_plan"]
