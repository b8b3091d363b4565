"""A community with rules of procedure and an open proposal, through the CLI (tests of §17/§19)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from tests import snapshots
from tests.factories import make_roll_csv

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # voting opens 09:00 Beijing
END = T0 + timedelta(days=7)
UNITS = {"A": ("1", "1", "101"), "B": ("1", "1", "102"), "C": ("1", "1", "202"),
         "D": ("2", "1", "101"), "E": ("2", "1", "201")}
# Voter areas (centi-m²) of the sample roll: A 16475 (two units), B 12000, C 6000,
# D 20000 (the developer's two units), E 11000; total 65475 over 5 heads.
AREA = {"A": 16475, "B": 12000, "C": 6000, "D": 20000, "E": 11000}


def at(app, when: datetime) -> None:
    app.config["VOTES_NOW"] = when


def open_vote(app, runner, tmp_path, *settings: str, code: str = "SUN", rows=None,
              create=()) -> str:
    """Community with these `--set` rules, the sample roll (or these roll rows), a use_fund
    proposal (with `create`'s further options, "--emergency" say) open for voting; the clock
    one hour into voting. Returns the proposal id. Kept per process and put back, as
    make_open_proposal's proposal is (tests/snapshots.py)."""
    roll = make_roll_csv(tmp_path / f"roll-{code}.csv", rows)
    key = ("procedure vote", repr(settings), code, repr(rows), repr(create))
    return snapshots.replay(app, key, lambda: _open_vote_commands(
        app, runner, roll, settings, code, create))


def _open_vote_commands(app, runner, roll, settings, code, create) -> str:
    at(app, T0 - timedelta(days=12))
    assert runner.invoke(args=["community", "create", code, "--name", "阳光花园"]).exit_code == 0
    if settings:
        args = ["community", "rules", code]
        for s in settings:
            args += ["--set", s]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    assert runner.invoke(args=["roll", "import", "--community", code, str(roll)]).exit_code == 0
    result = runner.invoke(args=[
        "proposal", "create", "--community", code, "--title", "电梯更换", "--matter", "use_fund",
        "--scope", "all", "--budget", "6547.50", "--publicity-start", "2026-11-20T09:00",
        "--voting-start", "2026-12-01T09:00", "--voting-end", "2026-12-08T09:00", "--schedule",
        *create])
    assert result.exit_code == 0, result.output
    pid = result.output.strip()
    at(app, T0 + timedelta(hours=1))
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    return pid


def scan(tmp_path, name="scan.pdf", data=b"%PDF-1.4 scanned form") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def ballot_form(voter: str) -> bytes:
    """The voter's own signed form: one scan may not stand for several voters."""
    return f"%PDF-1.4 scanned form of {voter}".encode()


def vote(runner, tmp_path, pid, choices: dict[str, str]) -> None:
    """Paper ballots: voter letter → agree/disagree/abstain, each on the voter's own form."""
    lines = ["building,entrance,room,choice,channel,evidence,entered_by"]
    for v, c in choices.items():
        scan(tmp_path, f"scan-{v}.pdf", ballot_form(v))
        lines.append(f"{','.join(UNITS[v])},{c},paper,scan-{v}.pdf,clerk")
    path = tmp_path / "ballots.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["ballots", "import", pid, str(path)])
    assert result.exit_code == 0, result.output


def close_at_end(app, runner, pid) -> None:
    at(app, END)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output


def unit_args(voter: str) -> list[str]:
    b, e, r = UNITS[voter]
    return ["--building", b, "--entrance", e, "--room", r]


ALL_AGREE = {v: "agree" for v in "ABCDE"}


def file_objection(runner, tmp_path, pid, voter: str = "B", text: str = "表决票不是我签的") -> int:
    """A written objection by `voter`'s flat, entered by the committee: its entry's seq."""
    filed = runner.invoke(args=["proposal", "objection", pid, *unit_args(voter), "--text", text,
                                "--evidence", scan(tmp_path)])
    assert filed.exit_code == 0, filed.output
    return entry_seq(filed.output)


def entry_seq(output: str) -> int:
    """The chain position a `votes proposal delivery|objection|answer` confirmation names
    (第 N 条记录, English entry #N); an answer's names the objection first, then its own."""
    found = re.findall(r"第 (\d+) 条记录|entry #(\d+)", output)
    assert found, output
    return int("".join(found[-1]))


def uphold_objection(runner, pid, seq: int) -> None:
    """The committee upholds objection `seq`: the decision is not confirmed, the final
    result (not passed) published."""
    upheld = runner.invoke(args=["proposal", "answer", pid, str(seq), "--decision", "upheld",
                                 "--text", "经核实属实，需重新表决"])
    assert upheld.exit_code == 0, upheld.output
    assert show(runner, pid)["state"] == "published"


def show(runner, pid) -> dict:
    result = runner.invoke(args=["proposal", "show", pid, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def export_and_verify(app, runner, tmp_path, pid):
    """The bundle's bytes and the offline verifier's report (anchored on the server keys)."""
    from votes.core.verifier import verify_bundle

    bundle = tmp_path / f"bundle-{pid}.zip"
    result = runner.invoke(args=["export", pid, "-o", str(bundle)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from votes.services.keys import keyring

        ring = keyring()
    data = bundle.read_bytes()
    return data, verify_bundle(data, trusted_keys=ring)


def chain_entries(data: bytes) -> list[dict]:
    import zipfile
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        lines = z.read("chain.jsonl").decode().splitlines()
    return [json.loads(line)["entry"] for line in lines]
