"""The synthetic watermark: a keyed check inside every customer_id.

A customer_id reads ``CM`` + eight-digit serial + four check characters, e.g.
``CM00012345K7QD``.  The check characters are 20 bits of a keyed mixing function
of the serial (three SplitMix64 finaliser rounds with 64-bit key words, derived from the
key by BLAKE2b, added between them), written in Crockford base32.  It is computed for a
million ids at once with numpy; it is a watermark, not a cryptographic MAC.  A random
identifier of the same shape passes with probability 1 in 1,048,576, so a file in which
most identifiers pass came from this generator (or from someone who has the key).

The default key is public (derived from a fixed label): it lets anyone with the kit tell
that a file is the kit's synthetic data, and it does not stop forgery.  For honeytokens in
drills, set ``KIT_WATERMARK_KEY`` to a secret: only holders of that secret can then mint or
recognise the identifiers.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .identifiers import ascii_strings, digit_matrix

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LABEL = b"kitlib-watermark-v1:"
_DEFAULT_KEY = hashlib.sha256(b"kitlib public synthetic-data watermark, version 1").digest()
ID_PATTERN = re.compile(r"^CM(\d{8})([0-9A-HJKMNP-TV-Z]{4})$")


def watermark_key(explicit: bytes | str | None = None) -> bytes:
    """The key to use: the argument, else KIT_WATERMARK_KEY, else the public default."""
    value = explicit if explicit is not None else os.environ.get("KIT_WATERMARK_KEY")
    if value is None or value == "":
        return _DEFAULT_KEY
    return value if isinstance(value, bytes) else hashlib.sha256(value.encode("utf-8")).digest()


def key_fingerprint(key: bytes) -> str:
    """A short public name for a key (safe to print in a data card)."""
    return "public-default" if key == _DEFAULT_KEY else hashlib.sha256(b"fp:" + key).hexdigest()[:12]


def _key_words(key: bytes) -> np.ndarray:
    digest = hashlib.blake2b(_LABEL, key=key, digest_size=24).digest()
    return np.frombuffer(digest, dtype="<u8").copy()


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def tag_values(serials: np.ndarray, key: bytes) -> np.ndarray:
    """The 20-bit check value of each serial under this key."""
    k = _key_words(key)
    with np.errstate(over="ignore"):
        x = _mix(np.asarray(serials, dtype=np.uint64) + k[0])
        x = _mix(x ^ k[1])
        x = _mix(x + k[2])
    return (x >> np.uint64(44)).astype(np.int64)


def id_matrix(serials: np.ndarray, key: bytes) -> np.ndarray:
    """ASCII codes of the ids: CM + 8 digits + 4 Crockford base32 characters."""
    tags = tag_values(serials, key)
    alphabet = np.frombuffer(CROCKFORD.encode(), dtype=np.uint8)
    tag_chars = alphabet[(tags[:, None] >> np.array([15, 10, 5, 0])) & 31]
    head = np.broadcast_to(np.frombuffer(b"CM", dtype=np.uint8), (len(tags), 2))
    return np.concatenate([head, digit_matrix(serials, 8) + 48, tag_chars], axis=1)


def customer_ids(n: int, key: bytes, rng: np.random.Generator) -> pd.Series:
    """n increasing customer ids with small gaps (closed or test accounts), each watermarked."""
    serials = 10_000 + np.cumsum(rng.geometric(0.8, n))
    return ascii_strings(id_matrix(serials, key))


@dataclass
class WatermarkReport:
    checked: int
    passed: int
    malformed: int

    @property
    def share(self) -> float:
        return self.passed / self.checked if self.checked else 0.0

    @property
    def verdict(self) -> str:
        """'kit' when at least 90% of at least 5 well-formed ids pass, else 'not-kit'."""
        return "kit" if self.checked >= 5 and self.share >= 0.9 else "not-kit"


def check_ids(ids, key: bytes | None = None) -> WatermarkReport:
    """How many of these customer ids carry the watermark for this key."""
    key = watermark_key(key)
    values = [str(v).strip() for v in ids]
    matches = [ID_PATTERN.match(v) for v in values]
    good = [m for m in matches if m]
    malformed = len(values) - len(good)
    if not good:
        return WatermarkReport(0, 0, malformed)
    serials = np.array([int(m.group(1)) for m in good], dtype=np.int64)
    expected = id_matrix(serials, key)[:, -4:].tobytes().decode("ascii")
    passed = sum(expected[4 * i:4 * i + 4] == m.group(2) for i, m in enumerate(good))
    checked = len(good)
    return WatermarkReport(checked, passed, malformed)
