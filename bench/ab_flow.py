"""Whether a change makes the owner's phone flow cheaper: two revisions of the app, each in a
process of its own, run the same flow in turns (A B B A, repeated), and the server-side CPU
of a flow is compared block by block.

    VOTES_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_votes \\
        .venv/bin/python bench/ab_flow.py [--a HEAD~1] [--b HEAD] [--blocks 800] [--flows 2]

Why not two runs of bench/load.py: on two shared cores, two runs one after the other differ
by more (±10%) than one change to the owner's path moves (1–3%). Here both revisions are
alive at once and take turns a few seconds long, so a drift of the machine (another
process, the CPU's clock) falls on both. A turn is one flow by default: turns of 40 flows
left blocks ±10% apart, and their mean ±3%. Each block's difference is one sample; the
interval printed is over the blocks. Both processes take one hash seed: with random ones,
two processes of the same code differed by 1.3%. `--a HEAD --b HEAD` shows what the harness
calls a change when there is none (on a quiet machine: −0.3% and −0.5%, ±0.7%).

Each revision is checked out into a temporary git worktree and driven in-process through
Flask's test client (as bench/profile_flow.py), on a database of its own derived from the
given one (`<name>_a`, `<name>_b`, made when missing, WIPED: the name must contain "bench"
or "test"). What is compared is the thread CPU the requests take, not wall time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve(url: str, flows_wanted: int) -> int:
    """One side, run in its revision's worktree (this file may not be there: older revisions
    are measured too): prepare a vote with enough voters, then answer "N" on stdin with the
    CPU milliseconds of N whole flows (one JSON number a line)."""
    sys.path.insert(0, os.getcwd())  # this revision's votes/, not the installed one
    from bench.load import prepare
    from tests.live_gunicorn import Response, app_config, owner_flow

    class Client:
        def __init__(self, app):
            self.client = app.test_client()
            self.cpu = 0.0

        def request(self, step, method, path, form=None):
            started = time.thread_time()
            resp = self.client.open(path, method=method, data=form)
            body = resp.get_data(as_text=True)
            self.cpu += time.thread_time() - started
            location = resp.headers.get("Location", "")
            if location.startswith("http"):
                location = "/" + location.split("/", 3)[3]
            return Response(resp.status_code, location, body, 0.0)

        def close(self):
            pass

    from votes import create_app

    with tempfile.TemporaryDirectory(prefix="votes-ab-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        voters = prepare(url, instance, flows_wanted)
        app = create_app({**app_config(url, instance), "RATELIMIT_ENABLED": False})
        print(json.dumps("ready"), flush=True)
        for line in sys.stdin:
            count = int(line)
            cpu = 0.0
            for _ in range(count):
                owner = Client(app)
                owner_flow(owner, *voters.pop(), "agree")
                cpu += owner.cpu
            print(json.dumps(cpu * 1000 / count), flush=True)
    return 0


def _side_url(url: str, suffix: str) -> str:
    from sqlalchemy.engine import make_url

    base = make_url(url)
    return base.set(database=f"{base.database}_{suffix}").render_as_string(hide_password=False)


def _make_database(url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    from votes.settings import normalise_database_url

    engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": name}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def _worktree(rev: str, into: Path) -> Path:
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout.strip()
    path = into / sha[:12]
    if not path.exists():
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(path), sha], cwd=ROOT,
                       check=True)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("VOTES_BENCH_DATABASE_URL"))
    parser.add_argument("--a", default="HEAD~1", help="the revision measured as the base")
    parser.add_argument("--b", default="HEAD", help="the revision compared with it")
    parser.add_argument("--blocks", type=int, default=800, help="A B B A blocks")
    parser.add_argument("--flows", type=int, default=2,
                        help="flows each side a block (two turns of half as many)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.database_url or not any(w in args.database_url for w in ("bench", "test")):
        parser.error("--database-url (or VOTES_BENCH_DATABASE_URL) naming a PostgreSQL "
                     "database whose name contains 'bench' or 'test'; it is wiped")
    args.flows = max(2, args.flows - args.flows % 2)
    warm = max(40, 2 * args.flows)
    wanted = warm + 2 * args.blocks * args.flows + 4
    if args.serve:
        return serve(args.database_url, wanted)

    sys.path.insert(0, str(ROOT))
    from sqlalchemy.engine import make_url

    into = Path(tempfile.mkdtemp(prefix="votes-ab-trees-"))
    sides = {}
    try:
        for name, rev in (("a", args.a), ("b", args.b)):
            url = _side_url(args.database_url, name)
            _make_database(args.database_url, make_url(url).database)
            tree = _worktree(rev, into)
            sides[name] = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--serve",
                 "--database-url", url, "--blocks", str(args.blocks), "--flows", str(args.flows)],
                # One hash seed for both: two processes' dict layouts differ otherwise,
                # and with them their speed by about as much as a change measured here.
                env={**os.environ, "PYTHONHASHSEED": "0"},
                cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                stderr=subprocess.DEVNULL)
        for side in sides.values():
            if json.loads(side.stdout.readline()) != "ready":
                raise SystemExit("a side did not start")

        def turn(name: str, count: int) -> float:
            side = sides[name]
            side.stdin.write(f"{count}\n")
            side.stdin.flush()
            return json.loads(side.stdout.readline())

        for name in ("a", "b"):
            turn(name, warm)
        a_all, b_all = [], []
        for block in range(args.blocks):
            order = ("a", "b", "b", "a") if block % 2 == 0 else ("b", "a", "a", "b")
            got = {"a": [], "b": []}
            for name in order:
                got[name].append(turn(name, args.flows // 2))
            a_all.append(statistics.mean(got["a"]))
            b_all.append(statistics.mean(got["b"]))
            if args.blocks <= 40:
                print(f"block {block + 1:2d}: A {a_all[-1]:6.2f} ms a flow, B {b_all[-1]:6.2f} ms",
                      flush=True)
        # The change is the mean of the blocks' differences over A's mean (not the mean of
        # each block's ratio, which leans upwards when blocks are noisy).
        base = statistics.mean(a_all)
        differences = [b - a for a, b in zip(a_all, b_all)]
        change = statistics.mean(differences) / base * 100
        half = 2.0 * statistics.stdev(differences) / math.sqrt(len(differences)) / base * 100 \
            if len(differences) > 1 else float("nan")
        print(f"A {args.a}: {base:.2f} ms of CPU a flow")
        print(f"B {args.b}: {statistics.mean(b_all):.2f} ms")
        print(f"B against A: {change:+.1f}% (about 95%: {change - half:+.1f} … "
              f"{change + half:+.1f}) over {len(differences)} blocks of {args.flows} flows "
              "each side")
    finally:
        for side in sides.values():
            side.stdin.close()
            side.wait(timeout=60)
        for tree in into.iterdir():
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                           check=False)
        shutil.rmtree(into, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
