"""Run one migration to completion (or until killed): ``python migration_worker.py SOURCE URL BATCH_ROWS TABLE...``.

Used by tests/test_lifecycle_migrate.py, which SIGKILLs it midway and runs it again.
"""
import sys

from kitlib.lifecycle.migrate import migrate, plan_migration

if __name__ == "__main__":
    source, url, batch_rows, tables = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    print("started", flush=True)
    report = migrate(plan_migration(source, url, tables, batch_rows=batch_rows))
    print(report, flush=True)
