"""The owner flow at a given arrival rate (open loop) on PostgreSQL.

    VOTES_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_votes \\
        .venv/bin/python bench/arrivals.py --rate 40 [--seconds 20] [--proposals 1] \\
        [--workers 4] [--threads 8]

The database is WIPED: its name must contain "bench" or "test". The app runs under
gunicorn with config/gunicorn.conf.py, as in bench/load.py, and is warmed the same way.
Owners then arrive at random moments at the given mean rate (a Poisson process with a fixed
seed). Each walks the whole phone flow (7 requests) and none waits for an earlier one to
finish. bench/load.py's 32 looping clients slow down when the server does; here the
arrivals keep coming, and a server that cannot keep up shows it as growing latency. Each
flow's time runs from its arrival, not from when a client thread was free to start it.

Printed: the rate achieved, each request's p50 / p99, a flow's time from arrival to receipt,
the cast's p99 (issue 8: < 250 ms), and the CPU per flow of gunicorn, PostgreSQL and the
clients (this process). Run it at several rates to see where the latency turns: that rate
is the machine's capacity for this flow, in ballots a minute.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import (STEPS, WARM, WARM_FLOWS, cpu_now, cpu_per, database_url,  # noqa: E402
                        freeze_clients, pct, prepare, warm_up)
from tests.live_gunicorn import Owner, gunicorn, owner_flow  # noqa: E402

SEED = 8
CLIENT_THREADS = 256  # more than can be busy at once below the machine's capacity


def arrival_times(rate: float, seconds: float, seed: int = SEED) -> list[float]:
    """Offsets in seconds of a Poisson process of `rate` arrivals a second."""
    chance, at, times = random.Random(seed), 0.0, []
    while True:
        at += chance.expovariate(rate)
        if at >= seconds:
            return times
        times.append(at)


def run(url: str, tmp: Path, instance: Path, voters: list, times: list[float],
        workers: int = 4, threads: int = 8) -> dict:
    with gunicorn(url, instance, tmp / "app.log", workers=workers, threads=threads) as server:
        warm_up(server, voters)
        freeze_clients()
        steps: list = []
        flows: list[float] = []
        late: list[float] = []
        lock = threading.Lock()

        def one(due: float, voter, choice: str) -> None:
            started = time.perf_counter()
            owner = Owner(server.port)
            owner_flow(owner, *voter, choice)
            owner.close()
            ended = time.perf_counter()
            with lock:
                steps.extend(owner.timings)
                flows.append(ended - due)  # from the arrival: waiting for a thread counts
                late.append(started - due)

        since = cpu_now(server.process.pid)
        began = time.perf_counter()
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            futures = []
            for n, offset in enumerate(times):
                due = began + offset
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                futures.append(pool.submit(one, due, voters.pop(),
                                           ("agree", "disagree", "abstain")[n % 3]))
            for future in futures:
                future.result()
        elapsed = time.perf_counter() - began
        cpu, clients, pg = cpu_per(server.process.pid, since, len(times))
        return {"elapsed": elapsed, "flows": flows, "late": late, "steps": steps,
                "cpu": cpu, "pg": pg, "clients": clients}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("VOTES_BENCH_DATABASE_URL"))
    parser.add_argument("--rate", type=float, required=True, help="owners arriving a second")
    parser.add_argument("--seconds", type=float, default=20, help="how long owners arrive")
    parser.add_argument("--proposals", type=int, default=1,
                        help="votes open at once, the owners spread over them")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn's worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    args = parser.parse_args()
    url = database_url(parser, args.database_url)
    if args.rate <= 0 or args.seconds <= 0 or args.workers < 1 or args.threads < 1:
        parser.error("--rate, --seconds, --workers and --threads must be above 0")
    times = arrival_times(args.rate, args.seconds)
    if not times:
        parser.error("no owner arrives in that time at that rate")
    with tempfile.TemporaryDirectory(prefix="votes-arrivals-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        print(f"preparing {len(times) + WARM * WARM_FLOWS} voters …", flush=True)
        voters = prepare(url, instance, len(times) + WARM * WARM_FLOWS + 8,
                         max(1, args.proposals))
        m = run(url, Path(tmp), instance, voters, times, args.workers, args.threads)
    flows, steps = m["flows"], m["steps"]
    achieved = len(flows) / m["elapsed"]
    print(f"\noffered {args.rate:g} owners/s ({args.rate * 60:.0f} ballots a minute) for "
          f"{args.seconds:g} s on {max(1, args.proposals)} proposal(s), {args.workers} workers "
          f"× {args.threads} threads: {len(flows)} flows, "
          f"{achieved:.1f} flows/s achieved (the last finished {m['elapsed']:.1f} s after the "
          "first arrived)")
    print(f"  a flow from arrival to receipt: p50 {pct(flows, 50) * 1000:.0f} ms, p99 "
          f"{pct(flows, 99) * 1000:.0f} ms; waiting for a client thread: p99 "
          f"{pct(m['late'], 99) * 1000:.1f} ms")
    print("  p50 / p99 ms: " + ", ".join(
        f"{step} {pct([s for n, s in steps if n == step], 50) * 1000:.0f} / "
        f"{pct([s for n, s in steps if n == step], 99) * 1000:.0f}" for step in STEPS))
    cast99 = pct([s for n, s in steps if n == "cast"], 99)
    print(f"  cast p99 {cast99 * 1000:.0f} ms  (target < 250 ms) "
          f"{'met' if cast99 < 0.25 else 'NOT met'}")
    cores = os.cpu_count() or 1
    busy = (m["cpu"] + m["pg"] + m["clients"]) * len(flows) / m["elapsed"] / cores
    print(f"  CPU per flow: gunicorn {m['cpu'] * 1000:.1f} ms, PostgreSQL {m['pg'] * 1000:.1f} "
          f"ms, clients {m['clients'] * 1000:.1f} ms; the {cores} cores {busy:.0%} busy with "
          "these")
    return 0


if __name__ == "__main__":
    sys.exit(main())
