"""Destroying customers' personal information, by method, each step recorded in the ledger.

PIPL Art. 47 requires deletion when the purpose is achieved, the service ends, consent is
withdrawn ...; where a legal retention period has not ended the handler stops all processing
except storage and necessary security measures.  This module deletes, and says how well:

=====================  ======================================================  ===========
function               what it does                                             NIST 800-88
=====================  ======================================================  ===========
delete_rows            a dataset folder: every row of the customers in every    Clear
                       table, following the keys to derived tables
delete_from_export     a CSV/TSV/XLSX export: the customers' rows               Clear
destroy_file           a whole file: overwritten with random bytes, then        Clear
                       unlinked; its SHA-256 recorded first
delete_from_backup     a kit archive: decrypted, filtered as delete_rows does,  Clear
                       written anew; the old file destroyed
crypto_shred           the customers' data keys deleted from the key store      Purge
record_paper_destruction  paper shredded by a vendor before a witness           Destroy
                       (recorded, not done, by the kit)
=====================  ======================================================  ===========

The categories are those of NIST SP 800-88 as the kit's legal reference states them: **Clear**
— logical techniques, resists simple recovery; **Purge** — recovery infeasible with
state-of-the-art laboratory techniques; **Destroy** — as Purge, and the media cannot be reused.

Why a rewrite is only Clear: writing a new file and renaming it over the old one (or
overwriting a file in place) is a logical technique.  The file system frees the old blocks but
does not erase them; an SSD's wear levelling, a copy-on-write file system (btrfs, ZFS, APFS) or
a snapshot keeps old copies elsewhere.  The rows are gone for the application and for simple
recovery tools, not for a laboratory.  What reaches Purge is crypto-shredding (the ciphertexts
remain, but the only key is gone) and what reaches Destroy is destroying the media.

Each function takes ``ledger=`` and appends one "destruction" entry (subjects: the customer
ids, stored as pseudonyms; details: operation, method, category, artefact, counts — never a
raw identifier, and a reason or file name holding a customer id is refused before anything is
done).  ``DestructionJob`` / ``destroy_customers(plan)`` run several steps over a list of
artefacts and add one entry for the whole job, which a destruction certificate cites.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import pandas as pd

from ..atomic import write_bytes_atomic as _write_bytes_atomic, write_text_atomic
from ..i18n import lines_in
from .residue import Identifiers, ResidueError, looks_like_data, read_delimited

__all__ = ["DestructionError", "DestructionResult", "DestructionReport", "DestructionJob", "CATEGORIES",
           "METHODS", "PAPER_METHODS", "delete_rows", "delete_from_export", "destroy_file", "delete_from_backup",
           "crypto_shred", "record_paper_destruction", "destroy_customers", "CUSTOMER_KEYS", "write_bytes_atomic"]

TZ = ZoneInfo("Asia/Shanghai")
CUSTOMER_KEYS = ("customer_id", "record_id")      # columns whose values are customer ids
ID_HEADERS = ("customer_id", "customer id", "customer no", "cust_id", "客户编号", "客户id", "客户号", "客户编码")
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet")

# NIST SP 800-88 categories, worded as /work/shared/reference/legal.md states them.
CATEGORIES = {
    "clear": {"zh": "清除(Clear)", "en": "Clear",
              "definition_zh": "采用逻辑手段,可抵御简单的恢复手段", "definition_en": "logical techniques; resists simple recovery"},
    "purge": {"zh": "净化(Purge)", "en": "Purge",
              "definition_zh": "以当前最先进的实验室技术也无法恢复",
              "definition_en": "recovery infeasible with state-of-the-art laboratory techniques"},
    "destroy": {"zh": "销毁(Destroy)", "en": "Destroy",
                "definition_zh": "同净化,且介质无法再使用", "definition_en": "as Purge, and the media cannot be reused"},
}

METHODS = {
    "delete_rows": {
        "category": "clear",
        "zh": "删除数据集中这些客户的全部行(含派生表),逐个文件原子重写",
        "en": "every row of the customers deleted from the dataset (derived tables included), each file rewritten "
              "atomically",
        "why_zh": "重写文件是逻辑手段:文件系统释放旧数据块但不擦除,固态硬盘、写时复制文件系统或快照可能在别处保留旧副本,"
                  "故只属清除;达到净化或销毁需要加密擦除(删除密钥)或销毁介质。",
        "why_en": "Rewriting a file is a logical technique: the file system frees the old blocks without erasing them, "
                  "and an SSD, a copy-on-write file system or a snapshot may keep old copies elsewhere, so it is Clear; "
                  "crypto-shredding or destroying the media is what reaches Purge or Destroy."},
    "delete_from_export": {
        "category": "clear",
        "zh": "从导出文件(CSV/XLSX)中删除这些客户的行,原子重写",
        "en": "the customers' rows deleted from the export (CSV/XLSX), rewritten atomically",
        "why_zh": "与删除数据集行相同:重写是逻辑手段,旧数据块可能留在磁盘上,故属清除。",
        "why_en": "As for dataset rows: a rewrite is a logical technique and old blocks may remain on the disk, so "
                  "it is Clear."},
    "destroy_file": {
        "category": "clear",
        "zh": "整个文件先用随机字节覆写并落盘,再删除;销毁前记录其 SHA-256",
        "en": "the whole file overwritten with random bytes, flushed, then unlinked; its SHA-256 recorded first",
        "why_zh": "在普通文件系统的机械硬盘上覆写会落在原数据块上;但固态硬盘的磨损均衡、写时复制文件系统(btrfs、ZFS、APFS)"
                  "或快照会把新字节写到新块,旧块可能仍在,故本工具只认定为清除。",
        "why_en": "On a hard disk with a normal file system the overwrite lands on the old blocks; but an SSD's wear "
                  "levelling, a copy-on-write file system (btrfs, ZFS, APFS) or a snapshot writes the new bytes to new "
                  "blocks and the old ones may remain, so the kit claims only Clear."},
    "delete_from_backup": {
        "category": "clear",
        "zh": "解密备份,按删除数据集行的规则过滤每个成员表,原子写入新备份,并覆写删除旧备份文件",
        "en": "the backup decrypted, every member table filtered as for dataset rows, a new backup written "
              "atomically and the old backup file overwritten and deleted",
        "why_zh": "新备份是重写,旧文件是覆写后删除,两者都是逻辑手段,故属清除。",
        "why_en": "The new backup is a rewrite and the old file is overwritten and unlinked: both logical "
                  "techniques, so Clear."},
    "crypto_shred": {
        "category": "purge",
        "zh": "加密擦除:从密钥库中删除这些客户的数据密钥(SQLite secure_delete 覆写)",
        "en": "crypto-shredding: the customers' data keys deleted from the key store (overwritten by SQLite "
              "secure_delete)",
        "why_zh": "密文仍留在工作数据、导出和备份中,但能解密它们的唯一密钥已删除;对 AES-256 而言,以当前最先进的实验室技术也"
                  "无法恢复,即法律参考所述的净化——前提是没有销毁前的密钥库副本。法律参考未说明 NIST 如何归类加密擦除,"
                  "此归类是本工具对该定义的理解。",
        "why_en": "The ciphertexts remain in the working data, exports and backups, but the only key that decrypts "
                  "them is gone: for AES-256 recovery is infeasible with state-of-the-art laboratory techniques, the "
                  "legal reference's Purge — provided no copy of the key store from before the shred survives. The "
                  "legal reference does not say how NIST classes cryptographic erase; the category is the kit's "
                  "reading of that definition."},
    "paper_destruction": {
        "category": "destroy",
        "zh": "纸质档案由销毁服务商在见证人在场时物理销毁(本工具只作记录,不能销毁纸张)",
        "en": "paper physically destroyed by a vendor before a witness (recorded by the kit, which cannot shred "
              "paper)",
        "why_zh": "碎纸、打浆或焚烧后纸张无法恢复也无法再用:同净化,且介质无法再使用,即销毁。",
        "why_en": "Shredded, pulped or incinerated paper can neither be recovered nor reused: as Purge, and the media "
                  "cannot be reused — Destroy."},
}

PAPER_METHODS = {
    "cross_cut_shredding": ("交叉切碎纸", "cross-cut shredding"),
    "pulping": ("打浆", "pulping"),
    "incineration": ("焚烧", "incineration"),
}


class DestructionError(ValueError):
    """A destruction that cannot be done as asked; one line naming the file, table or field."""


# -- results -------------------------------------------------------------------------------------

FILE_COLUMNS = ["file", "table", "rows_before", "rows_after", "rows_retained", "status"]


@dataclass(frozen=True)
class DestructionResult:
    """One step: what was destroyed where, how (method, NIST category), how much, and its ledger
    entry.  ``files``: per file (FILE_COLUMNS); ``retained``: (table, reason) pairs kept by law;
    ``found``: how many of the customers the artefact held."""
    artefact: str
    kind: str
    method: str
    category: str
    customers: int
    found: int
    rows_destroyed: int
    files_destroyed: int
    files: pd.DataFrame = field(repr=False)
    retained: tuple = ()
    tables: tuple = ()
    sha256: str | None = None
    entry: object = None
    extra: dict = field(default_factory=dict)

    def details(self) -> dict:
        """What the ledger records (no identifiers)."""
        files = self.files.to_dict("records")
        out = {"operation": self.method, "method": METHODS[self.method]["en"], "category": self.category,
               "nist_sp_800_88": CATEGORIES[self.category]["en"], "artefact": Path(self.artefact).name or self.artefact,
               "artefact_kind": self.kind, "customers": self.customers, "customers_found": self.found,
               "rows_destroyed": self.rows_destroyed, "files_destroyed": self.files_destroyed,
               "tables": list(self.tables), "files": [{k: _plain(v) for k, v in f.items()} for f in files],
               "retained": [{"table": t, "reason": r} for t, r in self.retained]}
        if self.sha256:
            out["sha256_before"] = self.sha256
        out.update(self.extra)
        return out


def _plain(value):
    return value.item() if hasattr(value, "item") else value


@dataclass(frozen=True)
class DestructionReport:
    """The steps of a destruction job and the job's own ledger entry."""
    results: tuple
    customer_ids: tuple = field(repr=False)
    actor: str = ""
    reason: str = ""
    entry: object = None

    @property
    def customers(self) -> int:
        return len(self.customer_ids)

    @property
    def rows_destroyed(self) -> int:
        return sum(r.rows_destroyed for r in self.results)

    @property
    def files_destroyed(self) -> int:
        return sum(r.files_destroyed for r in self.results)

    def frame(self) -> pd.DataFrame:
        """Per artefact: method, category, rows and files destroyed, retained tables, ledger entry."""
        return pd.DataFrame([{
            "artefact": r.artefact, "kind": r.kind, "method": r.method, "category": r.category,
            "customers_found": r.found, "rows_destroyed": r.rows_destroyed, "files_destroyed": r.files_destroyed,
            "retained": ", ".join(t for t, _ in r.retained),
            "ledger_seq": getattr(r.entry, "seq", None), "ledger_hash": getattr(r.entry, "hash", None),
        } for r in self.results])

    def entries(self) -> list:
        """Every ledger entry of the job, the job's own last."""
        out = [r.entry for r in self.results if r.entry is not None]
        return out + ([self.entry] if self.entry is not None else [])

    def summary(self, lang: str | None = None) -> str:
        zh = [f"销毁 {self.customers} 位客户的个人信息:{len(self.results)} 个对象,删除 {self.rows_destroyed} 行,"
              f"销毁 {self.files_destroyed} 个文件。"]
        en = [f"Destruction of {self.customers} customers' personal information: {len(self.results)} artefact(s), "
              f"{self.rows_destroyed} rows deleted, {self.files_destroyed} file(s) destroyed."]
        for r in self.results:
            cat = CATEGORIES[r.category]
            seq = f" #{r.entry.seq}" if r.entry is not None else ""
            zh.append(f"  {r.artefact}:{METHODS[r.method]['zh']}({cat['zh']}),{r.rows_destroyed} 行{seq}")
            en.append(f"  {r.artefact}: {METHODS[r.method]['en']} ({cat['en']}), {r.rows_destroyed} rows{seq}")
            for table, why in r.retained:
                zh.append(f"    依法保留 {table}:{why}")
                en.append(f"    retained {table}: {why}")
        return lines_in(zh, en, lang)


# -- checks --------------------------------------------------------------------------------------

def _ids(customer_ids, required: bool = True) -> list[str]:
    if isinstance(customer_ids, str):
        customer_ids = [customer_ids]
    try:
        ids = list(dict.fromkeys(customer_ids))
    except TypeError:
        raise DestructionError(f"customer_ids must be a list of ids, got {type(customer_ids).__name__}") from None
    bad = [c for c in ids if not isinstance(c, str) or not c.strip()]
    if bad:
        raise DestructionError(f"customer ids must be non-empty text, not {bad[0]!r}")
    if required and not ids:
        raise DestructionError("customer_ids is empty: name the customers whose data is to be destroyed")
    return ids


def _who(actor, reason) -> None:
    for name, value in (("actor", actor), ("reason", reason)):
        if not isinstance(value, str) or not value.strip():
            raise DestructionError(f"a destruction needs a non-empty {name} (who did it, and why)")


def _no_ids(ids, *texts) -> None:
    """Refuse a reason or a file name that holds a customer id: it would reach the ledger in clear."""
    for text in texts:
        for cid in ids:
            if re.search(rf"(?<![0-9A-Za-z]){re.escape(cid)}(?![0-9A-Za-z])", str(text)):
                raise DestructionError(f"{str(text)[:60]!r} holds customer id {cid[:4]}…: the ledger must not; "
                                       f"rename it or leave the id out")


def _file(path, what: str = "file") -> Path:
    path = Path(path)
    if path.is_symlink():
        raise DestructionError(f"{path}: is a symbolic link; give the {what} itself")
    if not path.exists():
        raise DestructionError(f"{path}: no such {what}")
    if not path.is_file():
        raise DestructionError(f"{path}: not a regular file")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(ledger, actor: str, ids, result: DestructionResult) -> DestructionResult:
    if ledger is None:
        return result
    entry = ledger.append("destruction", actor=actor, subjects=list(ids), details=result.details())
    object.__setattr__(result, "entry", entry)
    return result


# -- writing -------------------------------------------------------------------------------------

def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes_atomic(path, data: bytes) -> Path:
    """``kitlib.atomic.write_bytes_atomic``, then the folder flushed too (the rename survives a crash)."""
    _write_bytes_atomic(path, data)
    _fsync_dir(Path(path).parent)
    return Path(path)


def _overwrite_and_unlink(path: Path, passes: int = 1) -> None:
    size = path.stat().st_size
    with open(path, "r+b", buffering=0) as fh:
        for _ in range(passes):
            fh.seek(0)
            left = size
            while left > 0:
                n = min(left, 1 << 20)
                fh.write(os.urandom(n))
                left -= n
            os.fsync(fh.fileno())
        fh.truncate(0)
        os.fsync(fh.fileno())
    path.unlink()
    _fsync_dir(path.parent)


# -- tables and the keys between them ---------------------------------------------------------------

class _TableFile:
    """A CSV/TSV (kept record by record, so untouched rows are written back byte for byte) or a
    Parquet table, and which of its rows are to go."""

    def __init__(self, name: str, data: bytes):
        self.name, self.table = name, PurePosixPath(name).stem
        self.parquet = data.startswith(b"PAR1")
        try:
            if self.parquet:
                self.frame = pd.read_parquet(io.BytesIO(data))
                self.columns = [str(c) for c in self.frame.columns]
                self.rows = len(self.frame)
            else:
                self.parsed = read_delimited(data, name)
                self.columns = self.parsed.header
                self.rows = len(self.parsed.records)
        except ResidueError as exc:
            raise DestructionError(str(exc)) from None
        except (OSError, ValueError) as exc:
            raise DestructionError(f"{name}: not a readable table ({str(exc).splitlines()[0]})") from None
        self.doomed: set[int] = set()
        self._columns: dict[str, list[str]] = {}

    def column(self, name: str) -> list[str]:
        if name not in self._columns:
            if self.parquet:
                values = self.frame[name]
                self._columns[name] = ["" if pd.isna(v) else str(v) for v in values]
            else:
                j = self.columns.index(name)
                self._columns[name] = [(r.cells[j] if j < len(r.cells) else "").strip() for r in self.parsed.records]
        return self._columns[name]

    def matching(self, column: str, values: set) -> set[int]:
        if column not in self.columns or not values:
            return set()
        return {i for i, v in enumerate(self.column(column)) if v in values}

    def primary_key(self) -> str | None:
        """The first column, when it ends in _id, is not a customer key and is unique."""
        if not self.columns:
            return None
        first = self.columns[0]
        if not first.endswith("_id") or first in CUSTOMER_KEYS:
            return None
        values = self.column(first)
        return first if len(set(values)) == len(values) else None

    def without_doomed(self) -> bytes:
        if self.parquet:
            keep = [i for i in range(self.rows) if i not in self.doomed]
            out = io.BytesIO()
            self.frame.iloc[keep].to_parquet(out, index=False, engine="pyarrow", compression="zstd")
            return out.getvalue()
        doomed = {id(self.parsed.records[i]) for i in self.doomed}
        text = "".join(p.raw for p in self.parsed.pieces if id(p) not in doomed)
        return self.parsed.bom + text.encode(self.parsed.codec)


def _retained_reasons(retained, files: dict[str, bytes], where: str) -> dict[str, str]:
    """{table: reason} from a mapping, or for names, from the dataset's own catalogue and
    retention_rules (the retention bases of the table's columns other than deletion)."""
    if isinstance(retained, str):
        retained = [retained]
    if isinstance(retained, Mapping):
        out = {str(t): str(r) for t, r in retained.items()}
        empty = [t for t, r in out.items() if not r.strip()]
        if empty:
            raise DestructionError(f"retained table {empty[0]!r}: the reason is empty")
        return out
    names = list(dict.fromkeys(retained))
    if not names:
        return {}
    catalogue = rules = None
    for name, data in files.items():
        stem = PurePosixPath(name).stem
        if stem in ("catalogue", "retention_rules") and PurePosixPath(name).suffix.lower() == ".csv":
            frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
            catalogue, rules = (frame, rules) if stem == "catalogue" else (catalogue, frame)
    out = {}
    for table in names:
        reasons = []
        if catalogue is not None and rules is not None and {"table", "retention_basis"} <= set(catalogue.columns):
            codes = catalogue.loc[catalogue["table"] == table, "retention_basis"].unique()
            rules_by_code = rules.set_index("code") if "code" in rules.columns else None
            for code in codes:
                if code and code != "delete_when_purpose_ends" and rules_by_code is not None and code in rules_by_code.index:
                    rule = rules_by_code.loc[code]
                    reasons.append(f"{rule['basis']} [{rule.get('certainty', '')}]")
        if not reasons:
            raise DestructionError(f"retained table {table!r}: no reason given and {where} has no retention basis "
                                   f"for it; pass retained={{{table!r}: 'the legal duty'}}")
        out[table] = "; ".join(reasons)
    return out


def _plan(tables: list[_TableFile], ids: list[str], retained: dict[str, str]) -> tuple[int, dict[str, int]]:
    """Mark the rows to delete in every table: rows whose customer key holds one of ``ids``, then
    rows referring (by a column of the same name) to the primary key of a deleted row, until
    nothing changes.  Rows of retained tables are counted, not marked, and lead nowhere.
    Returns (customers found, rows matched per retained table)."""
    wanted = set(ids)
    keys: dict[str, set] = {k: set(wanted) for k in CUSTOMER_KEYS}
    found: set = set()
    kept = {t.name: set() for t in tables if t.table in retained}
    for table in tables:
        for column in CUSTOMER_KEYS:
            if column in table.columns:
                found |= wanted & set(table.column(column))
    changed = True
    while changed:
        changed = False
        for table in tables:
            rows = set()
            for column, values in keys.items():
                rows |= table.matching(column, values)
            if table.table in retained:
                kept[table.name] |= rows
                continue
            new = rows - table.doomed
            if not new:
                continue
            table.doomed |= new
            pk = table.primary_key()
            if pk is not None:
                values = table.column(pk)
                added = {values[i] for i in new} - keys.setdefault(pk, set())
                if added:
                    keys[pk] |= added
                    changed = True
    return len(found), {name: len(rows) for name, rows in kept.items()}


def _filter(files: dict[str, bytes], ids: list[str], retained, where: str):
    """(new bytes of changed tables, file rows, customers found, retained pairs, tables touched)."""
    tables = [_TableFile(name, data) for name, data in sorted(files.items())
              if PurePosixPath(name).suffix.lower() in TABLE_SUFFIXES]
    if not any(set(CUSTOMER_KEYS) & set(t.columns) for t in tables):
        raise DestructionError(f"{where}: no table has a customer key column ({', '.join(CUSTOMER_KEYS)})")
    present = {t.table for t in tables}
    names = [retained] if isinstance(retained, str) else list(retained)
    unknown = [t for t in names if t not in present]
    if unknown:
        raise DestructionError(f"{where}: retained table {unknown[0]!r} is not there (tables: {', '.join(sorted(present))})")
    reasons = _retained_reasons(retained, files, where)
    found, kept = _plan(tables, ids, reasons)
    changed, rows = {}, []
    for t in tables:
        retained_rows = kept.get(t.name, 0)
        if t.doomed:
            changed[t.name] = t.without_doomed()
            status = "rewritten"
        else:
            status = "retained" if t.table in reasons else "unchanged"
        rows.append((t.name, t.table, t.rows, t.rows - len(t.doomed), retained_rows, status))
    frame = pd.DataFrame(rows, columns=FILE_COLUMNS)
    touched = tuple(t.table for t in tables if t.doomed)
    return changed, frame, found, tuple(sorted(reasons.items())), touched


# -- the methods ---------------------------------------------------------------------------------

def delete_rows(dataset_dir, customer_ids, *, retained=(), ledger=None, actor: str, reason: str) -> DestructionResult:
    """Delete every row of ``customer_ids`` from every table (CSV/TSV/Parquet) of a dataset folder.

    Follows the keys: ``customer_id`` and ``record_id`` columns hold customer ids; a deleted row's
    primary key (a unique first ``*_id`` column: ticket_id, account_id ...) removes the rows that
    refer to it elsewhere (ticket_spans.ticket_id ...).  ``retained``: table names (reasons taken
    from the dataset's catalogue and retention_rules) or {table: reason}: kept under a legal
    duty, their matching rows counted and reported, not deleted.  Each changed file is rewritten
    atomically (untouched rows byte for byte) and manifest.json's digests are updated.
    NIST SP 800-88 category: Clear (see the module's note).
    """
    folder = Path(dataset_dir)
    if not folder.is_dir():
        raise DestructionError(f"{folder}: no such dataset folder")
    ids = _ids(customer_ids)
    _who(actor, reason)
    _no_ids(ids, reason, folder.name)
    paths = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
             if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
             and p.suffix.lower() in TABLE_SUFFIXES}
    files = {name: p.read_bytes() for name, p in paths.items()}
    changed, frame, found, kept, touched = _filter(files, ids, retained, str(folder))
    for name, data in changed.items():
        write_bytes_atomic(paths[name], data)
    _update_manifest(folder, changed)
    result = DestructionResult(str(folder), "dataset", "delete_rows", "clear", len(ids), found,
                               int((frame["rows_before"] - frame["rows_after"]).sum()), 0, frame, kept, touched)
    return _record(ledger, actor, ids, result)


def _update_manifest(folder: Path, changed: dict[str, bytes]) -> None:
    """Keep manifest.json's SHA-256 of each rewritten file true."""
    path = folder / "manifest.json"
    if not changed or not path.is_file():
        return
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        return
    for name, data in changed.items():
        if name in files:
            files[name] = hashlib.sha256(data).hexdigest()
    write_text_atomic(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def _id_column(columns: list[str], rows_of, ids: set, id_column: str | None, where: str) -> str | None:
    if id_column is not None:
        if id_column not in columns:
            raise DestructionError(f"{where}: no column {id_column!r} (columns: {', '.join(map(str, columns))[:200]})")
        return id_column
    for name in columns:
        if str(name).strip().lower() in ID_HEADERS:
            return name
    for name in columns:
        if ids & set(rows_of(name)):
            return name
    return None


def delete_from_export(path, customer_ids, *, id_column: str | None = None, identifiers: Identifiers | None = None,
                       ledger=None, actor: str, reason: str) -> DestructionResult:
    """Rewrite a CSV/TSV/TXT or XLSX export without the customers' rows (atomically).

    A row goes when its customer id column (``id_column``; default: a header such as customer_id
    or 客户编号, else the column that holds the given ids) holds one of ``customer_ids``, or, with
    ``identifiers`` (from ``identifiers_for``), when any of its cells equals one of their
    identifiers — for exports keyed by mobile or e-mail.  Other rows stay byte for byte (CSV) or
    with their formatting (XLSX).  NIST SP 800-88 category: Clear.
    """
    path = _file(path, "export")
    ids = _ids(customer_ids)
    _who(actor, reason)
    _no_ids(ids, reason, path.name)
    before = _sha256(path)
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        rows_before, rows_after, found = _delete_xlsx(path, set(ids), id_column, identifiers)
    elif data.startswith(b"PAR1") or path.suffix.lower() == ".parquet":
        raise DestructionError(f"{path}: a Parquet table is not an export; use delete_rows on its folder")
    else:
        table = _TableFile(path.name, data)
        column = _id_column(table.columns, table.column, set(ids), id_column, str(path))
        if column is None and identifiers is None:
            raise DestructionError(f"{path}: no customer id column (no header like customer_id or 客户编号, and no "
                                   f"column holds the given ids); name it with id_column= or pass identifiers=")
        if column is not None:
            table.doomed = table.matching(column, set(ids))
            found = len(set(ids) & set(table.column(column)))
        else:
            found = 0
        if identifiers is not None:
            frame = pd.DataFrame([(r.cells + [""] * len(table.columns))[:len(table.columns)]
                                  for r in table.parsed.records], columns=range(len(table.columns)), dtype="str")
            if len(frame):
                table.doomed |= set(map(int, frame.index[identifiers.row_mask(frame).to_numpy()]))
        rows_before, rows_after = table.rows, table.rows - len(table.doomed)
        if table.doomed:
            write_bytes_atomic(path, table.without_doomed())
    frame = pd.DataFrame([(path.name, path.stem, rows_before, rows_after, 0,
                           "rewritten" if rows_after < rows_before else "unchanged")], columns=FILE_COLUMNS)
    result = DestructionResult(str(path), "export", "delete_from_export", "clear", len(ids), found,
                               rows_before - rows_after, 0, frame, (), (path.stem,) if rows_after < rows_before else (),
                               before)
    return _record(ledger, actor, ids, result)


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _delete_xlsx(path: Path, ids: set, id_column, identifiers) -> tuple[int, int, int]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path)
    except Exception as exc:     # openpyxl raises many kinds for a broken workbook
        raise DestructionError(f"{path}: not a readable XLSX workbook ({type(exc).__name__})") from None
    before = after = 0
    found: set = set()
    any_column = False
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        header_at = next((i for i, r in enumerate(rows) if any(_xlsx_cell(v) for v in r)), None)
        if header_at is None:
            continue
        header = [_xlsx_cell(v) for v in rows[header_at]]
        first = header_at + 1
        if looks_like_data(header):             # no header row: the first row is data
            header, first = [f"column_{i}" for i in range(1, len(header) + 1)], header_at
        data = [(i + 1, [_xlsx_cell(v) for v in r]) for i, r in enumerate(rows) if i >= first
                and any(_xlsx_cell(v) for v in r)]

        def values_of(name, _data=data, _header=header):
            j = _header.index(name)
            return [cells[j] if j < len(cells) else "" for _, cells in _data]

        try:
            column = _id_column(header, values_of, ids, id_column, f"{path} sheet {ws.title}")
        except DestructionError:
            if len(wb.worksheets) == 1:
                raise
            column = None
        any_column |= column is not None
        doomed = set()
        if column is not None:
            j = header.index(column)
            for number, cells in data:
                value = cells[j] if j < len(cells) else ""
                if value in ids:
                    doomed.add(number)
                    found.add(value)
        if identifiers is not None:
            for number, cells in data:
                if any(c and identifiers.kind_of(c) for c in cells):
                    doomed.add(number)
        before += len(data)
        after += len(data) - len(doomed)
        for number in sorted(doomed, reverse=True):
            ws.delete_rows(number)
    if not any_column and identifiers is None:
        raise DestructionError(f"{path}: no customer id column in any sheet"
                               + (f" (no column {id_column!r})" if id_column else "")
                               + "; name it with id_column= or pass identifiers=")
    if after < before:
        out = io.BytesIO()
        wb.save(out)
        write_bytes_atomic(path, out.getvalue())
    wb.close()
    return before, after, len(found)


def destroy_file(path, *, customer_ids=(), ledger=None, actor: str, reason: str, passes: int = 1) -> DestructionResult:
    """Overwrite a whole file with random bytes (``passes`` times), flush it, truncate and unlink it;
    its SHA-256 and size are recorded first.  ``customer_ids``: whose data it held, if known.
    NIST SP 800-88 category: Clear (an SSD or a copy-on-write file system may keep old blocks)."""
    path = _file(path)
    ids = _ids(customer_ids, required=False)
    _who(actor, reason)
    _no_ids(ids, reason, path.name)
    if not isinstance(passes, int) or isinstance(passes, bool) or not 1 <= passes <= 7:
        raise DestructionError(f"passes must be a whole number from 1 to 7, got {passes!r}")
    digest, size = _sha256(path), path.stat().st_size
    _overwrite_and_unlink(path, passes)
    frame = pd.DataFrame([(path.name, path.stem, None, None, 0, "destroyed")], columns=FILE_COLUMNS)
    result = DestructionResult(str(path), "file", "destroy_file", "clear", len(ids), len(ids), 0, 1, frame,
                               (), (path.stem,), digest, extra={"bytes": size, "passes": passes})
    return _record(ledger, actor, ids, result)


def delete_from_backup(archive_path, key: bytes, customer_ids, *, retained=(), ledger=None, actor: str,
                       reason: str) -> DestructionResult:
    """Delete the customers from a kit archive: decrypt it, filter every member table as
    :func:`delete_rows` does, write a new archive (same key, kind and meta; the content manifest
    rebuilt) and put it in place atomically, then overwrite and unlink the old file.
    NIST SP 800-88 category: Clear."""
    from .archive import ArchiveError, read_archive, write_archive

    path = _file(archive_path, "backup archive")
    ids = _ids(customer_ids)
    _who(actor, reason)
    _no_ids(ids, reason, path.name)
    before = _sha256(path)
    try:
        manifest, members = read_archive(path, key)
    except ArchiveError as exc:
        raise DestructionError(str(exc)) from None
    changed, frame, found, kept, touched = _filter(members, ids, retained, path.name)
    extra = {"archive_id_before": manifest.get("archive_id")}
    if changed:
        new_members = {**members, **changed}
        meta = dict(manifest.get("meta") or {})
        if "content" in meta:
            from .manifest import build_manifest

            meta["content"] = build_manifest(new_members)
        meta["rewritten"] = {"by": "kitlib.lifecycle.destroy.delete_from_backup",
                             "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                             "from_archive_id": manifest.get("archive_id")}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
        os.close(fd)
        old = path.with_name(f".{path.name}.old-{os.getpid()}")
        try:
            new_manifest = write_archive(tmp, new_members, key, kind=manifest.get("kind", "backup"), meta=meta)
            os.link(path, old)                 # keep a name for the old bytes, to overwrite them
            os.chmod(tmp, path.stat().st_mode & 0o7777)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            old.unlink(missing_ok=True)
            raise
        _overwrite_and_unlink(old)
        extra.update(archive_id_after=new_manifest["archive_id"], sha256_after=_sha256(path))
    result = DestructionResult(str(path), "backup", "delete_from_backup", "clear", len(ids), found,
                               int((frame["rows_before"] - frame["rows_after"]).sum()), 1 if changed else 0,
                               frame, kept, touched, before, extra=extra)
    return _record(ledger, actor, ids, result)


def crypto_shred(keystore, customer_ids, *, ledger=None, actor: str, reason: str) -> DestructionResult:
    """Shred each customer's data key (``kitlib.protect.shred.shred_customer``), record each with
    ``Ledger.record_shred`` and the whole step in one more entry.  Customers without a key, or
    already shredded, are counted, not errors.  NIST SP 800-88 category: Purge (the data stays,
    unreadable; see METHODS["crypto_shred"])."""
    from ..protect.errors import KeyShredded, KeyStoreError, ProtectError, UnknownCustomer
    from ..protect.keys import KeyStore
    from ..protect.shred import shred_customer

    if not isinstance(keystore, KeyStore):
        raise DestructionError(f"crypto_shred needs an open KeyStore, got {type(keystore).__name__}")
    ids = _ids(customer_ids)
    _who(actor, reason)
    _no_ids(ids, reason, Path(str(keystore.path)).name)
    shredded, no_key, already, seqs = [], 0, 0, []
    for cid in ids:
        try:
            record = shred_customer(keystore, cid, actor=actor, reason=reason)
        except UnknownCustomer:
            no_key += 1
            continue
        except KeyShredded:
            already += 1
            continue
        except (KeyStoreError, ProtectError) as exc:
            raise DestructionError(str(exc)) from None
        shredded.append(cid)
        if ledger is not None:
            seqs.append(ledger.record_shred(record).seq)
    name = Path(str(keystore.path)).name
    frame = pd.DataFrame([(name, "keys", len(ids), len(ids) - len(shredded), 0, "keys shredded")], columns=FILE_COLUMNS)
    extra = {"keys_shredded": len(shredded), "no_key": no_key, "already_shredded": already}
    if seqs:
        extra["shred_entries"] = [seqs[0], seqs[-1]]
    result = DestructionResult(str(keystore.path), "keystore", "crypto_shred", "purge", len(ids),
                               len(shredded) + already, 0, 0, frame, (), ("keys",), extra=extra)
    return _record(ledger, actor, ids, result)


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DestructionError(f"date {value!r} is not a date (YYYY-MM-DD)") from None


def _paper_check(box_id, description, count, method, vendor, witness, date, actor) -> dt.date:
    for name, value in (("box_id", box_id), ("description", description), ("vendor", vendor),
                        ("witness", witness), ("actor", actor)):
        if not isinstance(value, str) or not value.strip():
            raise DestructionError(f"paper destruction: {name} must be non-empty text, got {value!r}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise DestructionError(f"paper destruction of {box_id}: count must be a whole number of at least 1, got {count!r}")
    if method not in PAPER_METHODS:
        raise DestructionError(f"paper destruction of {box_id}: unknown method {method!r}; use one of "
                               f"{', '.join(PAPER_METHODS)}")
    if witness.strip() == actor.strip():
        raise DestructionError(f"paper destruction of {box_id}: the witness must be someone other than the actor")
    day = _date(date)
    if day > dt.datetime.now(TZ).date():
        raise DestructionError(f"paper destruction of {box_id}: date {day} is in the future; record it once done")
    return day


def record_paper_destruction(box_id: str, description: str, count: int, *, method: str, vendor: str, witness: str,
                             date, ledger, actor: str, customer_ids=(), reason: str = "") -> DestructionResult:
    """Record a manual step the kit cannot do: paper (``count`` sheets or files of box ``box_id``)
    destroyed by ``method`` (cross_cut_shredding, pulping, incineration) by ``vendor`` before
    ``witness`` on ``date``.  A ledger is required: the record is the point.
    NIST SP 800-88 category: Destroy."""
    day = _paper_check(box_id, description, count, method, vendor, witness, date, actor)
    if ledger is None:
        raise DestructionError(f"paper destruction of {box_id}: give the ledger to record it in")
    ids = _ids(customer_ids, required=False)
    _no_ids(ids, reason, description, box_id, vendor, witness)
    frame = pd.DataFrame([(box_id, "paper", count, 0, 0, "destroyed")], columns=FILE_COLUMNS)
    extra = {"box_id": box_id, "description": description, "count": count, "paper_method": method,
             "paper_method_zh": PAPER_METHODS[method][0], "paper_method_en": PAPER_METHODS[method][1],
             "vendor": vendor, "witness": witness, "date": day.isoformat()}
    if reason:
        extra["reason"] = reason
    result = DestructionResult(box_id, "paper", "paper_destruction", "destroy", len(ids), len(ids), 0, 0, frame,
                               (), ("paper",), extra=extra)
    return _record(ledger, actor, ids, result)


# -- several artefacts at once ------------------------------------------------------------------------

ARTEFACT_KINDS = ("dataset", "export", "file", "backup", "keystore", "paper")


class DestructionJob:
    """Destroy the same customers in several artefacts, then record the job in one more entry.

        job = DestructionJob(ids, actor="E0019", reason="PIPL Art. 47: service ended", ledger=ledger,
                             retained={"orders": "Tax rules Art. 29: 10 years"})
        report = job.dataset("data").export("crm.xlsx").backup("weekly.kitarc", key).run()

    Every artefact is checked before anything is destroyed (it exists, a backup has a key of 32
    bytes, a paper step is complete).  A step that fails stops the job with a DestructionError
    naming it; the steps before it stay done and recorded (``error.report``).
    """

    def __init__(self, customer_ids, *, actor: str, reason: str, ledger=None, retained=(),
                 identifiers: Identifiers | None = None):
        self.customer_ids = _ids(customer_ids)
        _who(actor, reason)
        _no_ids(self.customer_ids, reason)
        self.actor, self.reason, self.ledger = actor, reason, ledger
        self.retained = retained if isinstance(retained, Mapping) else tuple(
            [retained] if isinstance(retained, str) else retained)
        self.identifiers = identifiers
        self.steps: list[tuple[str, dict]] = []

    def dataset(self, path) -> "DestructionJob":
        self.steps.append(("dataset", {"path": path}))
        return self

    def export(self, path, id_column: str | None = None) -> "DestructionJob":
        self.steps.append(("export", {"path": path, "id_column": id_column}))
        return self

    def file(self, path) -> "DestructionJob":
        self.steps.append(("file", {"path": path}))
        return self

    def backup(self, path, key: bytes) -> "DestructionJob":
        self.steps.append(("backup", {"path": path, "key": key}))
        return self

    def keystore(self, keystore) -> "DestructionJob":
        self.steps.append(("keystore", {"keystore": keystore}))
        return self

    def paper(self, box_id: str, description: str, count: int, *, method: str, vendor: str, witness: str,
              date) -> "DestructionJob":
        self.steps.append(("paper", {"box_id": box_id, "description": description, "count": count, "method": method,
                                     "vendor": vendor, "witness": witness, "date": date}))
        return self

    def _check(self) -> None:
        if not self.steps:
            raise DestructionError("the destruction job has no artefacts")
        for n, (kind, args) in enumerate(self.steps, start=1):
            try:
                self._check_step(f"artefact {n} ({kind})", kind, args)
            except DestructionError as exc:
                message = str(exc)
                raise DestructionError(message if message.startswith("artefact ") else
                                       f"artefact {n} ({kind}): {message}") from None

    def _check_step(self, where: str, kind: str, args: dict) -> None:
        if kind == "dataset" and not Path(args["path"]).is_dir():
            raise DestructionError(f"{where}: {args['path']}: no such dataset folder")
        if kind in ("export", "file", "backup"):
            _file(args["path"], {"export": "export", "file": "file", "backup": "backup archive"}[kind])
            _no_ids(self.customer_ids, Path(args["path"]).name)
        if kind == "backup" and (not isinstance(args["key"], (bytes, bytearray)) or len(args["key"]) != 32):
            raise DestructionError(f"{where}: {args['path']}: the backup key must be 32 bytes")
        if kind == "paper":
            _paper_check(args["box_id"], args["description"], args["count"], args["method"], args["vendor"],
                         args["witness"], args["date"], self.actor)
            if self.ledger is None:
                raise DestructionError(f"{where}: a paper step needs the job's ledger to be recorded in")
        if kind == "keystore":
            from ..protect.keys import KeyStore

            if not isinstance(args["keystore"], KeyStore):
                raise DestructionError(f"{where}: needs an open KeyStore, got {type(args['keystore']).__name__}")

    def _retained_for(self, tables: set) -> object:
        if isinstance(self.retained, Mapping):
            return {t: r for t, r in self.retained.items() if t in tables}
        return tuple(t for t in self.retained if t in tables)

    def _tables_in(self, kind: str, args: dict) -> set:
        if kind == "dataset":
            return {p.stem for p in Path(args["path"]).rglob("*") if p.suffix.lower() in TABLE_SUFFIXES}
        from .archive import ArchiveError, read_manifest

        try:
            manifest = read_manifest(args["path"], args["key"])
        except ArchiveError as exc:
            raise DestructionError(str(exc)) from None
        return {PurePosixPath(m["name"]).stem for m in manifest.get("members", [])}

    def run(self) -> DestructionReport:
        """Run every step in order; the report, with the job's own ledger entry."""
        self._check()
        names = list(self.retained)
        holding = [self._tables_in(k, a) for k, a in self.steps if k in ("dataset", "backup")]
        for table in names:
            if not any(table in tables for tables in holding):
                raise DestructionError(f"retained table {table!r} is in none of the job's datasets or backups")
        common = {"ledger": self.ledger, "actor": self.actor, "reason": self.reason}
        results = []
        for n, (kind, args) in enumerate(self.steps, start=1):
            try:
                if kind == "dataset":
                    tables = self._tables_in(kind, args)
                    result = delete_rows(args["path"], self.customer_ids, retained=self._retained_for(tables), **common)
                elif kind == "export":
                    result = delete_from_export(args["path"], self.customer_ids, id_column=args["id_column"],
                                                identifiers=self.identifiers, **common)
                elif kind == "file":
                    result = destroy_file(args["path"], customer_ids=self.customer_ids, **common)
                elif kind == "backup":
                    tables = self._tables_in(kind, args)
                    result = delete_from_backup(args["path"], args["key"], self.customer_ids,
                                                retained=self._retained_for(tables), **common)
                elif kind == "keystore":
                    result = crypto_shred(args["keystore"], self.customer_ids, **common)
                else:
                    result = record_paper_destruction(**args, customer_ids=self.customer_ids, **common)
            except DestructionError as exc:
                done = DestructionReport(tuple(results), tuple(self.customer_ids), self.actor, self.reason)
                error = DestructionError(f"artefact {n} ({kind}): {exc}; the {len(results)} step(s) before it "
                                         f"are done and recorded")
                error.report = done
                raise error from None
            results.append(result)
        report = DestructionReport(tuple(results), tuple(self.customer_ids), self.actor, self.reason)
        if self.ledger is not None:
            entry = self.ledger.append("destruction", actor=self.actor, subjects=list(self.customer_ids),
                                       details=_job_details(report))
            object.__setattr__(report, "entry", entry)
        return report


def _job_details(report: DestructionReport) -> dict:
    return {
        "operation": "destruction_job", "reason": report.reason, "customers": report.customers,
        "rows_destroyed": report.rows_destroyed, "files_destroyed": report.files_destroyed,
        "categories": sorted({r.category for r in report.results}),
        "steps": [{"artefact": Path(r.artefact).name or r.artefact, "kind": r.kind, "method": r.method,
                   "category": r.category, "rows_destroyed": r.rows_destroyed, "files_destroyed": r.files_destroyed,
                   "retained": [t for t, _ in r.retained],
                   "entry_seq": getattr(r.entry, "seq", None), "entry_hash": getattr(r.entry, "hash", None)}
                  for r in report.results],
    }


def destroy_customers(plan: Mapping) -> DestructionReport:
    """Run a destruction described as data::

        {"customer_ids": [...], "actor": "E0019", "reason": "...", "ledger": ledger,
         "retained": {"orders": "..."}, "identifiers": None,
         "artefacts": [{"kind": "dataset", "path": "data"},
                       {"kind": "export", "path": "crm.csv", "id_column": "客户编号"},
                       {"kind": "backup", "path": "weekly.kitarc", "key": key},
                       {"kind": "keystore", "keystore": store},
                       {"kind": "file", "path": "old.xlsx"},
                       {"kind": "paper", "box_id": "P04", "description": "...", "count": 431,
                        "method": "cross_cut_shredding", "vendor": "...", "witness": "...", "date": "2026-05-10"}]}
    """
    if not isinstance(plan, Mapping):
        raise DestructionError(f"the plan must be a mapping, got {type(plan).__name__}")
    missing = [k for k in ("customer_ids", "actor", "reason", "artefacts") if k not in plan]
    if missing:
        raise DestructionError(f"the plan has no {missing[0]!r}")
    job = DestructionJob(plan["customer_ids"], actor=plan["actor"], reason=plan["reason"], ledger=plan.get("ledger"),
                         retained=plan.get("retained", ()), identifiers=plan.get("identifiers"))
    for n, item in enumerate(plan["artefacts"], start=1):
        if not isinstance(item, Mapping) or item.get("kind") not in ARTEFACT_KINDS:
            kind = item.get("kind") if isinstance(item, Mapping) else item
            raise DestructionError(f"plan artefact {n}: kind {kind!r} is not one of {', '.join(ARTEFACT_KINDS)}")
        args = {k: v for k, v in item.items() if k != "kind"}
        try:
            getattr(job, item["kind"])(**args)
        except TypeError as exc:
            raise DestructionError(f"plan artefact {n} ({item['kind']}): {exc}") from None
    return job.run()
