"""Whole-column builders for Chinese identifiers, each with its real check character.

Every builder takes numpy arrays and returns one string per row; none loops in Python
per value.  The tests validate every value with python-stdnum and phonenumbers.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from .columns import from_ascii, series

# GB 11643-1999 weights for the 17 leading digits of a resident identity number.
_RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_RIC_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)  # index = weighted sum mod 11

# GB 32100-2015: the USCC alphabet (no I, O, Z, S, V) and weights.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_BYTES = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
# GB 11714-1997: the organisation code inside a USCC (8 characters + check).
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])

# Mobile number segments (号段) in use by China Mobile, China Unicom, China Telecom
# and China Broadnet, with rough shares of subscribers.
MOBILE_PREFIXES = {
    "134": 3, "135": 4, "136": 4, "137": 4, "138": 5, "139": 5, "147": 1, "150": 3,
    "151": 3, "152": 3, "157": 2, "158": 3, "159": 3, "172": 1, "178": 2, "182": 3,
    "183": 2, "184": 1, "187": 3, "188": 3, "195": 1, "197": 1, "198": 2,  # China Mobile
    "130": 3, "131": 3, "132": 3, "145": 1, "155": 2, "156": 3, "166": 2, "175": 1,
    "176": 2, "185": 2, "186": 3, "196": 1,  # China Unicom
    "133": 3, "153": 2, "173": 2, "177": 2, "180": 2, "181": 2, "189": 3,
    "190": 1, "191": 1, "193": 1, "199": 2,  # China Telecom
    "192": 1,  # China Broadnet
}

# UnionPay debit-card issuer prefixes (BINs) of large Chinese banks, with card length.
BANK_BINS = [
    ("622202", "中国工商银行", "Industrial and Commercial Bank of China", 19, 16),
    ("621226", "中国工商银行", "Industrial and Commercial Bank of China", 19, 8),
    ("622848", "中国农业银行", "Agricultural Bank of China", 19, 12),
    ("621700", "中国建设银行", "China Construction Bank", 19, 14),
    ("436742", "中国建设银行", "China Construction Bank", 19, 4),
    ("621661", "中国银行", "Bank of China", 19, 10),
    ("622262", "交通银行", "Bank of Communications", 19, 6),
    ("622588", "招商银行", "China Merchants Bank", 16, 9),
    ("621483", "招商银行", "China Merchants Bank", 16, 4),
    ("622908", "兴业银行", "Industrial Bank", 18, 3),
    ("622521", "浦发银行", "Shanghai Pudong Development Bank", 16, 5),
    ("623185", "上海农商银行", "Shanghai Rural Commercial Bank", 19, 5),
    ("621799", "中国邮政储蓄银行", "Postal Savings Bank of China", 19, 4),
]


def digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers, one row per value."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10).astype(np.uint8)


def ascii_strings(matrix: np.ndarray) -> pd.Series:
    """Turn an (n, width) matrix of ASCII codes into a pandas string Series, fast."""
    return series(from_ascii(matrix))


def resident_id_matrix(region: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """18-character resident identity numbers (GB 11643) as ASCII codes.

    region: six-digit region codes; birth: datetime64[D]; seq: 0..999 sequence numbers
    whose parity is the gender (odd = male).
    """
    y, m, d = split_dates(birth)
    body = np.concatenate(
        [digit_matrix(region, 6), digit_matrix(y * 10000 + m * 100 + d, 8), digit_matrix(seq, 3)],
        axis=1,
    )
    check = _RIC_CHECK[(body.astype(np.int64) @ _RIC_WEIGHTS) % 11]
    return np.concatenate([body + 48, check[:, None]], axis=1)


def split_dates(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day arrays of a datetime64 array."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    years = dates.astype("datetime64[Y]")
    months = dates.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years).astype(np.int64) + 1
    d = (dates - months).astype(np.int64) + 1
    return y, m, d


def bank_cards(n: int, rng: np.random.Generator) -> tuple[pd.Series, np.ndarray]:
    """UnionPay card numbers that pass the Luhn check, and the index of their bank in BANK_BINS."""
    weights = np.array([b[4] for b in BANK_BINS], dtype=float)
    bank = rng.choice(len(BANK_BINS), size=n, p=weights / weights.sum())
    lengths = np.array([b[3] for b in BANK_BINS])[bank]
    width = lengths.max()
    digits = rng.integers(0, 10, size=(n, width), dtype=np.uint8)
    bins = np.array([[int(c) for c in b[0]] for b in BANK_BINS], dtype=np.uint8)
    digits[:, :6] = bins[bank]
    # Right-align: a card of length L occupies columns width-L .. width-1; zero the rest
    # (leading zeros do not change a Luhn sum) and keep the BIN at the front of each card.
    out = np.zeros((n, width), dtype=np.uint8)
    for length in np.unique(lengths):
        rows = lengths == length
        out[rows, width - length:] = digits[rows, :length]
    out[:, -1] = 0
    pos_from_right = np.arange(width - 1, -1, -1)  # 0 for the check digit
    doubled = out * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    contrib = np.where(pos_from_right % 2 == 1, doubled, out).astype(np.int64)
    out[:, -1] = (10 - contrib.sum(axis=1) % 10) % 10
    strings = _ragged_digits(out, lengths)
    return strings, bank


def _ragged_digits(right_aligned: np.ndarray, lengths: np.ndarray) -> pd.Series:
    """Strings of the last `lengths[i]` digits of each row."""
    width = right_aligned.shape[1]
    ascii_rows = right_aligned + 48
    mask = np.arange(width)[None, :] >= (width - lengths)[:, None]
    data = ascii_rows[mask]  # row-major: each row's kept digits in order
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    arr = pa.Array.from_buffers(
        pa.string(), len(lengths), [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data.tobytes())]
    )
    return series(arr)


def mobiles(n: int, rng: np.random.Generator) -> pd.Series:
    """Distinct 11-digit mobile numbers on real carrier segments."""
    prefixes = np.array([int(p) for p in MOBILE_PREFIXES])
    weights = np.array(list(MOBILE_PREFIXES.values()), dtype=float)
    weights /= weights.sum()

    def draw(k: int) -> np.ndarray:
        segment = prefixes[rng.choice(len(prefixes), size=k, p=weights)]
        return segment * 100_000_000 + rng.integers(0, 100_000_000, size=k)

    numbers = _make_distinct(draw(n), draw)
    return ascii_strings(digit_matrix(numbers, 11) + 48)


def _make_distinct(values: np.ndarray, redraw) -> np.ndarray:
    """Redraw duplicated values until all are distinct (keeps first occurrences)."""
    values = values.copy()
    for _ in range(50):
        _, first = np.unique(values, return_index=True)
        dup = np.ones(len(values), dtype=bool)
        dup[first] = False
        if not dup.any():
            return values
        values[dup] = redraw(int(dup.sum()))
    raise RuntimeError("could not draw distinct values")


def uscc(n: int, region: np.ndarray, rng: np.random.Generator, entity_type: str = "1") -> pd.Series:
    """Unified social credit codes: 9 (market regulator), entity type, region, organisation
    code with its GB 11714 check character, and the GB 32100 check character."""
    org = rng.integers(0, 10, size=(n, 8), dtype=np.int64)
    org[:, 0] = rng.choice(np.arange(len(USCC_ALPHABET))[10:], size=n)  # new-style codes start with a letter
    org_alphabet_values = org  # values in USCC alphabet indices; letters are 10..30
    # GB 11714 treats letters as 10..35 of the Latin alphabet; map USCC indices to those.
    latin_value = np.array([int(c, 36) for c in USCC_ALPHABET])
    c9 = 11 - (latin_value[org_alphabet_values] @ _ORG_WEIGHTS) % 11
    org_check = np.where(c9 == 11, 0, c9)  # 10 is written 'X'
    org_check_idx = np.where(org_check == 10, USCC_ALPHABET.index("X"), org_check)
    head = np.concatenate(
        [
            np.full((n, 1), 9),
            np.full((n, 1), USCC_ALPHABET.index(entity_type)),
            digit_matrix(region, 6).astype(np.int64),
            org,
            org_check_idx[:, None],
        ],
        axis=1,
    )
    check = (31 - (head @ _USCC_WEIGHTS) % 31) % 31
    codes = np.concatenate([head, check[:, None]], axis=1)
    return ascii_strings(_USCC_BYTES[codes])


def org_code_is_valid(code9: str) -> bool:
    """GB 11714 check of a 9-character organisation code (used by the tests)."""
    values = [int(c, 36) for c in code9[:8]]
    c9 = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS)) % 11
    expected = "0" if c9 == 11 else "X" if c9 == 10 else str(c9)
    return code9[8] == expected
