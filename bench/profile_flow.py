"""Where one owner's phone flow spends its time, in-process (no HTTP, no gunicorn).

    VOTES_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_votes \\
        .venv/bin/python bench/profile_flow.py [--flows 40] [--profile STEP|all] [--top 30]

The database is WIPED (its name must contain "bench" or "test"). The app runs as under
gunicorn (config of tests/live_gunicorn.py), driven by Flask's test client through the
same flow as bench/load.py. Printed per request: median wall time, median CPU time of this
thread, SQL statements, and the mean CPU of this machine's PostgreSQL processes. With
--profile a cProfile of that request (or of whole flows).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import STEPS, database_url, postgres_cpu, prepare  # noqa: E402
from tests.live_gunicorn import Response, app_config, owner_flow  # noqa: E402


class ClientOwner:
    """The Owner interface of tests/live_gunicorn.py over Flask's test client."""

    def __init__(self, app, profile: str | None, profiler: cProfile.Profile, counter: list):
        self.client = app.test_client()
        self.timings: list = []
        self.cpu: list = []
        self.database: list = []
        self.sql: list = []
        self.profile, self.profiler, self.counter = profile, profiler, counter

    def request(self, step, method, path, form=None):
        on = self.profile in (step, "all")
        before = len(self.counter)
        database = postgres_cpu()
        started, cpu = time.perf_counter(), time.thread_time()
        if on:
            self.profiler.enable()
        resp = self.client.open(path, method=method, data=form)
        if on:
            self.profiler.disable()
        self.cpu.append((step, time.thread_time() - cpu))
        self.timings.append((step, time.perf_counter() - started))
        self.sql.append((step, len(self.counter) - before))
        self.database.append((step, postgres_cpu() - database))
        location = resp.headers.get("Location", "")
        if location.startswith("http"):
            location = "/" + location.split("/", 3)[3]
        return Response(resp.status_code, location, resp.get_data(as_text=True), 0.0)

    def close(self):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("VOTES_BENCH_DATABASE_URL"))
    parser.add_argument("--flows", type=int, default=40)
    parser.add_argument("--profile", default=None, help="a step name, or 'all'")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    url = database_url(parser, args.database_url)
    from sqlalchemy import event

    from votes import create_app
    from votes.extensions import db

    with tempfile.TemporaryDirectory(prefix="votes-profile-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        voters = prepare(url, instance, args.flows + 4)
        app = create_app({**app_config(url, instance), "RATELIMIT_ENABLED": False})
        counter: list = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda *a, **k: counter.append(1))
        try:  # PostgreSQL's one-statement append is sent by psycopg itself: count it too
            from votes.services import pg_append

            real_append = pg_append.append_ballots
            pg_append.append_ballots = lambda *a, **k: counter.append(1) or real_append(*a, **k)
        except ImportError:  # an older tree, measured for comparison
            pass
        try:  # the owner pages' reads on the driver's cursor (votes/services/rows.py)
            from votes.services import rows

            real_fetch = rows.fetch
            rows.fetch = lambda *a, **k: counter.append(1) or real_fetch(*a, **k)
            if hasattr(rows, "write_and_commit"):  # a last write with its COMMIT
                real_write = rows.write_and_commit
                rows.write_and_commit = lambda *a, **k: counter.append(1) or real_write(*a, **k)
        except ImportError:
            pass
        profiler = cProfile.Profile(time.thread_time) if os.environ.get("BENCH_CPU") \
            else cProfile.Profile()
        warm = ClientOwner(app, None, profiler, counter)
        owner_flow(warm, *voters.pop(), "agree")
        wall, cpu, sql, database = [], [], [], []
        for _ in range(args.flows):
            owner = ClientOwner(app, args.profile, profiler, counter)
            owner_flow(owner, *voters.pop(), "agree")
            wall += owner.timings
            cpu += owner.cpu
            sql += owner.sql
            database += owner.database
    # PostgreSQL's CPU comes from /proc in clock ticks (10 ms): only its mean over many
    # requests means anything, and it includes the server's background processes.
    print(f"{args.flows} flows in-process: median wall ms / CPU ms / SQL statements / "
          "PostgreSQL's mean CPU ms (this machine's server)")
    total_wall = total_cpu = total_database = 0.0
    for step in STEPS:
        w = statistics.median(s for n, s in wall if n == step) * 1000
        c = statistics.median(s for n, s in cpu if n == step) * 1000
        q = statistics.median(s for n, s in sql if n == step)
        d = statistics.mean(s for n, s in database if n == step) * 1000
        total_wall, total_cpu, total_database = total_wall + w, total_cpu + c, total_database + d
        print(f"  {step:12s} {w:6.1f} {c:6.1f} {q:3.0f} {d:6.2f}")
    print(f"  {'flow':12s} {total_wall:6.1f} {total_cpu:6.1f}     {total_database:6.2f}")
    if args.profile:
        if os.environ.get("BENCH_DUMP"):
            profiler.dump_stats(os.environ["BENCH_DUMP"])
        stats = pstats.Stats(profiler)
        stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
