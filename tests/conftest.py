import pytest

from kitlib.synth import generate


@pytest.fixture(scope="session")
def case():
    """A mid-size case with both kinds of customer mix; shared by the read-only tests."""
    return generate(customers=5000, seed=11)


@pytest.fixture(scope="session")
def dissolution_case():
    return generate(customers=800, seed=5, scenario="dissolution")


# -- a real PostgreSQL for the progress-store tests ------------------------------------------

@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL 16 (``pgserver``) for the test session; the base URL for SQLAlchemy.

    Its data folder is not under pytest's tmp_path: run as root, pgserver runs postgres as
    another user, and every pytest session that starts resets /tmp/pytest-of-<user> to 0700,
    which would lock that user out of a concurrent session's server.
    """
    import shutil
    import tempfile
    from pathlib import Path

    pgserver = pytest.importorskip("pgserver")
    folder = Path(tempfile.mkdtemp(prefix="kit-pg-"))
    server = pgserver.get_server(folder, cleanup_mode="stop")
    try:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the session's PostgreSQL; dropped after the test."""
    import uuid

    import sqlalchemy as sa

    name = f"test_{uuid.uuid4().hex}"
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
