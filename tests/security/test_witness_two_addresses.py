"""One log shown as two histories at two addresses: the same proposal uid, entries signed
by the same server key, one chain served at one URL and a fork of it at another. The
witness held what it cosigned per address only, so it cosigned both and flagged nothing.
A log is known by its uid and the key that signed its first entry, whatever address served
it: a head that conflicts with one cosigned for the same log elsewhere is refused, and the
two server-signed entries at one position are kept as the proof (docs/verification.md §10)."""

from __future__ import annotations

import json

import pytest

from tests.security.test_witness_attacks import UID, EvilApp, rewritten, world  # noqa: F401
from votes.witness.store import Store


@pytest.fixture
def fork_at(world):  # noqa: F811
    app, sealed, witness = world
    apps = [app]

    def make(chain) -> EvilApp:
        other = EvilApp({UID: chain})
        apps.append(other)
        return other

    yield app, sealed, witness, make
    for other in apps[1:]:
        other.stop()


def _proof(store, position: int):
    [fork] = store.forks()
    old, new = json.loads(fork.old_line), json.loads(fork.new_line)
    assert old["entry"]["seq"] == new["entry"]["seq"] == position
    assert old["digest"] != new["digest"]
    return fork


@pytest.mark.parametrize("first", ["honest", "forked"])
def test_two_heads_of_one_length_at_two_addresses_are_a_fork(fork_at, first):
    app, sealed, witness, make = fork_at
    forked = make(rewritten(sealed, 2)[:4])
    order = [app.base, forked.base] if first == "honest" else [forked.base, app.base]
    result = witness().poll(order)
    assert result.cosigned == [(UID, 4)], result.lines()
    [(uid, reason)] = result.forks
    assert uid == UID and order[0] in reason, reason
    fork = _proof(witness().store, 3)
    assert fork.app == order[1]
    assert witness().store.held(order[1], UID) is None
    assert [p["statement"]["head"] for p in app.posted + forked.posted] == \
        [(sealed if first == "honest" else rewritten(sealed, 2))[3].digest]
    again = witness().poll(order)  # refused at every round, the proof kept once
    assert again.cosigned == [] and [u for u, _ in again.forks] == [UID]
    assert len(witness().store.forks()) == 1


def test_a_longer_head_that_does_not_extend_the_one_cosigned_elsewhere_is_a_fork(fork_at):
    app, sealed, witness, make = fork_at
    assert witness().poll([app.base]).cosigned == [(UID, 4)]
    forked = make(rewritten(sealed, 1))
    result = witness().poll([forked.base])
    assert result.cosigned == [] and [u for u, _ in result.forks] == [UID], result.lines()
    assert app.base in result.forks[0][1]
    _proof(witness().store, 3)
    # The honest address's chain goes on, and is cosigned: it extends what it served.
    app.chains[UID] = sealed
    assert witness().poll([app.base]).cosigned == [(UID, 7)]


def test_a_shorter_head_than_one_cosigned_elsewhere_is_not_cosigned(fork_at):
    app, sealed, witness, make = fork_at
    app.chains[UID] = sealed
    assert witness().poll([app.base]).cosigned == [(UID, 7)]
    behind = make(rewritten(sealed, 1)[:3])
    result = witness().poll([behind.base])
    assert result.cosigned == [] and witness().store.held(behind.base, UID) is None
    assert any(app.base in p and "not cosigned" in p for p in result.problems), result.lines()


def test_the_same_chain_at_two_addresses_is_cosigned_at_both(fork_at):
    app, sealed, witness, make = fork_at
    mirror = make(sealed[:4])
    assert witness().poll([app.base, mirror.base]).cosigned == [(UID, 4), (UID, 4)]
    app.chains[UID] = mirror.chains[UID] = sealed
    result = witness().poll([mirror.base, app.base])
    assert result.cosigned == [(UID, 7), (UID, 7)] and not result.forks, result.lines()


def test_a_database_of_heads_held_without_the_logs_key_still_finds_the_fork(fork_at,
                                                                             tmp_path):
    """A witness database from before heads were known by their log: read as it is, each
    head's log key taken from its chain's first entry when the address is next polled."""
    app, sealed, witness, make = fork_at
    forked = make(rewritten(sealed, 2)[:4])
    assert witness().poll([forked.base]).cosigned == [(UID, 4)]
    db = tmp_path / "witness.sqlite3"
    old = Store(db)
    old.db.executescript("""
        CREATE TABLE old_heads (proposal TEXT NOT NULL, length INTEGER NOT NULL,
            head TEXT NOT NULL, line BLOB NOT NULL, cosignature BLOB NOT NULL,
            app TEXT NOT NULL, time TEXT NOT NULL, PRIMARY KEY (app, proposal));
        INSERT INTO old_heads SELECT proposal, length, head, line, cosignature, app, time
            FROM heads;
        DROP TABLE heads;
        ALTER TABLE old_heads RENAME TO heads;
    """)
    old.close()
    result = witness().poll([app.base, forked.base])
    assert result.cosigned == [(UID, 4)], result.lines()  # the honest one, first seen now
    assert [u for u, _ in result.forks] == [UID] and app.base in result.forks[0][1]
    assert _proof(witness().store, 3).app == forked.base
