"""Migration: plan, dry run (writes nothing), migrate, verify; resumable after SIGKILL at any
moment; transfer packages for a successor."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from kitlib.ledger import Ledger
from kitlib.lifecycle.archive import ArchiveError, generate_key, write_archive
from kitlib.lifecycle.migrate import (BATCHES_TABLE, MigrationError, dry_run, import_transfer_package,
                                      make_transfer_package, migrate, plan_migration, verify_migration)
from kitlib.synth import generate
from kitlib.synth.writer import write_case

WORKER = Path(__file__).with_name("migration_worker.py")
TABLES = ["customers", "orders", "consents", "accounts", "tickets"]
KILLED = ["customers", "orders", "consents"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("case") / "dataset"
    write_case(generate(customers=300, seed=3), out)
    return out


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def read_table(url: str, name: str) -> pd.DataFrame:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        return pd.read_sql_table(name, conn)


def test_plan_lists_tables_columns_rows_and_batches(dataset, tmp_path):
    plan = plan_migration(dataset, sqlite_url(tmp_path / "t.db"), TABLES, batch_rows=100)
    frame = plan.frame().set_index("table")
    orders = pd.read_csv(dataset / "orders.csv", dtype=str)
    assert frame.loc["orders", "rows"] == len(orders)
    assert frame.loc["orders", "batches"] == -(-len(orders) // 100)
    assert plan.tables[0].columns == tuple(pd.read_csv(dataset / "customers.csv", nrows=0).columns)
    assert not (tmp_path / "t.db").exists()                # planning wrote nothing


def test_plan_refuses_bad_input_with_one_line(dataset, tmp_path):
    url = sqlite_url(tmp_path / "t.db")
    with pytest.raises(MigrationError, match="no table 'clients'"):
        plan_migration(dataset, url, ["clients"])
    with pytest.raises(MigrationError, match="batch_rows"):
        plan_migration(dataset, url, batch_rows=0)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "t.csv").write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(MigrationError, match=r"^t\.csv: line 3: 3 fields, expected 2$"):
        plan_migration(bad, url)


def test_plan_refuses_a_target_that_holds_other_data(dataset, tmp_path):
    url = sqlite_url(tmp_path / "t.db")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE customers (customer_id TEXT)")
        conn.exec_driver_sql("INSERT INTO customers VALUES ('CM1')")
    engine.dispose()
    with pytest.raises(MigrationError, match="table 'customers' already holds 1 rows that this migration did not write"):
        plan_migration(dataset, url, ["customers"])


def test_dry_run_writes_nothing_even_midway(dataset, tmp_path):
    db = tmp_path / "t.db"
    plan = plan_migration(dataset, sqlite_url(db), TABLES, batch_rows=50)
    first = dry_run(plan)
    assert not db.exists() and first.rows_to_write == plan.rows
    assert any("CREATE TABLE customers" in d for d in first.ddl)
    migrate(plan, stop_after_batches=5)
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = dry_run(plan)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files
    customers = second.tables.set_index("table").loc["customers"]
    assert customers["batches_done"] == 5 and customers["action"] == "resume: copy the remaining batches"
    assert second.rows_to_write == plan.rows - 5 * 50 and second.ddl == ()


def test_stopped_migration_resumes_to_an_exact_copy_recorded_in_the_ledger(dataset, tmp_path):
    url = sqlite_url(tmp_path / "t.db")
    ledger = Ledger("sqlite://")
    plan = plan_migration(dataset, url, TABLES, batch_rows=64)
    first = migrate(plan, ledger=ledger, actor="E0009", stop_after_batches=7)
    assert first.interrupted and not first.complete
    assert first.rows_written == 300 + 2 * 64            # customers: 5 batches (300 rows), orders: 2
    assert not verify_migration(plan).ok
    second = migrate(plan_migration(dataset, url, TABLES, batch_rows=64), ledger=ledger, actor="E0009")
    assert second.complete and int(second.tables["batches_skipped"].sum()) == 7
    check = verify_migration(plan)
    assert check.ok and check.complete, check.problems()
    assert len(read_table(url, "orders")) == len(pd.read_csv(dataset / "orders.csv"))
    entries = ledger.entries("migration")
    assert [e.details["complete"] for e in entries] == [False, True]
    assert entries[1].details["manifest_sha256"] == entries[0].details["manifest_sha256"]
    assert entries[1].details["rows_written"] + entries[0].details["rows_written"] == plan.rows


def test_values_are_copied_as_text_exactly(dataset, tmp_path):
    url = sqlite_url(tmp_path / "t.db")
    migrate(plan_migration(dataset, url, ["customers"]))
    source = pd.read_csv(dataset / "customers.csv", dtype=str, keep_default_na=False)
    target = read_table(url, "customers").fillna("")
    pd.testing.assert_frame_equal(source.sort_values("customer_id").reset_index(drop=True),
                                  target.sort_values("customer_id").reset_index(drop=True))


def test_verify_names_every_kind_of_difference(dataset, tmp_path):
    url = sqlite_url(tmp_path / "t.db")
    plan = plan_migration(dataset, url, TABLES)
    migrate(plan)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM customers WHERE rowid IN (SELECT rowid FROM customers LIMIT 4)")
        conn.exec_driver_sql("INSERT INTO orders SELECT * FROM orders LIMIT 3")
        conn.exec_driver_sql("UPDATE consents SET channel = channel || '?' WHERE rowid = 10")
        conn.exec_driver_sql("DROP TABLE tickets")
    engine.dispose()
    check = verify_migration(plan)
    assert not check.ok
    found = {f.name: f for f in check.comparison.files}
    assert (found["customers"].status, found["customers"].target_rows) == ("rows-differ", 296)
    assert (found["orders"].status, found["orders"].duplicates) == ("rows-differ", 3)
    assert (found["consents"].status, found["consents"].columns) == ("values-differ", ("channel",))
    assert found["tickets"].status == "missing" and found["accounts"].status == "ok"
    assert len(check.problems()) == 4


def test_changed_source_after_planning_is_refused(dataset, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    plan = plan_migration(source, sqlite_url(tmp_path / "t.db"))
    (source / "t.csv").write_text("a,b\n1,3\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="t.csv: changed since the migration was planned"):
        migrate(plan)


def test_existing_empty_table_with_same_columns_is_filled(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "t.csv").write_text("\ufeffa,b\n1,x\n2,\n", encoding="utf-8")
    url = sqlite_url(tmp_path / "t.db")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (b TEXT, a TEXT)")
    engine.dispose()
    plan = plan_migration(source, url)
    assert dry_run(plan).tables["action"].tolist() == ["copy rows into the existing empty table"]
    migrate(plan)
    assert verify_migration(plan).ok
    assert read_table(url, "t").fillna("<null>")["b"].tolist() == ["x", "<null>"]


def progress(engine) -> int:
    """Batches committed so far, as another process sees them."""
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT count(*) FROM {BATCHES_TABLE}")).scalar_one()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):     # no progress table yet
        return 0


@pytest.mark.parametrize("backend, rounds", [("sqlite", 3), ("postgresql", 2)])
def test_migration_killed_at_random_moments_resumes_without_loss_or_duplicates(dataset, tmp_path, backend, rounds,
                                                                                request):
    if backend == "sqlite":
        url = sqlite_url(tmp_path / "target.db")
        with sqlite3.connect(tmp_path / "target.db") as conn:     # WAL: the poller never waits for a lock
            conn.execute("PRAGMA journal_mode = WAL")
    else:
        url = request.getfixturevalue("pg_url")
    batch_rows = 20
    plan = plan_migration(dataset, url, KILLED, batch_rows=batch_rows)
    engine = sa.create_engine(url, connect_args={"timeout": 10} if backend == "sqlite" else {})
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    before = 0
    for round_ in range(rounds):
        target = before + rng.randint(3, (plan.batches - before) // 4)
        worker = subprocess.Popen([sys.executable, str(WORKER), str(dataset), url, str(batch_rows), *KILLED],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        while progress(engine) < target and worker.poll() is None:
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert worker.returncode == -signal.SIGKILL, (seed, round_, worker.stderr.read().decode()[-500:])
        done = progress(engine)
        assert before < done < plan.batches, (seed, round_, before, done)
        before = done
    resumed = migrate(plan_migration(dataset, url, KILLED, batch_rows=batch_rows))
    assert resumed.complete and int(resumed.tables["batches_skipped"].sum()) == before
    check = verify_migration(plan)
    assert check.ok and check.complete, (seed, check.problems())
    for table in plan.tables:
        assert len(read_table(url, table.target)) == table.rows
    assert progress(engine) == plan.batches
    engine.dispose()


def test_migrate_and_verify_on_postgresql(dataset, pg_url):
    plan = plan_migration(dataset, pg_url, ["customers", "ticket_spans"], batch_rows=1000)
    assert dry_run(plan).rows_to_write == plan.rows
    assert migrate(plan).complete
    assert verify_migration(plan).ok
    ids = read_table(pg_url, "customers")["customer_id"]
    assert ids.is_unique and len(ids) == 300


def test_transfer_package_round_trip_is_recorded(dataset, tmp_path):
    key = generate_key()
    ledger = Ledger("sqlite://")
    package = tmp_path / "to-successor.kar"
    manifest = make_transfer_package(dataset, package, key, ["customers", "orders"], ledger=ledger,
                                     recipient="Shanghai Successor Foods Co., Ltd.", actor="E0003",
                                     purpose="continue membership service")
    assert manifest["kind"] == "transfer" and sorted(manifest["meta"]["tables"]) == ["customers", "orders"]
    url = sqlite_url(tmp_path / "successor.db")
    report = import_transfer_package(package, key, url, ledger=ledger, actor="S0001")
    assert report.complete and report.check.ok
    made, imported = ledger.entries("migration")
    assert made.details["operation"] == "transfer-package" and made.details["recipient"].startswith("Shanghai Successor")
    assert made.details["rows"] == 300 + len(pd.read_csv(dataset / "orders.csv"))
    assert imported.details["package"] == "to-successor.kar" and imported.details["archive_id"] == manifest["archive_id"]
    assert imported.details["manifest_sha256"] == made.details["manifest_sha256"]
    again = import_transfer_package(package, key, url)        # importing twice duplicates nothing
    assert again.rows_written == 0 and again.check.ok


def test_damaged_or_foreign_packages_are_refused(dataset, tmp_path):
    key = generate_key()
    package = tmp_path / "p.kar"
    make_transfer_package(dataset, package, key, ["customers"], recipient="Successor")
    raw = bytearray(package.read_bytes())
    raw[-20] ^= 0xFF
    package.write_bytes(bytes(raw))
    url = sqlite_url(tmp_path / "t.db")
    with pytest.raises(ArchiveError, match="fails authentication"):
        import_transfer_package(package, key, url)
    write_archive(tmp_path / "b.kar", {"customers.csv": b"a\n1\n"}, key, kind="backup")
    with pytest.raises(MigrationError, match="not a transfer package"):
        import_transfer_package(tmp_path / "b.kar", key, url)
    assert not (tmp_path / "t.db").exists()
    with pytest.raises(MigrationError, match="recipient"):
        make_transfer_package(dataset, tmp_path / "x.kar", key, recipient=" ")
