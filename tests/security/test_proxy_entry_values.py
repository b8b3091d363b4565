"""A dishonest clerk's other values for a proxy (§16): the same proxy under another spelling
or another declared type of one number stays one holder for the proxy limit, and a resident
ID whose check character is right but whose birth date is no date is no resident ID."""

from __future__ import annotations

import pytest

from tests.factories import resident_id
from tests.factories import make_open_proposal
from tests.security.test_proxy_id_types import _ballots, _proxy
from tests.staff_world import clerk_client

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _checked(body: str) -> str:
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


ENDS_IN_X = next(i for i in (resident_id(n) for n in range(200)) if i.endswith("X"))
FULL_WIDTH_LOWER_X = ENDS_IN_X[:-1].translate(
    {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + "ｘ"


@pytest.mark.parametrize("first,second", [
    (("港澳居民来往内地通行证", "H12345678"), ("护照", "h 1234 5678")),
    (("居民身份证", ENDS_IN_X), ("居民身份证", ENDS_IN_X[:-1] + "x")),
    (("居民身份证", ENDS_IN_X), ("", FULL_WIDTH_LOWER_X)),
    (("居民身份证", ENDS_IN_X), ("居民身份证", " ".join([ENDS_IN_X[:6], ENDS_IN_X[6:14],
                                                      ENDS_IN_X[14:]]))),
])
def test_one_proxy_under_another_spelling_or_type_is_one_holder(app, runner, tmp_path, first,
                                                                second):
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=1"])
    client = clerk_client(app, runner)
    r = _proxy(client, vote, "101", first[1], proxy_id_type=first[0])
    assert r.status_code == 302, r.get_data(as_text=True)
    r = _proxy(client, vote, "102", second[1], proxy_id_type=second[0])
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "达到议事规则规定的上限" in page, page
    assert _ballots(app, vote) == 1


@pytest.mark.parametrize("birth", ["19991332", "19900230", "00000000", "18000101"])
def test_a_resident_id_with_no_real_birth_date_is_refused(app, runner, tmp_path, birth):
    """The check character is public arithmetic: "110101" + any eight digits + a serial
    with its check character passed, "born" on the 32nd of the 13th month."""
    vote = make_open_proposal(app, runner, tmp_path)
    client = clerk_client(app, runner)
    r = _proxy(client, vote, "101", _checked("110101" + birth + "001"))
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "出生日期" in page, page
    assert _ballots(app, vote) == 0
