"""What every owner page goes through besides its view: the sign-in check, the addresses
the templates build, the page's language. Each is done once per process or skipped where
Flask and its extensions redo it per request; the pages stay the same."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_open_proposal
from tests.staff_world import clerk_client
from tests.test_owner_http import verified


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _set_cookies(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]


def test_a_signed_in_owner_stays_signed_in_from_another_address_and_browser(app, client, vote):
    # Session protection is off (votes/extensions.py): a phone changing networks keeps its
    # sign-in, and the session is neither marked nor written again.
    verified(client, app, vote)
    ballot = f"/p/{vote['uid']}/ballot"
    r = client.get(ballot, headers={"User-Agent": "another browser"},
                   environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert r.status_code == 200 and "同意" in r.get_data(as_text=True)
    assert _set_cookies(r) == []


def test_session_protection_named_in_the_configuration_still_applies(app, client, vote):
    app.config["SESSION_PROTECTION"] = "strong"
    verified(client, app, vote)
    ballot = f"/p/{vote['uid']}/ballot"
    assert client.get(ballot).status_code == 200
    r = client.get(ballot, headers={"User-Agent": "another browser"})
    assert r.status_code != 200  # signed out: Flask-Login's strong protection
    with client.session_transaction() as state:
        assert "_user_id" not in state


def test_the_session_carries_no_protection_identifier_nothing_compares(app, client, vote):
    """Flask-Login's login_user writes `_id` (a 128-character sha512 of address and user
    agent) into every session, compared only under session protection, which is off: a
    third of an owner's cookie, compressed, encoded and signed again on every page that
    writes it. Not written now; with protection named in the configuration it still is."""
    verified(client, app, vote)
    with client.session_transaction() as state:
        assert "_user_id" in state and "_id" not in state
    assert len(client.get_cookie("session").value) < 400
    staff = clerk_client(app, app.test_cli_runner())
    with staff.session_transaction() as state:
        assert "_user_id" in state and "_id" not in state
    app.config["SESSION_PROTECTION"] = "strong"
    other = app.test_client()
    verified(other, app, vote)
    with other.session_transaction() as state:
        assert "_id" in state


def test_hooks_are_called_as_flask_calls_them(app):
    def hook():
        return None

    async def coroutine_hook():
        return None

    assert app.ensure_sync(hook) is hook and app.ensure_sync(hook) is hook
    for _ in range(2):  # a coroutine function is still Flask's to wrap (needs asgiref)
        with pytest.raises(RuntimeError, match="async"):
            app.ensure_sync(coroutine_hook)


LINKS = re.compile(r'(?:href|src|action|data-register)="(/[^"]*)"')


def _links(client, path, prefix=""):
    r = client.get(path, base_url=f"http://localhost{prefix}/")
    assert r.status_code == 200, r.status_code
    return LINKS.findall(r.get_data(as_text=True))


def test_owner_pages_behind_a_proxy_prefix_link_under_it(app, client, vote):
    # SCRIPT_NAME (a proxy mounting the site at /votes): every address the page builds,
    # static files and the brand link included, is under it, and the next request without
    # the prefix gets none of it.
    verified(client, app, vote)
    ballot = f"/p/{vote['uid']}/ballot"
    plain = _links(client, ballot)
    assert "/static/votes.css" in plain and "/static/device.js" in plain and "/" in plain
    for prefix in ("/votes", "/other/place", ""):
        assert _links(client, ballot, prefix) == [prefix + link for link in plain]
    board = _links(client, "/")
    assert _links(client, "/", "/votes") == ["/votes" + link for link in board]
    assert _links(client, "/") == board


def test_each_request_gets_its_own_language(app, client, vote):
    uid = vote["uid"]
    english, chinese = "Maintenance fund owner vote", "维修资金业主表决"  # the brand link
    for lang, lang_attr, words, not_words in (("en", "en", english, chinese),
                                              ("zh_CN", "zh-CN", chinese, english),
                                              ("en", "en", english, chinese)):
        page = client.get(f"/p/{uid}?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang_attr}">' in page and words in page, lang
        assert not_words not in page, lang
