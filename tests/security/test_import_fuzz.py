"""Issue 9.15: fuzzed roll files (CSV and XLSX) and ballots files end in a DomainError or an
import, never in another exception (a small budget here; bench/ has none bigger)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.factories import HEADER_EN, HEADER_ZH, make_open_proposal, make_row, resident_id

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

nasty_text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["", " ", "\x00", "=1+1", "1号楼", "１", "一", "0", "-1", "1e400", "NaN",
                     "99999999999999999999", "9" * 400, "89.5", "89.555", "登记", "个人",
                     "开发建设单位", "13912345678", resident_id(1), "x" * 70, "\u200b",
                     "1\n2", "\"", "'"]))
cell_value = st.one_of(nasty_text, st.integers(min_value=-2**70, max_value=2**70),
                       st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
                       st.just(datetime(2026, 1, 1)))
roll_rows = st.lists(st.fixed_dictionaries({name: nasty_text for name in HEADER_EN}),
                     max_size=6)


def _mutate(base: dict, fuzzed: dict, keep) -> dict:
    return {k: (base[k] if keep(k) else v) for k, v in fuzzed.items()}


def _roll_csv(rows, header) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    for row in rows:
        w.writerow([row.get(name, "") for name in HEADER_EN])
    return out.getvalue().encode("utf-8")


def _import(community, name, data):
    from votes.services.errors import DomainError
    from votes.services.roll_import import import_roll

    try:
        import_roll(community, name, replace=True, data=data, actor="fuzz")
    except DomainError:
        pass


def test_fuzzed_csv_rolls(app, runner):
    assert runner.invoke(args=["community", "create", "SUN", "--name", "x"]).exit_code == 0

    @FUZZ
    @given(rows=roll_rows, keep=st.sets(st.sampled_from(HEADER_EN)),
           header=st.sampled_from([HEADER_EN, HEADER_ZH, HEADER_EN[:5], HEADER_EN + ["x"]]),
           raw=st.one_of(st.none(), st.binary(max_size=300)))
    def run(rows, keep, header, raw):
        good = make_row()
        rows = [_mutate(good, r, keep.__contains__) for r in rows]
        with app.app_context():
            _import("SUN", "roll.csv", raw if raw is not None else _roll_csv(rows, header))

    run()


def test_fuzzed_xlsx_rolls(app, runner):
    from openpyxl import Workbook

    assert runner.invoke(args=["community", "create", "SUN", "--name", "x"]).exit_code == 0

    @FUZZ
    @given(rows=st.lists(st.lists(cell_value, max_size=11), max_size=5),
           keep=st.lists(st.booleans(), min_size=10, max_size=10),
           flip=st.one_of(st.none(), st.tuples(st.integers(0, 10**6), st.integers(1, 255))))
    def run(rows, keep, flip):
        good = list(make_row().values())
        wb = Workbook()
        wb.active.append(HEADER_ZH)
        for row in rows:
            cells = [good[i] if i < len(keep) and keep[i] else v for i, v in enumerate(row)]
            try:
                wb.active.append(cells)
            except Exception:  # openpyxl itself refuses some values (control characters)
                continue
        out = io.BytesIO()
        wb.save(out)
        data = bytearray(out.getvalue())
        if flip is not None:
            data[flip[0] % len(data)] ^= flip[1]
        with app.app_context():
            _import("SUN", "roll.xlsx", bytes(data))

    run()


def test_fuzzed_ballots_files(app, runner, tmp_path):
    from votes.services.errors import DomainError
    from votes.services.paper_ballots import import_paper_ballots

    vote = make_open_proposal(app, runner, tmp_path)
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 scan")
    columns = ["building", "entrance", "room", "choice", "channel", "evidence", "entered_by"]
    good = {"building": "1", "entrance": "1", "room": "101", "choice": "agree",
            "channel": "paper", "evidence": "scan.pdf", "entered_by": "clerk"}
    path = tmp_path / "ballots.csv"

    @FUZZ
    @given(rows=st.lists(st.fixed_dictionaries({c: nasty_text for c in columns}), max_size=4),
           keep=st.sets(st.sampled_from(columns)),
           raw=st.one_of(st.none(), st.binary(max_size=300)))
    def run(rows, keep, raw):
        if raw is None:
            out = io.StringIO()
            w = csv.writer(out)
            w.writerow(columns)
            for row in rows:
                w.writerow([good[c] if c in keep else row[c] for c in columns])
            raw = out.getvalue().encode("utf-8")
        path.write_bytes(raw)
        with app.app_context():
            try:
                import_paper_ballots(str(vote["id"]), str(path), actor="fuzz")
            except DomainError:
                pass

    run()


def test_xlsx_claiming_a_future_zip_version_is_refused(app, runner):
    """zipfile raises NotImplementedError (not BadZipFile) for a member that claims to need
    ZIP version 8.4; found by the fuzz run above."""
    from openpyxl import Workbook

    from votes.services.errors import DomainError

    assert runner.invoke(args=["community", "create", "SUN", "--name", "x"]).exit_code == 0
    wb = Workbook()
    wb.active.append(HEADER_ZH)
    out = io.BytesIO()
    wb.save(out)
    data = bytearray(out.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 6:central + 8] = (84).to_bytes(2, "little")  # "version needed": 8.4
    from votes.services.roll_import import import_roll

    with app.app_context(), pytest.raises(DomainError, match="XLSX"):
        import_roll("SUN", "roll.xlsx", data=bytes(data), actor="test")
