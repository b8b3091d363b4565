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
