"""What the kit knows about each place the case company's data lives, for the capstone plan:
the medium (how it can be destroyed), whether it sits at the old site, and per table the
retention rule, the dates (from ``plan_retention``), the sensitive columns and the consents."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from ..lifecycle.drills03 import held_by
from ..lifecycle.retention import RetentionPlan, plan_retention
from ..lifecycle.schedule import RetentionRule
from ..sharing import consented, load_purposes

__all__ = ["Holding", "TableFacts", "CaseFacts", "case_facts"]

_TAPE = ("tape", "磁带")
_KEPT = ("keep_until", "hand_over", "restrict_then_delete")


def _date(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


@dataclass(frozen=True)
class Holding:
    """One (system, table) of the inventory."""
    system_id: str
    table: str
    copy_kind: str          # primary | copy | backup | paper
    records: int
    medium: str             # vocab.MEDIA
    encrypted: bool
    at_old_site: bool
    name_zh: str
    name_en: str

    @property
    def key(self) -> tuple[str, str]:
        return self.system_id, self.table

    @property
    def is_record_copy(self) -> bool:
        """The records themselves (primary or paper originals), not a backup or a copy of them."""
        return self.copy_kind in ("primary", "paper")

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh-CN" else self.name_en


@dataclass(frozen=True)
class TableFacts:
    table: str
    rule: RetentionRule                 # the rule that decides how long the table's records live
    also: tuple[RetentionRule, ...]     # other rules covering some of its columns
    duty: str                           # law (V/S period) | policy (U period) | none (until the purpose ends)
    required_until: dt.date | None      # last keep-until of the records that must be kept
    open_rows: int                      # records whose period has not started (relationship goes on)
    delete_by: dt.date | None           # last delete-by of the records that go
    deleting: int                       # records to delete
    sensitive: tuple[str, ...]          # PIPL Art. 28 columns


@dataclass
class CaseFacts:
    case: object
    retention: RetentionPlan
    holdings: list[Holding]
    tables: dict[str, TableFacts]

    @property
    def scenario(self) -> str:
        return self.retention.scenario

    @property
    def dissolution(self) -> bool:
        return self.scenario == "dissolution"

    @property
    def company(self) -> pd.Series:
        return self.case.tables["company"].iloc[0]

    @property
    def schedule(self):
        return self.retention.schedule

    @property
    def deregistration(self) -> dt.date | None:
        return _date(self.retention.deregistration)

    @property
    def service_end(self) -> dt.date | None:
        return _date(self.retention.service_end)

    @property
    def address_cancelled_on(self) -> dt.date:
        return _date(self.company["address_cancelled_on"])

    @property
    def successor(self) -> str:
        value = self.company.get("successor", "")
        return "" if value is None or pd.isna(value) or str(value) == "nan" else str(value)

    @cached_property
    def purposes(self):
        return load_purposes()

    def holding(self, key) -> Holding | None:
        return next((h for h in self.holdings if h.key == tuple(key)), None)

    def deadline(self, h: Holding) -> dt.date | None:
        """Dissolution: the day this holding must be gone from the company — the deletion date of a
        table kept only for its purpose, else the deregistration; relocation: None."""
        if not self.dissolution:
            return None
        tf = self.tables[h.table]
        if tf.duty == "none" and tf.delete_by is not None:
            return min(tf.delete_by, self.deregistration)
        return self.deregistration

    def consent_counts(self, table: str, column: str, consent_purpose: str) -> tuple[int, int]:
        """(customers holding a value in ``column``, of whom separate consent ``consent_purpose`` is
        on record on the service's last day, or the data cutoff)."""
        frame = self.case.tables[table]
        if "customer_id" not in frame.columns or column not in frame.columns:
            return 0, 0
        s = frame[column]
        present = s.fillna(False).astype(bool) if s.dtype == bool or column == "is_minor" else \
            s.notna() & (s.astype("string").str.strip() != "").fillna(False)
        ids = set(frame.loc[present.to_numpy(dtype=bool), "customer_id"].astype(str))
        on = self.service_end or _date(self.company["data_cutoff"])
        ok = consented(self.case.tables["consents"], consent_purpose, on=on)
        return len(ids), len(ids & ok)


def _medium(system: pd.Series) -> str:
    if system["kind"] == "paper_archive":
        return "paper"
    holder = held_by(system)
    if holder != "company":
        return holder
    if system["kind"] == "backup":
        name = f"{system['name_zh']} {system['name_en']}".lower()
        return "tape" if any(word in name for word in _TAPE) else "backup"
    return "database"


def _table_facts(table: str, plan: RetentionPlan, catalogue: pd.DataFrame) -> TableFacts:
    sched = plan.schedule
    records = plan.records[plan.records["table"].astype(str) == table]
    columns = plan.columns[plan.columns["table"] == table]
    if len(records):
        rule_id = str(records["rule"].astype(str).value_counts().index[0])
    else:
        rule_id = str(columns["rule"].value_counts().index[0]) if len(columns) else sched.settings.default_rule
    rule = sched.rule(rule_id)
    also_ids = {str(r) for r in columns["rule"]} | {a for v in columns["also_rules"] for a in str(v).split(";") if a}
    also = tuple(sched.rule(a) for a in sorted(also_ids - {rule_id}))
    if rule.period.kind == "none":
        duty = "none"
    else:
        duty = "policy" if rule.certainty == "U" else "law"
    kept = records[records["action"].astype(str).isin(_KEPT)]
    deleting = records[records["action"].astype(str) == "delete_by"]
    sensitive = tuple(catalogue.loc[(catalogue["table"] == table) & catalogue["art28"].astype(bool), "column"])
    return TableFacts(table, rule, also, duty, _date(kept["keep_until"].max()) if len(kept) else None,
                      int(columns["rows_open"].max()) if len(columns) else 0,
                      _date(deleting["delete_on"].max()) if len(deleting) else None, len(deleting), sensitive)


def case_facts(case, retention: RetentionPlan | None = None) -> CaseFacts:
    """The facts of ``case`` (a generated Case) the reference plan and the checker use."""
    plan = retention or plan_retention(case)
    systems = case.tables["systems"].set_index("system_id")
    district = str(case.tables["company"].iloc[0].get("registered_district", "")).rstrip("区县")
    holdings = []
    for rec in case.tables["system_tables"].itertuples(index=False):
        s = systems.loc[rec.system_id]
        encrypted = str(s["encrypted_at_rest"]).strip().lower() in ("true", "1", "yes")
        at_site = bool(district) and district in str(s["location_zh"])
        holdings.append(Holding(str(rec.system_id), str(rec.table_name), str(rec.copy_kind), int(rec.records),
                                _medium(s), encrypted, at_site, str(s["name_zh"]), str(s["name_en"])))
    tables = {t: _table_facts(t, plan, case.catalogue) for t in dict.fromkeys(h.table for h in holdings)}
    return CaseFacts(case, plan, holdings, tables)
