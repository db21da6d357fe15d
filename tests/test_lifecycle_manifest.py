"""Manifests: row-order-independent table fingerprints that pin a difference to its cause."""
from __future__ import annotations

import pandas as pd
import pytest

from kitlib.lifecycle.manifest import (ManifestError, build_manifest, compare_manifests, csv_entry, manifest_digest,
                                       table_entry)

CSV = ("customer_id,name,mobile,note\n"
       "CM1,张伟,13800000001,\n"
       "CM2,李娜,13800000002,vip\n"
       "CM3,\"王, 芳\",13800000003,\n"
       "CM4,赵敏,13800000004,\"line one\nline two\"\n")


def table(text: str) -> pd.DataFrame:
    return pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)


def compare(a: str | bytes, b: str | bytes, name: str = "customers.csv"):
    encode = lambda x: x.encode("utf-8") if isinstance(x, str) else x   # noqa: E731
    result = compare_manifests(build_manifest({name: encode(a)}), build_manifest({name: encode(b)}))
    return result.get(name)


def test_entry_counts_rows_nulls_and_distinct_rows():
    entry = csv_entry(CSV.encode("utf-8"), "customers.csv")
    assert entry["rows"] == 4 and entry["distinct_rows"] == 4
    assert [c["name"] for c in entry["columns"]] == ["customer_id", "name", "mobile", "note"]
    assert {c["name"]: c["nulls"] for c in entry["columns"]}["note"] == 2


def test_identical_bytes_are_ok():
    assert compare(CSV, CSV).status == "ok"


def test_rows_in_another_order_or_with_a_bom_are_same_content():
    frame = table(CSV)
    shuffled = frame.iloc[[2, 0, 3, 1]].to_csv(index=False)
    assert compare(CSV, shuffled).status == "same-content"
    assert compare(CSV, b"\xef\xbb\xbf" + CSV.encode("utf-8")).status == "same-content"
    assert compare(CSV, CSV.replace("\n", "\r\n").replace("\r\nline two", "\nline two")).status == "same-content"


def test_one_changed_cell_is_pinned_to_its_column():
    found = compare(CSV, CSV.replace("13800000003", "1.38E+10"))
    assert found.status == "values-differ" and found.columns == ("mobile",)
    assert found.describe("en") == "customers.csv: values differ in columns; columns: mobile"
    assert found.describe("zh") == "customers.csv:列中的值不同;涉及列:mobile"


def test_a_cell_emptied_is_pinned_by_its_null_count():
    found = compare(CSV, CSV.replace(",vip\n", ",\n"))
    assert found.status == "values-differ" and found.columns == ("note",)


def test_lost_and_duplicated_rows_are_told_apart():
    frame = table(CSV)
    lost = compare(CSV, frame.iloc[:3].to_csv(index=False))
    assert (lost.status, lost.source_rows, lost.target_rows, lost.duplicates) == ("rows-differ", 4, 3, 0)
    doubled = compare(CSV, pd.concat([frame, frame.iloc[[1]]]).to_csv(index=False))
    assert (doubled.status, doubled.target_rows, doubled.duplicates) == ("rows-differ", 5, 1)
    assert "1 duplicated rows" in doubled.describe("en")


def test_values_moved_between_rows_are_caught_although_every_column_matches():
    frame = table(CSV)
    frame["mobile"] = frame["mobile"].iloc[[1, 0, 2, 3]].to_numpy()      # two customers' mobiles swapped
    assert compare(CSV, frame.to_csv(index=False)).status == "rows-recombined"


def test_missing_extra_and_renamed_columns():
    source = build_manifest({"a.csv": CSV.encode(), "b.txt": b"x"})
    target = build_manifest({"a.csv": CSV.replace("mobile", "phone").encode(), "c.txt": b"y"})
    result = compare_manifests(source, target)
    statuses = {f.name: (f.status, f.columns) for f in result.files}
    assert statuses == {"a.csv": ("columns-differ", ("mobile", "phone")), "b.txt": ("missing", ()),
                        "c.txt": ("extra", ())}
    assert not result.ok and len(result.problems()) == 3


def test_other_files_compare_by_bytes():
    found = compare_manifests(build_manifest({"r.md": b"one"}), build_manifest({"r.md": b"two"})).get("r.md")
    assert found.status == "bytes-differ"


def test_unreadable_csv_is_recorded_not_raised_and_named_with_its_line():
    manifest = build_manifest({"bad.csv": b"a,b\n1,2\n3\n", "gbk.csv": "名字\n张伟\n".encode("gbk")})
    assert manifest["files"]["bad.csv"]["table_error"] == "bad.csv: line 3: 1 fields, expected 2"
    assert manifest["files"]["gbk.csv"]["table_error"] == "gbk.csv: line 1: not UTF-8 text"
    with pytest.raises(ManifestError, match=r"^bad\.csv: line 3: 1 fields, expected 2$"):
        csv_entry(b"a,b\n1,2\n3\n", "bad.csv")
    with pytest.raises(ManifestError, match="occurs more than once"):
        csv_entry(b"a,a\n1,2\n", "dup.csv")


def test_database_rows_read_back_match_the_csv_entry():
    frame = table(CSV)
    rows = [[None if v == "" else v for v in row] for row in frame.itertuples(index=False)]
    read_back = table_entry(list(frame.columns), reversed(rows))
    entry = csv_entry(CSV.encode())
    assert {k: v for k, v in entry.items() if k != "encoding"} == read_back


def test_folder_and_dict_give_the_same_manifest(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "customers.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "sub" / "notes.txt").write_bytes(b"n")
    from_folder = build_manifest(tmp_path)
    from_dict = build_manifest({"customers.csv": CSV.encode(), "sub/notes.txt": b"n"})
    assert from_folder == from_dict
    assert manifest_digest(from_folder) == manifest_digest(dict(reversed(list(from_dict.items()))))
    with pytest.raises(ManifestError, match="not a folder"):
        build_manifest(tmp_path / "nothing")
