"""The data lifecycle at the address cancellation (modules 03 and 04).

* ``schedule``    the retention schedule as data (``data/retention.toml``); ``retention`` the planner;
* ``destroy``     destruction by method, each step in the ledger; ``residue`` the scan that proves
  it; ``certificate`` the destruction certificate; ``drills03`` module 03's two exercises;
* ``archive``, ``manifest``, ``backup``, ``migrate``  encrypted archives with manifests, backups
  with verified restores, resumable migrations and transfer packages; ``drills04`` module 04's.

Names are imported lazily (``from kitlib.lifecycle import plan_retention`` loads only
``retention``), so a migration worker does not pay for the planner.
"""
from __future__ import annotations

from ..lazy import lazy_exports

_NAMES = {
    "schedule": ["ACTIONS", "HOLD_REASONS", "TRIGGERS", "Citation", "Law", "LegalHold", "NotApplicable", "Period",
                 "PlanError", "RetentionRule", "RetentionSchedule", "ScheduleError", "ScheduleSettings",
                 "default_schedule_path", "load_holds", "load_schedule"],
    "retention": ["RetentionPlan", "plan_retention"],
    "destroy": ["DestructionError", "DestructionJob", "DestructionReport", "DestructionResult", "crypto_shred",
                "delete_from_backup", "delete_from_export", "delete_rows", "destroy_customers", "destroy_file",
                "record_paper_destruction"],
    "residue": ["Identifiers", "ResidueError", "ResidueReport", "identifiers_for", "scan_residue"],
    "certificate": ["CertificateError", "check_certificate", "destruction_certificate", "write_certificate"],
    "drills03": ["destruction_exercise", "retention_exercise", "exercise_situations", "RETENTION_OPTIONS"],
    "archive": ["ArchiveError", "generate_key", "key_id", "write_archive", "read_archive"],
    "manifest": ["build_manifest", "compare_manifests", "manifest_digest", "Comparison"],
    "backup": ["create_backup", "verify_backup", "restore_backup", "backup_ledger", "BackupCheck", "RestoreReport",
               "BackupError"],
    "migrate": ["plan_migration", "dry_run", "migrate", "verify_migration", "make_transfer_package",
                "import_transfer_package", "MigrationPlan", "MigrationError"],
    "drills04": ["migration_check", "backup_check"],
}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _NAMES)
