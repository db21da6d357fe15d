"""Masking rules per kind, generalisation and suppression."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kitlib.protect import WrongColumn
from kitlib.protect.deid import k_anonymity
from kitlib.protect.transforms import (age_band, birth_year, mask_column, mask_value, suppress, to_district,
                                       truncate_date)
from kitlib.synth import generate


@pytest.fixture(scope="module")
def small_case():
    return generate(customers=2000, seed=31)


@pytest.fixture(scope="module")
def customers(small_case):
    return small_case["customers"]


@pytest.mark.parametrize("value, kind, expected", [
    ("13812345678", "cn_mobile", "138****5678"),
    ("+86 138-1234-5678", "mobile", "138****5678"),
    ("11010119900307663X", "cn_resident_id", "110101********663X"),
    ("11010119900307663x", "resident_id", "110101********663X"),
    ("6222021234567890123", "bank_card", "622202*********0123"),
    ("6222 0212 3456 7890", "bank_card", "622202******7890"),
    ("张三", "person_name", "张*"),
    ("王小明", "name", "王**"),
    ("欧阳娜娜", "name", "欧阳**"),
    ("欧阳修", "name", "欧阳*"),
    ("John Smith", "name", "J*** S****"),
    ("wang.wei@example.com", "email", "w***@example.com"),
    ("E12345678", "passport", "E*****678"),
    ("上海市崇明区绿华镇巢湖街771号", "address", "上海市崇明区绿华镇****"),
    ("江苏省苏州市常熟市巢湖街519弄8号905室", "address", "江苏省苏州市常熟市****"),
    ("021-6543 2100", "cn_landline", "021-****2100"),
    ("0571-88886666", "landline", "0571-****6666"),
])
def test_each_kind_is_masked_by_its_rule(value, kind, expected):
    assert mask_value(value, kind) == expected
    assert mask_column(pd.Series([value, None]), kind).tolist()[0] == expected


@pytest.mark.parametrize("column, kind", [("mobile", "cn_mobile"), ("resident_id", "cn_resident_id"),
                                          ("bank_card", "bank_card"), ("name", "person_name"), ("email", "email"),
                                          ("passport_no", "passport"), ("address", "address")])
def test_vectorised_masking_equals_the_per_value_rule_and_keeps_missing(customers, column, kind):
    s = customers[column]
    out = mask_column(s, kind)
    assert out.index.equals(s.index) and out.name == column
    assert (out.isna() == s.isna()).all()
    expected = s.dropna().map(lambda v: mask_value(v, kind))
    assert (out.dropna() == expected).all()
    assert not (out.dropna() == s.dropna()).any()


def test_masking_the_wrong_column_names_it(customers):
    with pytest.raises(WrongColumn, match="'email'.*cn_mobile"):
        mask_column(customers["email"], "mobile")
    with pytest.raises(WrongColumn, match="'birth_date'"):
        mask_column(customers["birth_date"], "cn_mobile")
    with pytest.raises(ValueError, match="unknown kind"):
        mask_column(customers["mobile"], "phone_number")


def test_age_bands_put_under_14s_in_their_own_band():
    births = pd.Series(pd.to_datetime(["2015-06-01", "2012-05-02", "2012-05-01", "1990-05-01", "1986-05-02",
                                       "1930-01-01", None]), name="birth_date")
    bands = age_band(births, on=dt.date(2026, 5, 1))
    assert bands.tolist()[:6] == ["<14", "<14", "14–19", "30–39", "30–39", "90+"]
    assert pd.isna(bands.iloc[6])
    assert bands.cat.ordered and bands.cat.categories[0] == "<14"
    assert age_band(births, on="2026-05-01", width=10, minor_age=None, top=None).tolist()[1] == "10–19"


def test_age_band_agrees_with_the_age_column(small_case):
    people = small_case["customers"].dropna(subset=["birth_date"])
    bands = age_band(people["birth_date"], on=small_case.params["data_cutoff"])
    minors = people["age"] < 14
    assert (bands[minors] == "<14").all()
    lows = bands[~minors].astype(str).str.extract(r"^(\d+)")[0].astype(int)
    assert ((people["age"][~minors] >= lows) & (people["age"][~minors] < lows + 10)).all()


def test_birth_year_and_truncated_dates():
    d = pd.Series(pd.to_datetime(["1990-03-07", None]), name="birth_date")
    assert birth_year(d).tolist()[0] == 1990 and pd.isna(birth_year(d)[1])
    assert truncate_date(d, "month")[0] == pd.Timestamp("1990-03-01")
    assert truncate_date(d, "year")[0] == pd.Timestamp("1990-01-01")
    assert pd.isna(truncate_date(d)[1])
    assert truncate_date(pd.Series(["1990-03-07"]))[0] == pd.Timestamp("1990-03-01")


def test_date_functions_name_a_column_that_holds_no_dates(customers):
    for fn in (age_band, birth_year, truncate_date):
        with pytest.raises(WrongColumn, match="'name'"):
            fn(customers["name"])


def test_district_from_columns_and_from_address_agree(customers):
    from_columns = to_district(customers)
    assert from_columns[customers["district"] == "崇明区"].eq("上海市崇明区").all()
    assert (to_district(customers["address"]) == from_columns).all()
    parsed = to_district(pd.Series(["江苏省苏州市常熟市巢湖街519弄8号905室", "北京市通州区新华大街1号",
                                    "新疆维吾尔自治区伊犁哈萨克自治州伊宁市解放路", "somewhere", None]))
    assert parsed.tolist()[:3] == ["江苏省苏州市常熟市", "北京市通州区", "新疆维吾尔自治区伊犁哈萨克自治州伊宁市"]
    assert parsed[3:].isna().all()
    with pytest.raises(WrongColumn, match="'province'"):
        to_district(customers[["name", "address"]])


def test_suppression_makes_k_reach_the_threshold(customers):
    frame = customers.assign(district=to_district(customers), birth_year=birth_year(customers["birth_date"]))
    qis = ["district", "birth_year", "gender"]
    assert k_anonymity(frame, qis).k < 5
    out, n = suppress(frame, qis, 5)
    assert n > 0 and len(out) == len(frame)
    assert k_anonymity(out, qis).k >= 5
    starred = out["district"] == "*"
    assert starred.sum() == n and (out.loc[starred, qis] == "*").all().all()
    assert out.loc[~starred, qis].equals(frame.loc[~starred, qis].astype(out[qis].dtypes.to_dict()))
    dropped, m = suppress(frame, qis, 5, drop=True)
    assert len(dropped) == len(frame) - m and k_anonymity(dropped, qis).k >= 5


def test_suppression_stars_more_when_too_few_rows_would_be_starred():
    f = pd.DataFrame({"zone": ["a"] * 5 + ["b"] * 3 + ["c"], "sex": ["m"] * 9})
    out, n = suppress(f, ["zone", "sex"], 3)
    assert n == 4            # the single 'c' row alone would be a starred class of 1: 'b' goes too
    assert k_anonymity(out, ["zone", "sex"]).k >= 3
    assert suppress(f, ["zone"], 1)[1] == 0


def test_suppress_names_a_missing_quasi_identifier(customers):
    with pytest.raises(WrongColumn, match="'postcode'"):
        suppress(customers, ["gender", "postcode"], 5)


def test_suppress_handles_categorical_and_numeric_columns():
    f = pd.DataFrame({"band": pd.Categorical(["20–29", "20–29", "30–39"]), "year": pd.array([1990, 1990, 1980], "Int64")})
    out, n = suppress(f, ["band", "year"], 2)
    assert n == 3 and set(out["band"]) == {"*"}
    assert np.all(out["year"].to_numpy() == "*")
