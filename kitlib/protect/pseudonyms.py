"""Keyed pseudonyms (HMAC-SHA256): the same person gets the same token in every table, and
nobody without the key can go back from a token to the value or test a guess.

    >>> p = Pseudonymiser(b"k" * 32)
    >>> p.token("138 0013 8000") == p.token("13800138000")
    True
    >>> p.token("13800138000")[:2]
    'P-'

A token is ``"P-"`` and 20 base32 characters (100 bits) of HMAC-SHA256(key, domain NUL value).
The value is normalised first (`normalise`): full-width characters folded, outer spaces
stripped; identifiers (letters, digits and separators only) lose their separators and are
upper-cased; mainland mobiles lose +86 / 0086; e-mail addresses are lower-cased.  Names and
other text keep their case and inner spaces (collapsed to one).

Different keys, or different domains under one key ("customer", "employee" …), give tokens that
cannot be linked.  Missing values stay missing.

`unsalted_sha256` is the bad example: a plain hash with no key, which anyone can recompute for
every possible mobile number (see `kitlib.protect.attacks.recover_mobiles`).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import numpy as np
import pandas as pd

from ..classify.validators import mobile_national, normalize
from .errors import WrongColumn

__all__ = ["Pseudonymiser", "normalise", "unsalted_sha256", "MIN_KEY_BYTES"]

MIN_KEY_BYTES = 32
TOKEN_PREFIX = "P-"
TOKEN_CHARS = 20
_IDENTIFIER = re.compile(r"[A-Za-z0-9+][A-Za-z0-9+ \-.()/]*")
_SEPARATORS = re.compile(r"[ \-.()/]")
_SPACES = re.compile(r"\s+")
_BASE32 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", dtype=np.uint8)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (str, bytes)) and bool(pd.isna(value)))


def normalise(value) -> str | None:
    """The form of a value that is hashed: '138 0013 8000', '+86 138-0013-8000' and '13800138000'
    are one value, 'cm0001000254vp' is 'CM0001000254VP'; None for a missing or blank value."""
    if _missing(value):
        return None
    if isinstance(value, str) and value.isascii() and value.isalnum() and not value.startswith(("86", "0086")):
        return value.upper()    # the common case, already clean (same result as the full path below)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)      # a number read from a spreadsheet: 13800138000.0
    text = _SPACES.sub(" ", normalize(str(value))[0]).strip()
    if "@" in text:
        return text.lower()
    if _IDENTIFIER.fullmatch(text):
        mobile = mobile_national(text)
        return mobile if mobile else _SEPARATORS.sub("", text).upper()
    return text or None         # a blank cell is missing too


class Pseudonymiser:
    """Keyed pseudonyms for one domain: `token(value)` for one value, `column(series)` for a column.

    key: at least 32 random bytes (`Pseudonymiser.generate_key()`), kept apart from the data.
    domain: what the values identify ("customer", "employee" …); each domain has its own tokens.
    """

    def __init__(self, key: bytes, *, domain: str = "customer"):
        if not isinstance(key, (bytes, bytearray)):
            raise TypeError(f"key must be bytes, got {type(key).__name__}; use Pseudonymiser.generate_key()")
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"key must be at least {MIN_KEY_BYTES} bytes, got {len(key)}; "
                             "use Pseudonymiser.generate_key()")
        if not isinstance(domain, str) or not domain or "\0" in domain:
            raise ValueError(f"domain must be a non-empty text without NUL, got {domain!r}")
        self._key = bytes(key)
        self.domain = domain
        self._prefix = domain.encode() + b"\0"

    @staticmethod
    def generate_key() -> bytes:
        """32 random bytes from the operating system's secure generator."""
        return secrets.token_bytes(MIN_KEY_BYTES)

    def __repr__(self) -> str:
        return f"Pseudonymiser(domain={self.domain!r}, key=<{len(self._key)} bytes, not shown>)"

    def _digests(self, texts) -> list:
        prefix, key = self._prefix, self._key
        return [hmac.digest(key, prefix + t.encode(), "sha256") for t in texts]

    def token(self, value) -> str | None:
        """The token of one value (None for a missing value)."""
        text = normalise(value)
        return None if text is None else _base32_tokens(self._digests([text]))[0]

    def column(self, series: pd.Series) -> pd.Series:
        """The tokens of a column (same index and name); missing values stay missing.
        Each distinct value is hashed once."""
        if not isinstance(series, pd.Series):
            series = pd.Series(series)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        texts = [normalise(v) for v in uniques]
        present = [t is not None for t in texts]
        tokens = np.full(len(texts) + 1, None, dtype=object)    # code -1 (missing) takes the last None
        tokens[:-1][present] = _base32_tokens(self._digests(t for t in texts if t is not None))
        out = tokens[codes]
        return pd.Series(out, index=series.index, name=series.name)

    def apply(self, frame: pd.DataFrame, columns) -> pd.DataFrame:
        """A copy of `frame` with each of `columns` replaced by its tokens."""
        columns = [columns] if isinstance(columns, str) else list(columns)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise WrongColumn(f"column {missing[0]!r} is not in the frame (columns: {', '.join(map(str, frame.columns))})")
        out = frame.copy()
        for c in columns:
            out[c] = self.column(frame[c])
        return out


def _base32_tokens(digests: list) -> np.ndarray:
    """"P-" and the first TOKEN_CHARS base32 characters of each digest (RFC 4648 alphabet), all at once."""
    if not digests:
        return np.array([], dtype=object)
    raw = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(len(digests), -1)
    bits = np.unpackbits(raw, axis=1)[:, : 5 * TOKEN_CHARS].reshape(len(digests), TOKEN_CHARS, 5)
    values = bits @ np.array([16, 8, 4, 2, 1], dtype=np.uint8)
    chars = _BASE32[values].view(f"S{TOKEN_CHARS}").ravel()
    return np.char.add(TOKEN_PREFIX, chars.astype(f"U{TOKEN_CHARS}")).astype(object)


def unsalted_sha256(series) -> pd.Series:
    """BAD EXAMPLE: the hex SHA-256 of each value (stripped), with no key and no salt.

    This is what a team writes when told to "hash the phone numbers".  It is not de-identification:
    a mainland mobile is one of about 4.6 billion numbers, so anyone can hash them all and look
    the hashes up (`kitlib.protect.attacks.recover_mobiles`).  Use `Pseudonymiser` instead.
    """
    if not isinstance(series, pd.Series):
        series = pd.Series(series)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = (str(v).strip() for v in uniques)
    hashes = [hashlib.sha256(t.encode()).hexdigest() if t else None for t in texts] + [None]
    return pd.Series(np.array(hashes, dtype=object)[codes], index=series.index, name=series.name)
