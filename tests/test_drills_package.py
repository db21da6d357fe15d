"""The tabletop package format: loading, validation errors (file:line: field: message), the CLI."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from kitlib.drills import PackageError, load_package, validate
from kitlib.drills.cli import validate_command
from kitlib.drills.model import Text
from kitlib.drills.package import is_validated

DATA = Path(__file__).parent / "data" / "drills"
BASE = DATA / "broken" / "valid" / "exercise.yaml"
LINE = re.compile(r"^exercise\.yaml:\d+: \S.*$")


def variant_of_base(tmp_path: Path, *changes: tuple[str, str], append: str = "") -> Path:
    """A copy of the valid base package with text replaced (each old text must occur once)."""
    text = BASE.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "exercise.yaml").write_text(text + append, encoding="utf-8")
    return folder


def messages(path) -> list[str]:
    return [str(p) for p in validate(path)]


# -- valid packages --------------------------------------------------------------------------

def test_fixture_packages_validate_without_problems():
    assert validate(DATA / "crm-mini") == []
    assert validate(BASE) == []          # the yaml file itself works as a path too


def test_loaded_package_has_both_languages_roles_and_cross_references():
    package = load_package(DATA / "crm-mini")
    assert package.id == "crm-mini" and package.duration_minutes == 60
    assert package.title == Text("搬迁期间离职员工导出客户管理系统数据", "A departing employee exports the CRM during the move")
    assert [r.id for r in package.roles] == ["lead", "it", "legal"]
    assert package.role("it").max_people == 2
    assert package.inject("I3").after == "D1.isolate" and package.inject("I4").delay == 5
    assert package.decision("D1").option("wait").releases == ("I5",)
    assert package.inject("I1").attachments == ("handouts/access-log-excerpt.txt",)
    assert package.attachment_path("handouts/access-log-excerpt.txt").is_file()
    assert [c.met_by for c in package.criteria] == [("D1.isolate",), ("T2", "D2.notify_art57"), ("I4",)]
    assert is_validated(package)


def test_variant_overrides_change_times_expected_options_points_and_criteria():
    package = load_package(DATA / "crm-mini")
    large = package.with_variant("large")
    assert large.inject("I2").at == 20 and package.inject("I2").at == 10
    d2 = {o.id: (o.expected, o.points) for o in large.decision("D2").options}
    assert d2 == {"report_4h": (True, 10), "notify_art57": (False, 0)}
    assert {o.id: o.expected for o in package.decision("D2").options} == {"report_4h": False, "notify_art57": True}
    assert large.criteria[1].met_by == ("T2", "D2.report_4h")
    assert large.evidence == {"exposed_count": 30, "include_minors": True, "affected_people": 1200000}
    assert package.with_variant("slow").inject("I4").delay == 10


# -- the deliberately broken fixtures ----------------------------------------------------------

BROKEN = {
    "bad-role": "exercise.yaml:33: injects[1].recipients[0]: unknown role 'it-lead'",
    "missing-language": "exercise.yaml:27: injects[0].text: missing language 'en'",
    "unknown-release": "exercise.yaml:70: decisions[0].options[1].releases[0]: unknown inject 'I9'",
    "cycle": "exercise.yaml:30: injects[1].after: cycle in after: I2 -> I5 -> I2",
    "missing-attachment": "exercise.yaml:26: injects[0].attachments[0]: missing attachment 'handouts/access-log.csv'",
    "bad-time": "exercise.yaml:30: injects[1].at: bad time 95: after the end of the exercise (60 minutes)",
    "duplicate-id": "exercise.yaml:38: injects[2].id: duplicate id 'I2' (first at line 29)",
    "yaml-syntax": "exercise.yaml:51: YAML syntax error: expected ',' or ']', but got ':' "
                   "(while parsing a flow sequence that starts at line 50)",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_fixture_yields_its_one_line_error(name):
    found = messages(DATA / "broken" / name)
    assert BROKEN[name] in found
    assert all(LINE.match(m) for m in found)
    with pytest.raises(PackageError) as caught:
        load_package(DATA / "broken" / name)
    assert BROKEN[name] in str(caught.value).splitlines()
    assert isinstance(caught.value, ValueError)


def test_unknown_release_also_reports_the_inject_nothing_releases_any_more():
    assert messages(DATA / "broken" / "unknown-release") == [
        "exercise.yaml:47: injects[3]: inject 'I4' is never released (no at, after or releases)",
        BROKEN["unknown-release"]]


def test_every_problem_is_listed_in_line_order(tmp_path):
    folder = variant_of_base(tmp_path,
                             ("recipients: [lead]\n    medium: phone", "recipients: [boss]\n    medium: fax"),
                             ("check: minors_involved", "check: minors_in_scope"),
                             ("met_by: [D1.isolate]", "met_by: [D1.shutdown, T7]"),
                             ("capability: contain", "capability: containment"))
    found = messages(folder)
    assert found == [
        "exercise.yaml:33: injects[1].recipients[0]: unknown role 'boss'",
        "exercise.yaml:34: injects[1].medium: unknown medium 'fax' (one of: email, phone, chat, paper, news, system alert)",
        f"exercise.yaml:75: tasks[0].check: unknown checker 'minors_in_scope' (known: "
        f"{', '.join(sorted(__import__('kitlib.drills', fromlist=['x']).known_checkers()))})",
        "exercise.yaml:79: criteria[0].capability: unknown capability 'containment'",
        "exercise.yaml:83: criteria[0].met_by[0]: unknown decision option, task or inject 'D1.shutdown'",
        "exercise.yaml:83: criteria[0].met_by[1]: unknown decision option, task or inject 'T7'",
    ]


def test_typo_in_a_field_name_is_an_unknown_field_and_the_required_one_is_missing(tmp_path):
    folder = variant_of_base(tmp_path, ("    recipients: [it]\n", "    recipient: [it]\n"))
    assert messages(folder) == ["exercise.yaml:20: injects[0]: missing field 'recipients'",
                                "exercise.yaml:24: injects[0].recipient: unknown field 'recipient'"]


def test_a_plain_string_where_both_languages_are_needed_is_refused(tmp_path):
    folder = variant_of_base(tmp_path, ("title: {zh-CN: 最小演练, en: A minimal drill}", "title: A minimal drill"))
    assert messages(folder) == ["exercise.yaml:3: title: must give the text in both languages (zh-CN: ..., en: ...)"]


def test_empty_translation_and_unknown_language_are_reported(tmp_path):
    folder = variant_of_base(tmp_path, ("audience: {zh-CN: 事件响应小组, en: The incident team}",
                                        "audience: {zh-CN: '  ', en: The incident team, fr: L'équipe}"))
    assert messages(folder) == ["exercise.yaml:5: audience.fr: unknown language 'fr' (use zh-CN and en)",
                                "exercise.yaml:5: audience.zh-CN: must be a non-empty text"]


def test_duplicate_yaml_key_is_reported_with_both_lines(tmp_path):
    folder = variant_of_base(tmp_path, ("duration_minutes: 60\n", "duration_minutes: 60\nduration_minutes: 90\n"))
    assert messages(folder) == ["exercise.yaml:5: duration_minutes: duplicate key (first at line 4)"]


def test_at_and_after_together_and_an_unknown_trigger_are_refused(tmp_path):
    folder = variant_of_base(tmp_path, ("    after: D1.isolate\n", "    after: D1.shutdown\n    at: 3\n"))
    assert messages(folder) == [
        "exercise.yaml:39: injects[2].after: give either 'at' or 'after', not both",
        "exercise.yaml:39: injects[2].after: unknown inject or decision 'D1.shutdown'"]


def test_decision_that_closes_before_it_opens_is_refused(tmp_path):
    folder = variant_of_base(tmp_path, ("    open_at: 5\n", "    open_at: 30\n    close_at: 20\n"))
    assert messages(folder) == ["exercise.yaml:61: decisions[0].close_at: bad time 20: before open_at 30"]


def test_a_decision_needs_two_options_and_a_role_sane_numbers(tmp_path):
    folder = variant_of_base(tmp_path, ("""      - id: wait
        text: {zh-CN: 等待, en: Wait}
        consequence: {zh-CN: 数据外流。, en: The data leaves.}
        releases: [I4]
""", ""), ("  - id: it\n    title: {zh-CN: 信息技术, en: IT}\n",
           "  - id: it\n    title: {zh-CN: 信息技术, en: IT}\n    min: 3\n    max: 2\n"))
    assert messages(folder) == [
        "exercise.yaml:15: roles[0].max: max 2 is less than min 3",
        "exercise.yaml:49: injects[3]: inject 'I4' is never released (no at, after or releases)",
        "exercise.yaml:64: decisions[0].options: a decision needs at least two options"]


def test_a_role_with_a_bad_title_is_still_known_to_references(tmp_path):
    folder = variant_of_base(tmp_path, ("title: {zh-CN: 信息技术, en: IT}", "title: {zh-CN: 信息技术}"))
    assert messages(folder) == ["exercise.yaml:13: roles[0].title: missing language 'en'"]


def test_attachment_outside_the_package_folder_is_refused(tmp_path):
    (tmp_path / "secret.txt").write_text("x")
    folder = variant_of_base(tmp_path, ("    medium: system alert\n", "    medium: system alert\n    attachments: [../secret.txt]\n"))
    assert messages(folder) == ["exercise.yaml:26: injects[0].attachments[0]: attachment '../secret.txt' is outside the package folder"]


def test_variant_overrides_are_checked_against_the_package(tmp_path):
    folder = variant_of_base(tmp_path, append="""variants:
  - id: v1
    title: {zh-CN: 变体一, en: Variant one}
    overrides:
      injects:
        I9: {at: 5}
        I2: {at: 75}
      decisions:
        D1: {expected: [shutdown]}
      criteria:
        C1: {met_by: [T9]}
  - id: v1
    title: {zh-CN: 变体二, en: Variant two}
    overrides:
      injects:
        I1: {after: I2}
        I2: {after: I1}
""")
    assert messages(folder) == [
        "exercise.yaml:89: variants[0].overrides.injects.I9: unknown inject 'I9'",
        "exercise.yaml:90: variants[0].overrides.injects.I2.at: bad time 75: after the end of the exercise (60 minutes)",
        "exercise.yaml:92: variants[0].overrides.decisions.D1.expected[0]: unknown option 'shutdown' of decision 'D1'",
        "exercise.yaml:94: variants[0].overrides.criteria.C1.met_by[0]: unknown decision option, task or inject 'T9'",
        "exercise.yaml:95: variants[1].id: duplicate id 'v1' (first at line 85)",
        "exercise.yaml:99: variants[1].overrides.injects.I1.after: cycle in after: I1 -> I2 -> I1",
        "exercise.yaml:100: variants[1].overrides.injects.I2.after: cycle in after: I2 -> I1 -> I2",
    ]


def test_validate_never_raises_on_missing_empty_or_odd_files(tmp_path):
    assert messages(tmp_path / "nowhere") == [f"exercise.yaml:0: no exercise.yaml at {tmp_path / 'nowhere'}"]
    (tmp_path / "exercise.yaml").write_text("")
    assert messages(tmp_path) == ["exercise.yaml:1: the file is empty"]
    (tmp_path / "exercise.yaml").write_text("- just\n- a list\n")
    assert messages(tmp_path) == ["exercise.yaml:1: must be a mapping of fields"]
    (tmp_path / "exercise.yaml").write_bytes(b"\xff\xfe\x00garbage")
    assert len(messages(tmp_path)) == 1
    (tmp_path / "exercise.yaml").write_text("id: x\n")
    assert "exercise.yaml:1: (top): missing field 'roles'" in messages(tmp_path)


def test_a_copy_or_hand_made_package_is_not_a_validated_one():
    package = load_package(DATA / "crm-mini")
    assert not is_validated(dataclasses.replace(package, injects=()))
    assert not is_validated(package.with_variant("small"))


# -- the CLI function --------------------------------------------------------------------------

def test_validate_command_prints_ok_or_each_problem_and_sets_the_exit_code(capsys):
    assert validate_command([DATA / "crm-mini"]) == 0
    assert capsys.readouterr().out == f"ok {DATA / 'crm-mini'}\n"
    assert validate_command([DATA / "broken"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{DATA / 'broken' / 'bad-role'}/{BROKEN['bad-role']}" in out
    assert f"ok {DATA / 'broken' / 'valid'}" in out
    assert validate_command([DATA / "no-such-package"]) == 2
    assert "no such file or folder" in capsys.readouterr().err
