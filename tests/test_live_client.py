"""The live tests' phone client reads Set-Cookie headers as a browser does: a session
cookie whose signed value happens to contain "1970" is kept, and only a removal removes."""

from __future__ import annotations

from flask import Response

from tests.live_gunicorn import set_cookie


def _headers(build) -> list[str]:
    response = Response()
    build(response)
    return response.headers.getlist("Set-Cookie")


def test_a_value_containing_1970_is_kept():
    value = "eyJhIjoiYiJ9.Z1970x.abc1970def"
    [header] = _headers(lambda r: r.set_cookie("votes_session", value, httponly=True))
    assert set_cookie(header) == ("votes_session", value, False)


def test_a_removal_removes_by_its_expiry_or_max_age():
    [header] = _headers(lambda r: r.delete_cookie("votes_session"))
    assert set_cookie(header)[0::2] == ("votes_session", True)
    assert set_cookie("a=b; Max-Age=0; Path=/")[2] is True
    assert set_cookie("a=b; Max-Age=600; Path=/")[2] is False
    assert set_cookie("a=b; Expires=Wed, 01 Jan 2098 00:00:00 GMT")[2] is False
