"""`kit scan` and kitlib.classify.files: encodings, delimiters, XLSX, bad files reported with
name and line while the rest is scanned, a report with masked examples only, exit codes."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kitlib.classify.files import ExportError, read_export
from kitlib.classify.report import scan_exports
from kitlib.cli import main
from kitlib.synth import generate

IDENTIFIERS = ("resident_id", "mobile", "bank_card", "email", "passport_no", "uscc", "guardian_mobile")


@pytest.fixture(scope="module")
def small_case():
    return generate(customers=300, seed=31)


@pytest.fixture(scope="module")
def chinese(small_case):
    """A customer export with Chinese headers, as a Chinese CRM would write it."""
    cust = small_case["customers"]
    n = len(cust)
    return pd.DataFrame({
        "客户姓名": cust["name"], "证件号码": cust["resident_id"].fillna(""), "手机": cust["mobile"].fillna(""),
        "联系方式": cust["email"].fillna(""), "开户行": cust["bank_name"].fillna(""),
        "银行卡号": cust["bank_card"].fillna(""),
        "备注": pd.Series(small_case["tickets"]["text"].to_numpy()).reindex(range(n)).fillna("").to_numpy(),
        "地址": cust["address"],
    })


EXPECTED = {"客户姓名": "person_name", "证件号码": "cn_resident_id", "手机": "cn_mobile", "联系方式": "email",
            "开户行": "bank_name", "银行卡号": "bank_card", "备注": "free_text", "地址": "address"}


def _write(frame: pd.DataFrame, path: Path, encoding: str, sep: str = ",") -> Path:
    frame.to_csv(path, index=False, encoding=encoding, sep=sep, lineterminator="\r\n")
    return path


@pytest.mark.parametrize("encoding, label", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gbk")])
def test_encodings_are_detected(tmp_path, chinese, encoding, label):
    path = _write(chinese, tmp_path / f"export_{encoding}.csv", encoding)
    frame, info = read_export(path)
    assert info["encoding"] == label and info["delimiter"] == "," and info["rows"] == len(chinese)
    assert list(frame.columns) == list(chinese.columns)
    pd.testing.assert_frame_equal(frame, chinese.astype("str"), check_dtype=False)


def test_gb18030_only_characters(tmp_path, chinese):
    frame = chinese.copy()
    frame.loc[0, "客户姓名"] = "𠮷田"          # outside GBK: only GB18030 encodes it
    path = _write(frame, tmp_path / "gb18030.csv", "gb18030")
    got, info = read_export(path)
    assert info["encoding"] == "gb18030" and got.loc[0, "客户姓名"] == "𠮷田"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("gbk")


@pytest.mark.parametrize("sep, suffix", [("\t", ".tsv"), (";", ".csv"), ("\t", ".txt"), ("|", ".txt")])
def test_delimiters(tmp_path, chinese, sep, suffix):
    path = _write(chinese, tmp_path / f"export{suffix}", "gbk", sep)
    frame, info = read_export(path)
    assert info["delimiter"] == sep and list(frame.columns) == list(chinese.columns) and len(frame) == len(chinese)


def test_xlsx_with_numbers_and_dates(tmp_path, chinese):
    frame = chinese.copy()
    frame["手机"] = pd.to_numeric(frame["手机"].replace("", np.nan))      # Excel keeps phone numbers as numbers
    frame["出生日期"] = pd.Timestamp("1990-03-07")
    path = tmp_path / "客户.xlsx"
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="客户", index=False)
        frame.head(5).to_excel(writer, sheet_name="第二页", index=False)
    got, info = read_export(path)
    assert info["encoding"] == "xlsx" and info["sheet"] == "客户" and info["sheets"] == ["客户", "第二页"]
    assert got.loc[0, "手机"] == chinese.loc[0, "手机"] and got.loc[0, "出生日期"] == "1990-03-07"
    second, info2 = read_export(path, sheet="第二页")
    assert len(second) == 5 and info2["sheet"] == "第二页"


def test_headerless_export_gets_numbered_columns(tmp_path, small_case):
    cust = small_case["customers"].dropna(subset=["resident_id"]).head(20)
    path = tmp_path / "noheader.csv"
    path.write_text("".join(f"{a},{b}\n" for a, b in zip(cust["resident_id"], cust["mobile"])), encoding="utf-8")
    frame, info = read_export(path)
    assert list(frame.columns) == ["column_1", "column_2"] and len(frame) == 20
    assert "no header row" in info["warnings"][0]


# -- bad files ----------------------------------------------------------------------------------

def _bad_files(folder: Path) -> dict[str, str]:
    """name → the start of the one-line message expected for it."""
    (folder / "binary.csv").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.csv").write_bytes(b"")
    lines = ["姓名,手机,城市,备注"] + [f"张三{i},1380013{i:04d},上海,无" for i in range(15)] + ["李四,13900139000,北京,有,多余"]
    (folder / "ragged.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "undecodable.csv").write_bytes("姓名,手机\n张三,138\n".encode("utf-8") + b"\xff\xfe\x81,1\n")
    (folder / "fake.xlsx").write_text("not a workbook", encoding="utf-8")
    return {
        "binary.csv": "binary file, not a text export",
        "empty.csv": "empty file",
        "ragged.csv": "line 17: 5 fields, expected 4",
        "undecodable.csv": "line 3: bytes b'\\xff\\xfe' are not valid UTF-8",
        "fake.xlsx": "not an XLSX workbook",
    }


def test_bad_files_raise_one_line_errors(tmp_path):
    expected = _bad_files(tmp_path)
    for name, message in expected.items():
        with pytest.raises(ExportError) as err:
            read_export(tmp_path / name)
        text = str(err.value)
        assert text.startswith(f"{tmp_path / name}: ") and "\n" not in text
        assert message in text
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"a,b\n1,2\n\x81\xff,3\n")       # neither UTF-8 nor GB18030, nothing else fits
    with pytest.raises(ExportError, match=r"junk\.csv: line 3: bytes b'\\x81\\xff' are neither UTF-8 nor GB18030$"):
        read_export(junk)


def test_ragged_short_row_and_trailing_delimiters(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n", encoding="utf-8")
    with pytest.raises(ExportError, match=r"short\.csv: line 3: 2 fields, expected 3$"):
        read_export(path)
    path.write_text("a,b,c\n1,2,3,\n4,5,6,,\n", encoding="utf-8")       # empty extra fields lose nothing
    frame, _ = read_export(path)
    assert frame.values.tolist() == [["1", "2", "3"], ["4", "5", "6"]]


# -- the command -------------------------------------------------------------------------------------

@pytest.fixture
def exports(tmp_path, small_case, chinese):
    folder = tmp_path / "exports"
    folder.mkdir()
    small_case["customers"].to_csv(folder / "customers.csv", index=False, encoding="utf-8-sig")
    _write(chinese, folder / "crm_gbk.csv", "gbk")
    _write(chinese, folder / "crm_gb18030.tsv", "gb18030", "\t")
    _write(chinese, folder / "crm_utf8.csv", "utf-8")
    chinese.to_excel(folder / "crm.xlsx", index=False)
    (folder / "README.md").write_text("not an export", encoding="utf-8")
    return folder


def test_scan_reads_every_export_and_classifies_chinese_headers(exports, small_case):
    result = scan_exports([exports])
    assert not result.problems
    assert sorted(Path(i["path"]).name for i in result.files) == \
        ["crm.xlsx", "crm_gb18030.tsv", "crm_gbk.csv", "crm_utf8.csv", "customers.csv"]
    inv = result.inventory
    for table in ("crm", "crm_gb18030", "crm_gbk", "crm_utf8"):
        assert inv[inv["table"] == table].set_index("column")["kind"].to_dict() == EXPECTED, table
    truth = small_case.catalogue[small_case.catalogue["table"] == "customers"].set_index("column")["kind"]
    got = inv[inv["table"] == "customers"].set_index("column")["kind"]
    assert got.to_dict() == truth.to_dict()


def test_cli_reports_bad_files_and_goes_on(exports, tmp_path, capsys):
    expected = _bad_files(exports)
    report = tmp_path / "out" / "report.html"
    code = main(["scan", str(exports), "--report", str(report), "--sample", "500"])
    out, err = capsys.readouterr()
    assert code == 1
    err_lines = err.strip().splitlines()
    assert len(err_lines) == len(expected)
    for name, message in expected.items():
        line = next(l for l in err_lines if f"{name}: " in l)
        assert message in line
    assert any("ragged.csv: line 17: 5 fields, expected 4" in l for l in err_lines)
    for name in ("customers.csv", "crm_gbk.csv", "crm_gb18030.tsv", "crm_utf8.csv", "crm.xlsx"):
        assert re.search(rf"{re.escape(name)}: [\w-]+, \d+ rows, \d+ columns; .*Art\. 28: \d+", out), name
    assert "crm_gbk.csv: gbk," in out and "customers.csv: utf-8-sig," in out
    total = next(l for l in out.splitlines() if l.startswith("total:"))
    assert "5 file(s) read, 5 refused" in total and "core" in total and "sensitive" in total
    html = report.read_text(encoding="utf-8")
    for name in expected:
        assert name in html
    assert "line 17: 5 fields, expected 4" in html
    assert not [p for p in report.parent.iterdir() if p.name != "report.html"]   # atomic: no temp file left


def test_report_never_contains_a_full_identifier(exports, tmp_path, small_case, chinese):
    report = tmp_path / "report.html"
    assert main(["scan", str(exports), "--report", str(report)]) == 0
    html = report.read_text(encoding="utf-8")
    cust = small_case["customers"]
    values = {v for column in IDENTIFIERS for v in cust[column].dropna() if len(v) >= 6}
    assert len(values) > 500
    leaked = sorted(v for v in values if v in html)
    assert not leaked
    digits_in_text = {m for text in chinese["备注"] for m in re.findall(r"\d{11,19}X?", text)}
    assert digits_in_text and not [d for d in digits_in_text if d in html]
    assert "****" in html


def test_exit_codes(exports, tmp_path, capsys):
    good = exports / "crm_utf8.csv"
    assert main(["scan", str(good), "--report", str(tmp_path / "r.html")]) == 0
    capsys.readouterr()
    assert main(["scan", str(tmp_path / "missing.csv"), "--report", str(tmp_path / "r2.html")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["scan", str(good), str(tmp_path / "missing.csv"), "--report", str(tmp_path / "r3.html")]) == 1
    bad_policy = tmp_path / "p.toml"
    bad_policy.write_text("version = 1\n", encoding="utf-8")
    assert main(["scan", str(good), "--policy", str(bad_policy), "--report", str(tmp_path / "r4.html")]) == 2
    assert "p.toml: tiers: missing" in capsys.readouterr().err
    for argv in (["scan"], ["scan", str(good), "--sample", "0"], ["scan", str(good), "--sample", "x"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2


def test_kit_scan_runs_as_a_command(exports, tmp_path):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kitlib.cli", "scan", str(exports / "crm_gbk.csv"),
                           "--report", str(tmp_path / "r.html")], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "crm_gbk.csv: gbk, 300 rows, 8 columns" in proc.stdout and (tmp_path / "r.html").exists()
