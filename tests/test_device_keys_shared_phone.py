"""A shared phone keeps no device key of an owner whose sign-in is over, nor of a cast.

device.js keeps the owner's device key pair in IndexedDB under "<proposal uid>:<voter key>".
The voter key is the pseudonym under which the public chain shows the owner's choice after
the close, and the key's public half names the ballot it signed: left in the browser, the
next person using the phone reads whose choice to look up on the board. Only 退出登录
took them out; the hours running out, a sign-out on another phone of the household, or an
owner who simply walked away after voting left them there. Now the receipt page takes them
out, and any page shown to a browser with no owner signed in (or whose sign-in has ended)
takes out every key."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.browser import (live_server, need_tools, page_html, phone_browser,
                           sign_in_to_the_ballot)
from tests.factories import make_open_proposal, resident_id, voter_token

pytestmark = pytest.mark.browser

# The names of the keys this browser keeps (device.js's store), without creating the store.
# IndexedDB answers a page's requests in order: a key the page's own script took out is
# gone by the time this transaction reads.
STORED_KEYS = """() => new Promise(resolve => {
  const open = indexedDB.open("votes-device", 1);
  open.onupgradeneeded = () => open.transaction.abort();
  open.onerror = event => { event.preventDefault(); resolve([]); };
  open.onsuccess = () => {
    const db = open.result;
    const all = db.transaction("keys").objectStore("keys").getAllKeys();
    all.onsuccess = () => { db.close(); resolve(all.result); };
  };
})"""


def _stored(page) -> list[str]:
    page.wait_for_load_state()
    return page.evaluate(STORED_KEYS)


def _vote(app, tmp_path, *extra):
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["VOTES_WALL_NOW"] = datetime.now(timezone.utc)  # the sign-ins' clock
    return make_open_proposal(app, app.test_cli_runner(), tmp_path, extra=extra)


def _later(app, **delta) -> None:
    app.config["VOTES_WALL_NOW"] += timedelta(**delta)


def _to_ballot(page, base, app, vote) -> str:
    """张三 signs in on the phone; his ballot page registers the device key. His voter key."""
    sign_in_to_the_ballot(page, base, app, vote)
    voter = page.get_attribute("script[data-voter]", "data-voter")
    assert _stored(page) == [f"{vote['uid']}:{voter}"]
    return voter


def _cast(page, choice="agree") -> None:
    page.check(f"input[value={choice}]")
    page.click("#next")
    page.wait_for_url(re.compile(r".*/confirm$"))
    page.click("#cast-submit")
    page.wait_for_url(re.compile(r".*/receipt/[0-9a-f]{64}$"), timeout=10_000)
    assert "表决成功" in page_html(page)


def _named(keys, voter) -> list[str]:
    return [k for k in keys if voter in k]


def _device_entries(app, vote) -> list[dict]:
    import json

    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import ChainEntry

    with app.app_context():
        return [json.loads(line)["entry"] for line in db.session.scalars(
            select(ChainEntry.line).where(ChainEntry.proposal_id == vote["id"])
            .order_by(ChainEntry.seq))]


def test_the_next_person_after_the_hours_finds_no_key_of_the_owner_who_voted(sqlite_app,
                                                                             tmp_path):
    """The attack: 张三 votes on a shared phone and puts it down; his sign-in's hours run
    out; the next person opens the board on the same phone and reads IndexedDB."""
    need_tools("chromium")
    app = sqlite_app
    vote = _vote(app, tmp_path)
    with live_server(app) as base, phone_browser() as page:
        voter = _to_ballot(page, base, app, vote)
        _cast(page)
        _later(app, hours=12, seconds=1)
        page.goto(f"{base}/p/{vote['uid']}")
        assert _named(_stored(page), voter) == []
    ballot = [e for e in _device_entries(app, vote) if e["kind"] == "ballot"]
    assert ballot[0]["body"]["device"]["alg"] == "ECDSA-P256-SHA256"  # it was signed


def test_the_receipt_takes_the_key_out_and_a_change_signs_with_a_new_one(sqlite_app,
                                                                        tmp_path):
    """Nothing needs the key once the ballot is in: the receipt page takes it out, while
    the owner is still signed in. A change before the close (allowed here) registers a new
    key on its ballot page and is signed with it."""
    need_tools("chromium")
    app = sqlite_app
    vote = _vote(app, tmp_path, "--allow-change")
    with live_server(app) as base, phone_browser() as page:
        voter = _to_ballot(page, base, app, vote)
        _cast(page)
        assert _stored(page) == []
        with page.expect_response(lambda r: r.request.method == "POST"
                                  and r.url.endswith("/device")) as registered:
            page.goto(f"{base}/p/{vote['uid']}/ballot")
        assert registered.value.ok
        assert _stored(page) == [f"{vote['uid']}:{voter}"]
        _cast(page, "disagree")
        assert _stored(page) == []
    entries = _device_entries(app, vote)
    devices = [e["body"]["public_key"] for e in entries if e["kind"] == "device"]
    signed = [e["body"]["device"]["public_key"] for e in entries if e["kind"] == "ballot"]
    assert len(set(devices)) == 2 and signed == devices


def test_a_key_stays_while_the_owner_is_signed_in_and_goes_when_the_hours_run_out(
        sqlite_app, tmp_path):
    """张三 opens his ballot and walks away without voting. While his sign-in lasts the key
    stays (the board, the start page, his ballot again), and signs his ballot; once its
    hours are over, whatever page of the app the next person opens takes it out."""
    need_tools("chromium")
    app = sqlite_app
    vote = _vote(app, tmp_path)
    with live_server(app) as base, phone_browser() as page:
        voter = _to_ballot(page, base, app, vote)
        kept = [f"{vote['uid']}:{voter}"]
        for path in (f"/p/{vote['uid']}", "/", f"/p/{vote['uid']}/ballot"):
            page.goto(base + path)
            assert _stored(page) == kept, path
        _later(app, hours=12)  # the last second of the sign-in
        page.goto(f"{base}/p/{vote['uid']}")
        assert _stored(page) == kept
        _later(app, seconds=1)
        page.goto(f"{base}/")
        assert _stored(page) == []


def test_a_sign_out_on_another_phone_of_the_household_takes_the_key_out(sqlite_app,
                                                                       tmp_path):
    """张三 opened his ballot on the shared phone; his wife signs out on her own phone,
    which ends every sign-in of their flat. The next page this phone opens, the board, takes
    his key out, long before the hours would."""
    need_tools("chromium")
    app = sqlite_app
    vote = _vote(app, tmp_path)
    with live_server(app) as base, phone_browser() as page:
        voter = _to_ballot(page, base, app, vote)
        _later(app, minutes=5)
        app.config["WTF_CSRF_ENABLED"] = False  # her phone's forms, as the test client sends
        wife = app.test_client()
        wife.get(f"/v/{voter_token(app, vote)}")
        assert wife.post(f"/p/{vote['uid']}/verify", data={
            "method": "id", "answer": resident_id(1)[-6:]}).status_code == 302
        _later(app, minutes=1)
        assert wife.post(f"/p/{vote['uid']}/sign-out").status_code == 302
        app.config["WTF_CSRF_ENABLED"] = True
        _later(app, minutes=1)
        page.goto(f"{base}/p/{vote['uid']}")
        assert _named(_stored(page), voter) == []
