"""Two requests at once on PostgreSQL, in a given order, without sleeps.

Thread A runs until it enters a chosen function and is held there; thread B then runs until
it finishes or waits on a lock (seen in pg_locks); then A goes on. Each runs in its own app
context, so its own session and connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import create_engine, text

# A lock some backend of this test's own database waits for. pg_locks is the whole
# server's: unfiltered, a wait in another pytest-xdist worker's database released A early,
# and the race ran in the other order (now and then, under `-n auto`).
WAITING = ("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
           "WHERE NOT l.granted AND a.datname = current_database()")


def held_race(app, monkeypatch, module, name: str, act: Callable[[str], str]) -> dict:
    """Run act("A") and act("B") at once, A held on entering `module.name`; each outcome
    ({"A": …, "B": …}) is what act returned, a refusal's message, or "crash …"."""

    held, go = threading.Event(), threading.Event()
    real = getattr(module, name)

    def hold(*args, **kwargs):
        if threading.current_thread().name == "A" and not held.is_set():
            held.set()
            assert go.wait(30), "never released"
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, hold)
    outcome: dict[str, str] = {}

    def run(who):
        outcome[who] = outcome_of(app, lambda: act(who))

    a = threading.Thread(target=run, args=("A",), name="A")
    a.start()
    assert held.wait(30)
    b = threading.Thread(target=run, args=("B",), name="B")
    b.start()
    watcher = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with watcher.connect() as conn:
            while b.is_alive():  # until B is done or waits on a lock A holds
                if conn.execute(text(WAITING)).scalar():
                    break
                b.join(0.01)
    finally:
        watcher.dispose()
    go.set()
    a.join(30)
    b.join(30)
    return outcome


def outcome_of(app, call: Callable[[], object], ready: Callable[[], object] | None = None):
    """call() in an app context of its own (its own session and connection), after ready()
    if given: what it returned, a refusal's message, or "crash …"."""
    from votes.services.errors import DomainError

    with app.app_context():
        from votes.extensions import db

        if ready is not None:
            ready()
        try:
            return call()
        except DomainError as err:
            return err.message
        except Exception as exc:  # noqa: BLE001 - the test reports it
            return f"crash {type(exc).__name__}: {exc}"
        finally:
            db.session.remove()


def one_accepted(outcome: dict, words: str) -> str:
    """Of two clerks' entries raced by held_race (each act returning "accepted" or the
    page), exactly one went in and the other was refused in `words`, not by a crash: the
    one accepted ("A" or "B")."""
    accepted = [who for who, out in outcome.items() if out == "accepted"]
    assert len(accepted) == 1, outcome
    refused = outcome["B" if accepted == ["A"] else "A"]
    assert words in refused and "crash" not in refused, outcome
    return accepted[0]

