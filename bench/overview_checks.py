"""What checking every open vote's chain would cost the regulator's overview: N open votes
of B paper ballots each, the overview of the votes in progress timed without the check (as
it is) and with figures.progress_damage on every row (as the regulator's proposal page
does): a process's first view, a view with nothing new, a view after one new ballot on each
chain (read incrementally), and a view a minute after the last whole read (every chain read
whole again: records.WHOLE_AGAIN_SECONDS).

    .venv/bin/python bench/overview_checks.py --pg postgresql://postgres@127.0.0.1:5432/scratch
                                              [--votes 20] [--ballots 2000]

The database is WIPED: give it a scratch one. Figures in ms, the view's wall time in one
process (overview_rows, no HTTP).

2026-11-28, 2 shared cores, PostgreSQL on loopback, 20 votes × 2,000 ballots: without the
check 102–116 ms; checked: first view 3,190 ms, nothing new 116–122 ms, one new ballot
each 617–835 ms (unchecked 637–765: the turnouts counted anew dominate), a minute after the
last whole read 3,378 ms; one chain of 2,000 read whole 137–155 ms. A regulator who looks
now and then always pays the whole read: the overview is left unchecked.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import time
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)) + "/..")

from bench.app import roll_csv  # noqa: E402
from bench.scale import _put_ballots, _reset  # noqa: E402


def _put(proposal_id: int, start: int, count: int) -> None:
    """Paper ballots (agree) of the frozen voters start .. start+count, in one transaction."""
    _put_ballots(proposal_id, count, start=start, choices=["agree"])


def _ms(fn, n: int = 1) -> list[str]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(f"{(time.perf_counter() - start) * 1000:.0f}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("VOTES_BENCH_DATABASE_URL"), required=False)
    parser.add_argument("--votes", type=int, default=20)
    parser.add_argument("--ballots", type=int, default=2000)
    args = parser.parse_args()
    if not args.pg:
        raise SystemExit("--pg (a scratch database: it is wiped)")
    from votes import create_app

    _reset(args.pg)
    app = create_app({"DATABASE_URL": args.pg, "INSTANCE_PATH": tempfile.mkdtemp(),
                      "SECRET_KEY": "b", "KEY_PASSPHRASE": "b",
                      "DATA_KEY": base64.b64encode(b"b" * 32).decode()})
    with app.app_context():
        import votes.services.records as records
        from bench.synthetic import staged_proposal
        from votes.extensions import db
        from votes.models import Community
        from votes.services.communities import create_community
        from votes.services.figures import figures_or_damage
        from votes.services.lifecycle import open_voting
        from votes.services.oversight import overview
        from votes.services.roll_import import import_roll
        from votes.services.schema import upgrade_database

        upgrade_database()
        create_community("B", "bench")
        import_roll("B", "r.csv", data=roll_csv(args.ballots + 20))
        ids = []
        for _ in range(args.votes):
            p = staged_proposal("B")
            open_voting(str(p.id))
            _put(p.id, 0, args.ballots)
            ids.append(p.id)
        db.session.remove()

        def view(checked: bool):
            def run():
                with mock.patch("votes.services.oversight.figures_or_damage",
                                lambda ref: figures_or_damage(ref, progress=checked)):
                    rows = overview(list(db.session.scalars(db.select(Community))),
                                    state="voting")
                assert len(rows) == args.votes and not any(r.figures.damaged for r in rows)
                db.session.remove()
            return run

        view(False)()
        print("no check, nothing new:", _ms(view(False), 5))
        records.forget_checked()
        print("checked, first view:", _ms(view(True)))
        print("checked, nothing new:", _ms(view(True), 5))
        for i in range(4):
            for pid in ids:
                _put(pid, args.ballots + i, 1)
            db.session.remove()
            print(f"one new ballot each, {'checked' if i % 2 else 'no check'}:",
                  _ms(view(bool(i % 2))))
        real = time.monotonic
        with mock.patch.object(records.time, "monotonic",
                               lambda: real() + records.WHOLE_AGAIN_SECONDS + 1):
            print("checked, a minute after the last whole read:", _ms(view(True)))


if __name__ == "__main__":
    main()
