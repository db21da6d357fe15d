"""The synthetic case: a Chongming joint venture and its customers, built a column at a time.

>>> case = generate(customers=2000, seed=7)
>>> case["customers"].shape[0]
2000
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from faker import Faker

from .. import __version__
from .activity import build_accounts, build_consents, build_orders
from .catalogue import build_catalogue, retention_rules
from .company import SCENARIOS, build_company
from .customers import build_customers
from .staff import build_access_log, build_employees, build_systems
from .tickets import build_tickets
from .watermark import check_ids, key_fingerprint, watermark_key

__all__ = ["Case", "generate", "SCENARIOS", "check_ids", "TABLES"]

TABLES = ("company", "shareholders", "timeline", "customers", "accounts", "orders", "consents",
          "tickets", "employees", "access_log", "systems", "system_tables")
MAX_CUSTOMERS = 20_000_000
_STAGES = ("company", "customers", "accounts", "orders", "consents", "employees", "tickets", "access_log", "systems")


@dataclass
class Case:
    """The generated case: tables by name, the ground-truth catalogue and ticket spans."""
    tables: dict[str, pd.DataFrame]
    catalogue: pd.DataFrame
    ticket_spans: pd.DataFrame
    retention_rules: pd.DataFrame
    params: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def company(self) -> pd.Series:
        return self.tables["company"].iloc[0]

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"rows": {k: len(v) for k, v in self.tables.items()},
                             "columns": {k: v.shape[1] for k, v in self.tables.items()}})


def validate_size(customers) -> int:
    """The customer count as an int, or ValueError with a one-line reason."""
    if isinstance(customers, bool) or not isinstance(customers, (int, np.integer)):
        raise ValueError(f"customers must be a whole number, got {customers!r}")
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be between 1 and {MAX_CUSTOMERS:,}, got {customers}")
    return int(customers)


def generate(customers: int = 2000, seed: int = 0, *, scenario: str | None = None,
             watermark: bytes | str | None = None, progress=None) -> Case:
    """Build the case for `customers` customers from `seed` (same seed, size, version: same data).

    scenario: "relocation" or "dissolution" (default: chosen by the seed).
    watermark: key for the customer_id watermark (default: KIT_WATERMARK_KEY or the public key).
    progress: optional callable(stage_name) called as each stage finishes.
    """
    n = validate_size(customers)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, got {seed!r}")
    key = watermark_key(watermark)
    # One independent stream per stage, so that changing one stage leaves the others alone.
    streams = dict(zip(_STAGES, (np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(len(_STAGES)))))
    faker = Faker("zh_CN")
    faker.seed_instance(int(seed))
    tick = progress or (lambda stage: None)

    company, shareholders, timeline, established, cutoff = build_company(streams["company"], faker, scenario)
    tick("company")
    cust = build_customers(n, streams["customers"], faker, established, cutoff, key)
    tick("customers")
    accounts, owner, pay = build_accounts(cust, streams["accounts"])
    tick("accounts")
    employees = build_employees(n, cutoff, established, streams["employees"])
    tick("employees")

    # The next stages read customers and accounts and share nothing else, each drawing from its
    # own stream: run them on two threads (numpy and Arrow release the GIL); same result.
    def orders_stage():
        out = build_orders(cust, accounts, owner, pay, streams["orders"])
        tick("orders")
        return out

    def the_rest():
        consents = build_consents(cust, streams["consents"])
        tick("consents")
        tickets = build_tickets(cust, employees, accounts, owner, streams["tickets"])
        tick("tickets")
        log = build_access_log(employees, cust, cutoff, streams["access_log"])
        tick("access_log")
        return consents, tickets, log

    with ThreadPoolExecutor(max_workers=2) as pool:
        orders_job = pool.submit(orders_stage)
        consents, (tickets, spans), access_log = the_rest()
        orders = orders_job.result()
    tables = {"company": company, "shareholders": shareholders, "timeline": timeline, "customers": cust,
              "accounts": accounts, "orders": orders, "consents": consents, "tickets": tickets,
              "employees": employees, "access_log": access_log}
    systems, system_tables = build_systems(employees, tables, streams["systems"])
    system_tables.loc[system_tables["table_name"] == "access_log", "records"] = len(tables["access_log"])
    tables["systems"], tables["system_tables"] = systems, system_tables
    tick("systems")
    params = {"customers": n, "seed": int(seed), "scenario": company["scenario"].iloc[0],
              "kit_version": __version__, "watermark_key": key_fingerprint(key),
              "data_cutoff": str(cutoff)}
    return Case({t: tables[t] for t in TABLES}, build_catalogue(), spans, retention_rules(), params)
