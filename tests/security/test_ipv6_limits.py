"""A client on IPv6 holds a whole /64 (a phone, a home line, a rented server): sending each
request from another of its addresses must not make a fresh client of it, or the per-address
limits on the public look-ups are no limits at all."""

from __future__ import annotations

import pytest

from tests.factories import make_open_proposal


@pytest.fixture
def vote(app, runner, tmp_path):
    app.config["RATELIMIT_ENABLED"] = True
    return make_open_proposal(app, runner, tmp_path)


def _share(client, vote, address: str, room: str = "101"):
    return client.get(f"/p/{vote['uid']}/share?building=1&entrance=1&room={room}",
                      environ_base={"REMOTE_ADDR": address})


def test_the_share_look_up_cannot_be_walked_from_one_ipv6_64(app, client, vote):
    # The roll read off flat by flat, each look-up from another address of one /64.
    answers = [_share(client, vote, f"2001:db8:1:2::{i:x}").status_code for i in range(1, 32)]
    assert answers[:30] == [200] * 30
    assert answers[30] == 429, answers  # the 31st in the minute: the /64 is one client
    # Another /64 and an IPv4 client are other clients.
    assert _share(client, vote, "2001:db8:1:3::1").status_code == 200
    assert _share(client, vote, "198.51.100.7").status_code == 200


def test_ipv4_clients_are_counted_apart(app, client, vote):
    for i in range(1, 32):
        assert _share(client, vote, f"198.51.100.{i}").status_code == 200


def test_the_key_of_an_address(app):
    from votes.extensions import client_address

    for address, key in (("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
                         ("198.51.100.7", "198.51.100.7"), ("::ffff:198.51.100.7", "198.51.100.7"),
                         ("not-an-address", "not-an-address")):
        with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
            assert client_address() == key
