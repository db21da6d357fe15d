"""kitlib.classify.inventory: kinds against the generator's ground truth, tiers from the policy,
evidence fields, Chinese headers, values over misleading headers, and policy-file errors."""
import importlib
import math
import tomllib

import numpy as np
import pandas as pd
import pytest

from kitlib.classify.headers import match_header, normalize_header
from kitlib.classify.inventory import INVENTORY_COLUMNS, inventory
from kitlib.classify.masking import mask
from kitlib.classify.policy import PolicyError, default_policy_path, load_policy
from kitlib.synth import generate
from kitlib.synth.catalogue import KINDS

IDENTIFIER_COLUMNS = ("resident_id", "mobile", "bank_card", "email", "passport_no", "uscc", "guardian_mobile")


@pytest.fixture(scope="module")
def inv(case):
    return inventory(case, lang="en")


def _kinds(frame: pd.DataFrame) -> dict:
    return frame.drop_duplicates(["table", "column"]).set_index(["table", "column"])["kind"].to_dict()


# -- against the ground truth ------------------------------------------------------------------

def test_every_column_kind_matches_the_catalogue(case, inv):
    truth = case.catalogue.set_index(["table", "column"])["kind"].to_dict()
    got = _kinds(inv)
    assert set(got) == set(truth)
    wrong = {key: (got[key], truth[key]) for key in truth if got[key] != truth[key]}
    assert not wrong


def test_dissolution_case_kinds_match_too(dissolution_case):
    got = _kinds(inventory(dissolution_case, sample=500, seed=3))
    truth = dissolution_case.catalogue.set_index(["table", "column"])["kind"].to_dict()
    assert got == truth


def test_one_row_per_system_the_table_lives_in(case, inv):
    st = case["system_tables"]
    for table, frame in case.tables.items():
        rows = inv[inv["table"] == table]
        systems = st.loc[st["table_name"] == table, "system_id"].tolist()
        assert len(rows) == max(len(systems), 1) * frame.shape[1]
        if systems:
            assert sorted(rows["system"].unique()) == sorted(systems)
            copy = dict(zip(st.loc[st["table_name"] == table, "system_id"], st.loc[st["table_name"] == table, "copy_kind"]))
            assert all(copy[s] == k for s, k in zip(rows["system"], rows["copy_kind"]))
        else:
            assert set(rows["system"]) == {""}


def test_tier_and_art28_come_from_the_policy_and_agree_with_the_catalogue(case, inv):
    policy = load_policy()
    for row in inv.itertuples():
        entry = policy.kinds[row.kind]
        assert (row.pipl_category, row.tier, row.art28) == (entry.category, entry.tier, entry.art28)
        assert row.tier_zh == policy.tiers[row.tier]["zh"]
        assert row.personal == (row.tier != "none")
        assert bool(row.art28_basis) == row.art28
        assert row.protection == entry.protection["en"] and row.retention == entry.retention["en"]
    cat = case.catalogue.set_index(["table", "column"])
    one = inv.drop_duplicates(["table", "column"]).set_index(["table", "column"])
    assert (one["tier"] == cat["tier"]).all() and (one["art28"] == cat["art28"]).all()


def test_default_policy_agrees_with_the_generator_kinds():
    policy = load_policy()
    for kind, (category, tier, art28) in KINDS.items():
        entry = policy.kinds[kind]
        assert (entry.category, entry.tier, entry.art28) == (category, tier, art28), kind
    assert policy.kinds["unknown"].tier == "review"
    assert [policy.tiers[t]["zh"] for t in ("general", "sensitive", "core")] == ["一般", "敏感", "核心"]
    for entry in policy.kinds.values():
        assert entry.protection["zh"] and entry.protection["en"] and entry.retention["zh"] and entry.retention["en"]


# -- schema and evidence -------------------------------------------------------------------------

def test_schema_is_the_documented_one(inv):
    assert list(inv.columns) == list(INVENTORY_COLUMNS)
    assert inv["confidence"].dtype == float and inv["value_share"].dtype == float
    assert inv["art28"].dtype == bool and inv["personal"].dtype == bool
    for name in ("sampled", "rows", "non_empty"):
        assert inv[name].dtype == np.int64
    module = importlib.import_module("kitlib.classify.inventory")   # the package exports a function of that name
    for name in INVENTORY_COLUMNS:
        assert f"\n{name} " in module.__doc__, f"{name} is not in the module docstring's schema"


def test_confidence_and_evidence_are_sensible(case, inv):
    assert inv["confidence"].between(0, 1).all()
    share = inv["value_share"].dropna()
    assert share.between(0, 1).all()
    assert (inv["non_empty"] <= inv["rows"]).all()
    assert (inv["sampled"] <= np.minimum(inv["non_empty"], 2000)).all()
    assert (inv.loc[inv["non_empty"] > 0, "sampled"] > 0).all()
    assert (inv.loc[inv["decided_by"].str.contains("header"), "header_match"] != "").all()
    one = inv.drop_duplicates(["table", "column"]).set_index(["table", "column"])
    for column in ("resident_id", "mobile", "bank_card", "email"):
        row = one.loc[("customers", column)]
        assert row["decided_by"] == "header+values" and row["value_share"] == 1.0 and row["confidence"] >= 0.95
    rows = len(case["customers"])
    assert one.loc[("customers", "name"), "rows"] == rows
    assert one.loc[("customers", "bank_card"), "non_empty"] == case["customers"]["bank_card"].notna().sum()
    assert math.isnan(one.loc[("customers", "company_name"), "value_share"])   # organisation: no value check


def test_examples_are_masked_and_never_full_identifiers(case, inv):
    one = inv.drop_duplicates(["table", "column"]).set_index(["table", "column"])
    customers = case["customers"]
    for column in IDENTIFIER_COLUMNS:
        examples = one.loc[("customers", column), "examples_masked"].split(" | ")
        assert examples and all("*" in e for e in examples), column
        values = set(customers[column].dropna())
        assert not any(e in values for e in examples)
        assert not any(v in one.loc[("customers", column), "examples_masked"] for v in values)


def test_sampling_is_deterministic_and_capped(case):
    tables = {"customers": case["customers"]}
    a = inventory(tables, sample=50, seed=7)
    b = inventory(tables, sample=50, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert (a["sampled"] <= 50).all()
    assert _kinds(a) == {("customers", c): k for (t, c), k in
                         case.catalogue.set_index(["table", "column"])["kind"].items() if t == "customers"}


def test_minors_are_noted_on_personal_columns(case, inv):
    minors = int(case["customers"]["is_minor"].sum())
    assert minors > 0
    row = inv[(inv["table"] == "customers") & (inv["column"] == "name")].iloc[0]
    assert f"{minors} row(s) are minors under 14" in row["notes"]
    uscc = inv[(inv["table"] == "customers") & (inv["column"] == "uscc")].iloc[0]
    assert "minors" not in uscc["notes"]      # not personal information


def test_free_text_columns_are_scanned_for_art28_facts(case, inv):
    row = inv[(inv["table"] == "tickets") & (inv["column"] == "text")].iloc[0]
    assert row["kind"] == "free_text" and row["tier"] == "sensitive" and row["art28"]
    found = dict(part.split(":") for part in row["embedded"].split(";"))
    assert "cn_mobile" in found and all(0 < float(v) <= 1 for v in found.values())
    assert "Art. 28 facts found in the text" in row["notes"]
    texts = case["tickets"]["text"].tolist()
    for example in row["examples_masked"].split(" | "):
        assert example not in texts


# -- Chinese headers, variants and value evidence ----------------------------------------------------

@pytest.fixture(scope="module")
def chinese_export():
    c = generate(customers=600, seed=21)
    cust = c["customers"]
    person = cust[cust["customer_type"] == "individual"].reset_index(drop=True)
    n = len(person)
    contact = person["mobile"].where(np.arange(n) % 10 < 7, person["email"])
    tickets = c["tickets"]["text"]
    return pd.DataFrame({
        "客户名称": person["name"], "证件号码": person["resident_id"].fillna(person["passport_no"]),
        "手机": person["mobile"], "联系方式": contact, "开户行": person["bank_name"],
        "银行卡号": person["bank_card"], "备注": tickets.reindex(range(n)).to_numpy(),
        "出生日期": person["birth_date"].dt.strftime("%Y年%m月%d日"), "性别": person["gender"],
        "住址": person["address"], "邮箱": person["email"], "所在省份": person["province"],
        "统一社会信用代码": c["customers"]["uscc"].dropna().reindex(range(n)).to_numpy(),
    })


def test_chinese_headers_get_the_right_kinds(chinese_export):
    got = inventory({"客户导出": chinese_export}).set_index("column")
    expected = {"客户名称": "person_name", "证件号码": "cn_resident_id", "手机": "cn_mobile", "联系方式": "cn_mobile",
                "开户行": "bank_name", "银行卡号": "bank_card", "备注": "free_text", "出生日期": "birth_date",
                "性别": "gender", "住址": "address", "邮箱": "email", "所在省份": "region",
                "统一社会信用代码": "cn_uscc"}
    assert got["kind"].to_dict() == expected
    assert got.loc["证件号码", "tier"] == "core" and got.loc["开户行", "tier"] == "sensitive"
    assert got.loc["出生日期", "value_share"] == 1.0
    assert "email" in got.loc["联系方式", "notes"]            # the 30 % e-mails are mentioned
    assert got.loc["所在省份", "header_match"] == "省份"        # a partial match


@pytest.mark.parametrize("header, kind", [
    ("证件号码", "cn_resident_id"), ("身份证号码(必填)", "cn_resident_id"), ("身份证号码（必填）", "cn_resident_id"),
    ("ID No.", "cn_resident_id"), ("id_number", "cn_resident_id"), ("idNumber", "cn_resident_id"),
    ("ID_NUMBER ", "cn_resident_id"), ("身份证", "cn_resident_id"), ("手机", "cn_mobile"), ("手机号", "cn_mobile"),
    ("客户手机号码", "cn_mobile"), ("Mobile Phone", "cn_mobile"), ("Ｍｏｂｉｌｅ", "cn_mobile"), ("联系电话", "cn_mobile"),
    ("联系方式", "cn_mobile"), ("开户行", "bank_name"), ("Bank Name", "bank_name"), ("卡号", "bank_card"),
    ("银行卡", "bank_card"), ("备注", "free_text"), ("说明", "free_text"), ("Remarks", "free_text"),
    ("客服备注", "free_text"), ("姓名", "person_name"), ("客户名称", "person_name"), ("地址", "address"),
    ("收货地址", "address"), ("出生日期", "birth_date"), ("生日", "birth_date"), ("E-mail", "email"),
    ("邮箱", "email"), ("护照号", "passport"), ("车牌", "cn_plate"), ("IP 地址", "ip_address"), ("IP", "ip_address"),
    ("统一社会信用代码", "cn_uscc"), ("性别", "gender"), ("年龄", "age"), ("国籍", "nationality"), ("省", "region"),
    ("城市", "region"), ("区县", "region"),
])
def test_header_vocabulary(header, kind):
    assert match_header(header).kind == kind


def test_header_normalisation_and_vague_words():
    assert normalize_header("  Customer-Mobile No. ") == "customer_mobile_no"
    assert normalize_header("ＩＤ　Ｎｏ．") == "id_no"
    assert match_header("table_name") is None and match_header("product_name") is None
    assert match_header("name_zh", "company").kind == "organisation"
    assert match_header("name_zh", "systems").kind == "system"
    assert match_header("name").kind == "person_name"


def test_values_override_a_misleading_header():
    c = generate(customers=400, seed=8)
    cust = c["customers"]
    frame = pd.DataFrame({
        "备注": cust["resident_id"],                # a notes column that holds ID numbers
        "phone": cust["email"],                     # e-mails under a phone header
        "customer_id": cust["mobile"],              # customers numbered by their mobile
        "col_7": cust["bank_card"],                 # no header to go on
        "mobile": cust["mobile"].str.slice(0, 3) + "****" + cust["mobile"].str.slice(7),  # already masked
    })
    got = inventory({"export": frame}).set_index("column")
    assert got.loc["备注", "kind"] == "cn_resident_id" and got.loc["备注", "decided_by"] == "values over header"
    assert got.loc["phone", "kind"] == "email" and got.loc["customer_id", "kind"] == "cn_mobile"
    assert "header suggests" in got.loc["备注", "notes"] and got.loc["备注", "confidence"] >= 0.8
    assert got.loc["col_7", "kind"] == "bank_card" and got.loc["col_7", "decided_by"] == "values"
    assert got.loc["col_7", "header_match"] == ""
    # Masked numbers do not validate, so the header stands, with low confidence and a note.
    assert got.loc["mobile", "kind"] == "cn_mobile" and got.loc["mobile", "value_share"] == 0
    assert got.loc["mobile", "confidence"] < 0.6 and "masked" in got.loc["mobile", "notes"]


def test_unrecognised_column_is_left_for_review():
    frame = pd.DataFrame({"xyz": ["alpha", "beta", "gamma"] * 10, "empty": [None] * 30})
    got = inventory({"t": frame}).set_index("column")
    assert (got["kind"] == "unknown").all() and (got["tier"] == "review").all()
    assert (got["confidence"] == 0).all() and got.loc["empty", "sampled"] == 0


def test_systems_argument_and_bad_input(case):
    frame = case["customers"].head(50)
    got = inventory({"customers": frame}, systems={"customers": ["CRM", "backup"]})
    assert sorted(got["system"].unique()) == ["CRM", "backup"] and len(got) == 2 * frame.shape[1]
    with pytest.raises(ValueError, match="sample"):
        inventory({"customers": frame}, sample=0)
    with pytest.raises(TypeError):
        inventory({"customers": [1, 2]})


def test_mask_examples():
    assert mask("13812345678", "cn_mobile") == "138****5678"
    assert mask("11010119900307663X", "cn_resident_id") == "110101********663X"
    assert mask("张三", "person_name") == "张*"
    assert mask("wang.wei@example.com", "email") == "w***@example.com"
    assert mask("6222020000000000005", "bank_card") == "6222***********0005"
    assert mask("上海市崇明区城桥镇天津街1031号", "address") == "上海市崇明区****"


# -- the policy file -----------------------------------------------------------------------------

def test_a_trainer_policy_changes_the_inventory(tmp_path, case):
    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace('[kinds.cn_mobile]\ncategory = "contact"\ntier = "general"',
                        '[kinds.cn_mobile]\ncategory = "contact"\ntier = "sensitive"')
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    got = inventory({"customers": case["customers"].head(100)}, policy=path).set_index("column")
    assert got.loc["mobile", "tier"] == "sensitive" and got.loc["email", "tier"] == "general"


def _broken(tmp_path, old, new):
    text = default_policy_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "trainer.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, message", [
    ('[kinds.cn_mobile]\ncategory = "contact"\ntier = "general"', '[kinds.cn_mobile]\ncategory = "contact"\ntier = "secret"',
     "trainer.toml: kinds.cn_mobile.tier: 'secret' is not a tier"),
    ('[kinds.email]\ncategory = "contact"\ntier = "general"\nart28 = false', '[kinds.email]\ncategory = "contact"\ntier = "general"\nart28 = "no"',
     "trainer.toml: kinds.email.art28: must be true or false"),
    ('[kinds.gender]\ncategory = "identity"', '[kinds.gender]\ncategory = "identiy"',
     "trainer.toml: kinds.gender.category: 'identiy' is not in [categories]"),
    ('[kinds.health]\ncategory = "health"\ntier = "sensitive"', '[kinds.health]\ncategory = "health"\ntier = "general"',
     "trainer.toml: kinds.health.tier: 'general' for an Art. 28 kind"),
    ('[kinds.unknown]', '[kinds.unknown_kind]', "trainer.toml: kinds.unknown: missing"),
    ('[kinds.age]\n', '[kinds.age]\ncolour = "red"\n', "trainer.toml: kinds.age.colour: unknown key"),
    ('version = 1', 'version = 2', "trainer.toml: version: must be 1"),
    ('[tiers.review]', '[tiers.reviewed]', "trainer.toml: tiers.review: missing"),
    ('retention_en = "Is it deleted when the membership ends (Art. 47)?"', 'retention_en = ""',
     "trainer.toml: categories.preference.retention_en: must be non-empty text"),
    ('[kinds.age]', '[kinds.age', "trainer.toml: not valid TOML"),
])
def test_policy_errors_name_the_file_and_key(tmp_path, old, new, message):
    with pytest.raises(PolicyError) as err:
        load_policy(_broken(tmp_path, old, new))
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_policy_missing_file(tmp_path):
    with pytest.raises(PolicyError, match=r"^nope\.toml: no such file$"):
        load_policy(tmp_path / "nope.toml")


def test_policy_file_is_plain_toml_with_comments():
    text = default_policy_path().read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert set(data) == {"version", "tiers", "categories", "kinds"}
    assert text.count("\n#") > 20     # explained for a trainer
    assert "not the Data Security Law" in text
