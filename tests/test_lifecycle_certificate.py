"""The destruction certificate (kitlib.lifecycle.certificate): its fields in both languages, its
ledger hashes, and check_certificate against the ledger."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from kitlib import __version__
from kitlib.ledger import Ledger
from kitlib.lifecycle.archive import generate_key
from kitlib.lifecycle.backup import create_backup
from kitlib.lifecycle.certificate import (CertificateError, certificate_number, check_certificate,
                                          destruction_certificate, write_certificate)
from kitlib.lifecycle.destroy import DestructionJob, record_paper_destruction
from kitlib.lifecycle.residue import VERIFICATION_METHOD, identifiers_for, scan_residue
from kitlib.synth import generate
from kitlib.synth.writer import write_case

WHO = ("王敏", "个人信息保护负责人 DPO", "上海西沙清溪食品有限公司", "崇明区办公室", "021-5961 0000")
WITNESS = ("李雷", "法务合规部 Legal")


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """One destruction across a dataset, an export, a backup and a paper box, verified, certified."""
    root = tmp_path_factory.mktemp("certificate")
    case = generate(customers=300, seed=3)
    dataset = root / "dataset"
    write_case(case, dataset)
    ids = case["tickets"]["customer_id"].drop_duplicates().head(5).tolist() + case["customers"]["customer_id"].iloc[::40].tolist()
    ids = list(dict.fromkeys(ids))
    export = root / "crm_export.csv"
    case["customers"].head(50)[["customer_id", "name", "mobile"]].to_csv(export, index=False)
    key = generate_key()
    backup = root / "weekly.kitarc"
    create_backup(dataset, backup, key)
    identifiers = identifiers_for(case, ids)
    ledger = Ledger("sqlite://")
    report = (DestructionJob(ids, actor="E0019", reason="PIPL Art. 47: service ended at deregistration", ledger=ledger,
                             retained=("orders",))
              .dataset(dataset).export(export).backup(backup, key)
              .paper("P04", "门店纸质登记表 store sign-up forms", 431, method="cross_cut_shredding",
                     vendor="上海某档案销毁公司", witness="李雷", date="2026-05-08")
              .run())
    scan = scan_residue([dataset, export, backup], identifiers, retained=("orders",), key_for=lambda p: key,
                        ledger=ledger, actor="E0019")
    assert scan.ok, scan.summary("en")
    html = destruction_certificate(report, ledger=ledger, who=WHO, witness=WITNESS, date="2026-05-08",
                                   company=case.company, verification=scan)
    return {"case": case, "report": report, "scan": scan, "ledger": ledger, "html": html, "root": root, "ids": ids}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_certificate_states_every_required_field_in_both_languages(issued):
    html, report, scan = issued["html"], issued["report"], issued["scan"]
    text = _text(html)
    company = issued["case"].company
    year = pd.Timestamp(report.entry.time).tz_convert("Asia/Shanghai").year
    expected = [
        "个人信息销毁证明", "Certificate of destruction of personal information", f"DC-{year}-{report.entry.seq:04d}",
        company["name_zh"], company["name_en"],
        "涉及客户", "Customers", "删除的行", "Rows deleted", "销毁的文件", "Files destroyed", "Paper items destroyed",
        "《个人信息保护法》第47条", "PIPL Art. 47",
        "数据类别", "Data category", "customer master data", "客户主数据", "support tickets (free text)",
        "清除(Clear)", "销毁(Destroy)", "logical techniques; resists simple recovery",
        "as Purge, and the media cannot be reused", "同净化,且介质无法再使用",
        "NIST SP 800-88 Rev. 1 Appendix G", "Rev. 2 (September 2025)", "附录 G",
        "Verification method", "核验方法", VERIFICATION_METHOD[1][:60], VERIFICATION_METHOD[0][:30],
        "no residue found", "未发现残留",
        *WHO, *WITNESS, "2026-05-08", "cross-cut shredding", "交叉切碎纸", "上海某档案销毁公司",
        "Table retained", "保留的表", "Tax Collection Administration Implementing Rules Art. 29",
        f"kitlib {__version__}", "Signature of the person who sanitised", "见证人签名", "backups included: weekly.kitarc",
        "Post-sanitisation classification", "销毁后定级", "Destination", "去向",
    ]
    missing = [value for value in expected if value not in text]
    assert not missing
    assert f'data-field="customers">{len(issued["ids"])}<' in html
    assert f'data-field="rows">{report.rows_destroyed}<' in html and report.rows_destroyed > 0
    for entry in report.entries() + [scan.entry]:
        assert f'data-ledger-hash="{entry.hash}"' in html and entry.hash in text
    assert "@page { size: A4" in html and not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not any(cid in html for cid in issued["ids"])


def test_check_certificate_confirms_a_genuine_certificate_from_its_file(issued):
    path = issued["root"] / "DC.html"
    write_certificate(path, issued["report"], ledger=issued["ledger"], who=WHO, witness=WITNESS, date="2026-05-08",
                      company=issued["case"].company, verification=issued["scan"])
    check = check_certificate(path, issued["ledger"])
    assert check.ok, check.problems
    assert check.number == certificate_number(issued["report"].entry)
    assert set(check.seqs) == {e.seq for e in issued["report"].entries()} | {issued["scan"].entry.seq}


def test_check_certificate_fails_when_a_hash_is_not_in_the_ledger(issued):
    step = issued["report"].results[1].entry
    forged = issued["html"].replace(step.hash, "ab" * 32)
    check = check_certificate(forged, issued["ledger"])
    assert not check.ok and any(f"entry {step.seq}) is not in the ledger" in p for p in check.problems)
    other = check_certificate(issued["html"], Ledger("sqlite://"))
    assert not other.ok and len(other.problems) >= len(issued["report"].entries())


def test_check_certificate_fails_on_altered_totals_number_or_printed_hash(issued):
    html, report = issued["html"], issued["report"]
    rows = html.replace(f'data-field="rows">{report.rows_destroyed}<', f'data-field="rows">{report.rows_destroyed - 1}<')
    assert any("says rows" in p for p in check_certificate(rows, issued["ledger"]).problems)
    number = certificate_number(report.entry)
    renumbered = html.replace(f'data-field="number">{number}<', 'data-field="number">DC-2026-9999<')
    assert any("does not match the binding entry" in p for p in check_certificate(renumbered, issued["ledger"]).problems)
    step = report.results[0].entry
    printed = html.replace(f'">{step.hash}</code>', f'">{"0" * 64}</code>')
    assert any("printed hash" in p for p in check_certificate(printed, issued["ledger"]).problems)


def test_check_certificate_fails_when_a_cited_entry_is_not_a_destruction(tmp_path):
    ledger = Ledger("sqlite://")
    paper = record_paper_destruction("P02", "guardian forms", 3, method="pulping", vendor="V", witness="W",
                                     date="2026-05-01", ledger=ledger, actor="E0018")
    share = ledger.append("share", actor="E0018", details={"recipient": "successor"})
    html = destruction_certificate(paper.entry, ledger=ledger, who=WHO, witness=WITNESS, date="2026-05-01", company="X")
    assert check_certificate(html, ledger).ok
    swapped = html.replace(paper.entry.hash, share.hash).replace(f'data-ledger-seq="{paper.entry.seq}"',
                                                                 f'data-ledger-seq="{share.seq}"')
    problems = check_certificate(swapped, ledger).problems
    assert any("'share' entry, not a destruction" in p for p in problems)
    with pytest.raises(CertificateError, match="not a destruction"):
        destruction_certificate([share], ledger=ledger, who=WHO, witness=WITNESS, date="2026-05-01", company="X")


def test_values_are_escaped(tmp_path):
    ledger = Ledger("sqlite://")
    paper = record_paper_destruction("P04", "<b>forms</b>", 2, method="incineration", vendor="<script>alert(1)</script>",
                                     witness="W", date="2026-05-01", ledger=ledger, actor="E0018")
    html = destruction_certificate(paper.entry, ledger=ledger, who=("<img src=x onerror=alert(1)>", "t", "o"),
                                   witness="W & co", date="2026-05-01", company="A<B")
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>forms" not in html
    assert "&lt;script&gt;" in html and "W &amp; co" in html and "A&lt;B" in html


def test_one_language_only(issued):
    report, ledger = issued["report"], issued["ledger"]
    kwargs = dict(ledger=ledger, who=WHO, witness=WITNESS, date="2026-05-08", company=("某公司", "Some Co."))
    english = _text(destruction_certificate(report, lang="en", **kwargs))
    chinese = _text(destruction_certificate(report, lang="zh-CN", **kwargs))
    assert "Certificate of destruction" in english and "个人信息销毁证明" not in english and "某公司" not in english
    assert "个人信息销毁证明" in chinese and "Certificate of destruction" not in chinese and "Some Co." not in chinese


def test_a_certificate_is_refused_for_bad_inputs(issued, tmp_path):
    report, ledger = issued["report"], issued["ledger"]
    kwargs = dict(who=WHO, witness=WITNESS, date="2026-05-08", company="X")
    bad = [
        (dict(ledger=Ledger("sqlite://")), "is not in this ledger"),
        (dict(ledger=ledger, who=("", "t", "o")), "who: name is empty"),
        (dict(ledger=ledger, witness=WHO[0]), "someone other than"),
        (dict(ledger=ledger, date="8 May"), "not a date"),
        (dict(ledger=ledger, lang="fr"), "lang must be"),
    ]
    for change, message in bad:
        with pytest.raises(CertificateError, match=message) as info:
            destruction_certificate(report, **{**kwargs, **change})
        assert "\n" not in str(info.value)


def test_a_certificate_is_refused_when_the_verification_found_residue(issued, tmp_path):
    case, ids = issued["case"], issued["ids"]
    leftover = tmp_path / "leftover.csv"
    case["customers"][case["customers"]["customer_id"].isin(ids)][["customer_id", "mobile"]].to_csv(leftover, index=False)
    scan = scan_residue([leftover], identifiers_for(case, ids))
    assert not scan.ok
    with pytest.raises(CertificateError, match="residue"):
        destruction_certificate(issued["report"], ledger=issued["ledger"], who=WHO, witness=WITNESS, date="2026-05-08",
                                company="X", verification=scan)


def test_a_certificate_from_ledger_entries_binds_to_the_job_entry(issued):
    report, ledger = issued["report"], issued["ledger"]
    html = destruction_certificate([report.entry], ledger=ledger, who=WHO, witness=WITNESS, date="2026-05-08",
                                   company="X")
    assert f'data-field="number">{certificate_number(report.entry)}<' in html
    for result in report.results:
        assert result.entry.hash in html
    assert "not verified" in html and check_certificate(html, ledger).ok
