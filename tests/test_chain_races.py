"""Writers of different kinds of chain entry racing each other on PostgreSQL: paper, proxy
and transfer ballots, corrections, withdrawals, deliveries and online casts, with the close.
Each must be refused in words or go in, and the bundle must verify."""

from __future__ import annotations

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.postgresql_only


def _voter(app, pid, building, entrance, room) -> str:
    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        return db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == int(pid), FrozenUnit.building == building,
            FrozenUnit.entrance == entrance, FrozenUnit.room == room))


def test_a_delivery_and_a_paper_ballot_with_one_scan_at_once_both_go_in(app, runner, tmp_path,
                                                                         monkeypatch):
    """The clerk's ballot stores its scan before it takes the proposal's lock; a delivery
    stored its proof under that lock. With one file for both (a scanned packet: the signed
    receipt and the form), the delivery held the lock and waited for the ballot's row of
    the scan, the ballot waited for the lock, and PostgreSQL failed one as a deadlock."""
    from tests.procedure_world import open_vote
    from tests.races import held_race
    from votes.core.tally import Choice
    from votes.services import ballots
    from votes.services.ballots import BallotRequest, cast_ballots
    from votes.services.procedure.deliveries import record_delivery

    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    packet = ("packet.pdf", b"%PDF-1.4 receipt of the notice and the signed form")
    voter = _voter(app, pid, "1", "1", "101")

    def act(who):
        if who == "A":
            cast_ballots(int(pid), [BallotRequest(voter, Choice.AGREE, "paper",
                                                  entered_by="clerk1", evidence=packet)],
                         actor="clerk1")
        else:
            record_delivery(pid, "2", "1", "101", "hand", "2026-11-25T10:00", packet, "clerk2")
        return "accepted"

    outcome = held_race(app, monkeypatch, ballots, "lock_proposal", act)
    assert outcome == {"A": "accepted", "B": "accepted"}, outcome


def _roll(n: int) -> list[dict]:
    """n flats in building 1, each of its own owner."""
    from tests.factories import make_row, resident_id

    return [make_row(room=f"{100 * (1 + i // 10) + 1 + i % 10}", owner_name=f"业主{i}",
                     owner_id=resident_id(100 + i), area="80.00") for i in range(n)]


def _all_at_once(app, calls: list) -> list:
    """Run each call in its own thread and app context, all released together; each
    outcome: what it returned, a refusal's message, or "crash …"."""
    import threading

    from tests.races import outcome_of

    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(i):
        out[i] = outcome_of(app, calls[i], ready=lambda: barrier.wait(30))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    return out


def _check_chain(app, runner, tmp_path, pid):
    """Close at the end, export, verify; the chain's seqs consecutive and times in order."""
    from tests.procedure_world import close_at_end, export_and_verify
    from votes.extensions import db
    from votes.models import ChainEntry

    close_at_end(app, runner, pid)
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    with app.app_context():
        rows = db.session.execute(select(ChainEntry.seq, ChainEntry.created_at, ChainEntry.kind)
                                  .where(ChainEntry.proposal_id == int(pid))
                                  .order_by(ChainEntry.seq)).all()
    assert [r.seq for r in rows] == list(range(len(rows)))
    times = [r.created_at for r in rows]
    assert times == sorted(times)
    assert rows[-1].kind == "close"
    return rows


def test_every_kind_of_staff_entry_and_online_casts_at_once_leave_a_chain_that_verifies(
        app, runner, tmp_path):
    from datetime import timedelta

    from tests.factories import resident_id
    from tests.procedure_world import T0, at, open_vote
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import Ballot, FrozenUnit, ProxyRecord, Transfer
    from votes.services.ballots import BallotRequest, cast_ballots
    from votes.services.corrections import correct_ballot
    from votes.services.lifecycle import get_proposal
    from votes.services.procedure.deliveries import record_delivery
    from votes.services.proxies import ProxyRequest
    from votes.services.transfers import TransferEntry, enter_transfer
    from votes.services.withdrawals import withdraw_ballot

    pid = open_vote(app, runner, tmp_path, "follow_majority=full", "proxy_limit=2",
                    rows=_roll(30))
    with app.app_context():
        units = db.session.execute(select(FrozenUnit.room, FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == int(pid)).order_by(FrozenUnit.id)).all()
    rooms = [u.room for u in units]
    voters = [u.voter_key for u in units]

    def paper(i, choice=Choice.AGREE):
        return lambda: cast_ballots(int(pid), [BallotRequest(
            voters[i], choice, "paper", entered_by=f"clerk{i}",
            evidence=(f"form{i}.pdf", f"%PDF-1.4 form {i}".encode()))],
            actor=f"clerk{i}")[0].seq

    # Ballots the race then corrects or withdraws, entered before it.
    with app.app_context():
        earlier = {i: paper(i)() for i in (24, 25, 26)}

    def online(i):
        return lambda: cast_ballots(int(pid), [BallotRequest(voters[i], Choice.DISAGREE,
                                                             "online")])[0].seq

    def proxy(i):
        return lambda: cast_ballots(int(pid), [BallotRequest(
            voters[i], Choice.AGREE, "proxy", entered_by="clerk",
            evidence=(f"form{i}.pdf", f"%PDF-1.4 form {i}".encode()),
            proxy=ProxyRequest("钱七", "110101199003070011", False,
                               (f"letter{i}.pdf", f"%PDF-1.4 letter {i}".encode())))],
            actor="clerk")[0].seq

    def transfer(i):
        return lambda: enter_transfer(get_proposal(pid), TransferEntry(
            "1", "1", rooms[i], "同意", "孙八", resident_id(900),
            (f"deed{i}.pdf", f"%PDF-1.4 deed {i}".encode()),
            (f"buyer{i}.pdf", f"%PDF-1.4 buyer form {i}".encode())), "clerk", "clerk").seq

    def deliver(i):
        return lambda: record_delivery(pid, "1", "1", rooms[i], "hand", "2026-11-25T10:00",
                                       (f"receipt{i}.pdf", f"%PDF-1.4 receipt {i}".encode()),
                                       "clerk").seq

    def correct(i):
        return lambda: correct_ballot(pid, earlier[i], choice="反对", reason="录入错误",
                                      actor="clerk").seq

    def withdraw(i):
        return lambda: withdraw_ballot(pid, earlier[i], reason="录错房号", actor="clerk",
                                       evidence=(f"why{i}.pdf", f"%PDF-1.4 why {i}".encode()))

    calls = {"online": [online(i) for i in range(10)] + [online(25)],
             "paper": [paper(i) for i in range(10, 15)],
             "proxy": [proxy(i) for i in (15, 16, 17)],
             "transfer": [transfer(i) for i in (18, 19)],
             "delivery": [deliver(i) for i in range(20, 24)],
             "correct": [correct(24), correct(26)],
             "withdraw": [withdraw(24), withdraw(25), withdraw(26)]}
    flat = [(kind, call) for kind, group in calls.items() for call in group]
    at(app, T0 + timedelta(hours=2))
    out = _all_at_once(app, [call for _kind, call in flat])
    got = {}
    for (kind, _call), outcome in zip(flat, out):
        got.setdefault(kind, []).append(outcome)
    crashes = [o for o in out if isinstance(o, str) and o.startswith("crash")]
    assert not crashes, crashes
    assert all(isinstance(s, int) for s in got["online"][:10] + got["paper"]
               + got["delivery"]), got
    assert sum(isinstance(s, int) for s in got["proxy"]) == 2, got["proxy"]
    assert sum(isinstance(s, int) for s in got["transfer"]) == 1, got["transfer"]
    with app.app_context():
        assert db.session.query(ProxyRecord).count() == 2
        assert db.session.query(Transfer).count() == 1
        # For each ballot corrected and withdrawn at once, one of the two went in.
        for i, fix, take in ((24, got["correct"][0], got["withdraw"][0]),
                             (26, got["correct"][1], got["withdraw"][2])):
            assert isinstance(fix, int) != isinstance(take, int), (i, fix, take)
        assert db.session.query(Ballot).filter(Ballot.proposal_id == int(pid)).count() > 20
    _check_chain(app, runner, tmp_path, pid)


@pytest.mark.parametrize("channel", ["online", "paper"])
def test_a_cast_held_before_the_lock_while_the_timer_closes_is_refused_after_the_close(
        app, runner, tmp_path, monkeypatch, channel):
    from tests.procedure_world import END, at, open_vote
    from tests.races import held_race
    from votes.core.tally import Choice
    from votes.services import ballots, lifecycle, pg_append
    from votes.services.ballots import BallotRequest, cast_ballots

    pid = open_vote(app, runner, tmp_path)
    voter = _voter(app, pid, "1", "1", "102")

    def act(who):
        if who == "A":
            request = BallotRequest(voter, Choice.AGREE, channel) if channel == "online" else \
                BallotRequest(voter, Choice.AGREE, "paper", entered_by="clerk",
                              evidence=("form.pdf", b"%PDF-1.4 form"))
            cast_ballots(int(pid), [request], actor=None if channel == "online" else "clerk")
            return "accepted"
        at(app, END)
        return [f"{before}->{p.state}" for p, before, _to in lifecycle.tick()][0]

    module, name = (pg_append, "lock_head") if channel == "online" else \
        (ballots, "lock_proposal")
    outcome = held_race(app, monkeypatch, module, name, act)
    assert outcome == {"A": "表决已结束", "B": "voting->closed"}, outcome
    rows = _check_chain(app, runner, tmp_path, pid)
    assert [r.kind for r in rows] == ["genesis", "close"]


def test_two_clerks_files_sharing_proxy_letters_in_another_order_both_go_in(
        app, runner, tmp_path, monkeypatch):
    """Two proxy holders each hold several owners' proxies, one written authorisation each;
    two clerks enter the stack split between them, rows in different orders. Each stored
    the scans of its file before the lock, one by one in its file's order: each then held
    the row of one letter and waited for the other's, and PostgreSQL failed one file as a
    deadlock."""
    import threading

    from tests.procedure_world import open_vote
    from votes.core.tally import Choice
    from votes.services import ballot_prepare
    from votes.services.ballots import BallotRequest, cast_ballots
    from votes.services.proxies import ProxyRequest

    pid = open_vote(app, runner, tmp_path, rows=_roll(6))
    with app.app_context():
        from votes.extensions import db
        from votes.models import FrozenUnit

        voters = db.session.scalars(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == int(pid)).order_by(FrozenUnit.id)).all()
    letters = {"L1": ("钱七", "110101199003070011", ("letter1.pdf", b"%PDF-1.4 letter one")),
               "L2": ("孙八", "11010119900307003X", ("letter2.pdf", b"%PDF-1.4 letter two"))}

    def row(i, letter):
        name, id_number, scan = letters[letter]
        return BallotRequest(voters[i], Choice.AGREE, "proxy", entered_by="clerk",
                             evidence=(f"form{i}.pdf", f"%PDF-1.4 form {i}".encode()),
                             proxy=ProxyRequest(name, id_number, False, scan))

    files = {"A": [row(0, "L1"), row(1, "L2")], "B": [row(2, "L2"), row(3, "L1")]}
    both = threading.Barrier(2)
    real = ballot_prepare.keep
    stored: dict[str, int] = {}

    def keep(session, proposal, file):
        # Each clerk has stored its first letter when it comes to its second.
        who = threading.current_thread().name
        if file[0].startswith("letter"):
            stored[who] = stored.get(who, 0) + 1
            if stored[who] == 2:
                try:
                    both.wait(5)
                except threading.BrokenBarrierError:
                    pass
        return real(session, proposal, file)

    monkeypatch.setattr(ballot_prepare, "keep", keep)
    outcome = {}

    def enter(who):
        with app.app_context():
            from votes.extensions import db

            try:
                outcome[who] = [b.seq for b in cast_ballots(int(pid), files[who],
                                                            actor=f"clerk{who}")]
            except Exception as exc:  # noqa: BLE001 - the test reports it
                outcome[who] = f"{type(exc).__name__}: {exc}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=enter, args=(w,), name=w) for w in "AB"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(o, list) for o in outcome.values()), outcome
    _check_chain(app, runner, tmp_path, pid)


def test_two_members_answering_one_objection_after_the_period_give_one_answer(
        app, runner, tmp_path, monkeypatch):
    """After the period's end, a request first asks whether the final result is due, which
    reads the objections into its session; the answer then read its objection under the
    lock from that session, as it was before another member's answer committed."""
    from datetime import timedelta

    from tests.procedure_world import END, at, close_at_end, open_vote, vote
    from tests.races import held_race
    from votes.services.procedure import objections
    from votes.services.procedure.objections import answer, file_by_staff

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABCDE"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(days=1))
    with app.app_context():
        first = file_by_staff(pid, "1", "1", "101", "面积有误", ("o1.pdf", b"o1"), "clerk").seq
        file_by_staff(pid, "1", "1", "102", "票数有误", ("o2.pdf", b"o2"), "clerk")
    at(app, END + timedelta(days=4))  # the period is over; both wait for their answers

    def act(who):
        return answer(pid, first, "rejected", f"{who} 核实无误", f"member{who}").answer_seq

    outcome = held_race(app, monkeypatch, objections, "lock_proposal", act)
    assert sorted(map(str, outcome.values())) == sorted(
        [str(outcome["B"]), f"第 {first} 条异议已经答复。"]), outcome
    with app.app_context():
        from votes.extensions import db
        from votes.models import ChainEntry

        answers = db.session.scalars(select(ChainEntry.seq).where(
            ChainEntry.proposal_id == int(pid), ChainEntry.kind == "answer")).all()
    assert len(answers) == 1


def test_one_transfer_sent_twice_at_once_is_entered_once_and_said_so(app, runner, tmp_path,
                                                                      monkeypatch):
    """The transfer form sent twice at once (a double click): the check that the buyer's
    ballot is already entered ran before the proposal's lock, so both sends passed it, and
    the second lost only on the ballot's revision, told that another ballot had just been
    accepted. Under the lock, the second finds the first and says it is already entered."""
    import threading

    from tests.factories import make_open_proposal, resident_id
    from tests.races import outcome_of
    from votes.services import ballot_prepare
    from votes.services.transfers import TransferEntry, enter_transfer
    from votes.services.lifecycle import get_proposal

    vote = make_open_proposal(app, runner, tmp_path)
    both_read = threading.Barrier(2, timeout=30)
    real = ballot_prepare.keep_all

    def after_both(*args, **kwargs):
        # Both sends have read the voter's latest ballot (neither has stored a file yet: the
        # second's store of the same scan waits for the first's transaction).
        both_read.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(ballot_prepare, "keep_all", after_both)
    entry = TransferEntry("1", "1", "202", "agree", "周九", resident_id(10),
                          ("deed.jpg", b"deed"), ("form.jpg", b"buyer form"))
    outcome: dict[str, object] = {}

    def send(who):
        outcome[who] = outcome_of(app, lambda: enter_transfer(
            get_proposal(vote["id"]), entry, "clerk", actor="clerk").seq)

    threads = [threading.Thread(target=send, args=(who,)) for who in "AB"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    entered = [v for v in outcome.values() if isinstance(v, int)]
    refused = [v for v in outcome.values() if not isinstance(v, int)]
    assert len(entered) == 1 and len(refused) == 1, outcome
    assert f"已按相同意见录入（第 {entered[0]} 条记录）" in refused[0], outcome
