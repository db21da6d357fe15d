"""Encrypted backups of a folder or of the ledger, their verification, and a restore test.

A backup is one archive (:mod:`kitlib.lifecycle.archive`, kind ``backup``) holding every file of
a folder; its ``meta`` carries the content manifest (:mod:`kitlib.lifecycle.manifest`) with
per-table row counts and column fingerprints, so a restore is checked for content, not only for
bytes.  A backup is only as good as its last restore test: :func:`restore_backup` restores into
an empty scratch folder and compares what came back with the manifest, and optionally with the
live folder (``compare_with=``).

Each operation records itself in a ledger when one is given: ``backup`` on create (and on
verify), ``restore`` on restore, with the archive's name, SHA-256 and size, the key's id (``archive.key_id``: which key
opens it), file and row counts (no identifiers).
"""
from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .archive import ArchiveError, extract_archive, key_id, read_archive, read_manifest, write_archive
from .manifest import Comparison, build_manifest, compare_manifests, list_files, manifest_digest

__all__ = ["BackupError", "BackupCheck", "RestoreReport", "create_backup", "verify_backup",
           "restore_backup", "backup_ledger", "file_sha256"]


class BackupError(ValueError):
    """A backup or restore that cannot start (bad folder, non-empty target ...); one line."""


def file_sha256(path) -> str:
    """SHA-256 (hex) of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rows(content: dict) -> int:
    return sum(f["table"]["rows"] for f in content["files"].values() if f.get("table"))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _write(dest, members: dict, key: bytes, kind: str, meta: dict, ledger, actor: str) -> dict:
    content = build_manifest(members)
    manifest = write_archive(dest, members, key, kind=kind, meta={**meta, "content": content})
    if ledger is not None:
        ledger.append("backup", actor=actor, details={
            "operation": "create", "archive": Path(dest).name, "archive_sha256": file_sha256(dest),
            "archive_bytes": Path(dest).stat().st_size, "archive_id": manifest["archive_id"],
            "kind": kind, "key_id": key_id(key), "files": len(members), "rows": _rows(content),
            "bytes": sum(map(len, members.values())), "manifest_sha256": manifest_digest(content),
            "label": meta.get("label", "")})
    return manifest


def create_backup(source_dir, dest, key: bytes, *, ledger=None, actor: str = "kit", label: str = "") -> dict:
    """Every file under ``source_dir`` into one encrypted archive at ``dest`` (atomic); the
    archive's manifest, whose ``meta["content"]`` is the content manifest."""
    source = Path(source_dir)
    if not source.is_dir():
        raise BackupError(f"{source}: not a folder to back up")
    if _inside(Path(dest), source):
        raise BackupError(f"{dest}: the backup must not be written inside the folder it backs up ({source})")
    members = {name: path.read_bytes() for name, path in list_files(source)}
    if not members:
        raise BackupError(f"{source}: the folder holds no files to back up")
    return _write(dest, members, key, "backup", {"label": label, "source": source.name}, ledger, actor)


# -- verify --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BackupCheck:
    """``ok``; ``problems`` (one line each); ``manifest`` (None if even it could not be read);
    ``reason``: None, an ArchiveError reason (``wrong-key``, ``corrupt``, ``truncated`` ...) or
    ``content`` (members that do not match the content manifest)."""
    ok: bool
    problems: list = field(default_factory=list)
    manifest: dict | None = field(default=None, repr=False)
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if not self.ok:
            return "backup NOT OK: " + "; ".join(self.problems)
        members = self.manifest["members"] if self.manifest else []
        return (f"backup OK: {len(members)} files, {sum(m['size'] for m in members):,} bytes, every chunk "
                f"authenticates and matches the manifest")


def verify_backup(path, key: bytes, *, ledger=None, actor: str = "kit") -> BackupCheck:
    """Decrypt and check every byte and the content manifest; never raises on a damaged archive
    (ok False with the reason), but a missing file raises FileNotFoundError.  With a ledger, the
    check is recorded (a ``backup`` entry, operation ``verify``): evidence of regular verification."""
    path, named = Path(path), key_id(key)             # a key that is not 32 bytes raises here
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such backup file")
    check = _verify(path, key)
    if ledger is not None:
        manifest = check.manifest or {}
        ledger.append("backup", actor=actor, details={
            "operation": "verify", "archive": path.name, "archive_sha256": file_sha256(path),
            "archive_bytes": path.stat().st_size, "archive_id": manifest.get("archive_id"),
            "key_id": named, "ok": check.ok, "reason": check.reason, "problems": len(check.problems)})
    return check


def _verify(path: Path, key: bytes) -> BackupCheck:
    try:
        manifest, members = read_archive(path, key)
    except ArchiveError as exc:
        readable = None
        if exc.reason not in ("wrong-key", "damaged-header", "not-an-archive", "version"):
            try:
                readable = read_manifest(path, key)
            except ArchiveError:
                pass
        return BackupCheck(False, [str(exc)], readable, exc.reason)
    content = manifest.get("meta", {}).get("content")
    if content is None:
        return BackupCheck(True, [], manifest)
    comparison = compare_manifests(content, build_manifest(members))
    if comparison.ok:
        return BackupCheck(True, [], manifest)
    return BackupCheck(False, [f"{path.name}: the members do not match the content manifest: {p}"
                               for p in comparison.problems()], manifest, "content")


# -- restore -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RestoreReport:
    """The outcome of a restore test: ``ok``; the ``target`` folder; ``comparison`` of what was
    restored with the backup's manifest and, if asked, ``source_comparison`` with a live folder;
    ``problems`` (one line each)."""
    ok: bool
    target: Path
    manifest: dict | None
    comparison: Comparison | None
    source_comparison: Comparison | None = None
    problems: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def frame(self, lang: str = "en") -> pd.DataFrame:
        """Per file: status against the manifest (and against the live folder, if compared)."""
        if self.comparison is None:
            return pd.DataFrame(columns=["file", "status", "verdict", "detail"])
        out = self.comparison.frame(lang)[["file", "status", "verdict", "source_rows", "target_rows", "detail"]]
        if self.source_comparison is not None:
            live = self.source_comparison.frame(lang).set_index("file")
            out = out.assign(vs_live=out["file"].map(live["verdict"]))
        return out

    def __str__(self) -> str:
        return "restore OK" if self.ok else "restore NOT OK: " + "; ".join(self.problems)


def restore_backup(path, key: bytes, target_dir, *, ledger=None, actor: str = "kit",
                   compare_with=None) -> RestoreReport:
    """Restore the backup at ``path`` into the empty (or new) folder ``target_dir`` and compare
    the result with the backup's content manifest and, if given, with the folder ``compare_with``.

    A damaged archive gives ``ok`` False with the reason; members before the damage are restored,
    none half-written.
    """
    path, target = Path(path), Path(target_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such backup file")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target}: restore needs an empty scratch folder; this one is not empty")
    target.mkdir(parents=True, exist_ok=True)
    problems, manifest, comparison, live = [], None, None, None
    try:
        manifest = read_manifest(path, key)
        extract_archive(path, key, target)
    except ArchiveError as exc:
        problems.append(str(exc))
    restored = build_manifest(target)
    if manifest is not None:
        content = manifest.get("meta", {}).get("content")
        if content is None:                       # an archive without a content manifest: bytes only
            content = {"files": {m["name"]: {"size": m["size"], "sha256": m["sha256"]} for m in manifest["members"]}}
        comparison = compare_manifests(content, restored)
        problems += [f"restored {p}" for p in comparison.problems()]
    if compare_with is not None:
        live = compare_manifests(build_manifest(compare_with), restored)
        problems += [f"against {Path(compare_with).name}: {p}" for p in live.problems()]
    report = RestoreReport(not problems, target, manifest, comparison, live, problems)
    if ledger is not None:
        ledger.append("restore", actor=actor, details={
            "archive": path.name, "archive_sha256": file_sha256(path),
            "archive_id": manifest["archive_id"] if manifest else None,
            "files": len(restored["files"]), "rows": _rows(restored), "ok": report.ok,
            "problems": len(problems), "compared_with_live": compare_with is not None})
    return report


# -- the ledger ------------------------------------------------------------------------------------

def backup_ledger(ledger_path, dest, key: bytes, *, ledger=None, actor: str = "kit", label: str = "") -> dict:
    """A consistent snapshot of an SQLite ledger file (sqlite3's online backup API: safe while the
    ledger is in use) and its ``<name>.subject-key`` file, in one encrypted archive (kind
    ``ledger-backup``).  Restore it with :func:`restore_backup`; open the restored file with
    ``Ledger("sqlite:///<folder>/<name>")``."""
    db = Path(getattr(ledger_path, "file", None) or ledger_path)
    if not db.is_file():
        raise BackupError(f"{db}: no such ledger file")
    with tempfile.TemporaryDirectory(prefix="kit-ledger-backup-") as scratch:
        copy = Path(scratch) / db.name
        try:
            source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                target = sqlite3.connect(copy)
                try:
                    source.backup(target)
                    target.execute("PRAGMA journal_mode = DELETE")   # one self-contained file
                finally:
                    target.close()
            finally:
                source.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{db}: not an SQLite ledger ({exc})") from None
        members = {db.name: copy.read_bytes()}
    subject_key = db.with_name(db.name + ".subject-key")
    if subject_key.is_file():
        members[subject_key.name] = subject_key.read_bytes()
    return _write(dest, members, key, "ledger-backup", {"label": label, "source": db.name}, ledger, actor)
