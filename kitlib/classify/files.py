"""Read spreadsheet exports as they come out of real systems: CSV/TSV/TXT and XLSX.

``read_export(path) -> (DataFrame, info)`` reads every cell as text (nothing is parsed into
numbers, so ``0571…`` and 19-digit card numbers stay as written).  For text files it

* detects the encoding (``detect_encoding``): a byte-order mark (UTF-8 with BOM, UTF-16), then
  strict UTF-8, then charset-normalizer — GB2312/GBK/GB18030 exports, common from Chinese Windows
  systems, are decoded as GB18030 (a superset of GBK) and reported as ``gbk`` when every byte is
  plain GBK; every decode is strict, so a wrong guess fails instead of producing mojibake;
* detects the delimiter (comma, tab, semicolon or bar) with ``csv.Sniffer``;
* checks that every record has as many fields as the header.

``info`` holds ``path, format, encoding, delimiter, sheet, sheets, rows, columns, warnings``.
A file that cannot be read raises ``ExportError`` with one line naming the file and, where it
applies, the line: ``x.csv: line 17: 5 fields, expected 4``; ``x.csv: binary file, not a text
export``; ``x.csv: empty file``; ``x.csv: line 3: bytes b'\\xff\\xfe' are neither UTF-8 nor GB18030``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd

__all__ = ["ExportError", "read_export", "iter_tables", "find_exports", "detect_encoding", "SUPPORTED"]

SUPPORTED = (".csv", ".tsv", ".txt", ".xlsx")
_DELIMITERS = ",\t;|"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "hz", "euc_cn", "gb_2312_80"}
# The only other guesses of charset-normalizer that are trusted (then decoded strictly): Big5 for
# Traditional Chinese, Windows Western European for a foreign partner's export.  Its other guesses
# (cp437, koi8_r …) decode nearly any bytes and would hide a broken file.
_OTHER_ENCODINGS = {"big5": "big5hkscs", "big5hkscs": "big5hkscs", "cp950": "big5hkscs",
                    "cp1252": "cp1252", "cp1250": "cp1252", "latin_1": "cp1252", "iso8859_1": "cp1252",
                    "iso8859_15": "cp1252"}
_SNIFF_BYTES = 1 << 16
_DETECT_BYTES = 1 << 21


class ExportError(Exception):
    """A file that cannot be read as an export; the message is one line naming the file."""


def _fail(path, problem: str, line: int | None = None):
    where = f"line {line}: " if line else ""
    raise ExportError(f"{path}: {where}{problem}")


def find_exports(paths) -> tuple[list[Path], list[str]]:
    """Expand folders into the supported files they hold (sorted, not recursive into hidden
    folders); returns (files, problems) where problems are one-line messages for paths that do
    not exist or folders with nothing to scan."""
    files, problems = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                problems.append(f"{path}: folder holds no {', '.join(SUPPORTED)} files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():
            problems.append(f"{path}: not a regular file")
        else:
            problems.append(f"{path}: no such file or folder")
    return files, problems


# -- encodings -------------------------------------------------------------------------------

def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(2, len(head) // 200)


def detect_encoding(data: bytes, path="<bytes>") -> tuple[str, str]:
    """(codec to decode with, label to report) for the bytes of a text export; ExportError
    when they are binary or cannot be decoded.

    Order: byte-order marks; binary check; strict UTF-8; a file that is UTF-8 up to a bad byte
    is refused at that byte's line; charset-normalizer's guess when it is Big5 or Windows Western
    European and decodes strictly; else a strict GB18030 decode (GB2312/GBK/GB18030 exports),
    labelled ``gbk`` when GBK alone decodes it.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "utf-16"
    if _looks_binary(data[:_SNIFF_BYTES]):
        _fail(path, "binary file, not a text export")
    try:
        data.decode("utf-8")
        return "utf-8", "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    if sum(1 for b in data[:bad] if b >= 0x80) >= 6:      # UTF-8 Chinese text up to here
        _fail(path, f"bytes {data[bad:bad + 2]!r} are not valid UTF-8 (the text before them is)", _line_of(data, bad))
    head = data[:_DETECT_BYTES]
    if len(data) > _DETECT_BYTES and b"\n" in head:
        head = head[:head.rindex(b"\n") + 1]
    from charset_normalizer import from_bytes
    best = from_bytes(head).best()
    guess = _OTHER_ENCODINGS.get((best.encoding if best else "").lower().replace("-", "_"))
    if guess:
        try:
            data.decode(guess)
            return guess, guess
        except UnicodeDecodeError:
            pass
    try:
        data.decode("gb18030")
    except UnicodeDecodeError as exc:
        start = min(exc.start, bad)
        _fail(path, f"bytes {data[start:start + 2]!r} are neither UTF-8 nor GB18030", _line_of(data, start))
    try:
        data.decode("gbk")
        return "gb18030", "gbk"
    except UnicodeDecodeError:
        return "gb18030", "gb18030"


# -- text exports ------------------------------------------------------------------------------

def _delimiter(sample: str, suffix: str) -> str:
    lines = [l for l in sample.splitlines() if l.strip()][:50]
    if not lines:
        return ","
    try:
        found = csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        found = None
    counts = {d: lines[0].count(d) for d in _DELIMITERS}     # the header line rarely has quotes
    if found and found in _DELIMITERS and counts[found]:
        return found
    if suffix == ".tsv" and counts["\t"]:
        return "\t"
    best = max(counts, key=counts.get)
    return best if counts[best] else ("\t" if suffix == ".tsv" else ",")


def _looks_like_data(cells: list[str]) -> bool:
    """A first row holding an identifier (ID, mobile, card number, e-mail, USCC) is data, not a
    header: the file has no header row.  (Headers end up in reports; identifiers must not.)"""
    from . import validators as v

    for cell in cells:
        value = cell.strip()
        if len(value) < 5:
            continue
        if v.is_resident_id(value) or v.is_cn_mobile(value) or v.is_bank_card(value) or v.is_email(value) \
                or v.is_uscc(value):
            return True
    return False


def _header(cells: list[str], warnings: list[str]) -> tuple[list[str], bool]:
    """(column names, whether the row was data rather than a header)."""
    if _looks_like_data(cells):
        warnings.append("the first row holds identifiers, so the file has no header row; "
                        "columns are called column_1, column_2 …")
        return [f"column_{i}" for i in range(1, len(cells) + 1)], True
    return _unique_headers(cells, warnings), False


def _unique_headers(header: list[str], warnings: list[str]) -> list[str]:
    out, seen = [], {}
    for i, name in enumerate(header, start=1):
        name = name.strip()
        if not name:
            name = f"column_{i}"
            warnings.append(f"column {i} has no header; called it {name}")
        if name in seen:
            seen[name] += 1
            new = f"{name}.{seen[name]}"
            warnings.append(f"header {name!r} appears more than once; the copy is called {new!r}")
            name = new
        else:
            seen[name] = 1
        out.append(name)
    return out


def _read_text(path: Path, data: bytes, info: dict) -> pd.DataFrame:
    codec, label = detect_encoding(data, path)
    text = data.decode(codec)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        _fail(path, "empty file (no header, no rows)")
    delimiter = _delimiter(text[:_SNIFF_BYTES], path.suffix.lower())
    info.update(format="text", encoding=label, delimiter=delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=False)
    header, rows, start, blank = None, [], 1, 0
    try:
        for record in reader:
            line = start
            start = reader.line_num + 1
            if not record or not any(cell.strip() for cell in record):
                if header is not None and record:
                    blank += 1
                continue
            if header is None:
                header, is_data = _header(record, info["warnings"])
                width = len(header)
                if not is_data:
                    continue
            if len(record) != width:
                if len(record) > width and not any(c.strip() for c in record[width:]):
                    record = record[:width]   # trailing delimiters, nothing lost
                else:
                    _fail(path, f"{len(record)} fields, expected {width}", line)
            rows.append(record)
    except csv.Error as exc:
        _fail(path, f"cannot be parsed as delimited text: {exc}", reader.line_num or None)
    if blank:
        info["warnings"].append(f"skipped {blank} row(s) with every cell empty")
    columns = list(zip(*rows)) if rows else [()] * len(header)
    return pd.DataFrame({name: pd.Series(col, dtype="str") for name, col in zip(header, columns)})


# -- XLSX ------------------------------------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _open_workbook(path: Path):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, EOFError) as exc:
        _fail(path, f"not a readable XLSX workbook ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")


def _read_sheet(path: Path, wb, sheet, info: dict) -> pd.DataFrame:
    ws = wb[sheet] if sheet is not None else wb.worksheets[0]
    info.update(format="xlsx", encoding="xlsx", delimiter="", sheet=ws.title)
    header, rows = None, []
    for values in ws.iter_rows(values_only=True):
        cells = [_cell_text(v) for v in values]
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            last = max(i for i, c in enumerate(cells) if c.strip())
            header, is_data = _header(cells[:last + 1], info["warnings"])
            if not is_data:
                continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            last = max(i for i, c in enumerate(cells) if c.strip())
            for i in range(len(header), last + 1):
                header.append(f"column_{i + 1}")
                info["warnings"].append(f"sheet {ws.title}: cells beyond the header in column {i + 1}; called it column_{i + 1}")
                for row in rows:
                    row.append("")
        cells = (cells + [""] * len(header))[:len(header)]
        rows.append(cells)
    if header is None:
        _fail(path, f"sheet {ws.title!r} is empty (no header, no rows)")
    columns = list(zip(*rows)) if rows else [()] * len(header)
    return pd.DataFrame({name: pd.Series(col, dtype="str") for name, col in zip(header, columns)})


# -- entry points ------------------------------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        _fail(path, "is a folder, not a file")
    except OSError as exc:
        _fail(path, f"cannot be read: {exc.strerror or exc}")


def _new_info(path: Path) -> dict:
    return {"path": str(path), "format": "", "encoding": "", "delimiter": "", "sheet": "", "sheets": [],
            "rows": 0, "columns": 0, "warnings": []}


def read_export(path, sheet=None) -> tuple[pd.DataFrame, dict]:
    """One export as a DataFrame of strings plus ``info``; ExportError when it cannot be read.

    For an XLSX workbook ``sheet`` names the worksheet (default: the first);
    ``info["sheets"]`` lists them all.
    """
    tables = iter_tables(path, [sheet] if sheet is not None else None)
    try:
        return next(tables)[1:]
    finally:
        tables.close()


def iter_tables(path, sheets=None):
    """Yield ``(table_name, DataFrame, info)`` for a text export (one table, named after the
    file) or for each worksheet of an XLSX workbook (``sheets``: only these)."""
    path = Path(path)
    data = _read_bytes(path)
    if not data.strip(b" \t\r\n\x00") or data in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        _fail(path, "empty file")
    suffix = path.suffix.lower()
    if data.startswith(_OLE_MAGIC):
        _fail(path, "legacy Excel (.xls) or other OLE file: save it as .xlsx or CSV")
    if data.startswith(_ZIP_MAGIC) or suffix == ".xlsx":
        if not data.startswith(_ZIP_MAGIC):
            _fail(path, "not an XLSX workbook (an .xlsx file is a ZIP archive)")
        wb = _open_workbook(path)
        try:
            names = list(sheets) if sheets else list(wb.sheetnames)
            read, empty = [], []
            for name in names:
                if name not in wb.sheetnames:
                    _fail(path, f"no sheet named {name!r} (sheets: {', '.join(wb.sheetnames)})")
                info = _new_info(path)
                info["sheets"] = list(wb.sheetnames)
                if suffix != ".xlsx":
                    info["warnings"].append("the file is an XLSX workbook despite its name; read as one")
                try:
                    frame = _read_sheet(path, wb, name, info)
                except ExportError:
                    if sheets:          # a sheet asked for by name must hold something
                        raise
                    empty.append(name)  # Sheet2, Sheet3 of a default workbook: skipped
                    continue
                info.update(rows=len(frame), columns=frame.shape[1])
                read.append((frame, info))
        finally:
            wb.close()
        if not read:
            _fail(path, f"empty workbook (no header, no rows in sheets {', '.join(names)})")
        for frame, info in read:
            if empty:
                info["warnings"].append(f"empty sheet(s) skipped: {', '.join(empty)}")
            table = path.stem if len(read) == 1 else f"{path.stem}/{info['sheet']}"
            yield table, frame, info
        return
    info = _new_info(path)
    frame = _read_text(path, data, info)
    info.update(rows=len(frame), columns=frame.shape[1])
    yield path.stem, frame, info

