"""Module 04's exercises, computed from real runs in a scratch folder.

* ``migration_check``: the case is migrated into a scratch SQLite database, then faults are
  planted (rows deleted in one table, rows duplicated in another, a column mangled — mojibake
  or a spreadsheet's ``1.36584E+10`` — a table dropped, others left alone).  The learner reads
  the evidence per table and names the fault; the right answer is what ``verify_migration``
  finds, not what was planted.
* ``backup_check``: several encrypted backups of the case, recorded in a ledger (the backup
  register); some are then damaged (a flipped byte, a cut) and one was made with another key.
  The learner compares each file with its register entry and names its state; the right answer
  is what ``verify_backup`` finds.

Both take a case (``kitlib.synth.Case``) or a dataset folder, a scratch folder and a seed; the
same seed gives the same rows, details and answers.  The drill's backup keys are derived from
the seed (training data only).
"""
from __future__ import annotations

import hashlib
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..i18n import get_lang, normalize
from ..learn.choices import ChoiceExercise
from .archive import key_id
from .backup import create_backup, file_sha256, verify_backup
from .manifest import FileComparison
from .migrate import MigrationCheck, migrate, plan_migration, verify_migration

__all__ = ["MIGRATION_VERDICTS", "BACKUP_VERDICTS", "MigrationDrill", "BackupDrill", "migration_check",
           "backup_check", "migration_verdict", "backup_verdict"]

MIGRATION_VERDICTS = (
    ("ok", "一致:完整且相同", "ok: complete and equal"),
    ("rows-missing", "缺少行", "rows missing"),
    ("rows-duplicated", "行重复", "rows duplicated"),
    ("values-changed", "某列的值被改变", "values changed in a column"),
    ("table-missing", "整张表缺失", "table missing"),
)
BACKUP_VERDICTS = (
    ("ok", "完好,可以恢复", "good: it restores"),
    ("corrupt", "已损坏(有字节被改动)", "corrupted (bytes changed)"),
    ("truncated", "不完整(文件被截断)", "truncated (the file is incomplete)"),
    ("wrong-key", "用另一把密钥加密,公司的备份密钥打不开", "made with another key: the company's backup key cannot open it"),
)

# table -> (column to mangle, how): tables of the case that customers' data lives in
_MIGRATION_TABLES = {"customers": ("mobile", "spreadsheet"), "accounts": ("product", "mojibake"),
                     "orders": ("invoice_title", "mojibake"), "consents": ("scope", "mojibake"),
                     "tickets": ("text", "mojibake"), "employees": ("work_mobile", "spreadsheet")}
_BACKUP_TABLES = ("customers", "accounts", "consents", "tickets")
_FAULTS = ("rows-missing", "rows-duplicated", "values-changed", "table-missing")


def _dataset(case_or_dir, workdir: Path) -> Path:
    if isinstance(case_or_dir, (str, Path)):
        return Path(case_or_dir)
    from ..synth.writer import write_case

    out = workdir / "dataset"
    write_case(case_or_dir, out, force=True)
    return out


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _mangle(value: str, how: str) -> str:
    if how == "spreadsheet":                      # a spreadsheet turned the number into a float
        digits = "".join(ch for ch in value if ch.isdigit())
        return f"{int(digits):.5E}".replace("E+0", "E+") if digits else value + "?"
    mangled = value.encode("utf-8").decode("gb18030", errors="replace")   # UTF-8 read as GBK
    return mangled if mangled != value else value + "\ufffd"


# -- migration check ---------------------------------------------------------------------------

def migration_verdict(found: FileComparison) -> str:
    """The verdict id for one table's verification result."""
    if found.status == "missing":
        return "table-missing"
    if found.status == "rows-differ":
        return "rows-duplicated" if (found.target_rows or 0) > (found.source_rows or 0) else "rows-missing"
    if found.status in ("values-differ", "rows-recombined", "columns-differ"):
        return "values-changed"
    return "ok" if found.ok else "values-changed"


@dataclass(frozen=True)
class MigrationDrill:
    """The exercise, the verification it was computed from, the right answers and the faults
    that were planted (for the trainer)."""
    exercise: ChoiceExercise
    check: MigrationCheck
    answers: dict
    planted: pd.DataFrame
    target_url: str = field(repr=False)


def _plant(url: str, table: str, fault: str, rng: random.Random) -> dict:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    column, how = _MIGRATION_TABLES[table]
    quoted = f'"{table}"'
    try:
        with engine.begin() as conn:
            rowids = [r for (r,) in conn.exec_driver_sql(f"SELECT rowid FROM {quoted} ORDER BY rowid")]
            k = min(len(rowids) // 3 or 1, rng.randint(3, 12))
            picked = rng.sample(rowids, k)
            if fault == "rows-missing":
                conn.execute(sa.text(f"DELETE FROM {quoted} WHERE rowid IN ({','.join(map(str, picked))})"))
            elif fault == "rows-duplicated":
                conn.execute(sa.text(f"INSERT INTO {quoted} SELECT * FROM {quoted} "
                                     f"WHERE rowid IN ({','.join(map(str, picked))})"))
            elif fault == "values-changed":
                rows = conn.execute(sa.text(f'SELECT rowid, "{column}" FROM {quoted} WHERE "{column}" IS NOT NULL '
                                            f"ORDER BY rowid")).all()
                changed = rng.sample(rows, min(k, len(rows)))
                for rowid, value in changed:
                    conn.execute(sa.text(f'UPDATE {quoted} SET "{column}" = :v WHERE rowid = :r'),
                                 {"v": _mangle(value, how), "r": rowid})
                k = len(changed)
            elif fault == "table-missing":
                conn.execute(sa.text(f"DROP TABLE {quoted}"))
                k = len(rowids)
            else:
                k = 0
    finally:
        engine.dispose()
    return {"table": table, "fault": fault, "rows": k, "column": column if fault == "values-changed" else ""}


def _evidence(found: FileComparison, check: MigrationCheck, lang: str) -> str:
    """What the verification shows for one table, without the verdict."""
    zh = lang == "zh-CN"
    table = check.plan.source_manifest["files"][f"{found.name}.csv"]["table"]
    source = f"源 {table['rows']} 行({table['distinct_rows']} 行互不相同)" if zh else \
        f"source {table['rows']} rows ({table['distinct_rows']} distinct)"
    target = check.target_manifest["files"].get(found.name, {}).get("table")
    if target is None:
        return f"{source};目标库中找不到这张表" if zh else f"{source}; target: no such table"
    columns = {c["name"]: c for c in table["columns"]}
    differ = [c["name"] for c in target["columns"]
              if c["name"] in columns and (c["fingerprint"], c["nulls"]) != (columns[c["name"]]["fingerprint"],
                                                                             columns[c["name"]]["nulls"])]
    shown = ", ".join(differ) if len(differ) <= 3 else f"{len(differ)}/{len(target['columns'])}"
    if zh:
        return (f"{source};目标 {target['rows']} 行({target['distinct_rows']} 行互不相同);"
                f"指纹不同的列:{shown or '无'}")
    return (f"{source}; target {target['rows']} rows ({target['distinct_rows']} distinct); "
            f"columns whose fingerprint differs: {shown or 'none'}")


_WHY = {
    "ok": ("行数、去重后的行数和每一列的指纹都与源清单一致:迁移完整无误。",
           "Rows, distinct rows and every column's fingerprint match the source manifest: complete and equal."),
    "rows-missing": ("目标的行数少于源清单记录的行数:有行没有迁过去。列指纹因此全部不同,不是哪一列出了错。",
                     "The target has fewer rows than the source manifest: rows were lost. That is why every "
                     "column's fingerprint differs; no single column is at fault."),
    "rows-duplicated": ("目标的行数多于源清单,而互不相同的行数没有变:多出来的是重复行(例如一个批次写了两次)。",
                        "The target has more rows than the source manifest, yet the same number of distinct rows: "
                        "the extra rows are duplicates (e.g. a batch written twice)."),
    "values-changed": ("行数相同,只有一列的指纹不同:这一列的值被改了(乱码,或被表格软件改成了科学计数法)。",
                       "Same rows, and only one column's fingerprint differs: that column's values were changed "
                       "(mojibake, or a spreadsheet's scientific notation)."),
    "table-missing": ("目标库里没有这张表:整张表没有迁移,或者迁移后被删掉了。",
                      "The target has no such table: it was never migrated, or dropped afterwards."),
}


def migration_check(case_or_dir, workdir, seed: int = 0, lang: str | None = None) -> MigrationDrill:
    """Migrate the case into ``workdir``/migration-check/target.db, plant faults (chosen by
    ``seed``) and return the exercise with the verification's answers."""
    lang = normalize(lang) if lang else get_lang()
    workdir = Path(workdir)
    source = _dataset(case_or_dir, workdir)
    folder = _fresh(workdir / "migration-check")
    url = f"sqlite:///{folder / 'target.db'}"
    rng = random.Random(f"migration-check {seed}")
    tables = sorted(_MIGRATION_TABLES)
    faults = list(_FAULTS) + ["ok", rng.choice(_FAULTS + ("ok",))]
    rng.shuffle(faults)
    plan = plan_migration(source, url, tables)
    migrate(plan)
    planted = pd.DataFrame([_plant(url, table, fault, rng) for table, fault in zip(tables, faults)])
    check = verify_migration(plan)
    found = {f.name: f for f in check.comparison.files}
    answers = {t: migration_verdict(found[t]) for t in tables}
    rows = [{"key": t, "title": t, "detail": _evidence(found[t], check, lang)} for t in tables]
    labels = {v[0]: (v[1], v[2]) for v in MIGRATION_VERDICTS}

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        right = answers[key]
        if given == right:
            return True, ""
        zh = lang == "zh-CN"
        why = _WHY[right][0 if zh else 1]
        name = labels[right][0 if zh else 1]
        evidence = found[key].describe("zh" if zh else "en")
        return False, (f"应为:{name}。{why}(核对结果:{evidence})" if zh
                       else f"Expected: {name}. {why} (verification: {evidence})")

    exercise = ChoiceExercise("migration-check", ("迁移后逐表核对:每张表出了什么问题?",
                                                  "After the migration, table by table: what went wrong?"),
                              pd.DataFrame(rows), MIGRATION_VERDICTS, marker)
    return MigrationDrill(exercise, check, answers, planted, url)


# -- backup check ------------------------------------------------------------------------------

def backup_verdict(reason: str | None) -> str:
    """The verdict id for a ``verify_backup`` reason (None: the backup is good)."""
    if reason is None:
        return "ok"
    if reason == "truncated":
        return "truncated"
    if reason == "wrong-key":
        return "wrong-key"
    return "corrupt"


@dataclass(frozen=True)
class BackupDrill:
    """The exercise; the archives by row key; the company's backup key; the ledger (register)
    entries by row key; the right answers; what ``verify_backup`` said."""
    exercise: ChoiceExercise
    archives: dict
    key: bytes = field(repr=False)
    register: dict = field(repr=False)
    answers: dict = field(default_factory=dict)
    checks: dict = field(repr=False, default_factory=dict)


def _drill_key(seed: int, name: str) -> bytes:
    return hashlib.sha256(f"kitlib drill 04 {name} key {seed}".encode()).digest()


_BACKUP_WHY = {
    "ok": ("大小、SHA-256 和密钥编号都与登记一致,解密校验通过:这份备份可以恢复。",
           "Size, SHA-256 and key id match the register and every chunk authenticates: this backup restores."),
    "corrupt": ("大小与登记相同,但 SHA-256 不同:有字节被改动(介质损坏或被篡改)。解密时相应的块无法通过认证。",
                "Same size as registered but a different SHA-256: bytes changed (bad media or tampering). The "
                "chunk concerned fails authentication."),
    "truncated": ("文件比登记的小:复制或上传没有完成,文件被截断。解密读到一半就没有数据了。",
                  "The file is smaller than registered: a copy or upload did not finish. Decryption runs out of "
                  "data halfway."),
    "wrong-key": ("文件本身完好(大小和 SHA-256 与登记一致),但登记的密钥编号不是公司的备份密钥:用公司密钥打不开。"
                  "打不开的备份等于没有备份;密钥要和备份登记一起管理。",
                  "The file is intact (size and SHA-256 match the register), but the registered key id is not the "
                  "company's backup key: the company key cannot open it. A backup nobody can decrypt is no backup; "
                  "manage keys together with the backup register."),
}


def backup_check(case_or_dir, workdir, seed: int = 0, lang: str | None = None) -> BackupDrill:
    """Make five backups of the case's customer tables under ``workdir``/backup-check, damage some
    (chosen by ``seed``) and return the exercise with ``verify_backup``'s answers."""
    from ..ledger import Ledger

    lang = normalize(lang) if lang else get_lang()
    workdir = Path(workdir)
    source = _dataset(case_or_dir, workdir)
    folder = _fresh(workdir / "backup-check")
    crm = folder / "crm"                      # what the nightly job backs up: the customer tables
    crm.mkdir()
    for name in _BACKUP_TABLES:
        if (source / f"{name}.csv").is_file():
            shutil.copy2(source / f"{name}.csv", crm / f"{name}.csv")
    if not any(crm.iterdir()):
        shutil.rmtree(crm)
        crm = source
    rng = random.Random(f"backup-check {seed}")
    kinds = ["ok", "corrupt", "truncated", "wrong-key", rng.choice(["ok", "corrupt", "truncated"])]
    rng.shuffle(kinds)
    company_key, other_key = _drill_key(seed, "company"), _drill_key(seed, "test")
    ledger = Ledger(f"sqlite:///{folder / 'register.sqlite'}")
    archives, register, checks, answers, rows = {}, {}, {}, {}, []
    for index, kind in enumerate(kinds):
        key = f"backup-{chr(ord('A') + index)}"
        path = folder / f"{key}.kar"
        create_backup(crm, path, other_key if kind == "wrong-key" else company_key, ledger=ledger,
                      actor="svc-backup", label=f"nightly {index + 1}")
        entry = ledger.entries("backup")[-1].details
        raw = path.read_bytes()
        if kind == "corrupt":
            at = rng.randrange(200, len(raw))
            raw = raw[:at] + bytes([raw[at] ^ (1 << rng.randrange(8))]) + raw[at + 1:]
        elif kind == "truncated":
            raw = raw[:rng.randrange(len(raw) // 3, len(raw) - 1)]
        if kind in ("corrupt", "truncated"):
            path.write_bytes(raw)
        archives[key], register[key] = path, entry
        checks[key] = verify_backup(path, company_key)
        answers[key] = backup_verdict(checks[key].reason)
        rows.append({"key": key, "title": path.name, "detail": _backup_evidence(path, entry, company_key, lang)})
    ledger.close()
    labels = {v[0]: (v[1], v[2]) for v in BACKUP_VERDICTS}

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        right = answers[key]
        if given == right:
            return True, ""
        zh = lang == "zh-CN"
        said = checks[key].problems[0] if checks[key].problems else ("校验通过" if zh else "verified")
        return False, (f"应为:{labels[right][0]}。{_BACKUP_WHY[right][0]}(verify_backup:{said})" if zh
                       else f"Expected: {labels[right][1]}. {_BACKUP_WHY[right][1]} (verify_backup: {said})")

    exercise = ChoiceExercise("backup-check", ("逐一核对备份:每份备份处于什么状态?",
                                               "Check each backup against the register: what state is it in?"),
                              pd.DataFrame(rows), BACKUP_VERDICTS, marker)
    return BackupDrill(exercise, archives, company_key, register, answers, checks)


def _backup_evidence(path: Path, entry: dict, company_key: bytes, lang: str) -> str:
    size = path.stat().st_size
    same_hash = file_sha256(path) == entry["archive_sha256"]
    company = key_id(company_key)
    if lang == "zh-CN":
        return (f"现在 {size:,} 字节(登记 {entry['archive_bytes']:,});SHA-256 与登记{'一致' if same_hash else '不同'};"
                f"登记的密钥编号 {entry['key_id'][:8]}(公司备份密钥 {company[:8]})")
    return (f"now {size:,} bytes (registered {entry['archive_bytes']:,}); SHA-256 "
            f"{'matches' if same_hash else 'differs from'} the register; registered key id {entry['key_id'][:8]} "
            f"(company backup key {company[:8]})")
