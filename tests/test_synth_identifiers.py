"""Every identifier the generator writes is valid by the standard's own check."""
import pandas as pd
import phonenumbers
from stdnum import luhn
from stdnum.cn import ric, uscc

from kitlib.synth.identifiers import org_code_is_valid
from kitlib.synth.people import RESERVED_DOMAINS
from kitlib.synth.regions import FIRST_YEAR, Regions


def test_every_resident_id_is_valid_per_stdnum(case):
    ids = case["customers"]["resident_id"].dropna()
    assert len(ids) > 4000
    bad = [x for x in ids if not ric.is_valid(x)]
    assert bad == []


def test_resident_id_encodes_birth_date_and_gender(case):
    c = case["customers"].dropna(subset=["resident_id"])
    for rid, birth, gender in zip(c["resident_id"], c["birth_date"], c["gender"]):
        assert ric.get_birth_date(rid) == birth.date()
        assert (int(rid[16]) % 2 == 1) == (gender == "男")


def test_resident_id_region_matches_address_and_birth_year(case):
    regions = Regions.default()
    by_name = {(d.province, d.city, d.district): d for d in regions.districts}
    c = case["customers"].dropna(subset=["resident_id"])
    for rid, prov, city, dist, birth in zip(c["resident_id"], c["province"], c["city"], c["district"], c["birth_date"]):
        district = by_name[(prov, city, dist)]
        assert int(rid[:6]) == district.codes_by_year[birth.year - FIRST_YEAR], (rid, dist, birth)
        assert ric.get_birth_place(rid)["province"] == prov


def test_chongming_codes_follow_the_2016_change(case):
    c = case["customers"].dropna(subset=["resident_id"])
    chongming = c[c["district"] == "崇明区"]
    born = chongming["birth_date"].dt.year
    codes = chongming["resident_id"].str[:6]
    assert set(codes[(born > 1982) & (born < 2016)]) == {"310230"}
    assert set(codes[born > 2016]) <= {"310151"}
    assert (codes == "310230").sum() > 100


def test_every_uscc_is_valid_with_its_organisation_code(case):
    codes = list(case["customers"]["uscc"].dropna()) + [case.company["uscc"]]
    assert len(codes) > 400
    for code in codes:
        assert uscc.is_valid(code), code
        assert org_code_is_valid(code[8:17]), code


def test_every_bank_card_passes_luhn(case):
    cards = case["customers"]["bank_card"].dropna()
    assert len(cards) > 1000
    assert all(luhn.is_valid(c) and len(c) in (16, 18, 19) for c in cards)


def test_every_mobile_is_a_valid_chinese_mobile(case):
    c = case["customers"]
    numbers = pd.concat([c["mobile"], c["guardian_mobile"], case["employees"]["work_mobile"]]).dropna()
    for m in numbers:
        parsed = phonenumbers.parse(m, "CN")
        assert len(m) == 11 and phonenumbers.is_valid_number(parsed), m
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE, m
    assert c["mobile"].dropna().is_unique


def test_every_email_uses_a_reserved_domain_and_is_unique(case):
    emails = pd.concat([case["customers"]["email"], case["employees"]["work_email"]]).dropna()
    assert set(emails.str.split("@").str[1]) <= set(RESERVED_DOMAINS)
    assert case["customers"]["email"].dropna().is_unique
    assert emails.str.fullmatch(r"[a-z0-9._]+@example\.(com|net|org)").all()


def test_email_derives_from_the_pinyin_of_the_name(case):
    from kitlib.synth.people import pinyin
    c = case["customers"].dropna(subset=["email", "resident_id"]).head(300)
    for name, email in zip(c["name"], c["email"]):
        assert pinyin(name[0], surname=True) in email or pinyin(name[1:]) in email, (name, email)


def test_surnames_follow_realistic_frequencies(case):
    c = case["customers"].dropna(subset=["resident_id"])
    share = c["name"].str[0].value_counts(normalize=True)
    assert share.index[:3].isin(["王", "李", "张", "刘", "陈"]).all()
    assert 0.04 < share["王"] < 0.10
