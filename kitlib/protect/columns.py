"""Column encryption of a DataFrame with each customer's data key (AES-256-GCM).

Every value becomes one printable token, ``"kit1:" + base64 (RFC 4648, no padding) of nonce +
ciphertext``, with a fresh random 96-bit nonce.  (The standard alphabet, not the URL-safe one:
tokens live in table cells and CSV files, and translating it would cost 5% of the time.)  The
associated data binds the table, the column and the row key (the customer id, or a unique column
such as ``order_id``), so a token changed, or moved to another row, column or table, does not
decrypt: TamperedCiphertext, never garbage.

The plaintext is ``dtype code + 1 to 3 NULs + type tag + value``: the column's dtype code
(``"<i8"``, ``"Int64"``, ``"str[pyarrow]"``, ``"<M8[s]"``...) and a one-character tag per value,
so :func:`decrypt_frame` restores each value's type and the column's dtype, also after the
encrypted frame went through CSV.  (A category column's categories travel in ``df.attrs``; after
CSV they are rebuilt, sorted, from the values.)  The NULs pad each plaintext to a length of 2
mod 3, so that every nonce + ciphertext is a whole number of base64 groups and all tokens are
encoded, and decoded, in one call.

Missing values (None, NaN, NaT, pd.NA) stay missing and are not encrypted: which cells are
missing stays visible, and a cell emptied later reads as missing.  A token also shows its
value's length to within 3 bytes.

Speed: one ``AESGCM`` call per value, row by row so that each customer's key is used while it
is warm, with the calls' arguments made in chunks just before use; everything else is done for
all values at once in numpy and pyarrow.
"""
from __future__ import annotations

import binascii
import os
import re
import struct
from datetime import date, datetime
from decimal import Decimal
from itertools import compress

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import KeyShredded, TamperedCiphertext, UnknownCustomer, WrongColumn

__all__ = ["encrypt_frame", "decrypt_frame", "PREFIX", "SHREDDED_ROWS"]

PREFIX = "kit1:"
SHREDDED_ROWS = "shredded_rows"          # attrs key of decrypt_frame(on_shredded="mask")'s report
_ATTRS = "kitlib.protect"                # attrs key of the record of encrypted columns
_NONCE, _TAG = 12, 16
_HEAD = len(PREFIX) + 16                 # "kit1:" and the nonce's 16 base64 characters
_MIN_CT = 28                             # base64 characters of the shortest ciphertext (21 bytes)
_TOKEN = re.compile(r"kit1:[A-Za-z0-9+/]{16}(?:[A-Za-z0-9+/]{4}){7,}")
_NAT = np.iinfo(np.int64).min
_WIDE = {"i": "<i8", "u": "<u8", "f": "<f8", "t": "<i8", "b": "u1"}   # payload of the fixed kinds
_BIG = 2**31 - 1
_CHUNK = 16_384                          # cells whose AEAD inputs are made at a time
try:
    _TOKEN_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)   # pandas >= 3: the default "str"
except TypeError:                                               # pragma: no cover - older pandas
    _TOKEN_DTYPE = None


class _BadToken(Exception):
    """Position of the first token that is not well formed."""


# -- small helpers ----------------------------------------------------------------------------

def _obj(values) -> np.ndarray:
    out = np.empty(len(values), object)
    out[:] = values
    return out


def _buffer(arr: pa.Array) -> tuple[pa.Buffer, np.ndarray]:
    """(data, offsets from 0) of a large string or binary array without nulls; no copy."""
    if len(arr) == 0:
        return pa.py_buffer(b""), np.zeros(1, np.int64)
    off = np.frombuffer(arr.buffers()[1], np.int64)[arr.offset:arr.offset + len(arr) + 1]
    return arr.buffers()[2].slice(int(off[0]), int(off[-1] - off[0])), off - off[0]


def _from_buffer(data: bytes, offsets: np.ndarray, type_=pa.large_string()) -> pa.Array:
    return pa.Array.from_buffers(type_, len(offsets) - 1, [None, pa.py_buffer(np.ascontiguousarray(offsets, np.int64)),
                                                         pa.py_buffer(data)])


def _offsets(lens: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lens) + 1, np.int64)
    np.cumsum(lens, out=out[1:])
    return out


def _as_strings(series: pd.Series) -> pa.LargeStringArray | None:
    """The column as an arrow string array (null where missing), or None if it holds non-strings."""
    if not (pd.api.types.is_string_dtype(series.dtype) or series.dtype == object):
        return None
    try:
        arr = pa.array(series, from_pandas=True)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type not in (pa.string(), pa.large_string(), pa.null()):
        return None
    return arr.cast(pa.large_string())


def _valid(arr: pa.Array) -> np.ndarray:
    return arr.is_valid().to_numpy(zero_copy_only=False)


# -- dtypes and their codes -------------------------------------------------------------------

_MASKED = {f"{s}Int{b}" for s in ("", "U") for b in (8, 16, 32, 64)} | {"Float32", "Float64", "boolean"}


def _dtype_code(dtype) -> str:
    """A short text that names the dtype exactly (it travels inside every ciphertext)."""
    if isinstance(dtype, pd.CategoricalDtype):
        return f"category[{int(bool(dtype.ordered))}]:{_dtype_code(dtype.categories.dtype)}"
    if isinstance(dtype, pd.StringDtype):
        na = getattr(dtype, "na_value", pd.NA)
        return f"string[{dtype.storage}]" if na is pd.NA else f"str[{dtype.storage}]"
    if isinstance(dtype, pd.DatetimeTZDtype) or str(dtype) in _MASKED:
        return str(dtype)
    if isinstance(dtype, np.dtype) and dtype.kind in "iufbMmO":
        return dtype.str
    raise TypeError(f"columns of dtype {dtype} cannot be encrypted")


def _dtype(code: str):
    """(dtype, dtype of the categories or None) that ``code`` names."""
    if code.startswith("category["):
        return pd.CategoricalDtype(ordered=code[9] == "1"), _dtype(code[12:])[0]
    if code.startswith("str["):
        return pd.StringDtype(code[4:-1], na_value=np.nan), None
    if code.startswith("string["):
        return pd.StringDtype(code[7:-1]), None
    if code.startswith("datetime64[") or code in _MASKED:
        return pd.api.types.pandas_dtype(code), None
    return np.dtype(code), None


def _kind(dtype) -> str:
    """The type tag shared by all values of a column ("" for object: one per value)."""
    if isinstance(dtype, pd.CategoricalDtype):
        return _kind(dtype.categories.dtype)
    if isinstance(dtype, pd.StringDtype):
        return "s"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "t"
    if str(dtype) in _MASKED:
        return {"I": "i", "U": "u", "F": "f", "b": "b"}[str(dtype)[0]]
    return {"i": "i", "u": "u", "f": "f", "b": "b", "M": "t", "m": "t", "O": ""}[dtype.kind]


def _heads(code: str, tag: str) -> list[bytes]:
    """The plaintext heads with 0, 1 or 2 extra NULs; a value of B bytes takes head (-len(code)-B) % 3."""
    return [code.encode() + b"\0" * (1 + p) + tag.encode() for p in range(3)]


# -- one value of an object column ------------------------------------------------------------

def _pack_object(v) -> bytes:
    """Type tag and bytes of one value of an object column."""
    if isinstance(v, str):
        return b"s" + v.encode("utf-8")
    if isinstance(v, (bool, np.bool_)):
        return b"b\x01" if v else b"b\x00"
    if isinstance(v, (int, np.integer)):
        return b"I" + str(int(v)).encode()
    if isinstance(v, (float, np.floating)):
        return b"f" + struct.pack("<d", v)
    if isinstance(v, pd.Timestamp):
        return b"T" + v.isoformat().encode() + (b"|" + str(v.tz).encode() if v.tz else b"")
    if isinstance(v, datetime):
        return b"E" + v.isoformat().encode()
    if isinstance(v, date):
        return b"D" + v.isoformat().encode()
    if isinstance(v, (bytes, bytearray)):
        return b"y" + bytes(v)
    if isinstance(v, Decimal):
        return b"N" + str(v).encode()
    raise TypeError(f"a value of type {type(v).__name__} cannot be encrypted")


def _unpack_object(p: bytes):
    tag, body = p[:1], p[1:]
    if tag == b"s":
        return body.decode("utf-8")
    if tag == b"b":
        return body == b"\x01"
    if tag == b"I":
        return int(body)
    if tag == b"f":
        return struct.unpack("<d", body)[0]
    if tag == b"T":
        iso, _, tz = body.decode().partition("|")
        return pd.Timestamp(iso).tz_convert(tz) if tz else pd.Timestamp(iso)
    if tag == b"E":
        return datetime.fromisoformat(body.decode())
    if tag == b"D":
        return date.fromisoformat(body.decode())
    if tag == b"y":
        return body
    if tag == b"N":
        return Decimal(body.decode())
    raise ValueError(f"unknown type tag {tag!r}")


# -- a column to plaintexts and back ----------------------------------------------------------

def _pack(series: pd.Series, name) -> tuple[str, pa.LargeBinaryArray, np.ndarray]:
    """(dtype code, plaintexts of the present cells, mask of the present cells) of a column."""
    dtype = series.dtype
    try:
        code = _dtype_code(dtype)
    except TypeError as exc:
        raise TypeError(f"column {name}: {exc}") from None
    valid = series.notna().to_numpy(dtype=bool)
    present = series if valid.all() else series[valid]
    if isinstance(dtype, pd.CategoricalDtype):
        present = present.astype(dtype.categories.dtype)
        dtype = present.dtype
    kind, c = _kind(dtype), len(code)
    if kind in ("s", ""):
        arr = _as_strings(present)
        if arr is not None:                                     # all strings: vectorised
            values = arr.cast(pa.large_binary())
            pad = (-c - pc.binary_length(values).to_numpy(zero_copy_only=False)) % 3
            heads = pa.array(_heads(code, "s"), pa.large_binary()).take(pad)
            return code, pc.binary_join_element_wise(heads, values, pa.scalar(b"", pa.large_binary())), valid
        if kind == "s":
            raise TypeError(f"column {name} holds values that are not strings")
        heads = _heads(code, "")
        try:
            pts = [heads[(1 - c - len(b)) % 3] + b for b in map(_pack_object, present.tolist())]
        except TypeError as exc:
            raise TypeError(f"column {name}: {exc}") from None
        return code, pa.array(pts, pa.large_binary()), valid
    if isinstance(dtype, pd.DatetimeTZDtype):                  # the UTC instants
        values = present.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().view(np.int64)
    elif kind == "t":                                          # datetime64 / timedelta64 in their unit
        values = present.to_numpy().view(np.int64)
    else:
        values = present.to_numpy(dtype=bool if kind == "b" else None)
    values = np.ascontiguousarray(values.astype(_WIDE[kind], copy=False))
    head = np.frombuffer(_heads(code, kind)[(-c - values.itemsize) % 3], np.uint8)
    rec = np.empty((len(values), len(head) + values.itemsize), np.uint8)      # fixed-width plaintexts
    rec[:, :len(head)] = head
    rec[:, len(head):] = values.view(np.uint8).reshape(len(values), values.itemsize)
    return code, _from_buffer(rec, np.arange(len(rec) + 1) * rec.shape[1], pa.large_binary()), valid


def _unpack(pts: pa.LargeBinaryArray, valid: np.ndarray, code: str, cats, fill, where) -> pd.Series:
    """The column of ``code`` rebuilt from the plaintexts of its present cells."""
    try:
        dtype, inner = _dtype(code)
    except (TypeError, ValueError):
        raise WrongColumn(f"{where(0)}: unknown dtype code {code!r}") from None
    target = dtype if inner is None else inner
    values = _values(pts, code, _kind(target), where)
    if inner is None:                                         # (object stays object, not inferred)
        return pd.Series(_column(values, valid, dtype, fill), dtype=object if dtype == object else None)
    inner_values = pd.Series(_column(values, valid, inner))
    cats, ordered = cats or (None, dtype.ordered)
    out = pd.Categorical(inner_values, categories=cats, ordered=ordered)
    if cats is not None and (out.codes == -1).sum() != inner_values.isna().sum():   # attrs do not fit
        out = pd.Categorical(inner_values, ordered=ordered)
    return pd.Series(out)


def _values(arr: pa.LargeBinaryArray, code: str, kind: str, where):
    """The values in the plaintexts: an arrow string array, a numpy array, or (object column)
    a list of Python objects."""
    head = code.encode() + b"\0"
    c = len(code)
    if kind in ("s", ""):
        ok = pc.starts_with(arr, head.decode()).to_numpy(zero_copy_only=False)
        if not ok.all():
            raise WrongColumn(f"{where(int(np.argmin(ok)))}: the column mixes ciphertexts of different "
                              f"dtypes; decrypt each part on its own")
        try:
            rest = pc.utf8_ltrim(pc.binary_slice(arr, c + 1, _BIG).cast(pa.large_string()), characters="\0")
            if pc.all(pc.starts_with(rest, "s")).as_py():      # strings: vectorised
                return pc.utf8_slice_codeunits(rest, 1)
        except pa.ArrowInvalid:                                # not UTF-8: values of other types
            pass
        if kind == "s":
            raise WrongColumn(f"{where(0)}: a value's type tag does not fit the column's dtype")
        try:
            return [_unpack_object(p[c + 1:].lstrip(b"\0")) for p in arr.to_pylist()]
        except (ValueError, UnicodeDecodeError, struct.error) as exc:
            raise WrongColumn(f"{where(0)}: a value cannot be read back ({exc})") from None
    width = np.dtype(_WIDE[kind]).itemsize
    head = np.frombuffer(_heads(code, kind)[(-c - width) % 3], np.uint8)
    blob = _buffer(arr)[0]
    if blob.size != len(arr) * (len(head) + width):
        raise WrongColumn(f"{where(0)}: the column mixes ciphertexts of different dtypes")
    rec = np.frombuffer(blob, np.uint8).reshape(len(arr), -1)
    ok = (rec[:, :len(head)] == head).all(axis=1)
    if not ok.all():
        raise WrongColumn(f"{where(int(np.argmin(ok)))}: the column mixes ciphertexts of different dtypes")
    values = np.ascontiguousarray(rec[:, len(head):]).view(_WIDE[kind]).ravel()
    return values.astype(bool) if kind == "b" else values


def _column(values, valid: np.ndarray, dtype, fill=None):
    """A full-length array of ``dtype`` with ``values`` at the present cells and missing elsewhere
    (for an object column: the objects of ``fill`` there, if given)."""
    n, full = len(valid), bool(valid.all())
    if dtype == object:
        out = np.full(n, np.nan, dtype=object) if fill is None else fill.copy()
        if isinstance(values, pa.Array):
            values = values.to_numpy(zero_copy_only=False)
        out[valid] = values if isinstance(values, np.ndarray) else _obj(values)
        return out
    if isinstance(values, pa.Array):                        # strings
        if not full:
            values = values.take(pa.array(np.cumsum(valid) - 1, mask=~valid))
        if dtype.storage == "pyarrow":
            try:
                return pd.arrays.ArrowStringArray(values, dtype=dtype)
            except TypeError:                               # pragma: no cover - older pandas
                pass
        return pd.array(values.to_numpy(zero_copy_only=False), dtype=dtype)
    if isinstance(dtype, pd.DatetimeTZDtype):
        raw = np.full(n, _NAT, np.int64)
        raw[valid] = values
        return pd.Series(raw.view(f"M8[{dtype.unit}]")).dt.tz_localize("UTC").dt.tz_convert(dtype.tz).array
    if str(dtype) in _MASKED:
        raw = np.zeros(n, dtype.numpy_dtype)
        raw[valid] = values
        return _masked(raw, ~valid, dtype)
    if dtype.kind in "Mm":
        raw = np.full(n, _NAT, np.int64)
        raw[valid] = values
        return raw.view(dtype)
    if full:
        return values.astype(dtype)
    if dtype.kind == "f":
        raw = np.full(n, np.nan, dtype)
        raw[valid] = values
        return raw
    # int, uint or bool with cells missing (masked or emptied): the nullable dtype
    name = "boolean" if dtype.kind == "b" else dtype.name.replace("uint", "UInt").replace("int", "Int")
    nullable = pd.api.types.pandas_dtype(name)
    raw = np.zeros(n, nullable.numpy_dtype)
    raw[valid] = values
    return _masked(raw, ~valid, nullable)


def _masked(raw, mask, dtype):
    cls = {"b": pd.arrays.BooleanArray, "f": pd.arrays.FloatingArray}.get(dtype.kind, pd.arrays.IntegerArray)
    return cls(raw, mask)


def _empty(code: str | None, n: int, index) -> pd.Series:
    """An all-missing column of the dtype ``code`` names (pd.NA objects if no code is known)."""
    if code is None:
        return pd.Series(np.full(n, pd.NA, object), index=index, dtype=object)
    dtype, inner = _dtype(code)
    if inner is not None:
        return pd.Series(pd.Categorical([None] * n, ordered=dtype.ordered), index=index)
    kind, none = _kind(dtype), np.zeros(n, bool)
    values = (pa.nulls(0, pa.large_string()) if kind == "s" else [] if kind == ""
              else np.zeros(0, _WIDE[kind]))
    return pd.Series(_column(values, none, dtype), index=index, dtype=object if dtype == object else None)


# -- tokens -----------------------------------------------------------------------------------

def _tokens(nonces: np.ndarray, cts: pa.LargeBinaryArray) -> pa.LargeStringArray:
    """"kit1:" + base64(nonce + ciphertext) of each ciphertext (each a multiple of 3 bytes)."""
    data, offsets = _buffer(cts)
    n64 = binascii.b2a_base64(nonces.tobytes(), newline=False)
    c64 = binascii.b2a_base64(data, newline=False)
    return pc.binary_join_element_wise(pa.scalar(PREFIX, pa.large_string()),
                                       _from_buffer(n64, np.arange(len(cts) + 1, dtype=np.int64) * 16),
                                       _from_buffer(c64, offsets // 3 * 4), pa.scalar("", pa.large_string()))


def _untokens(tokens: pa.LargeStringArray) -> tuple[np.ndarray, pa.LargeBinaryArray]:
    """(nonces as an (N, 12) array, ciphertexts) of well-formed tokens; _BadToken(position)
    otherwise."""
    raw = tokens.cast(pa.large_binary())
    lens = pc.binary_length(raw).to_numpy(zero_copy_only=False)
    bad = ((lens - _HEAD) % 4 != 0) | (lens < _HEAD + _MIN_CT)
    if bad.any():
        raise _BadToken(int(np.argmax(bad)))
    n64 = _buffer(pc.binary_slice(raw, len(PREFIX), _HEAD))[0]
    c64, offsets = _buffer(pc.binary_slice(raw, _HEAD, _BIG))
    try:                                      # strict: only the alphabet, "=" only at the very end
        nonces = binascii.a2b_base64(n64, strict_mode=True)
        cts = binascii.a2b_base64(c64, strict_mode=True)
        if len(nonces) != _NONCE * len(lens) or len(cts) != offsets[-1] // 4 * 3:
            raise binascii.Error("padding")
    except binascii.Error:
        texts = tokens.to_pylist()
        raise _BadToken(next((i for i, t in enumerate(texts) if not _TOKEN.fullmatch(t)), len(texts) - 1)) from None
    return (np.frombuffer(nonces, np.uint8).reshape(-1, _NONCE),
            _from_buffer(cts, offsets // 4 * 3, pa.large_binary()))


def _token_series(arr: pa.Array, index, like: pd.Series) -> pd.Series:
    """The token column; an object column keeps its own missing objects (None, NaN, NaT...)."""
    if _TOKEN_DTYPE is None:                                 # pragma: no cover - older pandas
        return pd.Series(arr.to_pandas().to_numpy(), index=index, dtype=object)
    out = pd.Series(pd.arrays.ArrowStringArray(arr, dtype=_TOKEN_DTYPE), index=index)
    if like.dtype == object:
        out = pd.Series(np.where(out.isna().to_numpy(), like.to_numpy(), out.to_numpy(dtype=object)),
                        index=index, dtype=object)
    return out


# -- the frame ------------------------------------------------------------------------------

def _texts(df: pd.DataFrame, col, table: str, what: str, error=ValueError, rows=None) -> list[str]:
    """The column as one str per row ("" where missing); ``error`` if a cell of ``rows`` (default
    all) is missing."""
    if col not in df.columns:
        raise WrongColumn(f"{table} has no column {col} (the {what})")
    s = df[col]
    missing = s.isna().to_numpy(dtype=bool)
    hit = missing if rows is None else missing & rows
    if hit.any():
        i = int(np.argmax(hit))
        raise error(f"{table} row {df.index[i]}: no {what} ({col})")
    textual = pd.api.types.is_string_dtype(s.dtype) or s.dtype == object
    values = s.tolist() if textual else s.astype(str).tolist()
    if missing.any() or s.dtype == object:
        values = ["" if m else v if isinstance(v, str) else str(v) for v, m in zip(values, missing.tolist())]
    return values


def _check(df: pd.DataFrame, table: str, columns, fixed: list) -> list:
    if not isinstance(table, str) or not table:
        raise ValueError("table must be a non-empty string (it is bound into every ciphertext)")
    if not df.columns.is_unique:
        raise ValueError(f"{table} has duplicate column names")
    cols = [columns] if isinstance(columns, str) else list(columns)
    for c in cols:
        if c not in df.columns:
            raise WrongColumn(f"{table} has no column {c}")
        if c in fixed:
            raise ValueError(f"{table}.{c} selects the key or binds the rows; it cannot be encrypted")
    if len(set(cols)) != len(cols):
        raise ValueError(f"a column is named twice: {cols}")
    return cols


class _Cells:
    """The present cells of the columns to encrypt or decrypt, and each cell's AEAD inputs.

    Cells are taken row by row (``rows``, ``cix``), so a customer's key is used while it is warm,
    and in chunks (:meth:`chunks`) whose Python objects are made just before use, while they are
    in the CPU cache.  ``order[i]`` is cell i's place column by column (all cells of column j lie
    at ``base[j]:base[j + 1]``), the order in which values and tokens are packed.
    """

    def __init__(self, table: str, cols: list, mask: np.ndarray, rks: list[str], aeads_by_row: list):
        self.mask, self.counts = mask, mask.sum(axis=0)
        self.base = _offsets(self.counts)
        self.rows, self.cix = np.nonzero(mask)
        self.order = (np.cumsum(mask, axis=0) - 1 + self.base[:-1])[self.rows, self.cix]
        self._aeads = _obj(aeads_by_row)
        t = table.encode()
        self._heads = _obj([b"kit1" + struct.pack(">H", len(t)) + t + struct.pack(">H", len(str(c).encode()))
                            + str(c).encode() for c in cols])          # table and column, length-prefixed
        self._rks = _obj(list(map(str.encode, rks)))

    def __len__(self) -> int:
        return len(self.rows)

    def chunks(self, size: int = _CHUNK):
        """(start, stop) of consecutive runs of cells."""
        return [(a, min(a + size, len(self))) for a in range(0, len(self), size)]

    def aeads(self, a: int, b: int) -> list:
        """The AESGCM object of each of the cells a to b."""
        return self._aeads[self.rows[a:b]].tolist()

    def aads(self, a: int, b: int) -> list[bytes]:
        """Associated data of each of the cells a to b: "kit1", the table and the column (both
        length-prefixed), and the row key."""
        return np.add(self._heads[self.cix[a:b]], self._rks[self.rows[a:b]]).tolist()

    def row_major(self, colmajor):
        """A numpy or arrow array of the cells column by column, reordered row by row."""
        return colmajor[self.order] if isinstance(colmajor, np.ndarray) else colmajor.take(pa.array(self.order))

    def col_major(self, rowmajor):
        """The reverse of :meth:`row_major`."""
        inverse = self.inverse()
        return rowmajor[inverse] if isinstance(rowmajor, np.ndarray) else rowmajor.take(pa.array(inverse))

    def inverse(self) -> np.ndarray:
        """Place row by row of each cell taken column by column."""
        out = np.empty(len(self), np.int64)
        out[self.order] = np.arange(len(self))
        return out

    def cell(self, colmajor_index: int) -> tuple[int, int]:
        """(row, column) of the cell at a column-major place."""
        j = int(np.searchsorted(self.base, colmajor_index, side="right")) - 1
        return int(np.flatnonzero(self.mask[:, j])[colmajor_index - self.base[j]]), j


def _prepare(df, table, columns, keystore, customer_col, row_key):
    """Check the call and pack the plaintexts: (columns, packs, cells, plaintexts row by row as
    an arrow array)."""
    row_key = row_key or customer_col
    cols = _check(df, table, columns, [customer_col, row_key])
    n, k = len(df), len(cols)
    cids = _texts(df, customer_col, table, "customer id")
    rks = cids if row_key == customer_col else _texts(df, row_key, table, "row key")
    if len(set(rks)) < n:
        i = int(np.argmax(pd.Series(rks).duplicated().to_numpy()))
        raise ValueError(f"{table}.{row_key} is not unique (row {df.index[i]} repeats {rks[i]}); "
                         f"pass row_key= a column that is, such as order_id")
    for c in cols:
        arr = _as_strings(df[c])
        if arr is not None and pc.any(pc.starts_with(arr, PREFIX)).as_py():
            raise WrongColumn(f"{table}.{c} already holds kit ciphertext")
    try:
        aeads = keystore.cipher_list(cids, create=True)
    except KeyShredded:
        gone = keystore.shredded_among(cids)
        i = next(i for i, c in enumerate(cids) if c in gone)
        raise KeyShredded(f"{table} row {df.index[i]}: customer {cids[i]} was shredded; "
                          f"their data must not be encrypted again") from None
    packs = [_pack(df[c], c) for c in cols]
    mask = np.column_stack([p[2] for p in packs]) if k else np.zeros((n, 0), bool)
    cells = _Cells(table, cols, mask, rks, aeads)
    pts = pa.concat_arrays([p[1] for p in packs]) if k else pa.array([], pa.large_binary())
    return cols, packs, cells, cells.row_major(pts)


def encrypt_frame(df: pd.DataFrame, table: str, columns, keystore, *, customer_col: str = "customer_id",
                  row_key: str | None = None) -> pd.DataFrame:
    """A copy of ``df`` with ``columns`` encrypted under each row's customer key.

    Customers without a key get one.  ``row_key`` (default ``customer_col``) must be unique per
    row: a table with several rows per customer names its own id, e.g. ``row_key="order_id"``.
    Encrypted columns hold str tokens; missing cells stay missing.  ``df.attrs["kitlib.protect"]``
    records the table, each column's dtype code and a category column's categories.
    """
    cols, packs, cells, pts = _prepare(df, table, columns, keystore, customer_col, row_key)
    nonces = np.frombuffer(os.urandom(_NONCE * len(cells)), np.uint8).reshape(-1, _NONCE)  # column by column
    row_nonces = cells.row_major(nonces).view(f"V{_NONCE}").ravel()
    cts = [pa.array(list(map(AESGCM.encrypt, cells.aeads(a, b), row_nonces[a:b].tolist(),
                             pts.slice(a, b - a).to_numpy(zero_copy_only=False).tolist(), cells.aads(a, b))),
                    pa.large_binary()) for a, b in cells.chunks()]
    tokens = _tokens(nonces, cells.col_major(pa.concat_arrays(cts)) if cts else pa.array([], pa.large_binary()))
    out = df.copy()
    record = dict(out.attrs.get(_ATTRS, {}))
    record = record if record.get("table") == table else {}
    record.update(table=table, columns={**record.get("columns", {}), **{c: p[0] for c, p in zip(cols, packs)}})
    cats = dict(record.get("categories", {}))
    for j, c in enumerate(cols):
        part = tokens.slice(cells.base[j], cells.counts[j])
        if cells.counts[j] < len(df):
            valid = cells.mask[:, j]
            part = part.take(pa.array(np.cumsum(valid) - 1, mask=~valid))
        out[c] = _token_series(part, df.index, df[c])
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            cats[c] = (list(df[c].cat.categories), bool(df[c].cat.ordered))
    if cats:
        record["categories"] = cats
    out.attrs[_ATTRS] = record
    return out


def decrypt_frame(df: pd.DataFrame, table: str, keystore, columns=None, *, customer_col: str = "customer_id",
                  row_key: str | None = None, on_shredded: str = "raise") -> pd.DataFrame:
    """A copy of ``df`` with its encrypted columns (default: every column holding kit tokens)
    decrypted to their original values and dtypes.

    Raises, and returns nothing, if any value does not decrypt: TamperedCiphertext, UnknownCustomer,
    KeyShredded (each naming the row, column and customer) or WrongColumn.  With
    ``on_shredded="mask"``, shredded customers' cells come back missing (an int or bool column
    then takes its nullable dtype, an object column shows pd.NA) and
    ``out.attrs["shredded_rows"]`` = {row label: customer id}.  A column with no value at all
    gets its dtype back only while ``df.attrs`` still holds encrypt_frame's record.
    """
    if on_shredded not in ("raise", "mask"):
        raise ValueError('on_shredded must be "raise" or "mask"')
    row_key = row_key or customer_col
    record = df.attrs.get(_ATTRS, {})
    record = record if record.get("table") == table else {}
    if columns is None:                  # columns with tokens, and encrypted ones that hold no value
        columns = [c for c in df.columns if c not in (customer_col, row_key)
                   and (c in record.get("columns", {}) or _holds_tokens(df[c]))]
        if not columns:
            raise WrongColumn(f"no column of {table} holds kit ciphertext")
    cols = _check(df, table, columns, [customer_col, row_key])
    n, k = len(df), len(cols)
    arrays = []
    for c in cols:
        arr = _as_strings(df[c])
        if arr is None and _holds_tokens(df[c]):            # tokens among other objects
            i = next(i for i, v in enumerate(df[c].tolist()) if not isinstance(v, str) and not pd.isna(v))
            raise TamperedCiphertext(f"{table} row {df.index[i]}, column {c}: not a kit ciphertext (changed?)")
        if arr is None or (arr.null_count < len(arr) and not pc.any(pc.starts_with(arr, PREFIX)).as_py()):
            raise WrongColumn(f"{table}.{c} holds no kit ciphertext")
        arrays.append(arr)
    mask = np.column_stack([_valid(a) for a in arrays]) if k else np.zeros((n, 0), bool)
    need = mask.any(axis=1)
    cids = _texts(df, customer_col, table, "customer id", UnknownCustomer, need)
    rks = cids if row_key == customer_col else _texts(df, row_key, table, "row key", TamperedCiphertext, need)

    def where(r, j):
        return f"{table} row {df.index[r]} ({row_key} {rks[r]}), column {cols[j]}"

    for j, arr in enumerate(arrays):
        tok = pc.fill_null(pc.starts_with(arr, PREFIX), True).to_numpy(zero_copy_only=False)
        if not tok.all():
            raise TamperedCiphertext(f"{where(int(np.argmin(tok)), j)}: not a kit ciphertext (changed?)")
    need_list = need.tolist()
    if all(need_list):
        aeads = keystore.cipher_list(cids)
    else:
        got = iter(keystore.cipher_list(compress(cids, need_list)))
        aeads = [next(got) if m else None for m in need_list]
    lost = {c for c, a, m in zip(cids, aeads, need_list) if a is None and m} if None in aeads else set()
    report = {}
    if lost:
        gone = keystore.shredded_among(lost)
        cells = list(zip(*map(np.ndarray.tolist, np.nonzero(mask))))
        unknown = next(((r, j) for r, j in cells if cids[r] in lost and cids[r] not in gone), None)
        if unknown:
            r, j = unknown
            raise UnknownCustomer(f"{where(r, j)}: customer {cids[r]} has no data key in {keystore.path}")
        if on_shredded == "raise":
            r, j = next((r, j) for r, j in cells if cids[r] in gone)
            raise KeyShredded(f"{where(r, j)}: customer {cids[r]} was shredded; the value cannot be decrypted")
        masked = np.fromiter((c in gone for c in cids), bool, n) & need
        report = {df.index[r]: cids[r] for r in np.flatnonzero(masked).tolist()}
        mask &= ~masked[:, None]
    cells = _Cells(table, cols, mask, rks, aeads)
    pts = cells.col_major(_decrypt_cells(arrays, cells, where))                    # column by column
    new = {}
    for j, c in enumerate(cols):
        pts_j, valid = pts.slice(cells.base[j], cells.counts[j]), mask[:, j]
        if not len(pts_j):                                   # every cell missing (or masked)
            code = record.get("columns", {}).get(c)
            if code or arrays[j].null_count < n:
                new[c] = _empty(code, n, df.index)
            continue
        rows_j = np.flatnonzero(valid)
        try:
            code = pts_j[0].as_py().split(b"\0", 1)[0].decode("ascii")
        except UnicodeDecodeError:
            raise WrongColumn(f"{where(rows_j[0], j)}: no dtype code in the value") from None
        fill = None
        if code == "|O":                                     # an object column keeps its missing objects
            fill = df[c].to_numpy(dtype=object, copy=True)
            fill[~valid & ~df[c].isna().to_numpy(dtype=bool)] = pd.NA      # masked: shredded
        ser = _unpack(pts_j, valid, code, record.get("categories", {}).get(c), fill,
                      lambda i, j=j, rows_j=rows_j: where(rows_j[i], j))
        ser.index = df.index
        new[c] = ser
    out = df.copy()
    for c, ser in new.items():
        out[c] = ser
    left = {c: v for c, v in record.get("columns", {}).items() if c not in new}
    if left:
        out.attrs[_ATTRS] = {**record, "columns": left}
    elif record:
        out.attrs.pop(_ATTRS, None)
    if on_shredded == "mask":
        out.attrs[SHREDDED_ROWS] = report
    return out


def _decrypt_cells(arrays: list[pa.Array], cells: _Cells, where) -> pa.LargeBinaryArray:
    """The plaintexts of the cells, row by row."""
    if not len(cells):
        return pa.array([], pa.large_binary())
    flat = pa.concat_arrays([a.filter(pa.array(cells.mask[:, j])) if a.null_count or not cells.mask[:, j].all()
                             else a for j, a in enumerate(arrays)])            # column by column
    try:
        nonces, cts = _untokens(flat)
    except _BadToken as bad:
        raise TamperedCiphertext(f"{where(*cells.cell(bad.args[0]))}: the ciphertext is damaged "
                                 f"(changed or truncated)") from None
    nonces, cts = cells.row_major(nonces).view(f"V{_NONCE}").ravel(), cells.row_major(cts)
    out = []
    for a, b in cells.chunks():
        args = (cells.aeads(a, b), nonces[a:b].tolist(), cts.slice(a, b - a).to_numpy(zero_copy_only=False).tolist(),
                cells.aads(a, b))
        try:
            out.append(pa.array(list(map(AESGCM.decrypt, *args)), pa.large_binary()))
        except (InvalidTag, ValueError):
            i = a + next(i for i, cell in enumerate(zip(*args)) if not _opens(*cell))
            raise TamperedCiphertext(f"{where(cells.rows[i], cells.cix[i])}: the ciphertext does not authenticate: "
                                     f"it was changed, or moved from another row, column or table") from None
    return pa.concat_arrays(out)


def _opens(aead, nonce, ct, aad) -> bool:
    try:
        aead.decrypt(nonce, ct, aad)
        return True
    except (InvalidTag, ValueError):
        return False


def _holds_tokens(series: pd.Series) -> bool:
    """Whether any value of the column is a kit token."""
    if not (pd.api.types.is_string_dtype(series.dtype) or series.dtype == object):
        return False
    arr = _as_strings(series)
    if arr is not None:
        return bool(pc.any(pc.starts_with(arr, PREFIX)).as_py())
    return any(isinstance(v, str) and v.startswith(PREFIX) for v in series.tolist())
