"""The owner flow under load on PostgreSQL, against a baseline measured in the same run.

    VOTES_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_votes \\
        .venv/bin/python bench/load.py [--flows-1 20] [--clients 32] [--flows-each 20] \\
        [--proposals 1] [--rounds 1]

The database is WIPED: its name must contain "bench" or "test". Two gunicorns run side by
side with config/gunicorn.conf.py (4 gthread workers × 8 threads), each bound to a free
loopback port: the baseline (bench/baseline_wsgi.py: one bare INSERT + COMMIT per request on
the same stack) and the app. At 1 client each app flow is followed by 7 baseline requests,
so that both are timed in the same minutes of a shared machine, each server's requests on
one kept-alive connection; at N clients the baseline
runs alone before and after the app (the two averaged), the app alone in between; with
--rounds R the two alternate R times (B A B … A B) and each round's ratio is printed with
their median. Before anything is timed, 32 flows at once warm every worker (and 32 clients
the baseline's). Every owner walks the phone flow over HTTP (link, second-factor page,
second factor, ballot, confirm, cast, receipt: 7 requests) with cookies and CSRF tokens.
With --proposals N the voters are spread over N votes open at once on the same roll (each
its own chain and proposal lock), as at a district's peak. bench/arrivals.py runs the same
flow at a given arrival rate.

Printed, each as a ratio to the baseline (targets from issue 8), with the p50/p99 of every
request at N clients and the CPU per request or flow (from /proc) of each server, of
PostgreSQL and of the bench's own clients, which all share the machine's cores:
  1 client:   each owner request's p50 ÷ baseline p50              (target ≤ 2)
  N clients:  ballots/s ÷ (baseline requests/s ÷ 7)                (target ≥ 0.5)
              cast p99                                             (target < 250 ms)
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_gunicorn import Owner, app_config, gunicorn, owner_flow  # noqa: E402

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
STEPS = ("link", "verify_page", "verify", "ballot", "confirm", "cast", "receipt")
# Flows run at once before anything is timed (see warm_up): as many as gunicorn's 4 × 8
# threads, so that every worker opens the database connections it will use. With 16, the
# first second at 32 clients or 40 arrivals a second opened the rest: new server processes
# with cold caches, about 70 requests over 100 ms at once.
WARM = 32
# Flows each of those clients walks before anything is timed: enough for every pooled
# connection to have run each of the flow's statements a dozen times. PostgreSQL plans a
# statement anew until psycopg has prepared it (its 6th run on a connection) and then for
# the prepared statement's first 5 runs, 0.3–1.7 ms of the server's CPU each time
# (pg_stat_statements): with one flow each, the 1-client p50s of the once-a-flow pages
# (second-factor page, second factor, cast) included a plan, and the first round at load
# spent some 1.7 s of PostgreSQL's CPU planning, which a running server has long done.
WARM_FLOWS = 12


def resident_id(n: int) -> str:
    body = f"350502{1950 + n // 1000 % 50}0101{n % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def roll_csv(units: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["楼栋", "单元", "房号", "面积", "面积依据", "业主姓名", "证件号码", "业主类型",
                     "手机号", "分户账余额"])
    for n in range(units):
        building, rest = divmod(n, 96)
        entrance, rest = divmod(rest, 48)
        floor, side = divmod(rest, 2)
        writer.writerow([building + 1, entrance + 1, f"{floor + 1}{side + 1:02d}",
                         f"{80 + n % 40}.50", "登记", f"业主{n}", resident_id(n), "个人",
                         f"139{n:08d}", "5000.00"])
    return out.getvalue().encode()


def prepare(url: str, instance: Path, units: int, proposals: int = 1):
    """A wiped schema, a roll of `units` one-owner flats, `proposals` votes open now on it;
    the voters as (proposal uid, link token, ID suffix), each vote's in turn."""
    from sqlalchemy import create_engine, text

    from votes import create_app
    from votes.extensions import db
    from votes.services.communities import create_community
    from votes.services.demo import demo_voters
    from votes.services.lifecycle import refresh
    from votes.services.proposal_create import ProposalDraft, create_proposal
    from votes.services.roll_import import import_roll
    from votes.services.schema import upgrade_database
    from votes.settings import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = create_app(app_config(url, instance))
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with app.app_context():
        upgrade_database()
        # Created in the past through the app's own clock, so publicity runs its full days.
        app.config["VOTES_NOW"] = now - timedelta(days=9)
        create_community("LOAD", "负载测试小区", "350502")
        import_roll("LOAD", "load.csv", data=roll_csv(units))
        made = [create_proposal(ProposalDraft(
            community="LOAD", title=f"屋面防水{k + 1}", matter="use_fund", scope="all",
            budget="100000.00", items=("屋面防水:100000.00",),
            publicity_start=(now - timedelta(days=9)).isoformat(),
            voting_start=(now - timedelta(hours=1)).isoformat(),
            voting_end=(now + timedelta(days=14)).isoformat()), schedule=True)
            for k in range(proposals)]
        app.config["VOTES_NOW"] = now - timedelta(days=9) + timedelta(seconds=1)
        for proposal in made:
            refresh(proposal)
        app.config.pop("VOTES_NOW")
        each = []
        for proposal in made:
            proposal = refresh(proposal)
            assert proposal.state == "voting", proposal.state
            each.append([(proposal.uid, link.rsplit("/", 1)[1], suffix)
                         for _, link, suffix in demo_voters(proposal, units)])
        # Voter n votes on proposal n mod `proposals`: consecutive owners (and so the
        # clients at load) spread over the votes.
        voters = [each[n % proposals][n] for n in range(units)]
        db.session.remove()
        db.engine.dispose()
    return voters


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by a gunicorn master and its workers (from /proc)."""
    return _cpu(lambda entry, name, parent: entry == pid or parent == pid)


def postgres_cpu() -> float:
    """CPU seconds used so far by this machine's PostgreSQL processes (0 where the server
    runs elsewhere): the database's share of the cores the servers run on."""
    return _cpu(lambda entry, name, parent: name == "postgres")


def _cpu(chosen) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                head, rest = f.read().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        if chosen(int(entry), head.split("(", 1)[-1], int(fields[1])):  # fields[1]: parent
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def client_cpu() -> float:
    """CPU seconds this bench process (the clients) has used so far: it runs on the same
    cores as the servers, so its share is part of what either side can serve."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_now(pid: int) -> tuple[float, float, float]:
    """CPU seconds so far of (the gunicorn rooted at pid, the clients, PostgreSQL)."""
    return server_cpu(pid), client_cpu(), postgres_cpu()


def cpu_per(pid: int, since: tuple[float, float, float], count: int) -> tuple:
    """(gunicorn, clients, PostgreSQL) CPU seconds per item of `count` since cpu_now."""
    return tuple((now - then) / count for now, then in zip(cpu_now(pid), since))


def in_threads(count: int, work) -> float:
    """Run work(i) in `count` threads started together; the wall time they took."""
    start = threading.Barrier(count + 1)
    errors: list[BaseException] = []

    def run(i):
        start.wait()
        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - began


def warm_up(server, voters: list) -> None:
    """WARM_FLOWS flows from each of WARM clients at once, with voters taken from the end of
    `voters`. Each worker prepares its statements, fills its pool and decrypts the signing
    key on first use, and PostgreSQL caches each connection's plans: this reaches every
    worker and connection before anything is timed, so the figures are those of a running
    server, not of its first minute."""
    warm_voters = [[voters.pop() for _ in range(WARM_FLOWS)] for _ in range(WARM)]

    def warm(i):
        for voter in warm_voters[i]:
            owner = Owner(server.port)
            owner_flow(owner, *voter, "agree")
            owner.close()

    in_threads(WARM, warm)


def freeze_clients() -> None:
    """Keep the collector's full collections out of the timed part. The bench process built
    an app to prepare the vote (some 135,000 objects): a full collection of them stopped
    every client thread for about 100 ms, and every request in flight looked that much
    slower. Phones share no collector."""
    import gc

    gc.collect()
    gc.freeze()


def database_url(parser: argparse.ArgumentParser, given: str | None) -> str:
    """The bench's PostgreSQL URL, refused unless its database is named for wiping."""
    url = given or ""
    if not url.startswith("postgres") or not any(w in url.rsplit("/", 1)[-1]
                                                  for w in ("bench", "test")):
        parser.error("give a PostgreSQL URL (--database-url or VOTES_BENCH_DATABASE_URL) whose "
                     "database name contains 'bench' or 'test': it is wiped")
    return url


def measure(url: str, tmp: Path, instance: Path, voters: list, single: int,
            clients: int, each: int, each_base: int, rounds: int = 1) -> dict:
    """Both servers run side by side. At 1 client each app flow is followed by 7 baseline
    requests, so both see the same machine (other processes come and go on a shared one);
    at `clients` clients the baseline runs first, then the app, each alone."""
    with gunicorn(url, instance, tmp / "baseline.log", wsgi="bench.baseline_wsgi:app") as base, \
            gunicorn(url, instance, tmp / "app.log") as server:
        def warm_base(i):  # as many at once as the app gets: every pool opens its connections
            owner = Owner(base.port)
            for _ in range(len(STEPS) * WARM_FLOWS):  # as many requests as the app's warm-up
                assert owner.request("warm", "POST", "/insert", {}).status == 200
            owner.close()

        in_threads(WARM, warm_base)
        warm_up(server, voters)
        freeze_clients()
        bare = Owner(base.port)
        one: list = []
        cpu_app, cpu_base = server_cpu(server.process.pid), server_cpu(base.process.pid)
        # One kept-alive connection for every flow, as `bare` is one for every baseline
        # request: on a new connection the first request (the link) also waited for gunicorn
        # to accept it and set it up, about 0.5 ms that no baseline request paid.
        phone = None
        for _ in range(single):
            owner = Owner(server.port, conn=phone)
            owner_flow(owner, *voters.pop(), "agree")
            one.extend(owner.timings)
            phone = owner.conn
            for _ in range(len(STEPS)):
                assert bare.request("insert", "POST", "/insert", {}).status == 200
        if phone is not None:
            phone.close()
        bare.close()
        cpu_app = (server_cpu(server.process.pid) - cpu_app) / single
        cpu_base = (server_cpu(base.process.pid) - cpu_base) / (single * len(STEPS))
        out = {"b50": statistics.median(s for _, s in bare.timings),
               "single": {step: statistics.median(s for n, s in one if n == step)
                          for step in STEPS}, "cpu1": (cpu_base, cpu_app)}

        def insert(i):
            owner = Owner(base.port)
            for _ in range(each_base):
                assert owner.request("insert", "POST", "/insert", {}).status == 200
            owner.close()

        def baseline_at_load():
            since = cpu_now(base.process.pid)
            rate = clients * each_base / in_threads(clients, insert)
            return (rate, *cpu_per(base.process.pid, since, clients * each_base))

        # The baseline runs before and after each run of the app, and the two around it are
        # averaged: on a shared machine one short run of it moved by a third from minute to
        # minute. With several rounds, baseline and app alternate (B A B A … B).
        timings: list = []
        lock = threading.Lock()

        def work(i, mine):
            for uid, token, suffix in mine[i]:
                owner = Owner(server.port)
                owner_flow(owner, uid, token, suffix, ("agree", "disagree", "abstain")[i % 3])
                owner.close()
                with lock:
                    timings.extend(owner.timings)

        before = baseline_at_load()
        out["rounds"], out["base_rates"] = [], [before[0]]
        for _ in range(rounds):
            mine = [[voters.pop() for _ in range(each)] for _ in range(clients)]
            first = len(timings)
            since = cpu_now(server.process.pid)
            bps = clients * each / in_threads(clients, lambda i, mine=mine: work(i, mine))
            app = (bps, *cpu_per(server.process.pid, since, clients * each))
            after = baseline_at_load()
            casts = [t for n, t in timings[first:] if n == "cast"]
            out["rounds"].append({"app": app, "cast99": pct(casts, 99),
                                  "base": tuple((b + a) / 2 for b, a in zip(before, after))})
            out["base_rates"].append(after[0])
            before = after
    out["at_load"] = {step: (pct([s for n, s in timings if n == step], 50),
                             pct([s for n, s in timings if n == step], 99)) for step in STEPS}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("VOTES_BENCH_DATABASE_URL"))
    parser.add_argument("--flows-1", type=int, default=20, help="flows at 1 client")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--flows-each", type=int, default=20, help="flows per client at load")
    parser.add_argument("--proposals", type=int, default=1,
                        help="votes open at once on the same roll, the voters spread over "
                             "them (a district's peak: many communities, each its own lock)")
    parser.add_argument("--baseline-requests", type=int, default=100,
                        help="baseline requests per client at load, in each of its runs")
    parser.add_argument("--rounds", type=int, default=1,
                        help="at load, alternate baseline and app this many times (B A B … "
                             "A B), each app run with --flows-each flows per client: each "
                             "round's ratio is printed, and their median")
    args = parser.parse_args()
    url = database_url(parser, args.database_url)
    rounds = max(1, args.rounds)
    flows = args.flows_1 + rounds * args.clients * args.flows_each + WARM * WARM_FLOWS
    with tempfile.TemporaryDirectory(prefix="votes-load-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        print(f"preparing {flows} voters …", flush=True)
        voters = prepare(url, instance, flows + 8, max(1, args.proposals))
        each_base = max(1, args.baseline_requests)
        m = measure(url, Path(tmp), instance, voters, args.flows_1, args.clients,
                    args.flows_each, each_base, rounds)
    report(m, args.clients, args.flows_each, args.flows_1, max(1, args.proposals))
    return 0


def report(m: dict, clients: int, each: int, single_flows: int, proposals: int) -> None:
    b50, single, runs = m["b50"], m["single"], m["rounds"]

    def middle(values):
        return statistics.median(values)

    # Per round: (ballots/s, gunicorn CPU, clients' CPU, PostgreSQL's CPU) of the app per
    # flow, and of the baseline per request (the mean of the runs on either side).
    brps = middle(r["base"][0] for r in runs)
    bcpu, bclient, bpg = (middle(r["base"][k] for r in runs) for k in (1, 2, 3))
    acpu, aclient, apg = (middle(r["app"][k] for r in runs) for k in (1, 2, 3))
    ratios = [r["app"][0] / (r["base"][0] / 7) for r in runs]
    around = ", ".join(f"{rate:.0f}" for rate in m["base_rates"])
    print(f"\nbaseline (INSERT+COMMIT on the same stack): p50 {b50 * 1000:.1f} ms at 1 client, "
          f"{brps:.0f} requests/s at {clients} clients (its runs, in order: {around})")
    print(f"server CPU at 1 client: baseline {m['cpu1'][0] * 1000:.2f} ms per request, app "
          f"{m['cpu1'][1] * 1000:.1f} ms per flow")
    print(f"server CPU at {clients} clients (gunicorn's processes): baseline "
          f"{bcpu * 1000:.2f} ms per request, app {acpu * 1000:.1f} ms per flow = "
          f"{acpu / bcpu / 7:.1f}× baseline per request; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"the clients' own CPU at {clients} clients (same cores): {bclient * 1000:.2f} "
          f"ms per baseline request, {aclient * 1000:.1f} ms per app flow")
    print(f"PostgreSQL's CPU at {clients} clients (this machine's): {bpg * 1000:.2f} ms "
          f"per baseline request, {apg * 1000:.1f} ms per app flow")
    print(f"\n1 client, {single_flows} flows: p50 per request ÷ baseline p50 (target ≤ 2)")
    for step in STEPS:
        ratio = single[step] / b50
        print(f"  {step:12s} {single[step] * 1000:7.1f} ms  {ratio:5.2f}×  "
              f"{'met' if ratio <= 2 else 'NOT met'}")
    print(f"\n{clients} clients, {len(runs)} × {clients * each} flows on {proposals} "
          "proposal(s):")
    if len(runs) > 1:
        for n, (r, ratio) in enumerate(zip(runs, ratios), 1):
            print(f"  round {n}: ballots/s {r['app'][0]:.1f}, baseline {r['base'][0]:.0f} "
                  f"req/s, ratio {ratio:.2f}, cast p99 {r['cast99'] * 1000:.0f} ms")
    ratio = middle(ratios)
    bps = middle(r["app"][0] for r in runs)
    label = "median of the rounds: " if len(runs) > 1 else ""
    print(f"  {label}ballots/s {bps:.1f} ÷ (baseline {brps:.0f} req/s ÷ 7 = {brps / 7:.1f}) "
          f"→ ratio {ratio:.2f}  (target ≥ 0.5) {'met' if ratio >= 0.5 else 'NOT met'}")
    print("  p50 / p99 ms: " + ", ".join(f"{step} {m['at_load'][step][0] * 1000:.0f} / "
                                          f"{m['at_load'][step][1] * 1000:.0f}"
                                          for step in STEPS))
    cast50, cast99 = m["at_load"]["cast"]
    print(f"  cast p50 {cast50 * 1000:.0f} ms, p99 {cast99 * 1000:.0f} ms  (target p99 < 250 ms) "
          f"{'met' if cast99 < 0.25 else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
