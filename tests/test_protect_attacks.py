"""The attacks really run: unsalted hashes fall to enumeration, quasi-identifiers re-identify."""
import hashlib
import hmac

import pandas as pd
import pytest

from kitlib.classify.validators import MOBILE_SEGMENTS
from kitlib.protect import WrongColumn
from kitlib.protect.attacks import (full_space_estimate, linkage_attack, make_auxiliary, make_release,
                                    recover_mobiles)
from kitlib.protect.pseudonyms import Pseudonymiser, unsalted_sha256
from kitlib.synth import generate

INSIDE = ["13800131234", "13800130000", "13800139999"]           # block 1380013xxxx
OUTSIDE = ["13800141234", "13900131234", "18612345678"]
QIS = ["district", "birth_year", "gender"]


@pytest.fixture(scope="module")
def small_case():
    return generate(customers=2000, seed=41)


def test_enumeration_recovers_exactly_the_numbers_in_the_block():
    hashes = unsalted_sha256(pd.Series(INSIDE + OUTSIDE + [None]))
    r = recover_mobiles(hashes, "1380013")
    assert sorted(r.recovered.values()) == sorted(INSIDE)
    assert r.recovered == {hashlib.sha256(m.encode()).hexdigest(): m for m in INSIDE}
    assert (r.tried, r.hashes) == (10_000, 6)
    assert r.seconds > 0 and r.rate > 0
    assert "3 of 6 hashes recovered" in str(r)
    assert r.to_frame()["mobile"].tolist() == sorted(INSIDE)


def test_enumeration_of_a_larger_block_finds_the_customers_in_it(small_case):
    mobiles = small_case["customers"]["mobile"].dropna()
    prefix = mobiles.iloc[0][:6]
    r = recover_mobiles(unsalted_sha256(mobiles), prefix)
    assert r.tried == 100_000
    assert set(r.recovered.values()) == set(mobiles[mobiles.str.startswith(prefix)])


def test_keyed_pseudonyms_of_the_same_numbers_are_not_recovered():
    key = Pseudonymiser.generate_key()
    tokens = Pseudonymiser(key).column(pd.Series(INSIDE))
    assert recover_mobiles(tokens, "1380013").recovered == {}
    # even as bare HMAC-SHA256 hex, the same shape as the unsalted hashes, nothing matches
    raw = [hmac.new(key, m.encode(), hashlib.sha256).hexdigest() for m in INSIDE]
    r = recover_mobiles(raw, "1380013")
    assert r.recovered == {} and r.tried == 10_000 and r.hashes == 3


def test_prefix_must_be_digits_of_a_block_small_enough_to_enumerate():
    for bad in ("138", "13a00", "", "138001380001"):
        with pytest.raises(ValueError, match="prefix"):
            recover_mobiles([], bad)


def test_full_space_estimate_multiplies_segments_by_10_to_the_8():
    est = full_space_estimate(1e6)
    assert est.segments == len(MOBILE_SEGMENTS)
    assert est.numbers == len(MOBILE_SEGMENTS) * 10 ** 8
    assert est.core_seconds == pytest.approx(est.numbers / 1e6)
    assert est.gpu_seconds == pytest.approx(est.numbers / 1e10)
    assert "ASSUMED" in est.to_frame().index[1] and "assumed" in str(est)


def test_linkage_reidentifies_a_known_row_by_hand():
    released = pd.DataFrame({"district": ["上海市崇明区", "上海市崇明区", "上海市崇明区", "上海市黄浦区"],
                             "birth_year": [1980, 1980, 1975, 1990], "gender": ["男", "男", "女", "女"],
                             "diagnosis": ["糖尿病", "高血压", "哮喘", "抑郁症"]}, index=[10, 11, 12, 13])
    auxiliary = pd.DataFrame({"name": ["张伟", "李娜", "王芳", "刘洋"],
                              "district": ["上海市崇明区", "上海市崇明区", "上海市黄浦区", "上海市黄浦区"],
                              "birth_year": [1980, 1975, 1990, 1990], "gender": ["男", "女", "女", "女"]},
                             index=["a", "b", "c", "d"])
    result = linkage_attack(released, auxiliary)
    assert result.reidentified[["released_row", "aux_row", "name", "diagnosis"]].values.tolist() == \
        [[12, "b", "李娜", "哮喘"]]
    assert result.rate == pytest.approx(1 / 4)
    ambiguous = result.ambiguous.set_index("released_row")
    assert sorted(ambiguous.index) == [10, 11, 13]             # two 1980 men; two 1990 women on the list
    assert ambiguous.loc[13, "candidates"] == 2 and ambiguous.loc[10, "released_in_class"] == 2


def test_linkage_on_generated_data_reidentifies_people_and_banding_birth_year_reduces_it(small_case):
    customers = small_case["customers"]
    released, auxiliary = make_release(customers), make_auxiliary(customers, share=0.3, seed=5)
    assert "name" not in released.columns and "resident_id" not in released.columns
    exact = linkage_attack(released, auxiliary, on=QIS)
    assert exact.rate > 0
    assert (exact.reidentified["released_row"] == exact.reidentified["aux_row"]).all()   # every one correct
    assert (exact.reidentified["name"] == customers.loc[exact.reidentified["aux_row"], "name"].to_numpy()).all()
    assert "membership_level" in exact.reidentified.columns

    def decade(frame):
        return frame.assign(birth_year=frame["birth_year"] // 10 * 10)

    banded = linkage_attack(decade(released), decade(auxiliary), on=QIS)
    assert banded.rate < exact.rate / 2


def test_auxiliary_list_is_deterministic_with_a_seed(small_case):
    customers = small_case["customers"]
    a, b = make_auxiliary(customers, seed=3), make_auxiliary(customers, seed=3)
    assert a.equals(b) and not a.equals(make_auxiliary(customers, seed=4))
    assert len(a) == round(0.3 * customers[customers["customer_type"] == "individual"]["birth_date"].notna().sum())
    assert list(a.columns) == ["name"] + QIS
    assert linkage_attack(make_release(customers), a).reidentified.equals(
        linkage_attack(make_release(customers), b).reidentified)


def test_linkage_names_a_missing_column(small_case):
    released = make_release(small_case["customers"])
    with pytest.raises(WrongColumn, match="'birth_year'.*released"):
        linkage_attack(released.drop(columns="birth_year"), make_auxiliary(small_case["customers"]))
    with pytest.raises(WrongColumn, match="'name'.*auxiliary"):
        linkage_attack(released, make_auxiliary(small_case["customers"]).drop(columns="name"))
