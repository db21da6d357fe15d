"""The data a drill run is played against: the synthetic case, the customers in scope and, when
the variant asks for it, the evidence the team works on.

``DrillData`` is what checkers read.  ``sample_data`` makes one from a case and the variant's
evidence parameters.  With ``kind`` (one of ``kitlib.drills.evidence.EVIDENCE_KINDS``) the run's
evidence is made from the seed by ``make_evidence`` — real artefacts written to ``out_dir`` (a
temporary folder, removed when the process ends, when none is given) — and the customers in scope
are the evidence's truth; every other parameter goes to ``make_evidence`` (``people_factor``,
``segment`` ...).  Without ``kind`` a simple scope is drawn:

- ``exposed_count``: how many customers are in scope (default a tenth of the case, at least 1);
- ``include_minors``: true or false forces whether customers under 14 are among them;
- ``affected_people``: the number of people the scenario says were affected, when the story is
  larger than the generated case (used to grade the incident); default: those in scope (with
  evidence: the evidence's count of people).
- ``operator``: the kind of network operator for reporting deadlines (default ``other``).
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["DrillData", "sample_data", "drill_data"]

_SCOPE_ONLY = {"operator", "affected_people"}     # facts the built-in checkers read, not evidence params


@dataclass(frozen=True)
class DrillData:
    case: object | None                         # kitlib.synth.Case
    exposed_customers: tuple[str, ...] = ()     # customer ids in scope of the incident
    facts: dict = field(default_factory=dict)   # the variant's evidence parameters
    evidence: object | None = None              # kitlib.drills.evidence.Evidence, when the variant has a kind

    def minors_in_scope(self) -> list[str]:
        """Ids of customers in scope who are under 14 (the case's ``is_minor``)."""
        if self.case is None:
            raise ValueError("this drill has no case data: give data= to the run")
        customers = self.case["customers"]
        rows = customers[customers["customer_id"].isin(self.exposed_customers) & customers["is_minor"].astype(bool)]
        return rows["customer_id"].tolist()

    def affected_people(self) -> int:
        value = self.facts.get("affected_people")
        if value is None:
            return self.evidence.truth.people if self.evidence is not None else len(self.exposed_customers)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"evidence parameter affected_people must be a whole number, got {value!r}")
        return value


def sample_data(case, seed: int, evidence: dict | None = None, *, out_dir=None, ledger=None) -> DrillData:
    """Customers in scope for ``case`` and ``seed`` under the evidence parameters above (with
    ``kind``: the evidence made into ``out_dir``, or a temporary folder)."""
    evidence = dict(evidence or {})
    if "kind" in evidence:
        return _with_evidence(case, seed, evidence, out_dir, ledger)
    customers = case["customers"]
    ids = customers["customer_id"].to_numpy()
    minor = customers["is_minor"].astype(bool).to_numpy()
    count = evidence.get("exposed_count", max(1, len(ids) // 10))
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= len(ids):
        raise ValueError(f"evidence parameter exposed_count must be a whole number from 1 to {len(ids)}, got {count!r}")
    include = evidence.get("include_minors")
    rng = np.random.default_rng([int(seed), 0xE71])
    if include is False:
        pool = np.flatnonzero(~minor)
    else:
        pool = np.arange(len(ids))
    if count > len(pool):
        raise ValueError(f"the case has only {len(pool)} customers to choose {count} from")
    chosen = rng.choice(pool, size=count, replace=False)
    if include is True and not minor[chosen].any():
        minors = np.flatnonzero(minor)
        if not len(minors):
            raise ValueError("include_minors is true but the case has no customer under 14")
        chosen[0] = rng.choice(minors)
    return DrillData(case, tuple(sorted(ids[chosen].tolist())), evidence)


def drill_data(package, seed: int, case=None, *, out_dir=None, ledger=None) -> DrillData:
    """The data a run of ``package`` with ``seed`` plays against (the variant the seed draws),
    with its evidence written to ``out_dir``: give the result to ``Run(..., data=)`` so that the
    team's artefacts land where the facilitator wants them.  ``case``: default a 300-customer case
    generated from the seed, as the engine does."""
    if case is None:
        from ..synth import generate
        case = generate(customers=300, seed=seed)
    played = package.with_variant(package.variant_for_seed(seed))
    return sample_data(case, seed, played.evidence, out_dir=out_dir, ledger=ledger)


def _with_evidence(case, seed: int, params: dict, out_dir, ledger) -> DrillData:
    from .evidence import EVIDENCE_KINDS, make_evidence

    kind = params["kind"]
    if kind not in EVIDENCE_KINDS:
        raise ValueError(f"evidence parameter kind must be one of {', '.join(EVIDENCE_KINDS)}, got {kind!r}")
    if out_dir is None:
        out_dir = _temp_folder()
    made = make_evidence(kind, case, int(seed), Path(out_dir),
                         params={k: v for k, v in params.items() if k != "kind" and k not in _SCOPE_ONLY},
                         ledger=ledger)
    return DrillData(case, tuple(made.truth.customer_ids), params, made)


_TEMP: list[str] = []


def _temp_folder() -> str:
    """A fresh folder for one run's evidence, removed when the Python process ends."""
    if not _TEMP:
        atexit.register(lambda: [shutil.rmtree(p, ignore_errors=True) for p in _TEMP])
    path = tempfile.mkdtemp(prefix="kit-drill-evidence-")
    _TEMP.append(path)
    return path
