"""The PostgreSQL database each pytest-xdist worker runs on (tests/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, _worker_database
from votes.settings import normalise_database_url


def test_a_worker_database_is_made_whatever_the_configured_name_holds(monkeypatch):
    """The worker's database name is the configured one's with `_gwN` after it, made with
    CREATE DATABASE "name" through text(): a `"` in the configured name ended the
    identifier there and the statement failed, and a `%` was doubled (another database was
    made, and the one connected to did not exist). It is quoted as an identifier and sent
    as it is."""
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set VOTES_TEST_DATABASE_URL to run these")
    base = make_url(normalise_database_url(PG_URL))
    odd = base.set(database=f'{base.database}"q:x%')
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw97")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    want = f'{base.database}"q:x%_gw97'
    quote = admin.dialect.identifier_preparer.quote_identifier
    with admin.connect() as conn:  # the configured database: _worker_database connects to it
        conn.exec_driver_sql(f"CREATE DATABASE {quote(odd.database)}")
    try:
        url = make_url(_worker_database(odd.render_as_string(hide_password=False)))
        assert url.database == want
        with admin.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM pg_database WHERE datname = :n"),
                               {"n": want}) == 1
        assert make_url(_worker_database(odd.render_as_string(hide_password=False))) \
            .database == want  # there already: used as it is
    finally:
        with admin.connect() as conn:
            for name in (want, odd.database):
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")
        admin.dispose()
