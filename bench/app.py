"""The app's long operations on the embedded SQLite: roll import, opening a vote
(freezing the electorate), accepting ballots, exporting.

    .venv/bin/python bench/app.py [UNITS] [BALLOTS]

Figures are ratios to a baseline from the same run: reading (parsing) the roll file.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__) + "/..")

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(n: int) -> str:
    body = f"3505021980{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    body = body[:17]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def roll_csv(n: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["building", "entrance", "room", "area", "area_basis", "owner_name", "owner_id",
                "owner_kind", "phone", "fund_balance"])
    for i in range(n):
        w.writerow([i // 400 + 1, i // 100 % 4 + 1, f"{i % 100 + 101}", f"{80 + i % 60}.25",
                    "登记", f"业主{i}", f"ID{i:08d}X", "个人", f"139{i:08d}", "5000.00"])
    return out.getvalue().encode()


def roll_xlsx(n: int) -> bytes:
    """roll_csv's roll as an XLSX, its areas and balances numbers as Excel holds them."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for number, row in enumerate(csv.reader(io.StringIO(roll_csv(n).decode()))):
        if number:
            row[3], row[9] = float(row[3]), float(row[9])
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(units: int, ballots: int) -> None:
    from votes import create_app

    tmp = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "INSTANCE_PATH": tmp,
                      "SECRET_KEY": "b", "KEY_PASSPHRASE": "b",
                      "DATA_KEY": base64.b64encode(b"b" * 32).decode()})
    data = roll_csv(units)
    with app.app_context():
        from votes.models import FrozenUnit
        from votes.extensions import db
        from votes.services.ballots import BallotRequest, cast_ballot
        from votes.services.communities import create_community
        from votes.services.export import export_bundle
        from votes.services.lifecycle import open_voting
        from votes.services.roll_file import read_roll
        from votes.services.roll_import import import_roll
        from votes.services.schema import upgrade_database
        from votes.core.tally import Choice

        upgrade_database()
        create_community("B", "bench")
        baseline, _ = timed(lambda: read_roll("r.csv", data))
        t_import, _ = timed(lambda: import_roll("B", "r.csv", data=data))
        from bench.synthetic import staged_proposal

        p = staged_proposal("B")
        t_open, _ = timed(lambda: open_voting(str(p.id)))
        voters = list(dict.fromkeys(db.session.scalars(
            db.select(FrozenUnit.voter_key).where(FrozenUnit.proposal_id == p.id))))[:ballots]
        # Each voter's own form: one scan is refused for a second voter.
        t_cast, _ = timed(lambda: [cast_ballot(p.id, BallotRequest(
            v, Choice.AGREE, "paper", entered_by="c", evidence=("s", v.encode())))
            for v in voters])
        t_export, _ = timed(lambda: export_bundle(str(p.id), io.BytesIO()))
    print(f"units {units}, ballots {len(voters)}; baseline: parse the roll file = "
          f"{baseline * 1000:.0f} ms")
    print(f"{'import the roll':32s} {t_import / baseline:7.1f} × baseline")
    print(f"{'open voting (freeze + genesis)':32s} {t_open / baseline:7.1f} × baseline")
    print(f"{'accept ballots, one per commit':32s} {t_cast / baseline:7.1f} × baseline "
          f"({len(voters) / t_cast:.0f} ballots/s)")
    print(f"{'export the bundle':32s} {t_export / baseline:7.1f} × baseline")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 300)
