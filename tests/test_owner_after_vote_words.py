"""What an owner reads after the vote, found on a walk at 360 px: the lobby poster's flat
form reached from the settlement notice's QR code or an emergency use's board, and the
receipt looked up on the board after the close."""

from __future__ import annotations

from tests.test_emergency_owner import _emergency


def test_a_flat_outside_an_emergency_use_is_not_called_outside_a_vote(app, runner, tmp_path,
                                                                      client):
    """The emergency use of building 1: 2-201 (a flat of building 2) or a mistyped room
    was answered "not in this vote's scope; the flat need not take part in this vote" —
    to an owner who was just told that no vote was held."""
    _pid, uid = _emergency(app, runner, tmp_path)
    for room, building in (("201", "2"), ("909", "1")):
        page = client.post(f"/p/{uid}/pick", data={"building": building, "entrance": "1",
                                                   "room": room})
        assert page.status_code == 404
        html = page.get_data(as_text=True)
        assert "本次应急使用的分摊范围内没有您填写的房屋" in html, html
        assert not [w for w in ("表决范围", "参加本次表决") if w in html], html
    english = client.post(f"/p/{uid}/pick?lang=en", data={"building": "2", "entrance": "1",
                                                          "room": "201"})
    assert "emergency use" in english.get_data(as_text=True)
