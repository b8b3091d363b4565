"""The public board's pages attacked by a stranger: no link, no sign-in, only the board's
address, and as many requests as they care to send."""

from __future__ import annotations

from tests.factories import assert_limited_per_address
from tests.money_world import passed_vote


def test_the_per_unit_list_is_limited_per_address(app, runner, tmp_path, client):
    """/p/<uid>/units reads the whole frozen roll and every chain line (the close's openings
    of every choice among them) and renders a row per flat on every request: about a second
    of a worker's core for 20,000 flats, against 50 ms for the board. Open to anyone, one
    address looping on it kept workers busy; it is limited like the share look-up."""
    vote = passed_vote(app, runner, tmp_path)
    assert_limited_per_address(app, client, f"/p/{vote['uid']}/units", 30)
    assert client.get(f"/p/{vote['uid']}").status_code == 200  # the board itself is not
