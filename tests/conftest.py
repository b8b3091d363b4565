"""Fixtures in the flaskr shape: app, client, runner — on SQLite, and on PostgreSQL too
when VOTES_TEST_DATABASE_URL names a server (CI sets it)."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from sqlalchemy import create_engine, text

from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from jinja2 import BytecodeCache

from tests import snapshots
from votes import create_app
from votes.services import sms_outbox
from votes.settings import normalise_database_url

# Property tests judge correctness, not speed: a loaded CI machine must not fail them on
# hypothesis's per-example deadline.
# CI (.ci/run) derandomizes: a commit's examples are the same on every run, so whether it
# lands never depends on the draw; runs elsewhere keep drawing new examples and finding more.
settings.register_profile("votes", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow],
                          derandomize=bool(os.environ.get("VOTES_HYPOTHESIS_DERANDOMIZE")))
settings.load_profile("votes")

PG_URL = os.environ.get("VOTES_TEST_DATABASE_URL", "")
SMS_WAIT = 30  # seconds: a background send still running after it is a test's hang
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-of-the-suite",
    # Random, as a real one is: 32 bytes of one letter fail `votes doctor`.
    "DATA_KEY": "YRfG+gnOWV210hMWLDcHP+e5ByDoeWXn9nXVEkfXXFA=",
    "KEY_PASSPHRASE": "test-passphrase-of-the-suite",
    "WTF_CSRF_ENABLED": False,
    "BASE_URL": "http://votes.test",
    # 验证导出包 in the request (votes/services/verify_jobs.py): the POST's redirect then
    # shows the result; tests/test_regulator_verify_jobs.py runs the real thread.
    "VERIFY_IN_REQUEST": True,
}


class _CompiledTemplates(BytecodeCache):
    """Every test makes its own app, and each app's Jinja environment would parse and
    compile every template it renders again (a tenth of the suite's time). Kept for the
    test process; a changed template has another checksum and is compiled afresh."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplates()


def _keep_url_builders() -> None:
    """Every test makes its own app, and each app's URL map compiles two Python functions
    for each of its ~180 routes (werkzeug's Rule._compile_builder: an AST, then compile):
    23 of the 34 ms an app took to make, some 85 s of the suite. A builder depends only on
    the rule's parsed parts, defaults and converters' types, so one made for the same rule
    by an earlier app is the same function; kept for the test process. Without the private
    method (another werkzeug) the apps compile their own, as before."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:
        return
    builders: dict = {}

    def kept(self, append_unknown: bool = True):
        key = (self.rule, self.host, self.subdomain, self.merge_slashes, repr(self.defaults),
               tuple(self._trace), tuple((name, type(converter))
                                         for name, converter in self._converters.items()),
               append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = kept


_keep_url_builders()


class _Client(FlaskClient):
    """The test client, which after each request waits for the SMS codes it queued on the
    lobby path (votes/services/sms_outbox.py): a test reads the code just after the tap, as
    a phone would a moment later. A test of the queue itself sets waits_for_sms = False."""

    waits_for_sms = True

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if self.waits_for_sms:
            assert sms_outbox.wait_idle(SMS_WAIT), "the SMS sender is still busy"
        return response


def _test_app(config: dict):
    app = create_app({**TEST_CONFIG, **config})
    app.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    app.test_client_class = _Client
    return app


@pytest.fixture(autouse=True)
def _cheap_password_hashes(request, monkeypatch):
    """Staff passwords hashed with argon2's production cost (64 MiB, 3 passes) took a third
    of the suite's time: tests sign in hundreds of times. A test marked real_password_hash
    keeps the production hasher (tests/test_staff_authz.py checks its parameters)."""
    if request.node.get_closest_marker("real_password_hash"):
        return
    from argon2 import PasswordHasher

    from votes.services import staff

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with snapshots.unwatched():
        monkeypatch.setattr(staff, "_hasher", cheap)
        monkeypatch.setattr(staff, "_DUMMY", cheap.hash("votes-dummy-password"))


def _upgraded_app(url: str, instance):
    app = _test_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        from votes.services.schema import upgrade_database

        upgrade_database()
    return app


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    base = tmp_path_factory.mktemp("template")
    path = base / "template.sqlite3"
    app = _upgraded_app(f"sqlite:///{path}", base / "instance")
    with app.app_context():
        from votes.extensions import db

        db.engine.dispose()
    return path


def _worker_database(url: str) -> str:
    """The configured database, or under pytest-xdist one of its own per worker (named
    after it, made on the same server when missing): each worker wipes and truncates its
    database, which another worker's tests must not see."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                       {"name": name}) is None:
            # Quoted as an identifier (a `"` in it ended a bare "…" early) and sent as it
            # is: text() read a `:x` in it as a parameter and doubled a `%`.
            quoted = engine.dialect.identifier_preparer.quote_identifier(name)
            conn.exec_driver_sql(f"CREATE DATABASE {quoted}")
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_schema(tmp_path_factory):
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set VOTES_TEST_DATABASE_URL to run these")
    url = _worker_database(normalise_database_url(PG_URL))
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = _upgraded_app(url, tmp_path_factory.mktemp("pg-instance"))
    with app.app_context():
        from votes.extensions import db

        db.engine.dispose()
    return url


def _truncate_all(url: str) -> None:
    """Every table empty and every id sequence back at its start, as TRUNCATE of all tables
    RESTART IDENTITY CASCADE leaves them. That TRUNCATE took 0.13-0.17 s a test (new files
    for each of 29 tables and their indexes, rows or none), a third of a PostgreSQL test's
    setup over some 1,200 of them; the few rows a test leaves are deleted in a few ms instead,
    children before parents, under the same ACCESS EXCLUSIVE locks TRUNCATE takes (so a
    connection a test left open still holds this up rather than writing into the next test),
    and the sequences used are set back to their start."""
    from votes.models import Base

    tables = [t.name for t in Base.metadata.sorted_tables]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("LOCK TABLE " + ", ".join(f'"{name}"' for name in tables)
                          + " IN ACCESS EXCLUSIVE MODE"))
        # A bulk test's many dead rows would slow the next tests' scans until a vacuum:
        # those tables are truncated as well (the one cost TRUNCATE is worth).
        bulky = [name for name in reversed(tables)
                 if conn.execute(text(f'DELETE FROM "{name}"')).rowcount > 10_000]
        if bulky:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in bulky)
                              + " CASCADE"))
        conn.execute(text(
            "SELECT setval(format('%I.%I', s.schemaname, s.sequencename), s.start_value, false)"
            " FROM pg_sequences s"
            " JOIN pg_namespace n ON n.nspname = s.schemaname"
            " JOIN pg_class q ON q.relname = s.sequencename AND q.relnamespace = n.oid"
            " JOIN pg_depend d ON d.objid = q.oid AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " WHERE s.schemaname = current_schema() AND s.last_value IS NOT NULL"
            " AND t.relname = ANY(:tables)"), {"tables": tables})
    engine.dispose()


def _sqlite_copy(template, tmp_path) -> str:
    path = tmp_path / "votes.sqlite3"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    url = request.getfixturevalue("pg_schema")
    _truncate_all(url)
    return url


def _app_on(url: str, tmp_path):
    app = _test_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance")})
    yield app
    # No send of this test's may run on into the next one's database.
    assert sms_outbox.wait_idle(SMS_WAIT), "the SMS sender is still busy"
    with app.app_context():
        from votes.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    yield from _app_on(database_url, tmp_path)


@pytest.fixture
def sqlite_app(sqlite_template, tmp_path):
    """An app on SQLite only, for tests that run once (browser paths) rather than per backend."""
    yield from _app_on(_sqlite_copy(sqlite_template, tmp_path), tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app



def pytest_collection_modifyitems(items):
    """A test marked postgresql_only has no SQLite variant (rather than one that skips, which
    CI counts as a failure): row locks between connections, PostgreSQL's own append path.
    One marked sqlite_only has no PostgreSQL variant: what it checks is made from records
    the database only hands back (a PDF's layout), and it is slow enough not to run twice."""
    def dropped(item) -> bool:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("database_url")
        return (backend == "sqlite" and item.get_closest_marker("postgresql_only") is not None
                or backend == "postgresql" and item.get_closest_marker("sqlite_only") is not None)

    items[:] = [item for item in items if not dropped(item)]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before the test's fixtures: tests/snapshots.py puts a kept database back only for a
    test that has patched nothing (but the cheap password hashes) when it calls a factory,
    as what a patch changes could change what the factory's commands leave."""
    snapshots.guard = None if item.get_closest_marker("no_snapshot") else (
        snapshots.patches, item.get_closest_marker("real_password_hash") is not None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item):
    snapshots.guard = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (VOTES_REQUIRE_ALL=1) a skipped test is a failure: nothing may skip there."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("VOTES_REQUIRE_ALL") == "1" and report.skipped \
            and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where everything must run: {reason}"


@pytest.fixture(autouse=True, scope="module")
def _module_browser_closed():
    """The browser tests of a module share one Chromium (tests/browser.py); it closes with
    the module."""
    yield
    browser = sys.modules.get("tests.browser")
    if browser is not None:
        browser.close_browser()
