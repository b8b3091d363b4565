"""The committee's bulk operations at a city's scale, on SQLite and on PostgreSQL:
roll import, opening a vote (publicity freeze + genesis), tally, export and verify (in one
process, and with --jobs set to the machine's cores).

    .venv/bin/python bench/scale.py [--units 100000] [--ballots 100000]
                                    [--pg postgresql://postgres@127.0.0.1:5432/scratch]
                                    [--profile import|open|tally|export|verify|verify_jobs]
                                    [--roll csv|xlsx]

The PostgreSQL database (also read from VOTES_BENCH_DATABASE_URL) is WIPED: give it a
scratch one. Figures are seconds and ratios to a baseline measured in the same run on the
same database: a bare executemany INSERT of as many rows (three columns) as there are
units, committed. Ballots are put on the chain in one transaction through the chain
appender (not timed): this measures what happens to them afterwards, not casting. CPU is
that of the benchmark's process and its children, not PostgreSQL's.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)) + "/..")

from bench.app import roll_csv, roll_xlsx  # noqa: E402

STEPS = ("import", "open", "tally", "export", "verify", "verify_jobs")
JOBS = os.cpu_count() or 1


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (verify --jobs's pool)."""
    import resource

    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class Timer:
    def __init__(self, profile: str | None):
        self.profile = profile
        self.figures: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def run(self, name: str, fn):
        profiler = cProfile.Profile() if name == self.profile else None
        start, cpu = time.perf_counter(), _cpu()
        if profiler:
            profiler.enable()
        result = fn()
        if profiler:
            profiler.disable()
        self.figures[name] = time.perf_counter() - start
        self.cpu[name] = _cpu() - cpu
        if profiler:
            out = io.StringIO()
            order = os.environ.get("BENCH_SORT", "cumulative")
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(35)
            print(out.getvalue(), file=sys.stderr)
        return result


def _reset(url: str) -> None:
    from sqlalchemy import create_engine, text

    from votes.settings import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _baseline(rows: int) -> float:
    """A bare executemany of `rows` rows into a scratch table, committed."""
    from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, insert

    from votes.extensions import db

    table = Table("bench_baseline", MetaData(), Column("id", Integer, primary_key=True),
                  Column("label", String(64)), Column("area", BigInteger))
    table.create(db.engine, checkfirst=True)
    data = [{"label": f"{i // 400 + 1}-{i % 100 + 101}", "area": 8025 + i % 60}
            for i in range(rows)]
    start = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(insert(table), data)
    elapsed = time.perf_counter() - start
    table.drop(db.engine)
    return elapsed


def _signature_floor(count: int) -> float:
    """Verifying `count` Ed25519 signatures and nothing else: what verify cannot go below."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    data = b"0" * 64
    signature = key.sign(data)
    public = key.public_key()
    start = time.perf_counter()
    for _ in range(count):
        public.verify(signature, data)
    return time.perf_counter() - start


def _put_ballots(proposal_id: int, count: int, start: int = 0,
                 choices: list[str] | None = None) -> int:
    """Paper ballots of the frozen voters start .. start+count, in one transaction; their
    choices `choices` in turn (agree, disagree, abstain by default)."""
    from sqlalchemy import insert, select

    import secrets

    from votes.core import chain, commitment
    from votes.core.canonical import digest_hex
    from votes.core.tally import Choice
    from votes.models import Ballot, FrozenUnit
    from votes.services.chain_store import Appender, lock_proposal
    from votes.services.choices import seal
    from votes.services.clock import now
    from votes.services.tx import unit_of_work

    choices = choices or [c.value for c in Choice]
    with unit_of_work() as session:
        proposal = lock_proposal(session, proposal_id)
        units: dict[str, list[str]] = {}
        for key, uid in session.execute(select(FrozenUnit.voter_key, FrozenUnit.unit_uid)
                                        .where(FrozenUnit.proposal_id == proposal_id)
                                        .order_by(FrozenUnit.id)):
            units.setdefault(key, []).append(uid)
        appender = Appender(session, proposal)
        when = now()
        rows = []
        for i, key in enumerate(list(units)[start:start + count]):
            choice, salt = choices[i % len(choices)], secrets.token_hex(32)
            committed = commitment.commit(proposal.uid, key, choice, salt)
            form = digest_hex(f"form/{key}".encode())  # each voter's own (step 6.12)
            body = chain.ballot_body(voter=key, units=units[key], commitment=committed,
                                     channel="paper", entered_by="bench", evidence=form)
            sealed = appender.append("ballot", body, when)
            rows.append({"proposal_id": proposal_id, "voter_key": key, "revision": 0,
                         "seq": sealed.seq, "choice_enc": seal(choice, salt),
                         "commitment": committed, "channel": "paper",
                         "receipt": sealed.digest, "entered_by": "bench", "cast_at": when,
                         "evidence": form})
        session.flush()
        session.execute(insert(Ballot), rows)
    return len(rows)


def run(url: str, units: int, ballots: int, profile: str | None,
        roll: str = "csv") -> dict[str, float]:
    from votes import create_app

    tmp = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "SECRET_KEY": "b",
                      "KEY_PASSPHRASE": "b", "DATA_KEY": base64.b64encode(b"b" * 32).decode()})
    data = roll_xlsx(units) if roll == "xlsx" else roll_csv(units)
    timer = Timer(profile)
    with app.app_context():
        from votes.core.verifier import verify_bundle
        from votes.extensions import db
        from votes.services.communities import create_community
        from votes.services.export import export_bundle
        from votes.services.lifecycle import close_voting, get_proposal, open_voting
        from votes.services.roll_import import import_roll
        from votes.services.schema import upgrade_database
        from votes.services.tally import closing_tally

        upgrade_database()
        create_community("B", "bench")
        timer.figures["baseline"] = _baseline(units)
        timer.run("import", lambda: import_roll("B", f"r.{roll}", data=data))
        from bench.synthetic import staged_proposal

        p = staged_proposal("B")
        timer.run("open", lambda: open_voting(str(p.id)))
        cast = _put_ballots(p.id, ballots)
        proposal = get_proposal(str(p.id))
        timer.run("tally", lambda: closing_tally(db.session, proposal))
        db.session.rollback()
        # Close after the end so the export carries the final tally, as a regulator gets it.
        app.config["VOTES_NOW"] = proposal.voting_end + timedelta(seconds=1)
        close_voting(str(p.id))
        bundle = io.BytesIO()
        timer.run("export", lambda: export_bundle(str(p.id), bundle))
        for step, jobs in (("verify", 1), ("verify_jobs", JOBS)):
            report = timer.run(step, lambda: verify_bundle(bundle.getvalue(), jobs=jobs,
                                                           trust_bundle_keys=True))
            if not report.ok:
                print(report.render(), file=sys.stderr)
                raise SystemExit("the bundle does not verify")
        db.session.remove()
        db.engine.dispose()
    timer.figures["ballots"] = cast
    timer.figures["bundle_mb"] = len(bundle.getvalue()) / 1e6
    timer.figures["signatures"] = _signature_floor(report.entries)
    timer.figures.update({f"cpu_{k}": v for k, v in timer.cpu.items()})
    return timer.figures


def show(name: str, units: int, f: dict[str, float]) -> None:
    base = f["baseline"]
    print(f"{name}: {units} units, {int(f['ballots'])} ballots, bundle {f['bundle_mb']:.1f} MB; "
          f"baseline (bare executemany of {units} rows) {base:.2f} s")
    for step in STEPS:
        name = f"verify --jobs {JOBS}" if step == "verify_jobs" else step
        print(f"  {name:17s} {f[step]:7.2f} s  {f[step] / base:6.1f} × baseline   "
              f"(CPU {f['cpu_' + step]:6.2f} s)")
    print(f"  verifying the chain's Ed25519 signatures alone: {f['signatures']:.2f} s "
          f"({f['signatures'] / base:.1f} × baseline)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--ballots", type=int, default=None, help="default: one per voter")
    parser.add_argument("--pg", default=os.environ.get("VOTES_BENCH_DATABASE_URL", ""),
                        help="a scratch PostgreSQL database (wiped)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--profile", choices=STEPS, help="print a cProfile of one step")
    parser.add_argument("--roll", choices=("csv", "xlsx"), default="csv",
                        help="the roll file imported: CSV, or XLSX as a committee's Excel saves it")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} ({JOBS} cores)")
    ballots = args.ballots if args.ballots is not None else args.units
    if args.only != "postgresql":
        path = tempfile.mkdtemp() + "/bench.sqlite3"
        show("SQLite", args.units, run(f"sqlite:///{path}", args.units, ballots, args.profile,
                                      args.roll))
    if args.only != "sqlite":
        if not args.pg:
            print("PostgreSQL: skipped (give --pg URL or VOTES_BENCH_DATABASE_URL)")
            return
        _reset(args.pg)
        show("PostgreSQL", args.units, run(args.pg, args.units, ballots, args.profile, args.roll))


if __name__ == "__main__":
    main()
    print(f"load average after: {os.getloadavg()[0]:.1f}")
