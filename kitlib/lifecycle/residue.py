"""Residue verification: after a destruction, look in every copy again for the destroyed customers.

``identifiers_for(case, ids)`` captures, BEFORE the destruction, what identifies those customers
(customer id, name, mobile, e-mail, resident ID, passport, bank card, address, guardian's name
and mobile); ``scan_residue(artefacts, identifiers)`` then reads every artefact — a dataset
folder, CSV/TSV/XLSX exports, Parquet tables, any text file, kit archives (decrypted with the key
from ``key_for(path)``) — and reports every cell or line where one of them is still found.

How a value matches
  exact    a whole cell, normalised (full-width to ASCII, spaces, hyphens, dots, brackets,
           slashes and underscores dropped, case folded, a +86 / 0086 prefix dropped from a
           mobile), equals a destroyed identifier normalised the same way;
  pattern  inside a longer text cell or line: a token of 6 or more letters and digits (an ID
           number, a customer id, an unformatted card) or a span the scanner
           (``kitlib.classify.scan_text``) finds — a mobile written "+86 159 7129 3036" or
           "159-7129-3036", an ID number in lower case, a card in groups of four, an e-mail, a
           name — normalises to one of them.

Names.  Short Chinese names collide (two customers called 王芳 are common).  A value that a
person who is kept also has — another customer (as customer or guardian), an employee or the
legal representative when a case or dataset is given — is not searched at all: finding it would
prove nothing.  Such values are counted in ``Identifiers.shared`` and named in the summary.  A
name only destroyed customers have is matched as a whole cell or as a name the scanner finds in
text, never as a substring (王芳 inside 王芳菲 is not a match).  Organisation customers' company
names and USCCs are not personal information (the catalogue says so) and are not searched.

``Identifiers`` keeps keyed BLAKE2b digests of the normalised values (a random key held in
memory only), not the values themselves: the list of what was destroyed is not a copy of it.
Reports show masked values only (``kitlib.classify.mask``).  Hits in tables kept under a legal
duty (``retained``) are listed apart, as retained by law, not as residue.  Files the scan cannot
read (an archive without its key, a damaged archive, a binary file) are listed as unscanned, and
a report with anything unscanned is not ``ok``: what was not read was not verified.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from ..classify import scan_many
from ..classify.files import ExportError, detect_encoding
from ..classify.masking import mask
from ..classify.validators import MOBILE_SEGMENTS
from ..i18n import lines_in
from .archive import MAGIC as ARCHIVE_MAGIC

__all__ = ["ResidueError", "Identifiers", "identifiers_for", "scan_residue", "ResidueReport", "normalise",
           "IDENTIFIER_COLUMNS", "RESIDUE_COLUMNS", "VERIFICATION_METHOD"]

# customers' column -> the kind its values are reported as
IDENTIFIER_COLUMNS = {
    "customer_id": "customer_id", "name": "person_name", "resident_id": "cn_resident_id",
    "passport_no": "cn_passport", "mobile": "cn_mobile", "email": "email", "address": "address",
    "bank_card": "bank_card", "guardian_name": "person_name", "guardian_mobile": "cn_mobile",
}
# people who are kept, beside the kept customers: (table, column, kind)
KEPT_PEOPLE = (("employees", "name", "person_name"), ("employees", "work_mobile", "cn_mobile"),
               ("employees", "work_email", "email"), ("company", "legal_representative", "person_name"))
SCANNER_KINDS = ("person_name", "cn_resident_id", "cn_passport", "cn_mobile", "email", "bank_card", "address")
RESIDUE_COLUMNS = ["artefact", "member", "table", "line", "column", "kind", "match", "masked"]
UNSCANNED_COLUMNS = ["artefact", "member", "reason"]
VERIFICATION_METHOD = (
    "残留核查(kitlib.lifecycle.residue):对每个文件、导出表和解密后的备份成员,按销毁前采集的标识符"
    "逐格精确比对,并用扫描器按模式查找(带空格或连字符的手机号、证件号、卡号、邮箱、姓名)",
    "Residue scan (kitlib.lifecycle.residue): every file, export and decrypted backup member searched, cell by "
    "cell, for the identifiers captured before destruction, exactly and by pattern (mobiles with spaces or "
    "hyphens, ID numbers, cards, e-mails, names)")
MIN_LENGTH = 2                      # normalised values shorter than this are not searched
TABLE_SUFFIXES = (".csv", ".tsv")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.()\[\]/\\·•_]+")
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z@._+\-]{4,}[0-9A-Za-z]")
_NOT_TEXT = re.compile(r"[0-9\-:/. +T]*")           # dates, times and plain numbers
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class ResidueError(ValueError):
    """Bad input to the residue scan (a missing artefact, customers that are not in the data...)."""


# -- normalising and the identifiers -------------------------------------------------------------

def normalise(value) -> str:
    """The form values are compared in: NFKC (full-width to ASCII), separators dropped, case
    folded, +86 / 0086 dropped from a mainland mobile.

    >>> normalise("+86 159-7129-3036"), normalise("１５９ ７１２９ ３０３６"), normalise("3102X".lower())
    ('15971293036', '15971293036', '3102x')
    """
    value = str(value)
    text = _SEPARATORS.sub("", value.lower() if value.isascii() else unicodedata.normalize("NFKC", value).casefold())
    if text.startswith("+"):
        text = text[1:]
    if text.isdigit():
        if len(text) == 15 and text.startswith("0086") and text[4:7] in MOBILE_SEGMENTS:
            return text[4:]
        if len(text) == 13 and text.startswith("86") and text[2:5] in MOBILE_SEGMENTS:
            return text[2:]
    return text


@dataclass(frozen=True, eq=False)
class Identifiers:
    """What identifies the destroyed customers, as keyed digests of normalised values.

    ``customer_ids``: the customers (raw ids: the ledger needs them as subjects); ``counts``:
    values searched per kind; ``shared``: values not searched per kind because a person who is
    kept has them too (see the module's note on names).
    """
    customer_ids: tuple
    counts: dict
    shared: dict
    _key: bytes = field(repr=False)
    _kinds: dict = field(repr=False)
    _lengths: frozenset = field(repr=False, default=frozenset())     # of the normalised values

    def __len__(self) -> int:
        return len(self._kinds)

    def _digest(self, normalised: str) -> bytes:
        return hashlib.blake2b(normalised.encode("utf-8"), key=self._key, digest_size=16).digest()

    def kind_of(self, value) -> str | None:
        """The kind of a destroyed identifier equal to ``value`` (normalised), or None."""
        text = normalise(value)
        if len(text) not in self._lengths:
            return None
        return self._kinds.get(self._digest(text))

    def row_mask(self, frame: pd.DataFrame) -> pd.Series:
        """True for each row of ``frame`` that has a cell equal (normalised) to an identifier."""
        hit = pd.Series(False, index=frame.index)
        for column in frame.columns:
            values = frame[column].dropna().astype(str)
            found = {v: self.kind_of(v) is not None for v in values.unique()}
            hit.loc[values.index] |= values.map(found).astype(bool)
        return hit


def _frame_from(source, name: str) -> pd.DataFrame | None:
    """A table of a Case, of a dataset folder, or the frame itself."""
    if isinstance(source, pd.DataFrame):
        return source if name == "customers" else None
    tables = getattr(source, "tables", None)
    if isinstance(tables, dict):
        return tables.get(name)
    path = Path(source)
    if path.is_dir():
        found = [p for p in (path / f"{name}.csv", path / f"{name}.parquet") if p.is_file()]
        if not found:
            if name == "customers":
                raise ResidueError(f"{path}: the folder holds no customers.csv or customers.parquet")
            return None
        path = found[0]
    elif name != "customers":
        return None
    if not path.is_file():
        raise ResidueError(f"{path}: no such file or folder")
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    return _table_frame(read_tables(path.read_bytes(), path.name)[0])


def identifiers_for(source, customer_ids) -> Identifiers:
    """Capture the identifiers of ``customer_ids`` from ``source`` — a Case, a customers DataFrame,
    a dataset folder or a customers CSV — before they are destroyed.

    With a Case or a dataset folder, employees and the legal representative count as people who
    are kept.  ResidueError when the table has no customer_id column or a customer is not in it.
    """
    ids = _customer_ids(customer_ids)
    customers = _frame_from(source, "customers")
    if customers is None or "customer_id" not in customers.columns:
        raise ResidueError("customers table: no customer_id column (the identifiers are taken from it)")
    cid = customers["customer_id"].astype(str)
    gone = cid.isin(set(ids))
    missing = [c for c in ids if c not in set(cid[gone])]
    if missing:
        raise ResidueError(f"customer {missing[0]} is not in the customers table "
                           f"({len(missing)} of {len(ids)} ids not found)")
    destroyed, kept = {}, set()
    for column, kind in IDENTIFIER_COLUMNS.items():
        if column not in customers.columns:
            continue
        values = customers[column]
        present = values.notna() & (values.astype(str).str.strip() != "")
        for value in values[present & gone].astype(str).unique():
            text = normalise(value)
            if len(text) >= MIN_LENGTH:
                destroyed.setdefault(text, kind)
        kept.update(map(normalise, values[present & ~gone].astype(str).unique()))
    for table, column, _kind in KEPT_PEOPLE:
        frame = _frame_from(source, table) if not isinstance(source, pd.DataFrame) else None
        if frame is not None and column in frame.columns:
            kept.update(map(normalise, frame[column].dropna().astype(str).unique()))
    key = os.urandom(32)
    kinds, counts, shared, lengths = {}, {}, {}, set()
    for text, kind in destroyed.items():
        if text in kept:
            shared[kind] = shared.get(kind, 0) + 1
            continue
        counts[kind] = counts.get(kind, 0) + 1
        kinds[hashlib.blake2b(text.encode("utf-8"), key=key, digest_size=16).digest()] = kind
        lengths.add(len(text))
    return Identifiers(tuple(ids), counts, shared, key, kinds, frozenset(lengths))


def _customer_ids(customer_ids) -> list[str]:
    if isinstance(customer_ids, str):
        customer_ids = [customer_ids]
    try:
        ids = list(dict.fromkeys(customer_ids))
    except TypeError:
        raise ResidueError(f"customer_ids must be a list of ids, got {type(customer_ids).__name__}") from None
    if not ids:
        raise ResidueError("customer_ids is empty: name the customers whose data was destroyed")
    bad = [c for c in ids if not isinstance(c, str) or not c.strip()]
    if bad:
        raise ResidueError(f"customer ids must be non-empty text, not {bad[0]!r}")
    return ids


# -- reading tables and text from bytes ------------------------------------------------------------

@dataclass
class Record:
    """One record of a delimited file: its cells, its raw text and the line it starts on."""
    cells: list
    raw: str
    line: int


@dataclass
class Delimited:
    """A delimited text file parsed record by record, so that it can be written back with only
    some records left out and every other byte as it was.  ``header_line`` is 0 when the file
    has no header row (its first row holds identifiers; the columns are called column_1 ...)."""
    header: list
    header_line: int
    records: list          # data records (Record), blank ones excluded
    pieces: list           # every record's raw text in order, blank ones included (Record)
    codec: str
    bom: bytes


def _delimiter(text: str, name: str) -> str:
    if name.lower().endswith(".tsv"):
        return "\t"
    first = next((line for line in _LINE.findall(text[:1 << 16]) if line.strip()), "")
    counts = {d: first.count(d) for d in ",\t;|"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _writing_codec(codec: str, data: bytes) -> tuple[str, bytes]:
    """(codec to encode with, BOM to put first) that give back the file's own bytes."""
    if codec == "utf-8-sig":
        return "utf-8", b"\xef\xbb\xbf"
    if codec == "utf-16":
        return ("utf-16-le", b"\xff\xfe") if data.startswith(b"\xff\xfe") else ("utf-16-be", b"\xfe\xff")
    return codec, b""


def looks_like_data(cells) -> bool:
    """A first row holding an identifier (resident ID, mobile, card, e-mail) is data, not a header:
    the file has no header row (as ``kitlib.classify.files`` decides)."""
    from ..classify import validators as v

    return any(len(c.strip()) >= 5 and (v.is_resident_id(c.strip()) or v.is_cn_mobile(c.strip())
                                         or v.is_bank_card(c.strip()) or v.is_email(c.strip())) for c in cells)


def read_delimited(data: bytes, name: str) -> Delimited:
    """Parse a CSV/TSV file's bytes (encoding detected as ``kitlib.classify.files`` does); the
    first non-blank record is the header.  ResidueError (one line, naming the file) if unreadable."""
    try:
        codec, label = detect_encoding(data, name)
    except ExportError as exc:
        raise ResidueError(str(exc)) from None
    text = data.decode(codec)
    if text.startswith("\ufeff"):
        text = text[1:]
    codec, bom = _writing_codec(codec if label != "gbk" else "gbk", data)
    lines = _LINE.findall(text)
    reader = csv.reader(iter(lines), delimiter=_delimiter(text, name), quotechar='"', doublequote=True,
                        strict=False)
    header, header_line, records, pieces, start = None, 0, [], [], 0
    try:
        for cells in reader:
            end = reader.line_num
            record = Record(cells, "".join(lines[start:end]), start + 1)
            start = end
            pieces.append(record)
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                if looks_like_data(cells):          # no header row: name the columns, keep the row
                    header, header_line = [f"column_{i}" for i in range(1, len(cells) + 1)], 0
                    records.append(record)
                else:
                    header, header_line = [c.strip() for c in cells], record.line
            else:
                records.append(record)
    except csv.Error as exc:
        raise ResidueError(f"{name}: line {start + 1}: cannot be parsed as delimited text: {exc}") from None
    if "".join(p.raw for p in pieces) != text:          # never write back less than was read
        raise ResidueError(f"{name}: cannot be split into records losslessly")
    return Delimited(header or [], header_line, records, pieces, codec, bom)


@dataclass
class Table:
    """A table read for scanning: name, column names, rows of text, each row's line (the line in
    the file or the row in the sheet; the header is on ``header_line``)."""
    name: str
    columns: list
    rows: list
    lines: list
    header_line: int = 1


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_tables(data: bytes, name: str) -> list[Table]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:    # openpyxl raises many kinds for a broken workbook
        raise ResidueError(f"{name}: not a readable XLSX workbook ({type(exc).__name__})") from None
    stem, tables = PurePosixPath(name).stem, []
    try:
        for ws in wb.worksheets:
            header, rows, lines = None, [], []
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_cell(v) for v in values]
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    if not looks_like_data(cells):
                        header, header_line = cells, number
                        continue
                    header, header_line = [f"column_{i}" for i in range(1, len(cells) + 1)], 0
                rows.append(cells)
                lines.append(number)
            if header is not None:
                tables.append(Table(stem if len(wb.worksheets) == 1 else f"{stem}/{ws.title}",
                                    header, rows, lines, header_line))
    finally:
        wb.close()
    return tables


def read_tables(data: bytes, name: str) -> list[Table]:
    """The tables in a file's bytes: one for CSV/TSV/Parquet, one per sheet for XLSX."""
    suffix = PurePosixPath(name).suffix.lower()
    stem = PurePosixPath(name).stem
    if data.startswith(b"PK\x03\x04") and suffix in (".xlsx", ".xlsm", ""):
        return _xlsx_tables(data, name)
    if data.startswith(b"PAR1"):
        try:
            frame = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:
            raise ResidueError(f"{name}: not a readable Parquet file ({type(exc).__name__})") from None
        rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        return [Table(stem, [str(c) for c in frame.columns], rows, list(range(2, len(rows) + 2)))]
    parsed = read_delimited(data, name)
    return [Table(stem, parsed.header, [r.cells for r in parsed.records], [r.line for r in parsed.records],
                  parsed.header_line)]


def _table_frame(table: Table) -> pd.DataFrame:
    width = len(table.columns)
    return pd.DataFrame([(r + [""] * width)[:width] for r in table.rows], columns=table.columns, dtype="str")


def _is_table(name: str, data: bytes) -> bool:
    suffix = PurePosixPath(name).suffix.lower()
    return suffix in TABLE_SUFFIXES or suffix in (".xlsx", ".xlsm", ".parquet") or data.startswith(b"PAR1")


# -- the scan --------------------------------------------------------------------------------------

def _is_text(cell: str) -> bool:
    """A cell worth a pattern search: 7+ characters that are not only a date, time or number."""
    return len(cell) >= 7 and _NOT_TEXT.fullmatch(cell) is None


class _Scanner:
    def __init__(self, identifiers: Identifiers, retained: set, key_for):
        self.ids, self.retained, self.key_for = identifiers, retained, key_for
        self.hits, self.kept, self.unscanned, self.scanned = [], [], [], []
        self._cache: dict[str, tuple] = {}

    # cells -----------------------------------------------------------------------------------
    def _resolve(self, values) -> None:
        """Fill the cache for new cell values: exact matches first, then a pattern search of the
        text cells (one ``scan_many`` call for all of them)."""
        todo = []
        for value in values:
            if value in self._cache or not value.strip():
                continue
            kind = self.ids.kind_of(value)
            if kind is not None:
                self._cache[value] = ((kind, "exact", value.strip()),)
            elif _is_text(value):
                todo.append(value)
            else:
                self._cache[value] = ()
        if not todo:
            return
        for value, findings in zip(todo, scan_many(todo, kinds=SCANNER_KINDS)):
            found, seen = [], set()
            spans = [unicodedata.normalize("NFKC", m.group()) for m in _TOKEN.finditer(value)]
            spans += [f.text for f in findings]
            for span in spans:
                kind = self.ids.kind_of(span)
                if kind is not None and (kind, normalise(span)) not in seen:
                    seen.add((kind, normalise(span)))
                    found.append((kind, "pattern", span))
            self._cache[value] = tuple(found)

    def table(self, artefact: str, member: str, table: Table) -> None:
        values = set(table.columns)
        for row in table.rows:
            values.update(row)
        self._resolve(values)
        sink = self.kept if table.name in self.retained else self.hits
        where = (artefact, member, table.name)
        for j, name in enumerate(table.columns):           # a header-less export's first row
            for kind, how, text in self._cache.get(name, ()):
                sink.append((*where, table.header_line, f"(header {j + 1})", kind, how, mask(text, kind)))
        width = len(table.columns)
        hitting = {value for value in values if self._cache.get(value)}
        for row, line in zip(table.rows, table.lines):
            if hitting.isdisjoint(row):
                continue
            for j, value in enumerate(row):
                for kind, how, text in self._cache.get(value, ()):
                    column = table.columns[j] if j < width else f"column_{j + 1}"
                    sink.append((*where, line, column, kind, how, mask(text, kind)))
        self.scanned.append((artefact, member, table.name, len(table.rows),
                             sum(len(r) for r in table.rows)))

    def text(self, artefact: str, member: str, text: str) -> None:
        lines = text.splitlines()
        self._resolve(lines)
        name = PurePosixPath(member or artefact).name
        for number, line in enumerate(lines, start=1):
            for kind, how, found in self._cache.get(line, ()):
                self.hits.append((artefact, member, name, number, "", kind, how, mask(found, kind)))
        self.scanned.append((artefact, member, name, len(lines), len(lines)))

    # files -----------------------------------------------------------------------------------
    def data(self, artefact: str, member: str, name: str, data: bytes, path: Path | None = None) -> None:
        """One file's bytes: an archive, a table, or text; anything else is unscanned."""
        if not data.strip():
            self.scanned.append((artefact, member, PurePosixPath(name).stem, 0, 0))
            return
        if data.startswith(ARCHIVE_MAGIC):
            self.archive(artefact, member, path, data)
            return
        try:
            if _is_table(name, data):
                for table in read_tables(data, name):
                    self.table(artefact, member, table)
                return
            codec, _label = detect_encoding(data, name)
            self.text(artefact, member, data.decode(codec).lstrip("\ufeff"))
        except (ResidueError, ExportError) as exc:
            self.unscanned.append((artefact, member, str(exc)))

    def archive(self, artefact: str, member: str, path: Path | None, data: bytes) -> None:
        from .archive import ArchiveError, read_archive

        label = f"{member}::" if member else ""
        if path is None:
            self.unscanned.append((artefact, member, "a kit archive inside an archive: extract it and scan it"))
            return
        key = None
        if self.key_for is not None:
            try:
                key = self.key_for(path)
            except (KeyError, LookupError):
                key = None
        if key is None:
            self.unscanned.append((artefact, member, f"{path.name}: encrypted archive and no key for it (key_for)"))
            return
        try:
            _manifest, members = read_archive(path, key)
        except ArchiveError as exc:
            self.unscanned.append((artefact, member, str(exc)))
            return
        for name, content in sorted(members.items()):
            self.data(artefact, f"{label}{name}", name, content)

    def path(self, artefact) -> None:
        path = Path(artefact)
        label = str(artefact)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
            if not files:
                self.scanned.append((label, "", "", 0, 0))
            for file in files:
                self._file(label, file.relative_to(path).as_posix(), file)
        elif path.is_file():
            self._file(label, "", path)
        else:
            raise ResidueError(f"{path}: no such file or folder")

    def _file(self, artefact: str, member: str, file: Path) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            self.unscanned.append((artefact, member, f"{file}: cannot be read: {exc.strerror or exc}"))
            return
        self.data(artefact, member, file.name, data, file)


@dataclass(frozen=True)
class ResidueReport:
    """The result of a residue scan.

    ``residues``: one row per identifier found (RESIDUE_COLUMNS; masked values only);
    ``retained``: the same for hits inside tables kept under a legal duty (not residue);
    ``unscanned``: artefact, member, reason for what could not be read; ``scanned``: what was
    read (artefact, member, table, rows, cells); ``entry``: the ledger entry, if one was made.
    """
    residues: pd.DataFrame
    retained: pd.DataFrame
    unscanned: pd.DataFrame
    scanned: pd.DataFrame
    customers: int
    searched: dict
    shared: dict
    entry: object = None

    @property
    def ok(self) -> bool:
        """No residue, and everything was read."""
        return self.residues.empty and self.unscanned.empty

    def __bool__(self) -> bool:
        return self.ok

    def by_artefact(self) -> pd.Series:
        """Residues per artefact."""
        return self.residues.groupby("artefact").size() if len(self.residues) else pd.Series(dtype="int64")

    def result(self, lang: str = "en") -> str:
        """One line: the outcome."""
        zh = lang == "zh-CN"
        if self.ok:
            return "未发现残留" if zh else "no residue found"
        parts = []
        if len(self.residues):
            where = len(self.residues["artefact"].unique())
            parts.append(f"发现 {len(self.residues)} 处残留,位于 {where} 个对象" if zh
                         else f"{len(self.residues)} residue(s) found in {where} artefact(s)")
        if len(self.unscanned):
            parts.append(f"{len(self.unscanned)} 个文件无法读取,未核验" if zh
                         else f"{len(self.unscanned)} file(s) could not be read and are unverified")
        return ";".join(parts) if zh else "; ".join(parts)

    def summary(self, lang: str | None = None) -> str:
        """A few lines in zh-CN and English (or one language)."""
        files = len(self.scanned[["artefact", "member"]].drop_duplicates()) if len(self.scanned) else 0
        cells = int(self.scanned["cells"].sum()) if len(self.scanned) else 0
        searched, shared = sum(self.searched.values()), sum(self.shared.values())
        zh = [f"残留核查:读取 {files} 个文件({cells:,} 个单元格或行),查找 {self.customers} 位客户的 "
              f"{searched} 个标识符:{self.result('zh-CN')}。"]
        en = [f"Residue scan: {files} file(s) read ({cells:,} cells or lines), {searched} identifiers of "
              f"{self.customers} customer(s) searched: {self.result('en')}."]
        if len(self.retained):
            tables = ", ".join(sorted(self.retained["table"].unique()))
            zh.append(f"依法保留的表({tables})中有 {len(self.retained)} 处命中,属依法保留,不计为残留。")
            en.append(f"{len(self.retained)} hit(s) in tables kept under a legal duty ({tables}): retained by "
                      f"law, not residue.")
        if shared:
            zh.append(f"{shared} 个标识符(如重名)也属于仍保留的人员,未作查找。")
            en.append(f"{shared} identifier(s) (e.g. shared names) also belong to people who are kept and were "
                      f"not searched.")
        for row in self.residues.head(20).itertuples():
            place = f"{row.artefact} {row.member} {row.table}:{row.line} {row.column}".strip()
            zh.append(f"  残留 {place} {row.kind} {row.match} {row.masked}")
            en.append(f"  residue {place} {row.kind} {row.match} {row.masked}")
        for row in self.unscanned.itertuples():
            zh.append(f"  未核验 {row.artefact} {row.member}:{row.reason}")
            en.append(f"  unverified {row.artefact} {row.member}: {row.reason}")
        return lines_in(zh, en, lang)

    def details(self) -> dict:
        """What the ledger records of this scan (counts and file names; no identifiers)."""
        return {
            "operation": "residue_verification", "method": VERIFICATION_METHOD[1],
            "artefacts": sorted({Path(a).name for a in self.scanned["artefact"]} |
                                {Path(a).name for a in self.unscanned["artefact"]}),
            "files": len(self.scanned[["artefact", "member"]].drop_duplicates()) if len(self.scanned) else 0,
            "cells": int(self.scanned["cells"].sum()) if len(self.scanned) else 0,
            "identifiers": dict(sorted(self.searched.items())), "not_searched_shared": dict(sorted(self.shared.items())),
            "residues": len(self.residues), "retained_hits": len(self.retained), "unscanned": len(self.unscanned),
            "result": "no residue" if self.ok else self.result("en"),
        }


def scan_residue(artefacts, identifiers: Identifiers, *, retained=(), key_for=None, ledger=None,
                 actor: str = "kit") -> ResidueReport:
    """Scan every artefact (paths of folders, files or kit archives) for ``identifiers``.

    retained: names of tables kept under a legal duty (hits there are listed apart);
    key_for: ``key_for(path) -> bytes | None``, the key of an encrypted archive;
    ledger: a Ledger to record the verification in (type "destruction", operation
    "residue_verification", subjects the customers).
    """
    if not isinstance(identifiers, Identifiers):
        raise ResidueError("identifiers must come from identifiers_for(...), captured before the destruction")
    if isinstance(artefacts, (str, os.PathLike)):
        artefacts = [artefacts]
    artefacts = list(artefacts)
    if not artefacts:
        raise ResidueError("no artefacts to scan: give the folders, files and backups to verify")
    retained = {retained} if isinstance(retained, str) else set(retained)
    for artefact in artefacts:
        if not Path(artefact).exists():
            raise ResidueError(f"{artefact}: no such file or folder")
    scanner = _Scanner(identifiers, retained, key_for)
    for artefact in artefacts:
        scanner.path(artefact)
    report = ResidueReport(
        pd.DataFrame(scanner.hits, columns=RESIDUE_COLUMNS), pd.DataFrame(scanner.kept, columns=RESIDUE_COLUMNS),
        pd.DataFrame(scanner.unscanned, columns=UNSCANNED_COLUMNS),
        pd.DataFrame(scanner.scanned, columns=["artefact", "member", "table", "rows", "cells"]),
        len(identifiers.customer_ids), dict(identifiers.counts), dict(identifiers.shared))
    if ledger is not None:
        entry = ledger.append("destruction", actor=actor, subjects=list(identifiers.customer_ids),
                              details=report.details())
        object.__setattr__(report, "entry", entry)
    return report
