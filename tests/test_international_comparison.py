"""Module 11's comparison, trends and citations: validated data files, only provisions of the kit's
legal reference, bilingual cells, and the breach calculator's deadlines."""
import re
from pathlib import Path

import pandas as pd
import pytest

from kitlib.international import InternationalError, comparison_table, load_comparison, load_trends, trends_table, what_applies
from kitlib.international.cases import load_narratives
from kitlib.international.comparison import default_comparison_path
from kitlib.international.reference import INSTRUMENTS, LAWS, CitationError, parse_citation
from kitlib.international.trends import default_trends_path

LEGAL = Path("/work/shared/reference/legal.md")
HAN = re.compile(r"[\u4e00-\u9fff]")
needs_legal = pytest.mark.skipif(not LEGAL.exists(), reason="the kit's legal reference is not on this machine")


def _legal_rows():
    """{law: {article: set of marks}} parsed from legal.md's tables."""
    text = LEGAL.read_text(encoding="utf-8")
    out = {"PIPL": {}, "DSL": {}, "NDSMR": {}, "GDPR": {}}
    sections = {"PIPL": "## Personal Information Protection Law", "NDSMR": "## Network Data Security Management Regulations"}
    for law, heading in sections.items():
        body = text.split(heading, 1)[1].split("\n## ", 1)[0]
        for cell, mark in re.findall(r"^\| ([\d–, -]+) \|.*\| ([VSU /]+) \|$", body, flags=re.M):
            for part in cell.split(","):
                bounds = [int(x) for x in re.findall(r"\d+", part)]
                for n in range(bounds[0], bounds[-1] + 1):
                    out[law].setdefault(n, set()).update(m.strip() for m in mark.split("/"))
    for law, prefix in (("DSL", "DSL"), ("GDPR", "GDPR")):
        for cell, mark in re.findall(rf"^\| {prefix} (Arts?\. [\d, ]+) \|.*\| ([VSU /]+) \|$", text, flags=re.M):
            for n in re.findall(r"\d+", cell):
                out[law].setdefault(int(n), set()).update(m.strip() for m in mark.split("/"))
    return text, out


@needs_legal
def test_the_citation_index_matches_the_legal_reference_article_by_article_and_mark_by_mark():
    text, rows = _legal_rows()
    for law, (_, _, articles) in LAWS.items():
        for n, mark in articles.items():
            assert n in rows[law], f"{law} Art. {n} is not in legal.md"
            assert mark in rows[law][n], f"{law} Art. {n}: mark {mark}, legal.md says {rows[law][n]}"
    assert "Rev. 2 (September 2025)" in text and "2025-07-18" in text and "2025-05-01" in text
    assert "2025-11-01" in text
    for _, _, mark in INSTRUMENTS.values():
        assert mark == "S"


def _all_citations():
    comp = load_comparison()
    yield from (c for t in comp.topics for c in t.pipl_cites + t.gdpr_cites)
    yield from (c for t in load_trends() for c in t.cites)
    yield from (c for n in load_narratives().values() for c in n.cites)


def _all_texts():
    comp = load_comparison()
    for t in comp.topics:
        yield from (t.title_zh, t.title_en, t.pipl_zh, t.pipl_en, t.gdpr_zh, t.gdpr_en)
    for t in load_trends():
        yield from (t.title_zh, t.title_en, t.text_zh, t.text_en, t.for_case_zh, t.for_case_en)
    for n in load_narratives().values():
        yield from n.title + n.background + n.debrief


@needs_legal
def test_nothing_the_module_writes_cites_an_article_missing_from_the_legal_reference():
    _, rows = _legal_rows()
    citations = list(_all_citations())
    assert len(citations) > 20
    for c in citations:
        for n in c.articles:
            assert n in rows[c.law], c.text
    # articles named in running text too ("PIPL Art. 57", "GDPR Art. 33", "Arts. 38–40" after PIPL)
    for text in _all_texts():
        for law, numbers in re.findall(r"\b(PIPL|GDPR|DSL|NDSMR) Arts?\. ([\d–, ]+\d)", text):
            for part in numbers.split(","):
                bounds = [int(x) for x in re.findall(r"\d+", part)]
                for n in range(bounds[0], bounds[-1] + 1):
                    assert n in rows[law], f"{law} Art. {n} in {text[:60]!r}"


def test_gdpr_cells_the_reference_does_not_cover_say_so_and_cite_no_gdpr_article_beyond_it():
    comp = load_comparison()
    silent = {t.id for t in comp.topics if not t.gdpr_covered}
    assert {"protection_officer", "cross_border", "penalties"} <= silent
    assert {"breach_regulator", "breach_individuals", "deletion"} <= {t.id for t in comp.topics if t.gdpr_covered}
    for t in comp.topics:
        if not t.gdpr_covered:
            assert t.gdpr_en.startswith("The kit's legal reference does not cover this") and "official text" in t.gdpr_en
            assert t.gdpr_zh.startswith("工具包的法律参考没有涉及") and "官方文本" in t.gdpr_zh
            assert t.mark("gdpr") == "—"
    assert [c.text for c in comp.topic("breach_regulator").gdpr_cites] == ["GDPR Art. 33"]
    assert comp.topic("breach_regulator").mark("gdpr") == "S"
    assert comp.topic("deletion").mark("pipl") == "V"
    assert comp.topic("protection_officer").mark("pipl") == "V · S"


def test_every_text_exists_in_chinese_and_english():
    comp = comparison_table("both")
    for col in ("topic_zh", "PIPL_zh", "GDPR_zh"):
        assert comp[col].map(lambda s: bool(HAN.search(s))).all(), col
    for col in ("topic_en", "PIPL_en", "GDPR_en"):
        assert not comp[col].map(lambda s: bool(HAN.search(s))).any(), col
    zh, en = trends_table("zh-CN"), trends_table("en")
    assert len(zh) == len(en) >= 6 and set(zh["area"]) == {"技术", "规则", "市场"}
    assert zh["what"].map(lambda s: bool(HAN.search(s))).all() and zh["for_the_case"].map(lambda s: bool(HAN.search(s))).all()
    assert not en["what"].map(lambda s: bool(HAN.search(s))).any()
    assert not en["for_the_case"].map(lambda s: bool(HAN.search(s))).any()
    for n in load_narratives().values():
        for zh_text, en_text in (n.title, n.background, n.debrief):
            assert HAN.search(zh_text) and re.search(r"[A-Za-z]{3}", en_text)


def test_trends_not_backed_by_the_reference_are_labelled_the_kits_view():
    table = trends_table("en").set_index("id")
    assert table.loc["encryption_by_default", "basis"] == "the kit's view (not law)"
    assert table.loc["incident_reporting_2025", "basis"] == "backed by the kit's legal reference"
    assert table.loc["incident_reporting_2025", "mark"] == "V · S"
    assert set(table["basis"]) == {"the kit's view (not law)", "backed by the kit's legal reference"}
    backed = {t.id for t in load_trends() if t.is_law}
    assert {"incident_reporting_2025", "officer_threshold_2025", "compliance_audit_2025", "nist_800_88_rev2"} <= backed


# -- validation -----------------------------------------------------------------------------------

def _edited(tmp_path, source: Path, old: str, new: str, name: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, field, needle", [
    ('pipl_cites = ["PIPL Art. 57", "CAC', 'pipl_cites = ["PIPL Art. 58", "CAC', "topic[0].pipl_cites", "PIPL Art. 58"),
    ('gdpr_cites = ["GDPR Art. 33"]\n\n[[topic]]\nid = "breach_individuals"',
     'gdpr_cites = ["GDPR Art. 83"]\n\n[[topic]]\nid = "breach_individuals"', "topic[0].gdpr_cites", "GDPR Art. 83"),
    ('gdpr_covered = false\ngdpr_cites = []\ngdpr_question_zh = "欧盟如何',
     'gdpr_covered = false\ngdpr_cites = []\ngdpr_zh = "guess"\ngdpr_question_zh = "欧盟如何', "topic[4].gdpr_zh", 'gdpr_zh = "guess"'),
    ('id = "deletion"', 'id = "breach_regulator"', "topic[3].id", 'id = "breach_regulator"'),
    ('title_en = "Penalties and liability"', 'title_en = ""', "topic[5].title_en", 'title_en = ""'),
    ('gdpr_covered = true\ngdpr_zh = "删除权', 'gdpr_covered = "yes"\ngdpr_zh = "删除权', "topic[3].gdpr_covered", 'gdpr_covered = "yes"'),
    ('title_zh = "影响评估"', 'title_zh = "影响评估"\nsource = "x"', "topic[6].source", 'source = "x"'),
])
def test_a_bad_comparison_file_fails_with_one_line_naming_file_line_and_field(tmp_path, old, new, field, needle):
    path = _edited(tmp_path, default_comparison_path(), old, new, "my-comparison.toml")
    with pytest.raises(InternationalError) as info:
        load_comparison(path)
    message = str(info.value)
    source = default_comparison_path().read_text("utf-8")
    at = source.index(old)                      # where the edit went in: the line the error must name
    line = source[:at].count("\n") + 1 + new[:new.index(needle)].count("\n")
    assert "\n" not in message and message.startswith(f"my-comparison.toml:{line}: {field}: "), message


def test_a_trend_backed_by_nothing_or_in_no_area_is_refused(tmp_path):
    path = _edited(tmp_path, default_trends_path(), 'cites = ["NIST SP 800-88 Rev. 2"]', "cites = []", "t.toml")
    with pytest.raises(InternationalError, match=r"^t\.toml:\d+: trend\[4\]\.cites: at least one citation"):
        load_trends(path)
    path = _edited(tmp_path, default_trends_path(), 'area = "market"', 'area = "weather"', "t2.toml")
    with pytest.raises(InternationalError, match=r"^t2\.toml:\d+: trend\[7\]\.area: 'weather' is not one of"):
        load_trends(path)
    (tmp_path / "broken.toml").write_text("[[trend]\nid=", encoding="utf-8")
    with pytest.raises(InternationalError, match=r"^broken\.toml: not valid TOML"):
        load_trends(tmp_path / "broken.toml")


@pytest.mark.parametrize("text, problem", [("PIPL Art. 99", "not in the kit's legal reference"),
                                           ("GDPR Art. 37", "not in the kit's legal reference"),
                                           ("CCPA Art. 1", "law 'CCPA'"), ("PIPL Art. 38–40", "'Arts.' for several"),
                                           ("Article 57 of PIPL", "write 'LAW Art. N'")])
def test_citations_outside_the_reference_are_refused(text, problem):
    with pytest.raises(CitationError, match=re.escape(problem)):
        parse_citation(text)
    assert parse_citation("PIPL Arts. 38-40").articles == (38, 39, 40)
    assert parse_citation("PIPL Art. 47").label("zh-CN") == "《个人信息保护法》第47条"


# -- what applies to one breach -----------------------------------------------------------------

def test_a_small_breach_with_eu_residents_has_only_the_gdpr_hour_deadline():
    duties = what_applies("2026-05-02 09:30", people=2_000, eu_residents=4).set_index("id")
    assert duties.loc["pipl_remedy", "applies"] and pd.isna(duties.loc["pipl_remedy", "deadline"])
    assert "no hour deadline" in duties.loc["pipl_remedy", "note_en"]
    assert not duties.loc["cac_report", "applies"] and pd.isna(duties.loc["cac_report", "deadline"])
    assert duties.loc["gdpr_authority", "deadline"] == pd.Timestamp("2026-05-05 09:30")
    assert "territorial scope" in duties.loc["gdpr_authority", "note_en"]
    assert duties.loc["gdpr_individuals", "applies"]
    assert duties.loc["gdpr_authority", "mark"] == "S" and duties.loc["pipl_remedy", "mark"] == "V"


def test_a_relatively_major_breach_runs_the_four_hour_clock_and_no_eu_means_no_gdpr():
    duties = what_applies(pd.Timestamp("2026-12-31 22:15"), people=1_000_000, handled_at="2027-01-10").set_index("id")
    assert duties.loc["cac_report", "deadline"] == pd.Timestamp("2027-01-01 02:15")
    assert duties.loc["cac_summary", "deadline"] == pd.Timestamp("2027-02-09")
    assert not duties.loc["gdpr_authority", "applies"] and pd.isna(duties.loc["gdpr_authority", "deadline"])
    below = what_applies("2026-12-31 22:15", people=999_999).set_index("id")
    assert not below.loc["cac_report", "applies"]
    cii = what_applies("2026-12-31 22:15", people=12_000_000, operator="cii").set_index("id")
    assert cii.loc["cac_report", "deadline"] == pd.Timestamp("2026-12-31 23:15")


def test_encrypted_data_needs_no_gdpr_notice_to_individuals_but_the_authority_clock_still_runs():
    duties = what_applies("2026-05-02 09:30", people=10, eu_residents=10, encrypted=True).set_index("id")
    assert not duties.loc["gdpr_individuals", "applies"] and "encrypted" in duties.loc["gdpr_individuals", "note_en"]
    assert duties.loc["gdpr_authority", "applies"]


@pytest.mark.parametrize("kwargs, field", [
    ({"discovered_at": "soon", "people": 5}, "discovered_at"), ({"discovered_at": "2026-01-01", "people": -1}, "people"),
    ({"discovered_at": "2026-01-01", "people": 5, "eu_residents": 6}, "eu_residents"),
    ({"discovered_at": "2026-01-01", "people": 5, "operator": "bank"}, "operator"),
    ({"discovered_at": "2026-01-01", "people": 5, "encrypted": "no"}, "encrypted")])
def test_bad_input_to_the_calculator_names_the_field(kwargs, field):
    with pytest.raises(InternationalError, match=rf"^{field}: "):
        what_applies(**kwargs)
