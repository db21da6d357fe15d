"""The data a drill run is played against: the synthetic case and the customers in scope.

``DrillData`` is what checkers read.  ``sample_data`` makes a simple one from a case and the
variant's evidence parameters (the evidence module builds richer ones from generated logs):

- ``exposed_count``: how many customers are in scope (default a tenth of the case, at least 1);
- ``include_minors``: true or false forces whether customers under 14 are among them;
- ``affected_people``: the number of people the scenario says were affected, when the story is
  larger than the generated case (used to grade the incident); default: those in scope.
- ``operator``: the kind of network operator for reporting deadlines (default ``other``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["DrillData", "sample_data"]


@dataclass(frozen=True)
class DrillData:
    case: object | None                         # kitlib.synth.Case
    exposed_customers: tuple[str, ...] = ()     # customer ids in scope of the incident
    facts: dict = field(default_factory=dict)   # the variant's evidence parameters

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
            return len(self.exposed_customers)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"evidence parameter affected_people must be a whole number, got {value!r}")
        return value


def sample_data(case, seed: int, evidence: dict | None = None) -> DrillData:
    """Customers in scope drawn from ``case`` by ``seed`` under the evidence parameters above."""
    evidence = dict(evidence or {})
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
