"""The plan file: round trip through the CSV, Excel-friendly encoding, and one-line errors naming
file, line and field; saving is atomic."""
from __future__ import annotations


import pytest

from kitlib.capstone import PLAN_COLUMNS, PlanFormatError, case_facts, load_plan, reference_plan, save_plan, starter_plan
from kitlib.synth import generate


@pytest.fixture(scope="module")
def case():
    return generate(customers=300, seed=3, scenario="dissolution")


@pytest.fixture(scope="module")
def ref(case):
    return reference_plan(case, case_facts(case))


@pytest.fixture
def saved(tmp_path, ref):
    return save_plan(ref, tmp_path / "plan.csv")


def edit(path, old, new):
    text = path.read_text("utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8-sig")


def test_saved_plan_reads_back_identical_and_starts_with_a_bom_for_excel(saved, ref, case):
    assert saved.read_bytes().startswith(b"\xef\xbb\xbf")
    assert saved.read_text("utf-8-sig").splitlines()[0] == ",".join(PLAN_COLUMNS)
    back = load_plan(saved, case)
    assert [r.cells() for r in back.rows] == [r.cells() for r in ref.rows]
    assert back.rows[0].line == 2


def test_excel_style_dates_and_a_quoted_note_with_commas_and_newlines_are_read(saved, case):
    edit(saved, "S02,orders,retain,2056-12-31", "S02,orders,retain,2056/12/31")
    edit(saved, "S02,accounts,retain,2056-12-31,accounting_vouchers,archives,,,,,2026-07-28,archives,",
         'S02,accounts,retain,2056-12-31,accounting_vouchers,archives,,,,,2026-07-28,archives,"移交, 见清单\nsee list"')
    plan = load_plan(saved, case)
    assert plan.row("S02", "orders").until.isoformat() == "2056-12-31"
    assert plan.row("S02", "accounts").note == "移交, 见清单\nsee list"
    assert plan.row("S02", "orders").line == 6                                     # after the two-line note


@pytest.mark.parametrize("old,new,line,field,words", [
    ("S02,orders,retain", "S02,orders,keep", 5, "action", "'keep' is not an action"),
    ("S02,orders,retain,2056-12-31", "S02,orders,retain,2056-13-40", 5, "until", "not a date"),
    ("S05,customers,destroy,,,,,,,delete_from_backup", "S05,customers,destroy,,,,,,,shred", 8, "method", "'shred' is not a method"),
    ("S02,orders,retain", "S09,orders,retain", 5, "system_id", "'S09' is not a system"),
    ("S02,orders,retain", "S02,tickets,retain", 5, "table", "S02 holds no table 'tickets'"),
    ("2026-07-28,archives,\nS02,orders", "2026-07-28,archives;auditors,\nS02,orders", 4, "notify", "'auditors'"),
    ("S02,orders,retain,2056-12-31,accounting_vouchers", "S02,orders,retain,2056-12-31,forever", 5, "basis", "not a retention rule"),
    ("S02,orders,retain", "S02,accounts,retain", 5, "table", "already planned on line 4"),
])
def test_a_bad_cell_raises_one_line_naming_file_line_and_field(saved, case, old, new, line, field, words):
    edit(saved, old, new)
    with pytest.raises(PlanFormatError) as err:
        load_plan(saved, case)
    message = str(err.value)
    assert "\n" not in message and words in message
    assert message.startswith(f"{saved}:{line}: {field}: "), message


def test_unknown_column_in_the_transfer_row_is_named(saved, case):
    edit(saved, "customer_id;customer_type", "customer_id;shoe_size")
    with pytest.raises(PlanFormatError, match=r"plan\.csv:2: columns: customers has no column 'shoe_size'"):
        load_plan(saved, case)


def test_header_problems_and_non_utf8_name_the_first_line(tmp_path, saved, case):
    edit(saved, "custodian,", "keeper,")
    with pytest.raises(PlanFormatError, match=r":1: header: no column 'custodian'"):
        load_plan(saved, case)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(PLAN_COLUMNS).encode() + b"\nS01,customers,destroy,,,,,,,,,,caf\xe9\n")
    with pytest.raises(PlanFormatError, match=r"latin\.csv:2: not UTF-8"):
        load_plan(latin, case)
    with pytest.raises(PlanFormatError, match=r"nothing\.csv: "):
        load_plan(tmp_path / "nothing.csv")


def test_blank_lines_are_skipped_and_an_undecided_action_loads(saved, case):
    edit(saved, "\nS02,orders,retain", "\n,,,,,,,,,,,,\nS02,orders,")
    plan = load_plan(saved, case)
    assert plan.row("S02", "orders").action == "" and len(plan.rows) == 19


def test_saving_replaces_the_file_atomically_leaving_no_temporary_file(tmp_path, ref, case):
    path = tmp_path / "plan.csv"
    path.write_text("old", "utf-8")
    save_plan(starter_plan(case, filled=2), path)
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]
    plan = load_plan(path, case)
    assert plan.rows[0].action == ref.rows[0].action and all(not r.action for r in plan.rows[2:])
