"""The purpose registry and the agreement checklist are data: a mistake in either names the
file, the line and the field."""
import re
from pathlib import Path

import pytest

from kitlib.sharing import RegistryError, load_checklist, load_purposes
from kitlib.sharing.agreements import default_checklist_path
from kitlib.sharing.purposes import FLOWS, default_purposes_path
from kitlib.synth.catalogue import build_catalogue


def _edited(tmp_path, source: Path, old: str, new: str, name: str) -> Path:
    text = source.read_text("utf-8")
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i + 1 for i, line in enumerate(path.read_text("utf-8").splitlines()) if needle in line)


def test_the_kits_registry_covers_every_flow_and_names_only_real_columns():
    purposes = load_purposes()
    assert {p.flow for p in purposes.values()} == set(FLOWS)
    catalogue = set(build_catalogue()[["table", "column"]].itertuples(index=False, name=None))
    for p in purposes.values():
        for table in p.tables:
            for column in p.columns(table):
                assert (table, column) in catalogue, (p.id, table, column)


@pytest.mark.parametrize("old, new, field, needle", [
    ('flow = "provision"', 'flow = "gift"', "purposes.marketing_partner.flow", 'flow = "gift"'),
    ('consent_purpose = "marketing"\n', '', "purposes.marketing_partner.consent_purpose", "[purposes.marketing_partner]"),
    ('label_en = "The foreign shareholder\'s group CRM"', 'label_en = ""', "purposes.group_crm.label_en", 'label_en = ""'),
    ('basis = "legal_duty"', 'basis = "goodwill"', "purposes.archive_custodian.basis", 'basis = "goodwill"'),
    ('minors = "exclude"', 'minors = "sometimes"', "purposes.marketing_partner.minors", 'minors = "sometimes"'),
    ('consent = { bank_name', 'consent = { passport_no = "x", bank_name', "purposes.successor.tables.customers.consent",
     "consent = { passport_no"),
])
def test_a_registry_mistake_names_file_line_and_field(tmp_path, old, new, field, needle):
    path = _edited(tmp_path, default_purposes_path(), old, new, "my_purposes.toml")
    with pytest.raises(RegistryError) as err:
        load_purposes(path)
    message = str(err.value)
    assert message.startswith(f"my_purposes.toml:{_line_of(path, needle)}: {field}:"), message
    assert "\n" not in message


def test_a_provision_without_separate_consent_is_refused_with_its_article(tmp_path):
    text = default_purposes_path().read_text("utf-8")
    start = text.index("[purposes.marketing_partner]")
    edited = text[:start] + text[start:].replace("separate_consent = true", "separate_consent = false", 1)
    path = tmp_path / "p.toml"
    path.write_text(edited, "utf-8")
    with pytest.raises(RegistryError, match=r"^p\.toml:\d+: purposes\.marketing_partner\.separate_consent: .*PIPL Art\. 23"):
        load_purposes(path)


def test_an_unreadable_registry_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[purposes.x\n", "utf-8")
    with pytest.raises(RegistryError, match=r"^broken\.toml: not valid TOML"):
        load_purposes(path)
    with pytest.raises(RegistryError, match="no such file"):
        load_purposes(tmp_path / "absent.toml")


def test_every_checklist_item_cites_an_article_or_company_policy():
    checklist = load_checklist()
    for item in checklist.fields + checklist.notice:
        for flow, cite in item.source.items():
            assert flow in FLOWS
            assert re.search(r"(PIPL|NDSMR) Arts?\. \d+|company policy", cite), (item.id, cite)
    entrusted = {i.id for i in checklist.for_flow("entrusted")}
    assert {"purpose", "term_end", "method", "categories", "safeguards", "end_of_term", "sub_entrusting",
            "impact_assessment"} <= entrusted
    assert "cross_border_route" in {i.id for i in checklist.for_flow("cross_border")}
    assert checklist.for_flow("entrusted", notice=True) == []


@pytest.mark.parametrize("old, new, message", [
    ('kind = "false"', 'kind = "maybe"', r"field\[\d+\] \(sub_entrusting\)\.kind: 'maybe' is not one of"),
    ('source = { transfer = "PIPL Art. 22; NDSMR Art. 14" }', 'source = { merger = "x" }',
     r"field\[\d+\] \(continues_duties\)\.source: 'merger' is not a flow"),
])
def test_a_checklist_mistake_names_file_line_and_field(tmp_path, old, new, message):
    path = _edited(tmp_path, default_checklist_path(), old, new, "checklist.toml")
    with pytest.raises(RegistryError, match=r"^checklist\.toml:\d+: " + message):
        load_checklist(path)
