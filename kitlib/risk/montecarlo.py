"""Annual loss expectancy by Monte Carlo, in RMB.

Each simulated year: the event rate λ is drawn (lognormal whose 5th–95th percentiles are the
register's frequency range; fixed when both ends are equal), the number of events ~ Poisson(λ),
each event's loss ~ lognormal (median and 90th percentile from the register). If any event of
the year draws a fine (chance ``fine_probability`` per event), one fine is added: lognormal
around ``fine_median_rmb`` (σ = FINE_SIGMA, company assumption) and never above the PIPL Art. 66
maximum for the risk's severity — ordinary: RMB 1,000,000 (the amount when correction is refused);
serious: RMB 50,000,000 or 5 % of the prior year's turnover; the model takes the larger, which is
the kit's reading (the article does not say which applies). DSL Art. 45 fines
and the fines on responsible persons are not modelled. Because fault is presumed in a claim for
harm (PIPL Art. 69), the loss per event counts compensation in full, with no discount for a defence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .register import Quant, Register, Risk, level_label

__all__ = ["Simulation", "simulate", "simulate_register", "art66_cap", "expected_loss_fixed_rate",
           "FINE_SIGMA", "ORDINARY_CAP_RMB", "SERIOUS_CAP_RMB", "SERIOUS_TURNOVER_SHARE"]

ORDINARY_CAP_RMB = 1_000_000        # PIPL Art. 66, ordinary violation, correction refused
SERIOUS_CAP_RMB = 50_000_000        # PIPL Art. 66, serious violation
SERIOUS_TURNOVER_SHARE = 0.05       # … or 5 % of the prior year's turnover
FINE_SIGMA = 1.0                    # spread of a fine around its median (company assumption)
_Z90 = 1.2815515655446004           # standard normal 90th percentile
_Z95 = 1.6448536269514722           # standard normal 95th percentile


@dataclass(frozen=True)
class Simulation:
    """Annual losses of ``len(samples)`` simulated years; ``fines`` is the fine part of each."""
    mean: float
    p50: float
    p90: float
    p99: float
    samples: np.ndarray
    fines: np.ndarray

    @property
    def std_error(self) -> float:
        """Standard error of ``mean``."""
        return float(self.samples.std(ddof=1) / math.sqrt(len(self.samples))) if len(self.samples) > 1 else math.inf


def art66_cap(severity: str, turnover_rmb: float = 0.0) -> float:
    """The PIPL Art. 66 maximum fine on the handler for ``severity`` ("ordinary" or "serious")."""
    if severity == "ordinary":
        return float(ORDINARY_CAP_RMB)
    if severity == "serious":
        if turnover_rmb < 0:
            raise ValueError(f"turnover_rmb must be ≥ 0, got {turnover_rmb!r}")
        return float(max(SERIOUS_CAP_RMB, SERIOUS_TURNOVER_SHARE * turnover_rmb))
    raise ValueError(f"severity must be ordinary or serious, got {severity!r}")


def _lognormal_params(median: float, p90: float) -> tuple[float, float]:
    return math.log(median), (math.log(p90) - math.log(median)) / _Z90


def expected_loss_fixed_rate(rate: float, impact_median_rmb: float, impact_p90_rmb: float) -> float:
    """Closed form without fines and with a fixed rate: E = λ·exp(μ + σ²/2)."""
    mu, sigma = _lognormal_params(impact_median_rmb, impact_p90_rmb)
    return rate * math.exp(mu + sigma ** 2 / 2)


def simulate(risk: Risk | Quant, n: int = 20_000, seed: int | None = 0, turnover_rmb: float = 0.0) -> Simulation:
    """``n`` simulated years of one risk; the same seed gives the same samples."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a whole number ≥ 1, got {n!r}")
    q = risk.quant if isinstance(risk, Risk) else risk
    rng = np.random.default_rng(seed)
    if q.frequency_low == q.frequency_high:
        rates = np.full(n, q.frequency_low)
    else:
        lo, hi = math.log(q.frequency_low), math.log(q.frequency_high)
        rates = rng.lognormal((lo + hi) / 2, (hi - lo) / (2 * _Z95), n)
    events = rng.poisson(rates)
    mu, sigma = _lognormal_params(q.impact_median_rmb, q.impact_p90_rmb)
    losses = rng.lognormal(mu, sigma, int(events.sum()))
    annual = np.bincount(np.repeat(np.arange(n), events), weights=losses, minlength=n)
    fines = np.zeros(n)
    if q.fine_probability > 0:
        fined = rng.binomial(events, q.fine_probability) > 0
        amounts = rng.lognormal(math.log(q.fine_median_rmb), FINE_SIGMA, int(fined.sum()))
        fines[fined] = np.minimum(amounts, art66_cap(q.severity, turnover_rmb))
    total = annual + fines
    p50, p90, p99 = np.percentile(total, [50, 90, 99])
    return Simulation(float(total.mean()), float(p50), float(p90), float(p99), total, fines)


def simulate_register(register: Register, n: int = 20_000, seed: int = 0, lang: str = "en") -> pd.DataFrame:
    """Every risk simulated (its own stream from ``seed``), highest expected loss first."""
    streams = np.random.SeedSequence(seed).spawn(len(register))
    rows = []
    for risk, stream in zip(register, streams):
        sim = simulate(risk, n, int(stream.generate_state(1)[0]), register.turnover_rmb)
        rows.append({"id": risk.id, "title": risk.text("title", lang), "score": risk.score,
                     "level": level_label(risk.level, lang), "mean": sim.mean, "p50": sim.p50, "p90": sim.p90,
                     "p99": sim.p99, "std_error": sim.std_error,
                     "fine_cap": art66_cap(risk.quant.severity, register.turnover_rmb)})
    frame = pd.DataFrame(rows)
    return frame.sort_values(["mean", "id"], ascending=[False, True], kind="stable").reset_index(drop=True)
