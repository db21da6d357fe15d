"""Access control: the roles file, guarded_view (clear, masked, refused; every call logged) and the
append-only access log."""
import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from kitlib.classify.masking import mask
from kitlib.protect.access import (GENERATOR_COLUMNS, LOG_COLUMNS, AccessLog, default_roles_path, guarded_view,
                                   load_roles)
from kitlib.protect.errors import AccessDenied, ProtectError, RoleFileError, UnknownRole
from kitlib.synth.staff import DEPARTMENTS

COMPANY_ROLES = ["customer_service", "sales", "finance", "logistics", "marketing", "it_admin", "privacy_officer",
                 "general_manager"]


@pytest.fixture
def log():
    access_log = AccessLog("sqlite://")
    yield access_log
    access_log.close()


@pytest.fixture(scope="module")
def roles():
    return load_roles()


# -- the roles file ---------------------------------------------------------------------------

def test_packaged_roles_file_defines_every_role_of_the_case_company(roles):
    assert set(COMPANY_ROLES) <= set(roles.roles)
    by_zh = roles.by_role_zh()
    for department, role_zh, *_ in DEPARTMENTS:
        role = roles.roles[by_zh[role_zh]]
        assert role.department_zh == department and role.label_zh and role.label_en
    assert roles.purposes["marketing"].needs_consent and roles.purposes["marketing"].consent_column
    assert all(p.label_zh and p.label_en for p in roles.purposes.values())
    assert roles.service_accounts == {"svc-backup": "backup_service"}


def test_roles_file_names_only_columns_of_the_generated_tables(roles, case):
    for role in roles.roles.values():
        for table, policy in role.tables.items():
            assert set(policy.clear) | set(policy.masked) <= set(case.tables[table].columns), (role.id, table)


def test_every_department_may_do_its_normal_work_in_the_generated_log(roles, case):
    log, staff = case.tables["access_log"], case.tables["employees"].set_index("employee_id")
    role_ids = log["employee_id"].map(staff["role"].map(roles.by_role_zh())).fillna(
        log["employee_id"].map(roles.service_accounts))
    pairs = set(zip(role_ids, log["table_name"], log["action"]))
    assert all(roles.roles[r].allows(t, a) for r, t, a in pairs), pairs


def test_core_identifiers_are_never_in_clear_for_everyday_purposes(roles):
    for role in roles.roles.values():
        if role.id == "backup_service":
            continue
        customers = role.tables.get("customers")
        if customers is None:
            continue
        for purpose in customers.purposes:
            if purpose == "rights_request":
                continue
            clear, _ = customers.visible(purpose)
            assert not {"resident_id", "passport_no", "bank_card"} & set(clear), (role.id, purpose)


def _broken(tmp_path, extra: str):
    path = tmp_path / "my_roles.toml"
    path.write_text(default_roles_path().read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize("extra, field, problem", [
    ('[roles.sales.tables.tickets]\nclear = ["ticket_id", "txt"]\nmasked = []\nactions = ["view"]\n',
     "roles.sales.tables.tickets.clear[1]", "'txt' is not a column of table tickets"),
    ('[roles.sales.tables.invoices]\nclear = []\nmasked = []\nactions = ["view"]\n',
     "roles.sales.tables.invoices", "'invoices' is not a table"),
    ('[roles.sales.tables.tickets]\nclear = "ticket_id"\nmasked = []\nactions = ["view"]\n',
     "roles.sales.tables.tickets.clear", "must be a list"),
    ('[roles.sales.tables.tickets]\nclear = ["ticket_id"]\nmasked = []\nactions = ["view", "export"]\n'
     'export_limit = "100"\n', "roles.sales.tables.tickets.export_limit", "whole number"),
    ('[roles.sales.tables.tickets]\nclear = ["ticket_id"]\nmasked = []\nactions = ["view", "delete"]\n',
     "roles.sales.tables.tickets.actions[1]", "'delete' is not an action"),
    ('[roles.sales.tables.tickets]\nclear = ["ticket_id"]\nmasked = []\nactions = ["view"]\npurposes = ["billing"]\n',
     "roles.sales.tables.tickets.purposes[0]", "'billing' is not one of the role's purposes"),
    ('[roles.sales.tables.tickets]\nclear = ["ticket_id"]\nmasked = ["text"]\nactions = ["view"]\n'
     'clear_for = { sales = ["channel"] }\n', "roles.sales.tables.tickets.clear_for.sales[0]",
     "'channel' is not in this table's masked list"),
    ('[roles.sales.tables.tickets]\nclear = ["ticket_id"]\nmasked = []\nactions = ["view"]\nrows = 5\n',
     "roles.sales.tables.tickets.rows", "unknown field"),
    ('[roles.intern]\nlabel_zh = "实习生"\nlabel_en = "Intern"\ndepartment_zh = "市场部"\ndepartment_en = "Marketing"\n'
     'role_zh = "实习生"\npurposes = ["coffee"]\ntables = {}\n', "roles.intern.purposes[0]",
     "'coffee' is not a purpose in [purposes]"),
    ('[roles.intern]\nlabel_zh = "实习生"\nlabel_en = "Intern"\ndepartment_zh = "市场部"\ndepartment_en = "Marketing"\n'
     'role_zh = "实习生"\npurposes = ["analytics"]\noffice_hours_only = "yes"\ntables = {}\n',
     "roles.intern.office_hours_only", "must be true or false"),
    ('[purposes.training]\nlabel_zh = 1\nlabel_en = "Training"\n', "purposes.training.label_zh", "non-empty text"),
    ('[roles.sales.tables.tickets]\nclear = ["ticket_id"]\nmasked = []\nactions = ["view"]\n'
     '[roles.sales]\noffice_hours_only = "yes"\n', None, "not valid TOML"),
])
def test_roles_file_errors_name_the_file_and_the_field(tmp_path, extra, field, problem):
    with pytest.raises(RoleFileError) as err:
        load_roles(_broken(tmp_path, extra))
    message = str(err.value)
    assert message.startswith("my_roles.toml: ") and "\n" not in message
    if field:
        assert message.startswith(f"my_roles.toml: {field}: "), message
    assert problem in message


def test_service_account_of_an_unknown_role_is_named(tmp_path):
    # [service_accounts] is the file's last table: lines appended go into it.
    with pytest.raises(RoleFileError, match=r"^my_roles.toml: service_accounts.svc-report: 'reporting' is not a role"):
        load_roles(_broken(tmp_path, 'svc-report = "reporting"\n'))


def test_missing_roles_file_is_named(tmp_path):
    with pytest.raises(RoleFileError, match=r"^nowhere.toml: no such file"):
        load_roles(tmp_path / "nowhere.toml")


# -- guarded_view -----------------------------------------------------------------------------

def test_guarded_view_shows_clear_columns_masks_mask_only_ones_and_drops_the_rest(case, log, roles):
    customers = case.tables["customers"].head(5)
    out = guarded_view(customers, table="customers", role="customer_service", purpose="service",
                       actor="E0001", log=log)
    policy = roles.roles["customer_service"].tables["customers"]
    assert list(out.columns) == [c for c in customers.columns if c in set(policy.clear) | set(policy.masked)]
    assert "bank_card" not in out and "age" not in out
    pd.testing.assert_series_equal(out["name"], customers["name"])
    assert out["mobile"].tolist() == [mask(v, "cn_mobile") for v in customers["mobile"]]
    assert out["resident_id"].tolist() == [mask(v, "cn_resident_id") for v in customers["resident_id"]]
    assert out["guardian_name"].isna().equals(customers["guardian_name"].isna())   # missing stays missing
    events = log.to_frame()
    assert len(events) == 1
    row = events.iloc[0]
    assert (row["outcome"], row["rows"], row["role"], row["purpose"], row["employee_id"]) == \
        ("masked", 5, "customer_service", "service", "E0001")
    assert row["action"] == "view" and row["table_name"] == "customers" and row["system_id"] == "S01"
    assert "mobile" in row["reason"] and row["columns"].split(",") == list(out.columns)


def test_callback_purpose_shows_the_mobile_in_clear(case, log):
    customers = case.tables["customers"].head(3)
    out = guarded_view(customers, table="customers", role="customer_service", purpose="callback",
                       actor="E0001", log=log, columns=["customer_id", "name", "mobile", "email"])
    assert out["mobile"].tolist() == customers["mobile"].tolist()
    assert out["email"].tolist() == [mask(v, "email") for v in customers["email"]]


def test_role_may_be_named_in_chinese_as_in_the_employees_table(case, log):
    out = guarded_view(case.tables["orders"].head(2), table="orders", role="总经理", purpose="management",
                       actor="E0020", log=log)
    assert "payment_ref" not in out and out["customer_id"].str.contains(r"\*").all()
    assert log.to_frame()["role"].tolist() == ["general_manager"]


def test_consent_purpose_shows_only_customers_who_consented(case, log):
    customers = case.tables["customers"]
    out = guarded_view(customers, table="customers", role="marketing", purpose="marketing", actor="E0012",
                       log=log, action="export", columns=["customer_id", "name", "mobile"])
    assert len(out) == int(customers["marketing_consent"].sum())
    assert set(out["customer_id"]) == set(customers.loc[customers["marketing_consent"], "customer_id"])
    assert out["mobile"].str.fullmatch(r"1\d{10}").all()            # clear for marketing
    analysis = guarded_view(customers, table="customers", role="marketing", purpose="analytics", actor="E0012",
                            log=log, columns=["customer_id", "mobile"])
    assert len(analysis) == len(customers) and analysis["mobile"].dropna().str.contains(r"\*").all()


def test_asking_for_a_refused_column_is_denied_and_logged(case, log):
    customers = case.tables["customers"].head(10)
    with pytest.raises(AccessDenied) as err:
        guarded_view(customers, table="customers", role="sales", purpose="sales", actor="E0002", log=log,
                     columns=["customer_id", "bank_card"])
    message = str(err.value)
    assert "sales" in message and "customers.bank_card" in message and "\n" not in message
    row = log.to_frame().iloc[-1]
    assert (row["outcome"], row["rows"], row["reason"], row["columns"]) == \
        ("denied", 0, message, "customer_id,bank_card")


def test_purpose_not_allowed_for_the_role_is_denied_and_logged(case, log):
    with pytest.raises(AccessDenied) as err:
        guarded_view(case.tables["customers"].head(1), table="customers", role="logistics", purpose="marketing",
                     actor="E0008", log=log)
    message = str(err.value)
    assert "logistics" in message and "'marketing'" in message and "customers" in message
    assert log.to_frame()["outcome"].tolist() == ["denied"]


def test_table_outside_the_role_and_action_not_allowed_are_denied(case, log):
    with pytest.raises(AccessDenied, match="role marketing has no access to table tickets"):
        guarded_view(case.tables["tickets"].head(3), table="tickets", role="marketing", purpose="marketing",
                     actor="E0012", log=log)
    with pytest.raises(AccessDenied, match="role customer_service may not export table customers"):
        guarded_view(case.tables["customers"], table="customers", role="customer_service", purpose="service",
                     actor="E0001", log=log, action="export")
    assert log.to_frame()["outcome"].tolist() == ["denied", "denied"]


def test_export_over_the_row_limit_is_denied(case, log, roles):
    orders = case.tables["orders"]
    limit = roles.roles["finance"].tables["orders"].export_limit
    out = guarded_view(orders.head(limit), table="orders", role="finance", purpose="accounting", actor="E0003",
                       log=log, action="export")
    assert len(out) == limit
    with pytest.raises(AccessDenied, match=rf"role finance may not export {limit + 1:,} rows of table orders"):
        guarded_view(orders.head(limit + 1), table="orders", role="finance", purpose="accounting", actor="E0003",
                     log=log, action="export")
    events = log.to_frame()
    assert events["outcome"].tolist() == ["allowed", "denied"] and events["rows"].tolist() == [limit, 0]


def test_unknown_role_raises_unknown_role_and_is_logged(case, log):
    with pytest.raises(UnknownRole, match="no role 'intern'"):
        guarded_view(case.tables["customers"].head(1), table="customers", role="intern", purpose="service",
                     actor="E0099", log=log)
    row = log.to_frame().iloc[0]
    assert (row["role"], row["outcome"], row["employee_id"]) == ("intern", "denied", "E0099")


def test_single_row_access_logs_the_record_id(case, log):
    one = case.tables["tickets"].iloc[[7]]
    guarded_view(one, table="tickets", role="customer_service", purpose="service", actor="E0001", log=log)
    guarded_view(case.tables["tickets"].head(4), table="tickets", role="customer_service", purpose="service",
                 actor="E0001", log=log)
    events = log.to_frame()
    assert events["record_id"].iloc[0] == one["customer_id"].iloc[0]
    assert pd.isna(events["record_id"].iloc[1]) and events["system_id"].tolist() == ["S03", "S03"]


# -- the access log ---------------------------------------------------------------------------

def test_access_log_has_no_update_or_delete_api():
    public = {name for name in dir(AccessLog) if not name.startswith("_")}
    assert public == {"append", "to_frame", "close", "safe_url"}


def test_access_log_refuses_update_and_delete_even_from_outside(tmp_path):
    path = tmp_path / "log.sqlite"
    access_log = AccessLog(f"sqlite:///{path}")
    access_log.append(employee_id="E0001", action="view", table_name="customers", role="customer_service",
                      purpose="service", outcome="allowed", rows=1)
    access_log.close()
    with sqlite3.connect(path) as conn:
        for statement in ("UPDATE access_events SET employee_id = 'E0002'", "DELETE FROM access_events"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(statement)
    assert len(AccessLog(f"sqlite:///{path}")) == 1


def test_access_log_round_trips_to_a_frame_typed_like_the_generators(case, tmp_path):
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    first = AccessLog(url)
    ids = [first.append(employee_id="E0003", action="export", table_name="orders", role="finance",
                        purpose="accounting", outcome="allowed", rows=1200, columns=["order_id", "amount_cny"],
                        ts=pd.Timestamp("2026-04-30 16:05:09"), client_ip="10.31.0.4"),
           first.append(employee_id="E0001", action="view", table_name="customers", role="customer_service",
                        purpose="service", outcome="masked", rows=1, record_id="CM0001000254VP",
                        reason="masked: mobile")]
    first.close()
    frame = AccessLog(url).to_frame()                 # reopened: the events are still there
    assert ids == ["AL000000001", "AL000000002"] and frame["log_id"].tolist() == ids
    assert list(frame.columns) == LOG_COLUMNS
    assert frame[GENERATOR_COLUMNS].dtypes.to_dict() == case.tables["access_log"].dtypes.to_dict()
    row = frame.iloc[0]
    assert row["ts"] == pd.Timestamp("2026-04-30 16:05:09") and row["rows"] == 1200
    assert (row["system_id"], row["columns"], row["client_ip"]) == ("S02", "order_id,amount_cny", "10.31.0.4")
    assert pd.isna(row["record_id"]) and frame["record_id"].iloc[1] == "CM0001000254VP"


def test_empty_access_log_gives_an_empty_typed_frame(case):
    frame = AccessLog("sqlite://").to_frame()
    assert frame.empty and frame[GENERATOR_COLUMNS].dtypes.to_dict() == case.tables["access_log"].dtypes.to_dict()


def test_access_log_refuses_unknown_actions_and_outcomes(log):
    with pytest.raises(ProtectError, match="action 'delete'"):
        log.append(employee_id="E0001", action="delete", table_name="customers", role="sales", purpose="sales",
                   outcome="allowed")
    with pytest.raises(ProtectError, match="outcome 'maybe'"):
        log.append(employee_id="E0001", action="view", table_name="customers", role="sales", purpose="sales",
                   outcome="maybe")
    assert len(log) == 0


def test_access_log_on_postgresql_is_append_only(pg_url):
    access_log = AccessLog(pg_url)
    access_log.append(employee_id="E0001", action="view", table_name="customers", role="customer_service",
                      purpose="service", outcome="allowed", rows=1)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with access_log.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM access_events")
    assert access_log.to_frame()["log_id"].tolist() == ["AL000000001"]
    access_log.close()
