"""Pooled PostgreSQL connections are not pinged on every check-out (a round trip per
request), yet a connection the server dropped is replaced before a request uses it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_CONFIG


@pytest.fixture
def pg_app(pg_schema, tmp_path):
    from votes import create_app

    def make(**config):
        app = create_app({**TEST_CONFIG, "DATABASE_URL": pg_schema,
                          "INSTANCE_PATH": str(tmp_path / "instance"), **config})
        made.append(app)
        return app

    made: list = []
    yield make
    from votes.extensions import db

    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _backend_pid(app) -> int:
    """One request's worth of work: take a pooled connection, query, give it back."""
    from votes.extensions import db

    with app.app_context():
        try:
            return db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        finally:
            db.session.remove()


@pytest.fixture
def pings(monkeypatch):
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    made: list = []
    real = PGDialect_psycopg.do_ping

    def counting(self, dbapi_connection):
        made.append(1)
        return real(self, dbapi_connection)

    monkeypatch.setattr(PGDialect_psycopg, "do_ping", counting)
    return made


def test_a_hot_connection_is_reused_without_a_ping(pg_app, pings):
    app = pg_app()
    with app.app_context():
        from votes.extensions import db

        assert db.engine.pool._pre_ping is False
    first = _backend_pid(app)
    assert [_backend_pid(app) for _ in range(5)] == [first] * 5
    assert pings == []


def test_a_terminated_connection_is_replaced_before_the_request_uses_it(pg_schema, pg_app,
                                                                         pings):
    app = pg_app()
    victim = _backend_pid(app)
    admin = create_engine(pg_schema)
    with admin.connect() as conn:
        # Waits (up to 10 s) until the backend has exited: its socket is then closed.
        assert conn.execute(text("SELECT pg_terminate_backend(:pid, 10000)"),
                            {"pid": victim}).scalar_one()
    admin.dispose()
    replacement = _backend_pid(app)  # no OperationalError: the pool found it dead first
    assert replacement != victim
    assert len(pings) == 1
    assert _backend_pid(app) == replacement and len(pings) == 1


def test_an_idle_connection_is_pinged(pg_app, pings):
    app = pg_app(DATABASE_IDLE_PING_SECONDS=0)  # every check-out counts as long idle
    first = _backend_pid(app)
    assert _backend_pid(app) == first
    assert len(pings) == 1


def test_no_ping_per_checkout_on_either_database(app):
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is False and options["pool_recycle"] > 0


def test_a_description_is_the_drivers_made_on_demand(pg_app):
    """The app's cursors describe a result exactly as psycopg's own do (names, type codes,
    sizes, slicing, an empty select), and a description already handed out keeps
    describing its own result after the cursor runs another statement."""
    import psycopg

    from votes.extensions import db

    app = pg_app()
    query = "SELECT 1::int AS a, 'x'::text AS b, now() AS c, 2.5::numeric(4, 1) AS d"
    with app.app_context():
        raw = db.session.connection().connection.dbapi_connection
        try:
            cursor = raw.cursor()
            cursor.execute(query)
            ours = cursor.description
            plain = psycopg.ClientCursor(raw)
            plain.execute(query)
            theirs = plain.description
            assert type(ours) is not list  # the app's description, not psycopg's list
            assert len(ours) == 4 and [tuple(c) for c in ours] == [tuple(c) for c in theirs]
            assert [c.name for c in ours[-2:]] == ["c", "d"] and ours[0].type_code == 23
            cursor.execute("SELECT 'later' AS e")
            assert [c.name for c in ours] == ["a", "b", "c", "d"]
            assert [c.name for c in cursor.description] == ["e"]
            cursor.execute("SELECT")
            assert cursor.description is not None and len(cursor.description) == 0
            assert not cursor.description
            cursor.execute("SET TIME ZONE 'UTC'")
            assert cursor.description is None
        finally:
            db.session.remove()


def test_every_thread_of_a_worker_keeps_its_connection(pg_app, monkeypatch):
    """With gunicorn's 8 threads busy at once, the 8 connections they used are all kept for
    the next requests: SQLAlchemy's default pool of 5 closed 3 of them on the way back, and
    each reconnect cost the database a new server process."""
    from votes.extensions import db

    monkeypatch.delenv("VOTES_GUNICORN_THREADS", raising=False)
    app = pg_app()

    def busy_threads() -> set[int]:
        conns = [db.engine.connect() for _ in range(8)]
        try:
            return {c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in conns}
        finally:
            for c in conns:
                c.close()

    with app.app_context():
        first = busy_threads()
        assert len(first) == 8
        assert busy_threads() == first


def test_a_quiet_worker_keeps_to_the_connection_it_used_last(pg_app, monkeypatch):
    """One request at a time takes the connection given back last, not the longest idle of
    the pool (whose server process has gone cold)."""
    from votes.extensions import db

    monkeypatch.delenv("VOTES_GUNICORN_THREADS", raising=False)
    app = pg_app()
    with app.app_context():
        conns = [db.engine.connect() for _ in range(4)]
        pids = [c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in conns]
        for c in conns:
            c.close()
        for _ in range(3):
            with db.engine.connect() as c:
                assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() == pids[-1]


def test_the_pool_follows_the_configured_threads(monkeypatch):
    from votes.connections import engine_options

    url = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/votes"}
    monkeypatch.setenv("VOTES_GUNICORN_THREADS", "12")
    assert engine_options(url)["pool_size"] == 12
    assert engine_options({**url, "DATABASE_POOL_SIZE": "20"})["pool_size"] == 20
    assert "pool_size" not in engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})


def test_a_connection_dropped_under_a_plain_read_is_invalidated(pg_schema, pg_app):
    """The owner pages' reads on the driver's cursor (votes/services/rows.py) treat a
    dropped connection as SQLAlchemy does: its error, and the connection discarded."""
    from sqlalchemy import exc, literal, select

    from votes.extensions import db
    from votes.services import rows

    app = pg_app()
    with app.app_context():
        connection = db.session.connection()
        victim = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        admin = create_engine(pg_schema)
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid, 10000)"),
                                {"pid": victim}).scalar_one()
        admin.dispose()
        with pytest.raises(exc.OperationalError):
            rows.fetch(select(literal(1).label("n")), {})
        assert connection.invalidated
        db.session.remove()
    assert _backend_pid(app) != victim


def test_a_read_only_page_reads_on_its_own_connection_and_gives_it_back(pg_app):
    """tx.read_only: the reads run in autocommit on a connection of their own; the session
    keeps its transactions; the connection goes back to the pool without autocommit."""
    from sqlalchemy import literal, select

    from votes.extensions import db
    from votes.services import rows
    from votes.services.tx import read_only, reading_connection

    app = pg_app()
    with app.test_request_context():
        read_only()
        reading = reading_connection().driver_connection
        assert reading.autocommit and rows.driver_connection() is reading
        assert rows.fetch(select(literal(1).label("n")), {})[1] == [[1]]
        assert reading.info.transaction_status.name == "IDLE"  # no BEGIN was sent
        session_driver = db.session.connection().connection.driver_connection
        assert session_driver is not reading and not session_driver.autocommit
    assert reading.autocommit is False


def test_a_connection_given_back_in_autocommit_is_made_transactional(pg_app):
    from votes.extensions import db

    app = pg_app()
    with app.app_context():
        raw = db.engine.raw_connection()
        driver = raw.driver_connection
        driver.autocommit = True
        raw.close()
        assert driver.autocommit is False
