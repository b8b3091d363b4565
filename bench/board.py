"""The public board under load on PostgreSQL, against baselines measured in the same run.

    VOTES_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_votes \\
        .venv/bin/python bench/board.py [--units 5000] [--ballots 2000] [--viewers 64] \\
        [--clients 16] [--flows-each 10] [--views-each 20]

The database is WIPED: its name must contain "bench" or "test". As bench/load.py: two
gunicorns side by side with config/gunicorn.conf.py, the baseline (bench/baseline_wsgi.py,
one INSERT + COMMIT per request) and the app. A vote on a roll of --units one-owner flats
is opened and --ballots paper ballots are put on its chain (in one transaction, not timed);
the owners who cast during the run are others.

What a notice's delivery brings at once: owners casting (the 7-request phone flow of
bench/load.py, --clients at once) while --viewers neighbours open the public board
(/p/<uid>, /p/<uid>/audit, the chain API /api/proposals/<uid>/chain and /api/heads in
turn, each on its own kept-alive connection, as fast as the server answers). Phases, in
this order, each timed alone on the same servers:

  1. 1 client: baseline p50, each board page's p50 (as a ratio to it)
  2. viewers alone: each page's p50/p99, gunicorn's and PostgreSQL's CPU per view
  3. casts alone            (A)
  4. casts with the viewers (B)
  5. casts alone            (A again)

Printed: the board pages' p50 ÷ baseline p50 at 1 client; their p50/p99 and CPU per view
with the viewers; and cast p99 with the viewers ÷ cast p99 without (the mean of 3 and 5),
the figure that says whether heavy board traffic slows the owners who vote. Compare ratios
within one run, never absolute figures across runs: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import (cpu_now, cpu_per, database_url, freeze_clients,  # noqa: E402
                        in_threads, pct, prepare)
from tests.live_gunicorn import Owner, app_config, gunicorn, owner_flow  # noqa: E402

PAGES = ("board", "audit", "chain", "heads")


def put_ballots(url: str, instance: Path, uid: str, count: int) -> set[str]:
    """`count` paper ballots on the vote's chain (bench/scale.py's, one transaction); the
    link tokens of the voters who now have one."""
    from sqlalchemy import select

    from bench.scale import _put_ballots
    from votes import create_app
    from votes.extensions import db
    from votes.models import Proposal, VoterAccess
    from votes.services.access import link_token
    from votes.services.tally import voted_voters

    app = create_app(app_config(url, instance))
    with app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.uid == uid))
        _put_ballots(proposal.id, count)
        voted = voted_voters(db.session, proposal)
        tokens = {link_token(proposal, a.voter_key, a.issue) for a in db.session.scalars(
            select(VoterAccess).where(VoterAccess.proposal_id == proposal.id))
            if a.voter_key in voted}
        db.session.remove()
        db.engine.dispose()
    return tokens


def paths(uid: str) -> dict[str, str]:
    return {"board": f"/p/{uid}", "audit": f"/p/{uid}/audit",
            "chain": f"/api/proposals/{uid}/chain?from=0", "heads": "/api/heads"}


def viewer(port: int, uid: str, count: int, offset: int, out: list, lock,
           stop: threading.Event | None = None) -> int:
    """`count` page views in turn (or until `stop`), timed; the number made."""
    where = paths(uid)
    neighbour = Owner(port)
    made = 0
    while (stop is None and made < count) or (stop is not None and not stop.is_set()):
        page = PAGES[(offset + made) % len(PAGES)]
        r = neighbour.request(page, "GET", where[page])
        assert r.status == 200, (page, r.status, r.text[:200])
        made += 1
    neighbour.close()
    with lock:
        out.extend(neighbour.timings)
    return made


def casts(port: int, voters: list, clients: int, each: int) -> list:
    """`clients` owners at once, each walking `each` phone flows; every request's timing."""
    mine = [[voters.pop() for _ in range(each)] for _ in range(clients)]
    timings: list = []
    lock = threading.Lock()

    def work(i):
        for uid, token, suffix in mine[i]:
            owner = Owner(port)
            owner_flow(owner, uid, token, suffix, ("agree", "disagree", "abstain")[i % 3])
            owner.close()
            with lock:
                timings.extend(owner.timings)

    in_threads(clients, work)
    return timings


def measure(url: str, tmp: Path, instance: Path, uid: str, voters: list, args) -> dict:
    with gunicorn(url, instance, tmp / "baseline.log", wsgi="bench.baseline_wsgi:app") as base, \
            gunicorn(url, instance, tmp / "app.log") as server:
        lock = threading.Lock()
        # Warm-up: every worker's connections and plans, the board's pages and the flow.
        warm: list = []
        in_threads(32, lambda i: viewer(server.port, uid, 8, i, warm, lock))
        casts(server.port, voters, 32, 2)

        def warm_base(i):
            b = Owner(base.port)
            for _ in range(20):
                assert b.request("insert", "POST", "/insert", {}).status == 200
            b.close()

        in_threads(32, warm_base)
        freeze_clients()
        out: dict = {}

        # 1. One client: the baseline and each page, interleaved on kept-alive connections.
        bare, one = Owner(base.port), Owner(server.port)
        where = paths(uid)
        for n in range(args.single):
            for page in PAGES:
                assert one.request(page, "GET", where[page]).status == 200
                assert bare.request("insert", "POST", "/insert", {}).status == 200
        bare.close()
        one.close()
        out["b50"] = statistics.median(s for _, s in bare.timings)
        out["single"] = {p: statistics.median(s for n, s in one.timings if n == p)
                         for p in PAGES}

        # 2. The viewers alone.
        seen: list = []
        since = cpu_now(server.process.pid)
        wall = in_threads(args.viewers, lambda i: viewer(server.port, uid, args.views_each, i,
                                                        seen, lock))
        out["views"] = len(seen)
        out["view_rate"] = len(seen) / wall
        out["view_cpu"] = cpu_per(server.process.pid, since, len(seen))
        out["pages"] = {p: (pct([s for n, s in seen if n == p], 50),
                            pct([s for n, s in seen if n == p], 99)) for p in PAGES}

        # 3–5. Casts alone, with the viewers, alone again.
        def cast_p99(timings):
            return pct([s for n, s in timings if n == "cast"], 99), \
                pct([s for n, s in timings if n == "cast"], 50)

        alone1 = casts(server.port, voters, args.clients, args.flows_each)
        stop = threading.Event()
        during: list = []
        background = [threading.Thread(target=viewer, args=(server.port, uid, 0, i, during,
                                                            lock, stop))
                      for i in range(args.viewers)]
        for t in background:
            t.start()
        started = time.perf_counter()
        busy = casts(server.port, voters, args.clients, args.flows_each)
        took = time.perf_counter() - started
        stop.set()
        for t in background:
            t.join()
        alone2 = casts(server.port, voters, args.clients, args.flows_each)
        out["cast_alone"] = [cast_p99(alone1), cast_p99(alone2)]
        out["cast_busy"] = cast_p99(busy)
        out["busy_views"] = len(during) / took
        out["busy_pages"] = {p: (pct([s for n, s in during if n == p] or [0], 50),
                                 pct([s for n, s in during if n == p] or [0], 99))
                             for p in PAGES}
    return out


def report(m: dict, args) -> None:
    b50 = m["b50"]
    print(f"\nbaseline (INSERT+COMMIT on the same stack): p50 {b50 * 1000:.1f} ms at 1 client")
    print(f"1 client, {args.single} views of each page: p50 ÷ baseline p50")
    for p in PAGES:
        print(f"  {p:6s} {m['single'][p] * 1000:7.1f} ms  {m['single'][p] / b50:6.2f}×")
    g, c, pg = m["view_cpu"]
    print(f"\n{args.viewers} viewers alone, {m['views']} views ({m['view_rate']:.0f}/s): "
          f"CPU per view gunicorn {g * 1000:.1f} ms, PostgreSQL {pg * 1000:.1f} ms, "
          f"clients {c * 1000:.1f} ms")
    for p in PAGES:
        p50, p99 = m["pages"][p]
        print(f"  {p:6s} p50 {p50 * 1000:7.1f} ms ({p50 / b50:6.1f}× baseline p50)  "
              f"p99 {p99 * 1000:7.1f} ms")
    (a99, a50), (c99, c50) = m["cast_alone"]
    alone99, alone50 = (a99 + c99) / 2, (a50 + c50) / 2
    busy99, busy50 = m["cast_busy"]
    print(f"\ncasts, {args.clients} clients × {args.flows_each} flows: alone p50/p99 "
          f"{a50 * 1000:.0f}/{a99 * 1000:.0f} ms then {c50 * 1000:.0f}/{c99 * 1000:.0f} ms; "
          f"with {args.viewers} viewers ({m['busy_views']:.0f} views/s) "
          f"{busy50 * 1000:.0f}/{busy99 * 1000:.0f} ms")
    print(f"  cast p99 with viewers ÷ without: {busy99 / alone99:.2f}  "
          f"(p50 {busy50 / alone50:.2f})")
    print("  pages during the casts, p50/p99 ms: " + ", ".join(
        f"{p} {m['busy_pages'][p][0] * 1000:.0f}/{m['busy_pages'][p][1] * 1000:.0f}"
        for p in PAGES))
    print(f"load average {os.getloadavg()[0]:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("VOTES_BENCH_DATABASE_URL"))
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--ballots", type=int, default=2000)
    parser.add_argument("--viewers", type=int, default=64)
    parser.add_argument("--views-each", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16, help="owners casting at once")
    parser.add_argument("--flows-each", type=int, default=10)
    parser.add_argument("--single", type=int, default=30, help="views of each page at 1 client")
    args = parser.parse_args()
    url = database_url(parser, args.database_url)
    needed = args.ballots + 64 + 3 * args.clients * args.flows_each
    if needed > args.units:
        parser.error(f"{needed} voters needed (ballots, warm-up, 3 phases of casts): "
                     "give more --units")
    with tempfile.TemporaryDirectory(prefix="votes-board-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        print(f"preparing {args.units} flats, {args.ballots} ballots …", flush=True)
        voters = prepare(url, instance, args.units)
        uid = voters[0][0]
        voted = put_ballots(url, instance, uid, args.ballots)
        voters = [v for v in voters if v[1] not in voted]
        m = measure(url, Path(tmp), instance, uid, voters, args)
    report(m, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
