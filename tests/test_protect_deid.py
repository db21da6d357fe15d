"""k-anonymity and l-diversity on frames whose answers are known by hand."""

import pandas as pd
import pytest

from kitlib.protect import WrongColumn
from kitlib.protect.deid import k_anonymity, l_diversity


@pytest.fixture
def frame():
    # classes over (district, gender): 崇明/男 ×3, 黄浦/女 ×2, missing/男 ×2, 崇明/女 ×1
    return pd.DataFrame({
        "district": ["崇明区", "崇明区", "崇明区", "黄浦区", "黄浦区", None, None, "崇明区"],
        "gender": ["男", "男", "男", "女", "女", "男", "男", "女"],
        "level": ["金卡", "银卡", "金卡", "普通", "普通", None, "金卡", "银卡"],
    })


def test_k_is_the_size_of_the_smallest_class(frame):
    r = k_anonymity(frame, ["district", "gender"], threshold=3)
    assert (r.k, r.classes, r.rows, r.unique) == (1, 4, 8, 1)
    assert r.rows_below == 5 and r.share_below == pytest.approx(5 / 8)
    assert k_anonymity(frame, ["gender"]).k == 3


def test_missing_quasi_identifiers_form_their_own_class(frame):
    r = k_anonymity(frame, ["district"])
    assert r.classes == 3 and r.k == 2
    assert r.smallest["district"].isna().sum() == 1


def test_the_smallest_classes_are_listed_with_their_values_and_sizes(frame):
    smallest = k_anonymity(frame, ["district", "gender"], show=2).smallest
    assert list(smallest.columns) == ["district", "gender", "size"]
    assert smallest.iloc[0].tolist() == ["崇明区", "女", 1]
    assert smallest["size"].tolist() == [1, 2] and len(smallest) == 2


def test_distinct_l_is_the_fewest_sensitive_values_in_any_class(frame):
    r = l_diversity(frame, ["district", "gender"], "level")
    assert (r.l, r.classes, r.rows) == (1, 4, 8)
    # 黄浦/女 (both 普通) and 崇明/女 (one row) have one value: 3 rows below l = 2
    assert r.rows_below == 3
    worst = r.worst.iloc[0]
    assert (worst["district"], worst["gender"], worst["size"], worst["distinct"]) == ("黄浦区", "女", 2, 1)
    assert worst["top_value"] == "普通" and worst["top_share"] == 1.0
    # the missing level counts as a value: missing/男 has {None, 金卡}
    missing_class = r.worst[r.worst["district"].isna()].iloc[0]
    assert missing_class["distinct"] == 2
    assert l_diversity(frame, ["gender"], "level").l == 2      # 女: 普通, 银卡


def test_reports_read_well_in_text_and_in_notebooks(frame):
    k = k_anonymity(frame, ["district", "gender"])
    text = str(k)
    assert "k = 1" in text and "(missing)" in text and "missing values form their own class" in text
    assert "<table" in k._repr_html_() and "k (smallest class)" in k.to_frame().index
    l_report = l_diversity(frame, ["district", "gender"], "level")
    assert "l = 1" in str(l_report) and "<table" in l_report._repr_html_()


def test_wrong_columns_are_named(frame):
    with pytest.raises(WrongColumn, match="'age'"):
        k_anonymity(frame, ["district", "age"])
    with pytest.raises(WrongColumn, match="'diagnosis'"):
        l_diversity(frame, ["district"], "diagnosis")
    with pytest.raises(ValueError, match="both"):
        l_diversity(frame, ["district", "level"], "level")


def test_measures_cover_every_row_of_a_100k_frame():
    n = 100_000
    big = pd.DataFrame({"district": [f"区{i % 140}" for i in range(n)], "birth_year": [1940 + i % 70 for i in range(n)],
                        "gender": ["男", "女"] * (n // 2), "level": [("普通", "银卡", "金卡")[i % 3] for i in range(n)]})
    k = k_anonymity(big, ["district", "birth_year", "gender"])
    l_report = l_diversity(big, ["district", "birth_year", "gender"], "level")
    # district i % 140 fixes i % 70 and i % 2 too: 140 classes, 40 of 715 rows and 100 of 714
    assert k.rows == n and k.classes == 140 and k.k == 714
    assert l_report.l == 3                     # i % 3 runs through every level within each class
