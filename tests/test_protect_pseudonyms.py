"""Keyed pseudonyms: stable across tables, unlinkable across keys and domains, blind to formatting."""
import base64
import hashlib
import hmac

import pandas as pd
import pytest

from kitlib.protect import WrongColumn
from kitlib.protect.pseudonyms import Pseudonymiser, normalise, unsalted_sha256
from kitlib.synth import generate

KEY = bytes(range(32))


@pytest.fixture(scope="module")
def small_case():
    return generate(customers=2000, seed=21)


def test_same_customer_gets_the_same_token_in_customers_and_orders(small_case):
    p = Pseudonymiser(KEY)
    customers, orders = small_case["customers"], small_case["orders"]
    by_id = dict(zip(customers["customer_id"], p.column(customers["customer_id"])))
    tokens = p.column(orders["customer_id"])
    assert (tokens == orders["customer_id"].map(by_id)).all()
    joined = p.apply(orders, ["customer_id"]).merge(p.apply(customers, "customer_id"), on="customer_id")
    assert len(joined) == len(orders)


def test_tokens_have_the_documented_shape_and_do_not_contain_the_value():
    token = Pseudonymiser(KEY).token("13800138000")
    digest = hmac.digest(KEY, b"customer\0" + b"13800138000", "sha256")
    assert token == "P-" + base64.b32encode(digest).decode()[:20]
    assert token.startswith("P-") and len(token) == 22
    assert set(token[2:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert "13800138000" not in token


def test_different_keys_or_domains_give_unlinkable_tokens(small_case):
    ids = small_case["customers"]["customer_id"]
    a = Pseudonymiser(KEY).column(ids)
    other_key = Pseudonymiser(bytes(range(1, 33))).column(ids)
    other_domain = Pseudonymiser(KEY, domain="employee").column(ids)
    assert not set(a) & set(other_key)
    assert not set(a) & set(other_domain)
    assert a.is_unique


def test_formatting_of_identifiers_does_not_change_the_token():
    p = Pseudonymiser(KEY)
    same = ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "0086 13800138000",
            "１３８００１３８０００", " 13800138000 ", 13800138000, 13800138000.0]
    assert {p.token(v) for v in same} == {p.token("13800138000")}
    assert p.token("11010519491231002x") == p.token("110105 19491231 002X")
    assert p.token("cm0001000254vp") == p.token("CM0001000254VP")
    assert p.token("Wang.Wei@Example.com") == p.token("wang.wei@example.com")
    assert p.token("13800138001") != p.token("13800138000")
    assert normalise("张  三 ") == "张 三"


def test_missing_values_stay_missing():
    p = Pseudonymiser(KEY)
    s = pd.Series(["13800138000", None, float("nan"), "  "], index=[7, 8, 9, 10], name="mobile")
    out = p.column(s)
    assert out.index.tolist() == [7, 8, 9, 10] and out.name == "mobile"
    assert out.isna().tolist() == [False, True, True, True]
    assert p.token(None) is None and p.token(pd.NA) is None
    assert unsalted_sha256(s).isna().tolist() == [False, True, True, True]


def test_key_shorter_than_32_bytes_is_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="at least 32 bytes, got 16"):
        Pseudonymiser(b"x" * 16)
    with pytest.raises(TypeError, match="bytes"):
        Pseudonymiser("a text passphrase that is long enough to pass")


def test_generated_keys_are_32_random_bytes_and_not_shown():
    a, b = Pseudonymiser.generate_key(), Pseudonymiser.generate_key()
    assert len(a) == 32 and a != b
    assert a.hex() not in repr(Pseudonymiser(a)) and "32 bytes" in repr(Pseudonymiser(a))


def test_unsalted_sha256_is_the_plain_hex_digest():
    out = unsalted_sha256(pd.Series(["13800138000"]))
    assert out[0] == hashlib.sha256(b"13800138000").hexdigest()


def test_apply_names_a_missing_column(small_case):
    with pytest.raises(WrongColumn, match="'mobile_no'"):
        Pseudonymiser(KEY).apply(small_case["customers"], ["mobile_no"])
