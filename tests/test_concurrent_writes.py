"""Writes that two requests make at once, on PostgreSQL, with the interleaving forced: the
server key made on first use, one scan kept as the evidence of two clerks' ballots, two
clerks' scans stored before the lock, one witness cosignature posted twice."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

pytestmark = pytest.mark.postgresql_only


def _together(app, calls, meet=None):
    """Run each call in its own thread and app context; `meet(hook)` installs a hook that
    holds each thread at the racy moment until all have reached it. Results or errors."""
    out: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))
    over = threading.Event()

    def wait():
        if over.is_set():  # the test's own reads after the race do not wait for partners
            return
        try:
            barrier.wait(10)
        except threading.BrokenBarrierError:
            pass  # the other thread is blocked further on: the race is decided

    if meet is not None:
        meet(wait)

    def run(i):
        with app.app_context():
            try:
                out[i] = calls[i]()
            except Exception as exc:  # noqa: BLE001 - reported to the test
                out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    over.set()
    assert not any(t.is_alive() for t in threads)
    return out


def test_two_requests_making_the_first_server_key_at_once_leave_one_active(app,
                                                                           monkeypatch):
    from votes.extensions import db
    from votes.models import ServerKey
    from votes.services import keys
    from votes.services.tx import unit_of_work

    def first_signer():
        with unit_of_work():
            return keys.signing_key().key_id

    real = keys._lock_keys

    def meet(wait):  # both have found no active key when they reach the lock
        monkeypatch.setattr(keys, "_lock_keys", lambda session: (wait(), real(session)))

    made = _together(app, [first_signer, first_signer], meet)
    assert all(isinstance(m, str) for m in made), made
    assert made[0] == made[1]  # the second used the key the first made
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServerKey)) == 1
        # and a second active key cannot be stored whatever the code does
        from sqlalchemy.exc import IntegrityError

        db.session.add(ServerKey(key_id="ed25519:0000", public_key="x", active=True))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_two_rotations_at_once_leave_one_active_key(app):
    from votes.extensions import db
    from votes.models import ServerKey
    from votes.services import keys

    made = _together(app, [keys.generate_key, keys.generate_key])
    assert all(isinstance(m, str) for m in made) and made[0] != made[1], made
    with app.app_context():
        active = db.session.scalars(select(ServerKey.key_id).where(ServerKey.active)).all()
        assert len(active) == 1 and active[0] in made


def test_one_scan_for_two_voters_entered_at_once_keeps_both_ballots(app, runner, tmp_path,
                                                                     monkeypatch):
    # One proxy letter scanned for two principals, entered by two clerks at the same moment
    # (each principal's ballot on its own signed form: a form is one voter's).
    import hashlib

    from tests.factories import make_open_proposal
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import Ballot, Evidence, FrozenUnit
    from votes.services import ballot_prepare
    from votes.services.ballots import BallotRequest, cast_ballots
    from votes.services.proxies import ProxyRequest

    vote = make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        voters = sorted(set(db.session.scalars(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"]))))[:2]
    scan = ("letter.pdf", b"%PDF-1.4 one letter, two principals")
    real = ballot_prepare.keep

    def meet(wait):  # both look for the scan together: neither finds it
        met = set()

        def keep(session, proposal, file):
            # Only at each clerk's first look: at a later one (the scan stored for the batch,
            # then looked up for its ballot) one clerk waits on the other's uncommitted row,
            # and the other waited out the barrier's 10 s for it.
            if file == scan and threading.get_ident() not in met:
                met.add(threading.get_ident())
                wait()
            return real(session, proposal, file)
        monkeypatch.setattr(ballot_prepare, "keep", keep)

    def enter(voter):
        proxy = ProxyRequest("钱七", "110101199003070011", False, scan)
        return lambda: cast_ballots(vote["id"], [BallotRequest(
            voter, Choice.AGREE, "proxy", entered_by="clerk", proxy=proxy,
            evidence=("form.pdf", f"%PDF-1.4 form of {voter}".encode()))], actor="clerk")

    out = _together(app, [enter(v) for v in voters], meet)
    assert not [o for o in out if isinstance(o, Exception)], out
    with app.app_context():
        kept = db.session.scalars(select(Ballot.voter_key).where(
            Ballot.proposal_id == vote["id"])).all()
        assert sorted(kept) == sorted(voters)
        assert db.session.scalar(select(func.count()).select_from(Evidence).where(
            Evidence.sha256 == hashlib.sha256(scan[1]).hexdigest())) == 1


def test_two_clerks_who_each_stored_a_scan_wait_for_the_lock_in_turn(app, runner, tmp_path,
                                                                     monkeypatch):
    """Each clerk's scan is stored before the proposal's lock, and its row's foreign key
    share-locks the proposal row. The first clerk is held just before the lock while the
    second stores its scan and asks for the lock: with FOR UPDATE each then waited for the
    other's share lock, and PostgreSQL failed one of them as a deadlock."""
    from tests.factories import make_open_proposal
    from tests.races import held_race
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services import ballots
    from votes.services.ballots import BallotRequest, cast_ballots

    vote = make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        voters = dict(zip("AB", sorted(set(db.session.scalars(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"]))))))

    def enter(who):
        cast_ballots(vote["id"], [BallotRequest(
            voters[who], Choice.AGREE, "paper", entered_by="clerk",
            evidence=("form.pdf", f"%PDF-1.4 form of {who}".encode()))], actor=f"clerk{who}")
        return "accepted"

    outcome = held_race(app, monkeypatch, ballots, "lock_proposal", enter)
    assert outcome == {"A": "accepted", "B": "accepted"}, outcome


def test_one_cosignature_posted_twice_at_once_is_stored_once_without_an_error(
        app, runner, tmp_path, monkeypatch):
    from sqlalchemy.orm import Session

    from tests.factories import make_open_proposal
    from tests.test_witness_app import _cosig, _keys_file
    from votes.extensions import db
    from votes.models import ChainEntry, WitnessCosignature

    vote = make_open_proposal(app, runner, tmp_path)
    _keys_file(tmp_path, app)
    with app.app_context():
        head = db.session.scalar(select(ChainEntry.digest).where(
            ChainEntry.proposal_id == vote["id"], ChainEntry.seq == 0))
    body = _cosig(vote["uid"], 1, head)
    real = Session.scalar

    def meet(wait):  # both have asked whether it is held, and heard no
        def scalar(self, statement, *args, **kwargs):
            found = real(self, statement, *args, **kwargs)
            if "witness_cosignatures" in str(statement):
                wait()
            return found
        monkeypatch.setattr(Session, "scalar", scalar)

    def post():
        return app.test_client().post("/api/witness/cosignatures", data=body,
                                      content_type="application/json").status_code

    assert sorted(_together(app, [post, post], meet)) == [200, 201]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WitnessCosignature)) == 1


def test_a_bundle_exported_while_a_cosignature_arrives_holds_only_heads_of_its_chain(
        app, runner, tmp_path, monkeypatch):
    from tests.factories import make_open_proposal
    from tests.test_witness_app import WITNESS, WITNESS_ID, _cosig, _keys_file
    from tests.test_witness_servers import _cast
    from votes.core import signing
    from votes.core.verifier import verify_bundle
    from votes.extensions import db
    from votes.models import ChainEntry
    from votes.services import export, keys
    from votes.services.witness import accept_cosignature

    vote = make_open_proposal(app, runner, tmp_path)
    _keys_file(tmp_path, app)
    real = export.chain_entries

    def chain_then_a_ballot(proposal):  # the chain is read; a ballot and its cosignature land
        entries = real(proposal)
        thread = threading.Thread(target=lambda: _cast(app, vote, ["101"]))
        thread.start()
        thread.join(60)
        with app.app_context():
            head = db.session.scalar(select(ChainEntry.digest).where(
                ChainEntry.proposal_id == vote["id"], ChainEntry.seq == 1))
            assert accept_cosignature(_cosig(vote["uid"], 2, head))
        return entries

    monkeypatch.setattr(export, "chain_entries", chain_then_a_ballot)
    target = tmp_path / "during.zip"
    with app.app_context():
        export.export_bundle(vote["uid"], str(target))
        ring = keys.keyring()
    report = verify_bundle(str(target), trusted_keys=ring,
                           witness_keys=signing.KeyRing({WITNESS_ID: WITNESS.public_key()}))
    assert not report.failures, report.render()
    assert report.entries == 1
