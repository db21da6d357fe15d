"""encrypt_frame / decrypt_frame: exact round trip of values and dtypes (also through CSV), fresh
nonces, and every changed or moved ciphertext refused with the row and column named."""
import io
import re
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from kitlib.protect.columns import PREFIX, decrypt_frame, encrypt_frame
from kitlib.protect.errors import TamperedCiphertext, UnknownCustomer, WrongColumn
from kitlib.protect.keys import KeyStore
from kitlib.synth import generate

TOKEN = re.compile(r"kit1:[A-Za-z0-9+/]+")


@pytest.fixture(scope="module")
def case():
    return generate(customers=120, seed=31)


@pytest.fixture
def ks(tmp_path):
    with KeyStore.create(tmp_path / "keys.db", "test passphrase", scrypt_n=2**10) as store:
        yield store


@pytest.fixture(scope="module")
def customers(case):
    """The generated customers table plus a column of every other kind of dtype."""
    df = case.tables["customers"].copy()
    n = len(df)
    rng = np.random.default_rng(3)
    df["visits"] = rng.integers(-5, 10**12, n)                              # int64
    df["score"] = rng.normal(size=n)                                        # float64 (-0.0, NaN too)
    df.loc[df.index[:3], "score"] = [np.nan, -0.0, np.inf]
    df["level"] = df["membership_level"].astype("category")
    df["ranked"] = pd.Categorical(df["gender"], categories=["男", "女", "其他"], ordered=True)
    df["signed_at"] = pd.to_datetime(df["customer_since"]).astype("datetime64[ns]")
    df["signed_at_sh"] = df["signed_at"].dt.tz_localize("Asia/Shanghai")
    df["tenure"] = df["last_activity"] - df["customer_since"]              # timedelta64
    df["small"] = pd.array(rng.integers(0, 200, n), dtype="UInt8")
    df["ratio"] = pd.array(np.where(np.arange(n) % 4 == 0, np.nan, rng.random(n)), dtype="Float64")
    df["opted"] = pd.array(np.where(np.arange(n) % 5 == 0, None, np.arange(n) % 2 == 0), dtype="boolean")
    df["note"] = pd.Series(["备注 a,\"b\"\n", 7, 2.5, True, np.nan, b"\x00bytes", date(2020, 1, 2),
                            pd.Timestamp("2021-03-04 05:06:07.000000001", tz="Asia/Shanghai"),
                            Decimal("1.10"), "x"] * (n // 10), dtype=object)
    df["memo"] = pd.Series(["纯文本", np.nan, "plain"] * (n // 3), dtype=object)
    df["label"] = df["name"].astype("string[python]")
    df["never"] = np.nan                                                    # no value to encrypt
    return df


def columns_of(df):
    return [c for c in df.columns if c != "customer_id"]


def test_round_trip_restores_every_value_and_dtype(customers, ks):
    assert {"int64", "Int64", "float64", "bool", "datetime64[s]", "category", "object", "str"} <= \
        {str(t) for t in customers.dtypes}
    enc = encrypt_frame(customers, "customers", columns_of(customers), ks)
    assert list(enc.columns) == list(customers.columns)
    assert (enc["customer_id"] == customers["customer_id"]).all()
    pd.testing.assert_frame_equal(decrypt_frame(enc, "customers", ks), customers)


def test_round_trip_survives_csv(customers, ks):
    df = customers.copy()
    df["note"] = df["note"].astype(object).where(df["note"].notna(), np.nan)   # CSV cannot tell None from NaN
    enc = encrypt_frame(df, "customers", columns_of(df), ks)
    buffer = io.StringIO()
    enc.to_csv(buffer, index=False)
    back = pd.read_csv(io.StringIO(buffer.getvalue()), dtype=str)
    assert not back.attrs and (back.dtypes == "str").all()
    out = decrypt_frame(back, "customers", ks)
    pd.testing.assert_frame_equal(out.drop(columns=["ranked", "never"]), df.drop(columns=["ranked", "never"]))
    assert out["never"].isna().all()                          # no value, no token: its dtype is lost
    # without df.attrs a category's categories are rebuilt, sorted, from its values
    assert list(out["ranked"].cat.categories) == sorted(set(df["ranked"].dropna())) and out["ranked"].cat.ordered
    assert (out["ranked"].astype(str) == df["ranked"].astype(str)).all()


def test_the_same_value_twice_gives_different_ciphertexts(ks):
    df = pd.DataFrame({"customer_id": ["C1", "C2"], "city": ["上海市", "上海市"]})
    a = encrypt_frame(df, "customers", ["city"], ks)
    b = encrypt_frame(df.iloc[:1], "customers", ["city"], ks)
    tokens = [a["city"][0], a["city"][1], b["city"][0]]
    assert len(set(tokens)) == 3 and all(TOKEN.fullmatch(t) for t in tokens)
    assert all("上海" not in t for t in tokens)


def test_missing_values_stay_missing_and_are_not_encrypted(customers, ks):
    enc = encrypt_frame(customers, "customers", ["bank_card", "birth_date", "age", "ratio"], ks)
    for c in ("bank_card", "birth_date", "age", "ratio"):
        assert (enc[c].isna() == customers[c].isna()).all()
        assert enc[c].dropna().str.startswith(PREFIX).all()


def moved(enc, column, src, dst, to_column=None):
    out = enc.copy()
    out.loc[out.index[dst], to_column or column] = enc[column].iloc[src]
    return out


def test_a_ciphertext_moved_to_another_row_is_refused_naming_row_and_column(customers, ks):
    enc = encrypt_frame(customers, "customers", ["name", "mobile"], ks)
    bad = moved(enc, "name", 0, 5)
    with pytest.raises(TamperedCiphertext) as exc:
        decrypt_frame(bad, "customers", ks)
    msg = str(exc.value)
    assert "row 5" in msg and customers["customer_id"][5] in msg and "column name" in msg and "\n" not in msg


def test_a_ciphertext_moved_to_another_column_is_refused(customers, ks):
    enc = encrypt_frame(customers, "customers", ["name", "address"], ks)
    with pytest.raises(TamperedCiphertext, match=r"row 3 .*column address"):
        decrypt_frame(moved(enc, "name", 3, 3, to_column="address"), "customers", ks)


def test_a_ciphertext_moved_to_another_table_is_refused(customers, ks):
    enc = encrypt_frame(customers, "customers", ["name"], ks)
    with pytest.raises(TamperedCiphertext, match="moved from another row, column or table"):
        decrypt_frame(enc, "customers_archive", ks)


@pytest.mark.parametrize("change", ["flip", "truncate", "alphabet", "pad"])
def test_a_changed_ciphertext_is_refused(customers, ks, change):
    enc = encrypt_frame(customers, "customers", ["email", "age"], ks)
    token = enc["age"].iloc[7]
    i = len(token) // 2
    token = {"flip": token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:],
             "truncate": token[:-4],
             "alphabet": token[:i] + "-" + token[i + 1:],
             "pad": token + "=="}[change]
    bad = enc.copy()
    bad.loc[7, "age"] = token
    with pytest.raises(TamperedCiphertext, match=r"row 7 .*column age"):
        decrypt_frame(bad, "customers", ks)


def test_a_plain_value_in_an_encrypted_column_is_refused(customers, ks):
    bad = encrypt_frame(customers, "customers", ["mobile"], ks)
    bad.loc[2, "mobile"] = "13800138000"
    with pytest.raises(TamperedCiphertext, match=r"row 2 .*column mobile.*not a kit ciphertext"):
        decrypt_frame(bad, "customers", ks)


def test_a_changed_first_value_does_not_hide_the_column_from_decryption(customers, ks):
    bad = encrypt_frame(customers, "customers", ["name", "note"], ks)
    bad.loc[0, "name"] = "张三"
    with pytest.raises(TamperedCiphertext, match=r"row 0 .*column name"):
        decrypt_frame(bad, "customers", ks)
    bad = encrypt_frame(customers, "customers", ["note"], ks)
    bad["note"] = bad["note"].astype(object)
    bad.loc[3, "note"] = 42
    with pytest.raises(TamperedCiphertext, match=r"row 3, column note"):
        decrypt_frame(bad, "customers", ks)


def test_decrypt_never_returns_a_partly_decrypted_frame(customers, ks):
    enc = encrypt_frame(customers, "customers", ["name", "email", "address"], ks)
    bad = moved(enc, "address", 10, len(enc) - 1)
    before = bad.copy()
    with pytest.raises(TamperedCiphertext):
        decrypt_frame(bad, "customers", ks)
    pd.testing.assert_frame_equal(bad, before)                 # the input is untouched
    assert bad["name"].str.startswith(PREFIX).all()


def test_an_unknown_customer_is_named_with_row_and_column(customers, ks, tmp_path):
    enc = encrypt_frame(customers, "customers", ["name"], ks)
    with KeyStore.create(tmp_path / "other.db", "test passphrase", scrypt_n=2**10) as other:
        with pytest.raises(UnknownCustomer) as exc:
            decrypt_frame(enc, "customers", other)
    msg = str(exc.value)
    assert "row 0" in msg and "column name" in msg and customers["customer_id"][0] in msg and "\n" not in msg


def test_wrong_columns_are_named(customers, ks):
    enc = encrypt_frame(customers, "customers", ["name"], ks)
    with pytest.raises(WrongColumn, match="passport"):
        decrypt_frame(enc, "customers", ks, ["passport"])
    with pytest.raises(WrongColumn, match="email"):
        decrypt_frame(enc, "customers", ks, ["name", "email"])
    with pytest.raises(WrongColumn, match="no column of customers"):
        decrypt_frame(customers, "customers", ks)
    with pytest.raises(WrongColumn, match="passport"):
        encrypt_frame(customers, "customers", ["passport"], ks)
    with pytest.raises(WrongColumn, match="already holds kit ciphertext"):
        encrypt_frame(enc, "customers", ["name"], ks)
    with pytest.raises(ValueError, match="customer_id"):
        encrypt_frame(customers, "customers", ["customer_id"], ks)


def test_a_row_key_column_binds_rows_of_the_same_customer(case, ks):
    orders = case.tables["orders"]
    with pytest.raises(ValueError, match="not unique"):
        encrypt_frame(orders, "orders", ["amount_cny", "invoice_title"], ks)
    enc = encrypt_frame(orders, "orders", ["amount_cny", "invoice_title"], ks, row_key="order_id")
    pd.testing.assert_frame_equal(decrypt_frame(enc, "orders", ks, row_key="order_id"), orders)
    same = orders.index[orders["customer_id"] == orders["customer_id"].iloc[0]]
    assert len(same) > 1
    bad = enc.copy()
    bad.loc[same[1], "amount_cny"] = enc.loc[same[0], "amount_cny"]
    with pytest.raises(TamperedCiphertext, match=f"row {same[1]} .*order_id"):
        decrypt_frame(bad, "orders", ks, row_key="order_id")


def test_only_the_named_columns_are_decrypted_and_the_rest_keep_their_tokens(customers, ks):
    enc = encrypt_frame(customers, "customers", ["name", "mobile"], ks)
    half = decrypt_frame(enc, "customers", ks, ["name"])
    pd.testing.assert_series_equal(half["name"], customers["name"])
    assert half["mobile"].dropna().str.startswith(PREFIX).all()
    pd.testing.assert_frame_equal(decrypt_frame(half, "customers", ks), customers)


def test_an_empty_frame_round_trips(customers, ks):
    empty = customers.iloc[:0]
    enc = encrypt_frame(empty, "customers", ["name", "age", "signed_at"], ks)
    pd.testing.assert_frame_equal(decrypt_frame(enc, "customers", ks, ["name", "age", "signed_at"]), empty)
