"""What a stranger can type into the lobby poster (/p/<uid>/pick): building, entrance and
room are free text from anyone, before any proof. Whatever is sent, the answer is the
page for a flat that is not in the vote, or the flat itself; nothing of it is kept."""

from __future__ import annotations

import pytest

from tests.factories import make_open_proposal


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _caches():
    from votes.core import roll

    return [getattr(roll, name) for name in (
        "normalise_building", "normalise_entrance", "normalise_room",
        "_building_part", "_entrance_part", "_room_part")]


def test_a_huge_label_on_the_poster_is_not_kept_by_the_server(app, client, vote):
    """Each label typed on the poster was normalised through the roll's memoised functions,
    which keep up to 16,384 rooms (and 4,096 buildings and entrances) with their normalised
    copies: 1 MB of memory kept per request of 400 kB labels, in every worker, gigabytes
    after a few thousand anonymous requests (120 a minute from each address). A label no
    roll holds (the roll's are at most 64 characters) is no flat: refused as one not in
    the vote, without being normalised."""
    before = [f.cache_info().currsize for f in _caches()]
    for n in range(3):
        huge = str(n) + "9" * 100_000
        for data in ({"building": huge, "entrance": "1", "room": "101"},
                     {"building": "1", "entrance": huge, "room": "101"},
                     {"building": "1", "entrance": "1", "room": huge}):
            r = client.post(f"/p/{vote['uid']}/pick", data=data)
            assert r.status_code == 404 and "不在表决范围内" in r.get_data(as_text=True)
    grown = [f.cache_info().currsize - b for f, b in zip(_caches(), before)]
    assert grown == [0] * len(grown), grown
    # A flat typed with spaces and full-width digits around it is still found.
    r = client.post(f"/p/{vote['uid']}/pick",
                    data={"building": " １ 号楼 ", "entrance": "1", "room": " 0101 室"})
    assert r.status_code == 302


@pytest.fixture
def stairwells(app, runner, tmp_path):
    """Building 1 with two stairwells (101 in each, 301 in the first only); building 3
    without stairwells."""
    from tests.factories import make_row, resident_id

    rows = [make_row(entrance="1", room="101", owner_id=resident_id(1)),
            make_row(entrance="2", room="101", owner_id=resident_id(2)),
            make_row(entrance="1", room="301", owner_id=resident_id(3)),
            make_row(building="3", entrance="", room="501", owner_id=resident_id(4))]
    return make_open_proposal(app, runner, tmp_path, rows=rows)


def _pick(client, vote, building: str, entrance: str, room: str):
    return client.post(f"/p/{vote['uid']}/pick",
                       data={"building": building, "entrance": entrance, "room": room})


def test_an_owner_who_leaves_the_stairwell_out_is_not_told_they_need_not_vote(
        app, client, stairwells):
    """The poster says 单元（没有可不填）: an owner of 1号楼1单元301 who left it empty was told
    "您填写的房屋不在本次表决的费用分摊范围内，无需参加本次表决" and went away without voting.
    A building and room that one flat of the vote has, whatever its stairwell, is that flat;
    where two stairwells have that room the owner is asked which, the form kept filled."""
    picked = _pick(client, stairwells, "1", "", "301")
    assert picked.status_code == 302 and picked.location.endswith("/verify")
    page = client.get(f"/p/{stairwells['uid']}/verify").get_data(as_text=True)
    assert "1号楼1单元301室" in page
    # 101 is in both stairwells: which one is the owner's to say, not a dead end.
    both = _pick(client, stairwells, "1", "", "101")
    text = both.get_data(as_text=True)
    assert both.status_code == 200 and "请填写单元" in text and "无需参加" not in text
    assert 'value="101"' in text and 'name="entrance"' in text
    # A stairwell typed for a building that has none is that building's flat.
    assert _pick(client, stairwells, "3", "1", "501").status_code == 302
    # A stairwell typed that the building has, without that room, is still no flat.
    assert _pick(client, stairwells, "1", "2", "301").status_code == 404
    assert _pick(client, stairwells, "1", "", "401").status_code == 404


def test_a_flat_mistyped_on_the_poster_can_be_corrected_there(app, client, vote):
    """A typo (room 1010 for 101) led to a page that said, with no way back but the
    browser's, 您填写的房屋不在本次表决的费用分摊范围内，无需参加本次表决: an elderly owner
    who did not see the typo took it at its word and did not vote. The form comes back with
    what was typed, asking to check it; not being in the vote is said only as the case
    where what was typed is right."""
    r = client.post(f"/p/{vote['uid']}/pick",
                    data={"building": "1", "entrance": "1", "room": "1010"})
    text = r.get_data(as_text=True)
    assert r.status_code == 404 and "不在表决范围" in text
    assert "请核对" in text and 'value="1010"' in text and 'name="room"' in text
    # What no owner types is not sent back.
    r = client.post(f"/p/{vote['uid']}/pick",
                    data={"building": "1", "entrance": "1", "room": "9" * 10_000})
    assert r.status_code == 404 and "9" * 300 not in r.get_data(as_text=True)
