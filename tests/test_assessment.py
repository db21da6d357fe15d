"""The PIPL Arts. 55–56 impact assessment: contents, computed triggers and measures, retention, HTML, ledger."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import replace

import pytest

from kitlib.assessment import (AssessmentError, Processing, deregistration_processing, impact_assessment,
                               keep_until)
from kitlib.ledger import Ledger
from kitlib.synth import generate


@pytest.fixture(scope="module")
def small():
    return generate(customers=300, seed=3)


@pytest.fixture(scope="module")
def report(small):
    return impact_assessment(small, deregistration_processing(small), assessor="E0019", date="2026-04-01")


def _plain(**changes) -> Processing:
    base = Processing("newsletter", ("寄送会员通讯", "send the member newsletter"), ("内部邮件系统", "internal mail system"),
                      "", "internal", ("customers.name", "customers.email"), "consent",
                      frozenset({"minimisation"}))
    return replace(base, **changes)


def test_report_has_every_art56_element_for_each_item_in_both_languages(report):
    html = report.html()
    sections = re.findall(r'<section class="item" data-item="([^"]+)">(.*?)</section>', html, re.S)
    assert [key for key, _ in sections] == ["successor_transfer", "retention_vault", "destruction_vendor"]
    for _, body in sections:
        for element in ("triggers", "lawfulness", "impact", "measures", "conclusion"):
            assert f'data-element="{element}"' in body
        for zh, en in (("合法性", "Lawfulness"), ("正当性", "Legitimacy"), ("必要性", "Necessity"),
                       ("对个人权益的影响及安全风险", "Impact on individuals&#39; rights and the risks"),
                       ("保护措施是否与风险相适应", "Whether the measures fit the risk"), ("结论", "Conclusion")):
            assert zh in body and en in body
    assert "2029-04-01" in html and "PIPL Art. 56" in html and "第56条" in html


def test_one_language_leaves_the_other_out(report):
    english = report.html("en")
    assert "Lawfulness" in english and "合法性" not in english
    assert "Lawfulness" not in report.html("zh-CN")
    with pytest.raises(AssessmentError, match="lang"):
        report.html("fr")


def test_art55_triggers_come_from_the_data(small, report):
    triggers = {i.processing.key: i.triggers for i in report.items}
    assert triggers["successor_transfer"] == ["sensitive", "providing"]      # bank card, minors
    assert triggers["retention_vault"] == ["entrusting"]                     # no Art. 28 column
    assert triggers["destruction_vendor"] == ["sensitive", "entrusting"]
    internal = impact_assessment(small, [_plain()], assessor="E0019", date="2026-04-01").items[0]
    assert internal.triggers == [] and not internal.sensitive
    assert "no Art. 55 case" in impact_assessment(small, [_plain()], assessor="E0019", date="2026-04-01").html("en")
    entrusted = impact_assessment(small, [_plain(relation="entrusted", recipient="Mailer Ltd")],
                                  assessor="E0019", date="2026-04-01").items[0]
    assert entrusted.triggers == ["entrusting"]
    abroad = impact_assessment(small, [_plain(relation="provide", recipient="Paris SAS", abroad=True,
                                              columns=("customers.name", "customers.bank_card"))],
                               assessor="E0019", date="2026-04-01").items[0]
    assert abroad.triggers == ["sensitive", "providing", "cross_border"]


def test_measures_must_fit_the_risk(small, report):
    assert report.acceptable
    sensitive_by_consent = _plain(columns=("customers.name", "customers.bank_card", "customers.is_minor"))
    item = impact_assessment(small, [sensitive_by_consent], assessor="E0019", date="2026-04-01").items[0]
    minors = int(small["customers"]["is_minor"].sum())
    assert item.minors == minors > 0
    assert {"encryption", "separate_consent", "guardian_consent", "access_control"} <= set(item.missing)
    assert not item.measures_fit and "Must not proceed" in item.conclusion[1]
    by_duty = impact_assessment(small, [replace(sensitive_by_consent, legal_basis="legal_duty")],
                                assessor="E0019", date="2026-04-01").items[0]
    assert "separate_consent" not in by_duty.required and "guardian_consent" not in by_duty.required
    vendor = next(p for p in deregistration_processing(small) if p.key == "destruction_vendor")
    unsigned = impact_assessment(small, [replace(vendor, measures=vendor.measures - {"agreement"})],
                                 assessor="E0019", date="2026-04-01").items[0]
    assert unsigned.missing == ["agreement"]


def test_risk_words_follow_tiers_and_counts(small):
    general = impact_assessment(small, [_plain()], assessor="E0019", date="2026-04-01").items[0]
    core = impact_assessment(small, [_plain(columns=("customers.name", "customers.resident_id"))],
                             assessor="E0019", date="2026-04-01").items[0]
    assert general.people == core.people == len(small["customers"])
    assert (general.impact, core.impact) == (1, 3)
    assert general.risk_level < core.risk_level


def test_retention_vault_rejects_fields_no_law_requires_kept(small):
    vault = next(p for p in deregistration_processing(small) if p.key == "retention_vault")
    bad = impact_assessment(small, [replace(vault, columns=vault.columns + ("customers.mobile",))],
                            assessor="E0019", date="2026-04-01").items[0]
    assert bad.measures_fit and not bad.acceptable and "customers.mobile" in bad.conclusion[1]


def test_keep_until_is_three_years_after_the_date(small):
    assert keep_until(dt.date(2026, 4, 1)) == dt.date(2029, 4, 1)
    assert keep_until(dt.date(2028, 2, 29)) == dt.date(2031, 2, 28)
    leap = impact_assessment(small, [_plain()], assessor="E0019", date="2028-02-29")
    assert leap.keep_until == dt.date(2031, 2, 28)


def test_html_escapes_hostile_text(small):
    hostile = "<script>alert(1)</script>"
    report = impact_assessment(small, [_plain(relation="entrusted", recipient=hostile, purpose=(hostile, hostile))],
                               assessor=hostile, date="2026-04-01")
    html = report.html()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_write_is_atomic_and_ledger_entry_holds_the_report_hash(small, tmp_path):
    ledger = Ledger("sqlite://")
    report = impact_assessment(small, deregistration_processing(small), assessor="E0019", date="2026-04-01",
                               ledger=ledger)
    path = report.write(tmp_path / "pia.html")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    entries = list(ledger.entries())
    assert len(entries) == 1 and entries[0].type == "change"
    details = entries[0].details
    assert details["report_sha256"] == digest and details["keep_until"] == "2029-04-01"
    assert [i["key"] for i in details["items"]] == ["successor_transfer", "retention_vault", "destruction_vendor"]
    assert not entries[0].subjects and not any(cid in str(details) for cid in small["customers"]["customer_id"])
    assert [p.name for p in tmp_path.iterdir()] == ["pia.html"]


@pytest.mark.parametrize("changes, message", [
    ({"columns": ("customers.nope",)}, "column 'customers.nope'"),
    ({"legal_basis": "whim"}, "legal_basis 'whim'"),
    ({"measures": frozenset({"prayer"})}, "measure 'prayer'"),
    ({"relation": "entrusted"}, "field 'recipient'"),
    ({"columns": ("company.name_en",)}, "no personal information"),
])
def test_bad_items_give_one_clear_error(small, changes, message):
    with pytest.raises(AssessmentError, match=re.escape(message)) as info:
        impact_assessment(small, [_plain(**changes)], assessor="E0019", date="2026-04-01")
    assert "'newsletter'" in str(info.value) and isinstance(info.value, ValueError)
    with pytest.raises(AssessmentError, match="date"):
        impact_assessment(small, [_plain()], assessor="E0019", date="soon")
