"""Customer letters in bulk: each kind states its facts in each language, minors are written to
through their guardian and organisations by name, the channel follows the contacts on file, hostile
values are escaped, the ledger holds one pseudonymised entry per batch (or one per letter), the
mailing log's hashes match the files, writes leave no temporary files, and bad input names itself."""
import hashlib
import os
import re
import tomllib
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from kitlib.ledger import Ledger
from kitlib.protect.transforms import mask_value
from kitlib.reports import LetterError, MailingLog, generate_letters, mailing_plan
from kitlib.reports import letters as letters_module
from kitlib.synth import Case, generate

VOCAB = tomllib.loads(resources.files("kitlib").joinpath("reports", "data", "letters.toml").read_text("utf-8"))
SUCCESSOR_CONTACT = {"email": "privacy@successor.example.com", "phone": "021-5555 0101"}
KEPT = [{"basis": "tax_records_10y", "until": "2036-12-31"},
        {"basis": "consent_evidence_policy", "until": "2029-05-10"}]
DELETION = {"deleted_on": "2026-05-10", "method": ["delete", "crypto_shred"], "kept": KEPT}


@pytest.fixture(scope="module")
def dissolution():
    return generate(customers=300, seed=3, scenario="dissolution")


@pytest.fixture(scope="module")
def relocation():
    return generate(customers=300, seed=3, scenario="relocation")


def with_customers(case, customers: pd.DataFrame) -> Case:
    """The same case with an edited customers table (the fixtures stay untouched)."""
    return Case({**case.tables, "customers": customers}, case.catalogue, case.ticket_spans,
                case.retention_rules, case.params)


def read(log: MailingLog, row: int = 0) -> tuple[str, str]:
    folder = log.path.parent
    return ((folder / log.frame["file"].iat[row]).read_text("utf-8"),
            (folder / log.frame["text_file"].iat[row]).read_text("utf-8"))


def first(case, audience: str) -> str:
    plan = mailing_plan(case)
    return plan.loc[plan["audience"] == audience, "customer_id"].iat[0]


def zh_date(text: str) -> str:
    y, m, d = (int(x) for x in text.split("-"))
    return f"{y}年{m}月{d}日"


def en_date(text: str) -> str:
    return pd.Timestamp(text).strftime("%-d %B %Y")


# -- what each letter says ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_transfer_letter_names_the_successor_and_its_contact_and_cites_art_22(dissolution, tmp_path, lang):
    cid = first(dissolution, "individual")
    log = generate_letters(dissolution, [cid], "transfer", tmp_path, lang=lang, date="2026-04-20",
                           details={"successor_contact": SUCCESSOR_CONTACT})
    successor = dissolution.company["successor"]
    zh = lang == "zh-CN"
    art22, rights = ("第二十二条", "第四十四条至第五十条") if zh else ("PIPL Art. 22", "PIPL Arts. 44–50")
    for text in read(log):
        assert successor in text and SUCCESSOR_CONTACT["email"] in text and SUCCESSOR_CONTACT["phone"] in text
        assert art22 in text and rights in text
    assert log.frame["language"].tolist() == [lang]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_relocation_letter_gives_the_new_address_and_cites_art_17(relocation, tmp_path, lang):
    cid = first(relocation, "individual")
    log = generate_letters(relocation, [cid], "relocation", tmp_path, lang=lang, date="2026-04-01",
                           details={"contact": {"phone": "021-6000 1234"}})
    company = relocation.company
    effective = company["address_cancelled_on"].strftime("%Y-%m-%d")
    when = zh_date(effective) if lang == "zh-CN" else en_date(effective)
    art17 = "第十七条" if lang == "zh-CN" else "PIPL Art. 17"
    for text in read(log):
        assert company["new_registered_address"] in text and company["registered_address"] in text
        assert when in text and art17 in text and "021-6000 1234" in text


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_deletion_letter_words_each_kept_item_with_its_basis_and_date(dissolution, tmp_path, lang):
    cid = first(dissolution, "individual")
    log = generate_letters(dissolution, [cid], "deletion_done", tmp_path, lang=lang, date="2026-05-12",
                           details=DELETION)
    zh = lang == "zh-CN"
    html, text = read(log)
    for item in KEPT:
        words = VOCAB["basis"][item["basis"]]
        until = zh_date(item["until"]) if zh else en_date(item["until"])
        row = " | ".join([words["item_zh" if zh else "item_en"], words["zh" if zh else "en"], until])
        assert row in text                      # what is kept, why, until when: one row each
    for method in DELETION["method"]:
        assert VOCAB["method"][method]["zh" if zh else "en"] in text
    assert (zh_date(DELETION["deleted_on"]) if zh else en_date(DELETION["deleted_on"])) in text
    assert ("第四十七条" if zh else "PIPL Art. 47") in text
    assert ("本公司政策" if zh else "company policy") in text     # the U basis is not presented as law
    assert html.count("<tr>") == 1 + len(KEPT) and '<td class="until">' in html


def test_deletion_letter_lists_the_categories_the_record_held(dissolution, tmp_path):
    customers = dissolution["customers"]
    with_card = customers.loc[customers["bank_card"].notna() & ~customers["is_minor"], "customer_id"].iat[0]
    without = customers.loc[customers["bank_card"].isna() & (customers["customer_type"] == "individual")
                            & ~customers["is_minor"], "customer_id"].iat[0]
    log = generate_letters(dissolution, [with_card, without], "deletion_done", tmp_path, lang="en",
                           date="2026-05-12", details={**DELETION, "kept": []})
    card = VOCAB["category"]["financial_account"]["en"]
    tickets = VOCAB["category"]["service_records"]["en"]
    has_tickets = set(dissolution["tickets"]["customer_id"])
    for row, cid in enumerate([with_card, without]):
        _, text = read(log, row)
        assert (f"- {card}" in text) == (cid == with_card)
        assert (f"- {tickets}" in text) == (cid in has_tickets)
        assert "We have kept no copy of any of it." in text


def test_both_prints_the_chinese_letter_then_the_english_one(dissolution, tmp_path):
    cid = first(dissolution, "individual")
    log = generate_letters(dissolution, [cid], "transfer", tmp_path, lang="both", date="2026-04-20",
                           details={"successor_contact": SUCCESSOR_CONTACT})
    html, text = read(log)
    assert log.frame["language"].iat[0] == "both"
    assert html.index('<article class="letter" lang="zh-CN">') < html.index('<article class="letter" lang="en">')
    assert text.index("第二十二条") < text.index("PIPL Art. 22")


# -- who is addressed, in which language, how ---------------------------------------------------

def test_a_minor_is_written_to_through_the_guardian(dissolution, tmp_path):
    customers = dissolution["customers"]
    child = customers[customers["is_minor"] & customers["guardian_relation"].isin(["父亲", "母亲"])].iloc[0]
    log = generate_letters(dissolution, [child["customer_id"]], "transfer", tmp_path, lang="both",
                           date="2026-04-20", details={"successor_contact": SUCCESSOR_CONTACT})
    relation = VOCAB["relation"][child["guardian_relation"]]
    honorific = VOCAB["honorific"][relation["sex"]]
    html, text = read(log)
    assert f"尊敬的{child['guardian_name']}{honorific['zh']}：" in text
    assert f"Dear {honorific['en']} {child['guardian_name']}," in text
    assert f"as {child['name']}’s {relation['en']}" in text
    assert f"作为{child['name']}的{child['guardian_relation']}" in text
    assert "第三十一条" in text and "PIPL Art. 28" in text
    row = log.frame.iloc[0]
    assert (row["audience"], row["channel"]) == ("minor", "sms")
    assert row["recipient"] == mask_value(child["guardian_mobile"], "cn_mobile")


def test_an_organisation_is_addressed_by_its_company_name(dissolution, tmp_path):
    customers = dissolution["customers"]
    org = customers[customers["customer_type"] == "corporate"].iloc[0]
    log = generate_letters(dissolution, [org["customer_id"]], "deletion_done", tmp_path, lang="both",
                           date="2026-05-12", details=DELETION)
    _, text = read(log)
    assert f"尊敬的{org['company_name']}：" in text and f"Dear colleagues at {org['company_name']}," in text
    assert f"（{org['name']}）" in text and f"({org['name']})" in text      # the contact person is named
    assert "先生：" not in text and "女士：" not in text
    assert log.frame["audience"].iat[0] == "organisation"


def test_the_channel_is_email_then_sms_then_post_then_none(dissolution, tmp_path):
    customers = dissolution["customers"].copy()
    adults = customers.index[(customers["customer_type"] == "individual") & ~customers["is_minor"]
                             & customers["email"].notna() & customers["mobile"].notna()][:4]
    customers.loc[adults[1], "email"] = np.nan
    customers.loc[adults[2], ["email", "mobile"]] = np.nan
    customers.loc[adults[3], ["email", "mobile", "address"]] = np.nan
    case = with_customers(dissolution, customers)
    ids = customers.loc[adults, "customer_id"].tolist()
    log = generate_letters(case, ids, "transfer", tmp_path, date="2026-04-20", lang="zh-CN",
                           details={"successor_contact": SUCCESSOR_CONTACT})
    assert log.frame["channel"].tolist() == ["email", "sms", "post", "none"]
    raw = customers.loc[adults[:3]]
    assert log.frame["recipient"].tolist()[:3] == [mask_value(raw["email"].iat[0], "email"),
                                                   mask_value(raw["mobile"].iat[1], "cn_mobile"),
                                                   mask_value(raw["address"].iat[2], "address")]
    assert all(r not in log.frame["recipient"].tolist() for r in (raw["email"].iat[0], raw["mobile"].iat[1]))
    assert log.by_channel().to_dict() == {"email": 1, "sms": 1, "post": 1, "none": 1}
    post_html, _ = read(log, 2)
    assert raw["address"].iat[2] in post_html and 'class="recipient"' in post_html
    assert 'class="recipient"' not in read(log, 0)[0]       # no postal block on an e-mailed letter


def test_language_defaults_by_nationality_and_is_overridden_by_column_then_argument(relocation):
    customers = relocation["customers"].copy()
    plan = mailing_plan(relocation)
    chinese = customers["nationality"].eq("中国")
    expected = np.where(customers["nationality"].notna() & ~chinese, "en", "zh-CN")
    assert plan["language"].tolist() == expected.tolist() and "en" in set(expected)
    customers["letter_language"] = np.where(customers.index == 0, "en", None)
    case = with_customers(relocation, customers)
    assert mailing_plan(case)["language"].iat[0] == "en"
    overridden = mailing_plan(case, lang={customers["customer_id"].iat[0]: "both"})
    assert overridden["language"].iat[0] == "both" and overridden["language"].iat[1] == expected[1]


def test_html_escapes_hostile_values_and_text_keeps_them_plain(dissolution, tmp_path):
    customers = dissolution["customers"].copy()
    row = customers.index[(customers["customer_type"] == "individual") & ~customers["is_minor"]][0]
    customers.loc[row, "name"] = "<script>alert('x')</script>&Co"
    case = with_customers(dissolution, customers)
    log = generate_letters(case, [customers.loc[row, "customer_id"]], "transfer", tmp_path, lang="both",
                           date="2026-04-20", details={"successor_contact": {"email": "<b>@example.com"}})
    html, text = read(log)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;Co" in html and "&lt;b&gt;@example.com" in html
    assert "<script>alert('x')</script>&Co" in text


# -- the record: files, log, ledger -----------------------------------------------------------

def test_by_default_one_ledger_entry_per_letter_with_pseudonymised_subjects_and_no_contact_details(dissolution, tmp_path):
    ids = mailing_plan(dissolution)["customer_id"].tolist()[:25]
    ledger = Ledger("sqlite://")
    log = generate_letters(dissolution, ids, "transfer", tmp_path, ledger=ledger, actor="E0042", date="2026-04-20",
                           details={"successor_contact": SUCCESSOR_CONTACT})
    entries = ledger.entries("notification")
    assert len(entries) == log.count == 25 and log.ledger_seqs == tuple(e.seq for e in entries)
    for entry, row in zip(entries, log.frame.itertuples()):
        assert entry.subjects == (ledger.subject_token(row.customer_id),) and entry.actor == "E0042"
        assert entry.details["letter_id"] == row.letter_id and entry.details["sha256"] == row.sha256
        assert entry.details["channel"] == row.channel and entry.details["kind"] == "transfer"
    stored = ledger.to_frame().to_csv()
    customers = dissolution["customers"].set_index("customer_id").loc[ids]
    raw = [*ids, *customers["email"].dropna(), *customers["mobile"].dropna(), *customers["name"],
           *customers["address"].dropna(), *log.frame["recipient"]]
    assert not [value for value in raw if value in stored]
    assert ledger.verify().ok


def test_one_entry_per_batch_lists_the_subjects_and_binds_the_mailing_log(dissolution, tmp_path):
    ids = mailing_plan(dissolution)["customer_id"].tolist()[:10]
    ledger = Ledger("sqlite://")
    log = generate_letters(dissolution, ids, "deletion_done", tmp_path, ledger=ledger, ledger_entries="batch",
                           date="2026-05-12", details=DELETION)
    (entry,) = ledger.entries()
    assert entry.type == "notification" and entry.subjects == tuple(ledger.subject_token(c) for c in ids)
    assert entry.details["mailing_log_sha256"] == hashlib.sha256(log.path.read_bytes()).hexdigest()
    assert entry.details["letters"] == 10 and entry.details["by_channel"] == log.by_channel().to_dict()
    assert log.ledger_seqs == (entry.seq,) and not [c for c in ids if c in ledger.to_frame().to_csv()]


def test_mailing_log_hashes_match_the_files_and_verify_finds_a_changed_letter(dissolution, tmp_path):
    ids = mailing_plan(dissolution)["customer_id"].tolist()[:12]
    log = generate_letters(dissolution, ids, "transfer", tmp_path, date="2026-04-20",
                           details={"successor_contact": SUCCESSOR_CONTACT})
    assert log.path.read_bytes().startswith(b"\xef\xbb\xbf")           # UTF-8 with BOM, for Excel
    loaded = MailingLog.load(log.path)
    assert loaded.frame.equals(log.frame.astype(str)) and loaded.batch_id == log.batch_id
    folder = log.path.parent
    for row in loaded.frame.itertuples():
        assert hashlib.sha256((folder / row.file).read_bytes()).hexdigest() == row.sha256
        assert hashlib.sha256((folder / row.text_file).read_bytes()).hexdigest() == row.text_sha256
        assert row.file.startswith(row.customer_id + "_") and re.fullmatch(r"[A-Z0-9_-]+\.html", row.file)
    assert loaded.verify().empty
    changed = folder / loaded.frame["file"].iat[3]
    changed.write_text(changed.read_text("utf-8").replace("2026", "2027"), "utf-8")
    (folder / loaded.frame["text_file"].iat[5]).unlink()
    problems = loaded.verify()
    assert problems["customer_id"].tolist() == [ids[3], ids[5]]
    assert problems["problem"].tolist() == ["changed since it was logged", "missing"]


def test_writes_leave_no_temporary_files_and_a_failed_batch_leaves_no_letters(dissolution, tmp_path, monkeypatch):
    ids = mailing_plan(dissolution)["customer_id"].tolist()[:8]
    good = tmp_path / "good"
    log = generate_letters(dissolution, ids, "transfer", good, date="2026-04-20",
                           details={"successor_contact": SUCCESSOR_CONTACT})
    assert list(good.iterdir()) == [log.path.parent]         # one folder per batch, nothing else
    assert sorted(p.name for p in log.path.parent.iterdir()) == sorted(
        [*log.frame["file"], *log.frame["text_file"], log.path.name])
    real_write, calls = os.write, []

    def full_disk(fd, data):
        calls.append(fd)
        if len(calls) == 7:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(letters_module.os, "write", full_disk)
    bad = tmp_path / "bad"
    with pytest.raises(LetterError, match=r"^CM\w+_TRF-[\w-]+\.(html|txt): cannot write the letters: No space"):
        generate_letters(dissolution, ids, "transfer", bad, date="2026-04-20",
                         details={"successor_contact": SUCCESSOR_CONTACT})
    assert list(bad.iterdir()) == []


# -- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("scenario, kind, ids, details, message", [
    ("dissolution", "apology", None, None, r"unknown letter kind 'apology'"),
    ("dissolution", "transfer", ["CM-NOT-THERE"], {"successor_contact": SUCCESSOR_CONTACT},
     r"customer id 'CM-NOT-THERE' is not in the case"),
    ("relocation", "transfer", None, {"successor_contact": SUCCESSOR_CONTACT}, r"company\.successor"),
    ("dissolution", "relocation", None, None, r"company\.new_registered_address"),
    ("dissolution", "transfer", None, None, r"details\['successor_contact'\] is missing"),
    ("dissolution", "transfer", None, {"successor_contact": {"fax": "1"}}, r"successor_contact.*'fax'"),
    ("dissolution", "deletion_done", None, {"method": "delete"}, r"details\['deleted_on'\] is missing"),
    ("dissolution", "deletion_done", None, {**DELETION, "kept": [{"basis": "vibes", "until": "2030-01-01"}]},
     r"details\['kept'\]\[0\]\['basis'\]: unknown basis 'vibes'"),
    ("dissolution", "deletion_done", None, {**DELETION, "kept": [{"basis": "tax_records_10y", "until": "2026-01-01"}]},
     r"details\['kept'\]\[0\]\['until'\]"),
    ("dissolution", "deletion_done", None, {**DELETION, "deleted_on": "2026-06-01"}, r"after the letter date"),
    ("relocation", "deletion_done", None, {"deleted_on": "2026-05-10", "method": "delete"},
     r"details\['reason'\] is missing"),
    ("dissolution", "transfer", None, {"successor_contact": SUCCESSOR_CONTACT, "sucessor": 1},
     r"unknown key 'sucessor'"),
])
def test_bad_input_raises_one_line_naming_the_field_or_id(dissolution, relocation, tmp_path, scenario, kind,
                                                          ids, details, message):
    case = dissolution if scenario == "dissolution" else relocation
    ids = ids or mailing_plan(case)["customer_id"].tolist()[:3]
    with pytest.raises(LetterError, match=message) as caught:
        generate_letters(case, ids, kind, tmp_path / "out", details=details, date="2026-05-12")
    assert isinstance(caught.value, ValueError) and "\n" not in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_bad_language_is_named_with_its_customer(dissolution):
    cid = first(dissolution, "individual")
    with pytest.raises(LetterError, match=rf"lang for customer {cid}: language 'fr'"):
        mailing_plan(dissolution, lang={cid: "fr"})
