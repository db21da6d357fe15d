"""Access control with an append-only access log (PIPL Art. 51(3) permissions, Art. 56 records).

Who may see what is data: ``kitlib/protect/data/roles.toml`` (read it: every choice is explained
for a trainer).  ``load_roles(path)`` reads a trainer's copy instead and checks it; a mistake
raises RoleFileError with one line naming the file and the field, e.g.
``my_roles.toml: roles.sales.tables.customers.clear[3]: 'mobil' is not a column of table customers``.

``guarded_view`` is the one door to a table: it shows clear columns as they are, masks the
mask-only ones, leaves the rest out, refuses what the role may not do, and writes one row to the
``AccessLog`` for every call, refusals included.

>>> roles = load_roles()
>>> roles.get("customer_service").tables["customers"].visible("service")[1][:3]
('birth_date', 'resident_id', 'passport_no')
>>> log = AccessLog("sqlite://")            # in memory; the default is a file in the kit's data folder
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from ..synth.catalogue import COLUMNS
from ..db import record_engine, safe_url
from ..tomlfile import read_toml
from .errors import AccessDenied, ProtectError, RoleFileError, UnknownRole, WrongColumn
from ..classify.masking import mask
from .transforms import mask_value

__all__ = ["ACTIONS", "OUTCOMES", "LOG_COLUMNS", "TABLE_SYSTEMS", "Purpose", "TablePolicy", "Role", "Roles",
           "load_roles", "parse_roles", "default_roles_path", "AccessLog", "guarded_view"]

ACTIONS = ("view", "search", "update", "export", "backup")
OUTCOMES = ("allowed", "masked", "denied")
ENV_URL = "KIT_ACCESS_LOG_URL"
TZ = ZoneInfo("Asia/Shanghai")      # the generator's timestamps are local time in Shanghai, without zone
# Where each table lives (the generator's systems table): S01 CRM, S02 ERP, S03 help desk.
TABLE_SYSTEMS = {"customers": "S01", "consents": "S01", "tickets": "S03", "accounts": "S02", "orders": "S02",
                 "employees": "S01", "access_log": "S01"}
GENERATOR_COLUMNS = ["log_id", "ts", "employee_id", "system_id", "action", "table_name", "record_id", "rows",
                     "client_ip"]
LOG_COLUMNS = GENERATOR_COLUMNS + ["role", "purpose", "columns", "outcome", "reason"]
_TABLE_COLUMNS = {table: [c[0] for c in cols] for table, cols in COLUMNS.items()}


# -- the roles file ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Purpose:
    id: str
    label_zh: str
    label_en: str
    needs_consent: bool = False
    consent_column: str = ""       # the column that records consent ("" when none is needed)


@dataclass(frozen=True)
class TablePolicy:
    table: str
    clear: tuple
    masked: tuple
    actions: tuple
    export_limit: int
    purposes: tuple                # purposes this table may be used for (the role's, unless narrowed)
    clear_for: dict                # purpose -> masked columns shown in clear for it

    def visible(self, purpose: str) -> tuple[tuple, tuple]:
        """(clear columns, masked columns) for one purpose; every other column is refused."""
        extra = set(self.clear_for.get(purpose, ()))
        return (self.clear + tuple(c for c in self.masked if c in extra),
                tuple(c for c in self.masked if c not in extra))


@dataclass(frozen=True)
class Role:
    id: str
    label_zh: str
    label_en: str
    department_zh: str
    department_en: str
    role_zh: str
    purposes: tuple
    office_hours_only: bool
    tables: dict                   # table -> TablePolicy

    def allows(self, table: str, action: str) -> bool:
        return table in self.tables and action in self.tables[table].actions


@dataclass(frozen=True)
class Roles:
    source: str
    purposes: dict                 # id -> Purpose
    roles: dict                    # id -> Role
    service_accounts: dict         # account id -> role id

    def get(self, role: str) -> Role:
        """The role by id (``sales``) or by its Chinese name (``销售代表``); UnknownRole otherwise."""
        if isinstance(role, str):
            if role in self.roles:
                return self.roles[role]
            for r in self.roles.values():
                if r.role_zh == role:
                    return r
        raise UnknownRole(f"{self.source}: no role {role!r} (roles: {', '.join(self.roles)})")

    def by_role_zh(self) -> dict:
        """Chinese role name as in the employees table -> role id."""
        return {r.role_zh: r.id for r in self.roles.values()}

    def to_frame(self) -> pd.DataFrame:
        """One row per role and table: what the role may do, for a trainer to read."""
        rows = [{"role": r.id, "role_zh": r.role_zh, "department_zh": r.department_zh, "table": t.table,
                 "actions": ", ".join(t.actions), "export_limit": t.export_limit,
                 "purposes": ", ".join(t.purposes), "clear": ", ".join(t.clear), "masked": ", ".join(t.masked),
                 "clear_for": "; ".join(f"{p}: {', '.join(c)}" for p, c in t.clear_for.items())}
                for r in self.roles.values() for t in r.tables.values()]
        return pd.DataFrame(rows)


def default_roles_path() -> Path:
    return Path(__file__).resolve().with_name("data") / "roles.toml"


def load_roles(path=None) -> Roles:
    """Read and check a roles file (default: the kit's own); RoleFileError names file and field."""
    if path is None:
        return _default()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default() -> Roles:
    return _load(default_roles_path())


def _load(path: Path) -> Roles:
    return parse_roles(read_toml(path, RoleFileError), path.name)


def _fail(source: str, key: str, problem: str):
    raise RoleFileError(f"{source}: {key}: {problem}")


def _keys(entry, allowed: set, required: set, source: str, key: str) -> dict:
    if not isinstance(entry, dict):
        _fail(source, key, f"must be a table, got {entry!r}")
    extra = sorted(set(entry) - allowed)
    if extra:
        _fail(source, f"{key}.{extra[0]}", f"unknown field (allowed: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(entry))
    if missing:
        _fail(source, f"{key}.{missing[0]}", "missing")
    return entry


def _text(entry: dict, field: str, source: str, key: str, default=None) -> str:
    value = entry.get(field, default)
    if not isinstance(value, str) or not value.strip():
        _fail(source, f"{key}.{field}", f"must be non-empty text, got {value!r}")
    return value.strip()


def _flag(entry: dict, field: str, source: str, key: str, default: bool) -> bool:
    value = entry.get(field, default)
    if not isinstance(value, bool):
        _fail(source, f"{key}.{field}", f"must be true or false, got {value!r}")
    return value


def _names(value, source: str, key: str, allowed, what: str) -> tuple:
    """A list of names, each in `allowed`, no repeats."""
    if not isinstance(value, list):
        _fail(source, key, f"must be a list, got {value!r}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            _fail(source, f"{key}[{i}]", f"must be text, got {item!r}")
        if item not in allowed:
            _fail(source, f"{key}[{i}]", f"{item!r} is not {what}")
        if item in value[:i]:
            _fail(source, f"{key}[{i}]", f"{item!r} is listed twice")
    return tuple(value)


_PURPOSE_FIELDS = {"label_zh", "label_en", "needs_consent", "consent_column"}
_ROLE_FIELDS = {"label_zh", "label_en", "department_zh", "department_en", "role_zh", "purposes",
                "office_hours_only", "tables"}
_TABLE_FIELDS = {"clear", "masked", "clear_for", "purposes", "actions", "export_limit"}


def _parse_purpose(pid: str, entry, source: str) -> Purpose:
    key = f"purposes.{pid}"
    _keys(entry, _PURPOSE_FIELDS, {"label_zh", "label_en"}, source, key)
    needs = _flag(entry, "needs_consent", source, key, False)
    column = entry.get("consent_column", "")
    if needs or column:
        column = _text(entry, "consent_column", source, key)
        if column not in _TABLE_COLUMNS["customers"]:
            _fail(source, f"{key}.consent_column", f"{column!r} is not a column of table customers")
    return Purpose(pid, _text(entry, "label_zh", source, key), _text(entry, "label_en", source, key), needs, column)


def _parse_table(table: str, entry, role_purposes: tuple, source: str, key: str) -> TablePolicy:
    _keys(entry, _TABLE_FIELDS, {"clear", "masked", "actions"}, source, key)
    if table not in _TABLE_COLUMNS:
        _fail(source, key, f"{table!r} is not a table of the case ({', '.join(_TABLE_COLUMNS)})")
    columns = _TABLE_COLUMNS[table]
    what = f"a column of table {table}"
    clear = _names(entry["clear"], source, f"{key}.clear", columns + ["*"], what)
    if "*" in clear:
        if len(clear) > 1:
            _fail(source, f"{key}.clear", '"*" (every column) must stand alone')
        clear = tuple(columns)
    masked = _names(entry["masked"], source, f"{key}.masked", columns, what)
    both = [c for c in masked if c in clear]
    if both:
        _fail(source, f"{key}.masked[{masked.index(both[0])}]", f"{both[0]!r} is also in clear")
    purposes = role_purposes
    if "purposes" in entry:
        purposes = _names(entry["purposes"], source, f"{key}.purposes", role_purposes, "one of the role's purposes")
    clear_for = entry.get("clear_for", {})
    if not isinstance(clear_for, dict):
        _fail(source, f"{key}.clear_for", f"must be a table, got {clear_for!r}")
    for purpose, cols in clear_for.items():
        if purpose not in purposes:
            _fail(source, f"{key}.clear_for.{purpose}", "not a purpose this table may be used for")
        _names(cols, source, f"{key}.clear_for.{purpose}", masked, "in this table's masked list")
    actions = _names(entry["actions"], source, f"{key}.actions", ACTIONS, f"an action ({', '.join(ACTIONS)})")
    limit = entry.get("export_limit", 0)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        _fail(source, f"{key}.export_limit", f"must be a whole number of rows >= 0, got {limit!r}")
    if ("export" in actions) != (limit > 0):
        _fail(source, f"{key}.export_limit", "must be > 0 exactly when export is among the actions")
    return TablePolicy(table, clear, masked, actions, limit, purposes,
                       {p: tuple(c) for p, c in clear_for.items()})


def _parse_role(rid: str, entry, purposes: dict, source: str) -> Role:
    key = f"roles.{rid}"
    _keys(entry, _ROLE_FIELDS, _ROLE_FIELDS - {"office_hours_only"}, source, key)
    texts = {f: _text(entry, f, source, key) for f in ("label_zh", "label_en", "department_zh", "department_en", "role_zh")}
    role_purposes = _names(entry["purposes"], source, f"{key}.purposes", purposes, "a purpose in [purposes]")
    if not role_purposes:
        _fail(source, f"{key}.purposes", "a role needs at least one purpose")
    office_hours_only = _flag(entry, "office_hours_only", source, key, True)
    if not isinstance(entry["tables"], dict) or not entry["tables"]:
        _fail(source, f"{key}.tables", "must be a non-empty table of tables")
    tables = {t: _parse_table(t, spec, role_purposes, source, f"{key}.tables.{t}")
              for t, spec in entry["tables"].items()}
    return Role(rid, **texts, purposes=role_purposes,
                office_hours_only=office_hours_only, tables=tables)


def parse_roles(data: dict, source: str = "<roles>") -> Roles:
    """Check parsed TOML and build Roles (RoleFileError on the first problem)."""
    _keys(data, {"version", "purposes", "roles", "service_accounts"}, {"version", "purposes", "roles"}, source, "(top)")
    if data["version"] != 1:
        _fail(source, "version", f"must be 1, got {data['version']!r}")
    for section in ("purposes", "roles"):
        if not isinstance(data[section], dict) or not data[section]:
            _fail(source, section, "missing or empty table")
    purposes = {pid: _parse_purpose(pid, entry, source) for pid, entry in data["purposes"].items()}
    roles = {rid: _parse_role(rid, entry, purposes, source) for rid, entry in data["roles"].items()}
    seen = {}
    for r in roles.values():
        if r.role_zh in seen:
            _fail(source, f"roles.{r.id}.role_zh", f"{r.role_zh!r} is also the role_zh of roles.{seen[r.role_zh]}")
        seen[r.role_zh] = r.id
    accounts = data.get("service_accounts", {})
    if not isinstance(accounts, dict):
        _fail(source, "service_accounts", f"must be a table, got {accounts!r}")
    for account, rid in accounts.items():
        if rid not in roles:
            _fail(source, f"service_accounts.{account}", f"{rid!r} is not a role in [roles]")
    return Roles(source, purposes, roles, dict(accounts))


# -- the access log ---------------------------------------------------------------------------

metadata = sa.MetaData()
events = sa.Table(
    "access_events", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("log_id", sa.String(20), nullable=False, unique=True),
    sa.Column("ts", sa.String(19), nullable=False),            # local Shanghai time, ISO, seconds
    sa.Column("employee_id", sa.String(64), nullable=False, index=True),
    sa.Column("system_id", sa.String(16), nullable=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("table_name", sa.String(64), nullable=False),
    sa.Column("record_id", sa.String(64), nullable=True),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("client_ip", sa.String(64), nullable=True),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("columns", sa.Text, nullable=False),             # comma-separated
    sa.Column("outcome", sa.String(8), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)
_APPEND_ONLY = "the access log is append-only: rows are never updated or deleted"
for _op in ("UPDATE", "DELETE"):
    sa.event.listen(events, "after_create", sa.DDL(
        f"CREATE TRIGGER access_events_no_{_op.lower()} BEFORE {_op} ON access_events "
        f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END").execute_if(dialect="sqlite"))
for _ddl in ("CREATE OR REPLACE FUNCTION access_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
             f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$",
             "CREATE TRIGGER access_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON access_events "
             "FOR EACH STATEMENT EXECUTE FUNCTION access_events_append_only()"):
    sa.event.listen(events, "after_create", sa.DDL(_ddl).execute_if(dialect="postgresql"))


def default_url() -> str:
    """``KIT_ACCESS_LOG_URL`` if set, else an SQLite file in the kit's data folder."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    from ..learn.paths import data_dir

    return f"sqlite:///{data_dir() / 'access_log.sqlite'}"


def local_now() -> datetime:
    """Now in Shanghai, to the second, without zone (as the generator's timestamps)."""
    return datetime.now(TZ).replace(tzinfo=None, microsecond=0)


class AccessLog:
    """Append-only log of every access, in a database at a SQLAlchemy URL.

    ``AccessLog("sqlite://")`` keeps it in memory; the default is ``access_log.sqlite`` in the
    kit's data folder.  There is no update or delete: on SQLite and PostgreSQL a trigger refuses
    them even from outside the kit.  Log ids are AL000000001, AL000000002, ... in order.
    """

    def __init__(self, url: str | None = None, *, prefix: str = "AL", busy_timeout: float = 30.0):
        self.url = url or default_url()
        self.prefix = prefix
        try:
            parsed = sa.engine.make_url(self.url)
        except (sa.exc.ArgumentError, ValueError):
            raise ProtectError(f"access log: not a database URL: {self.url!r}") from None
        self.dialect = parsed.get_backend_name()
        try:
            self.engine = record_engine(self.url, busy_timeout)
            with self.engine.begin() as conn:
                metadata.create_all(conn, checkfirst=True)
        except (sa.exc.ArgumentError, ImportError, OperationalError, OSError) as exc:
            raise ProtectError(f"access log: cannot open {self.safe_url}: {str(exc).strip().splitlines()[0]}") from None

    @property
    def safe_url(self) -> str:
        return safe_url(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __len__(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()

    def append(self, *, employee_id: str, action: str, table_name: str, role: str, purpose: str,
               outcome: str, rows: int = 0, columns=(), reason: str = "", record_id: str | None = None,
               system_id: str | None = None, client_ip: str | None = None, ts: datetime | None = None) -> str:
        """Add one event; returns its log id."""
        if action not in ACTIONS:
            raise ProtectError(f"access log: action {action!r} is not one of {', '.join(ACTIONS)}")
        if outcome not in OUTCOMES:
            raise ProtectError(f"access log: outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
        if not isinstance(employee_id, str) or not employee_id.strip():
            raise ProtectError(f"access log: employee_id must be non-empty text, got {employee_id!r}")
        stamp = pd.Timestamp(ts if ts is not None else local_now()).floor("s")
        row = {"employee_id": employee_id.strip(), "action": action, "table_name": str(table_name),
               "role": str(role), "purpose": str(purpose), "outcome": outcome, "rows": int(rows),
               "columns": columns if isinstance(columns, str) else ",".join(columns),
               "reason": " ".join(str(reason).split()), "record_id": None if record_id is None else str(record_id),
               "system_id": system_id or TABLE_SYSTEMS.get(str(table_name)), "client_ip": client_ip,
               "ts": stamp.strftime("%Y-%m-%d %H:%M:%S")}
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql("LOCK TABLE access_events IN SHARE ROW EXCLUSIVE MODE")
            seq = conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0))).scalar_one() + 1
            row.update(seq=seq, log_id=f"{self.prefix}{seq:09d}")
            conn.execute(events.insert().values(**row))
        return row["log_id"]

    def to_frame(self) -> pd.DataFrame:
        """Every event, oldest first, typed like the generator's access_log plus five columns."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(events).order_by(events.c.seq)).mappings().all()
        frame = pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in events.columns])[LOG_COLUMNS]
        frame["ts"] = pd.to_datetime(frame["ts"]).astype("datetime64[s]")
        frame["rows"] = frame["rows"].astype("int64")
        for col in LOG_COLUMNS:
            if col not in ("ts", "rows"):
                frame[col] = frame[col].astype("str")
        return frame


# -- the guarded door -------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _catalogue_kinds() -> dict:
    return {(t, c): kind for t, cols in COLUMNS.items() for c, kind, *_ in cols}


def _kinds(catalogue) -> dict:
    if catalogue is None:
        return _catalogue_kinds()
    return dict(zip(zip(catalogue["table"], catalogue["column"]), catalogue["kind"]))


def _masked(values: pd.Series, kind: str) -> pd.Series:
    """Every value masked by its kind's rule (``transforms.mask_value``: the same rules as
    ``transforms.mask_column``, but it never refuses a column); missing values stay missing."""
    present = values.dropna()
    try:
        rule = partial(mask_value, kind=kind)
        rule("")                                   # a kind the masking table does not know raises
    except ValueError:
        rule = partial(mask, kind=kind)            # the scan report's rule: never a whole identifier
    return values.map({v: rule(v) for v in present.unique()}).astype("str")


def _record_id(frame: pd.DataFrame):
    if len(frame) != 1 or frame.shape[1] == 0:
        return None
    col = "customer_id" if "customer_id" in frame.columns else frame.columns[0]
    value = frame[col].iloc[0]
    return None if pd.isna(value) else str(value)


def _requested(columns) -> list | None:
    if columns is None:
        return None
    return list(dict.fromkeys([columns] if isinstance(columns, str) else columns))


def guarded_view(frame: pd.DataFrame, *, table: str, role: str, purpose: str, actor: str, log: AccessLog,
                 columns=None, action: str = "view", system_id: str | None = None, client_ip: str | None = None,
                 roles=None, catalogue: pd.DataFrame | None = None, ledger=None) -> pd.DataFrame:
    """The rows of `frame` as `role` may see them for `purpose`: clear columns as they are,
    mask-only columns masked, others left out.  Refusals raise AccessDenied (UnknownRole for a
    role the file does not define); every call, refusals included, adds one row to `log`.

    Purposes that need consent show only the rows of customers who gave it.  `actor` is the
    employee (or service account) id written in the log; `roles` a Roles or a roles file (default:
    the kit's); `catalogue` (default: the generator's) gives each column's kind for masking.
    `ledger`: a ``kitlib.ledger.Ledger`` that also gets a "query" entry for each export granted
    (the seed's 查询记录; views stay in the access log alone).
    """
    roles = roles if isinstance(roles, Roles) else load_roles(roles)
    wanted = _requested(columns)
    entry = {"employee_id": actor, "action": action, "table_name": table, "purpose": str(purpose),
             "system_id": system_id, "client_ip": client_ip}

    def deny(message: str, error=AccessDenied, role_id: str = str(role)):
        log.append(**entry, role=role_id, outcome="denied", rows=0, columns=wanted or (),
                   reason=message, record_id=_record_id(frame))
        raise error(message)

    try:
        r = roles.get(role)
    except UnknownRole as exc:
        deny(str(exc), UnknownRole)
    policy = _check(r, roles, frame, table, str(purpose), action, wanted, deny)
    clear, masked = policy.visible(purpose)
    allowed = set(clear) | set(masked)
    shown = wanted if wanted is not None else [c for c in frame.columns if c in allowed]
    rows = frame
    consent = roles.purposes[purpose]
    if consent.needs_consent and consent.consent_column in frame.columns:
        rows = frame[frame[consent.consent_column].fillna(False).astype(bool)]
    if action == "export" and len(rows) > policy.export_limit:
        deny(f"role {r.id} may not export {len(rows):,} rows of table {table}: "
             f"the limit is {policy.export_limit:,} rows per export", role_id=r.id)
    out = rows[shown].copy()
    kinds = _kinds(catalogue)
    hidden = [c for c in shown if c in masked]
    for col in hidden:
        out[col] = _masked(out[col], kinds.get((table, col), "unknown"))
    reason = f"masked: {', '.join(hidden)}" if hidden else ""
    log.append(**entry, role=r.id, outcome="masked" if hidden else "allowed", rows=len(out), columns=shown,
               reason=reason, record_id=_record_id(rows))
    if ledger is not None and action == "export":
        ids = rows["customer_id"].dropna().astype(str).tolist() if "customer_id" in rows.columns else []
        ledger.append("query", actor=actor, subjects=ids,
                      details={"action": "export", "table": table, "role": r.id, "purpose": str(purpose),
                               "rows": len(out), "columns": list(shown), "masked": hidden})
    return out


def _check(r: Role, roles: Roles, frame, table: str, purpose: str, action: str, wanted, deny) -> TablePolicy:
    """The table's policy for this call, or deny() with the first reason it is refused."""
    if purpose not in r.purposes:
        deny(f"role {r.id} may not use purpose {purpose!r} (table {table}; its purposes: {', '.join(r.purposes)})",
             role_id=r.id)
    if table not in r.tables:
        deny(f"role {r.id} has no access to table {table} (purpose {purpose}; its tables: {', '.join(r.tables)})",
             role_id=r.id)
    policy = r.tables[table]
    if purpose not in policy.purposes:
        deny(f"role {r.id} may not use table {table} for purpose {purpose!r} (allowed: {', '.join(policy.purposes)})",
             role_id=r.id)
    if action not in policy.actions:
        deny(f"role {r.id} may not {action} table {table} (allowed: {', '.join(policy.actions)})", role_id=r.id)
    if wanted is not None:
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            deny(f"table {table} has no column {missing[0]!r}", WrongColumn, role_id=r.id)
        clear, masked = policy.visible(purpose)
        refused = [c for c in wanted if c not in clear and c not in masked]
        if refused:
            deny(f"role {r.id} may not see {table}.{refused[0]} (purpose {purpose}; refused to this role)",
                 role_id=r.id)
    return policy
