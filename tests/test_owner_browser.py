"""A real owner's path in headless Chromium on a phone-sized screen: notice PDF → QR →
second factor → vote → receipt → board → exported bundle verified, device signature included."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from tests.browser import (ARTIFACTS, live_server, need_tools, page_html, phone_browser,
                           shot, sign_in_to_the_ballot)
from tests.factories import make_roll_csv, resident_id

pytestmark = pytest.mark.browser


def decode_qr_links(pdf, tmp_path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)
    links = []
    for png in sorted(tmp_path.glob("page*.png")):
        out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True,
                             text=True, check=True).stdout.strip()
        links.append(out)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "owner-0-notice.png").write_bytes(sorted(tmp_path.glob("page*.png"))[0].read_bytes())
    return links


def test_owner_votes_from_a_phone(sqlite_app, tmp_path):
    need_tools("chromium", "pdftoppm", "zbarimg")
    app = sqlite_app
    app.config["WTF_CSRF_ENABLED"] = True  # the browser runs with the real protections on
    runner = app.test_cli_runner()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with live_server(app) as base:
        assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
        roll = make_roll_csv(tmp_path / "roll.csv")
        assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
        app.config["VOTES_NOW"] = now - timedelta(days=8, minutes=1)  # drafted 8 days ago
        pid = runner.invoke(args=[
            "proposal", "create", "--community", "SUN", "--title", "1号楼电梯更换",
            "--matter", "use_fund", "--scope", "building:1", "--budget", "356000.00",
            "--publicity-start", (now - timedelta(days=8)).isoformat(),
            "--voting-start", (now - timedelta(minutes=5)).isoformat(),
            "--voting-end", (now + timedelta(days=7)).isoformat(), "--schedule"]).output.strip()
        del app.config["VOTES_NOW"]
        assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
        pdf = tmp_path / "notices.pdf"
        result = runner.invoke(args=["notices", pid, "-o", str(pdf)])
        assert result.exit_code == 0, result.output
        links = decode_qr_links(pdf, tmp_path)
        assert len(links) == 3 and all(link.startswith(base + "/v/") for link in links)

        # Notices are ordered by unit: the first is 张三's (1-1-101 and 1-1-201).
        with phone_browser() as page:
            page.goto(links[0])
            assert "验证业主身份" in page_html(page)
            shot(page, "owner-1-verify")
            page.fill("#answer", "000000")
            page.click("#verify-submit")
            page.wait_for_load_state()
            assert "还可以再试 4 次" in page_html(page)
            shot(page, "owner-2-wrong-answer")
            page.fill("#answer", resident_id(1)[-6:])
            page.click("#verify-submit")
            page.wait_for_url(re.compile(r".*/ballot$"))
            assert "您应分摊的费用" in page_html(page)
            shot(page, "owner-3-ballot")
            page.check("input[value=agree]")
            page.click("#next")
            page.wait_for_url(re.compile(r".*/confirm$"))
            assert "您选择了" in page_html(page)
            shot(page, "owner-4-confirm")
            page.click("#cast-submit")
            page.wait_for_url(re.compile(r".*/receipt/[0-9a-f]{64}$"))
            digest = page.url.rsplit("/", 1)[1]
            salt = "".join(page.text_content("#commitment-salt").split())  # the browser's
            shot(page, "owner-5-receipt")
            page.click("#check-receipt")
            page.wait_for_load_state()
            assert "已记录：第 2 条记录" in page_html(page)  # entry 1 registered the device
            shot(page, "owner-6-board")

        app.config["VOTES_NOW"] = now + timedelta(days=7, minutes=1)
        assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
        bundle = tmp_path / "bundle.zip"
        assert runner.invoke(args=["export", pid, "-o", str(bundle)]).exit_code == 0

    from votes.core.verifier import verify_bundle

    from votes.services.keys import keyring

    with app.app_context():
        ring = keyring()
    report = verify_bundle(str(bundle), trusted_keys=ring)
    assert report.ok, report.render()
    import json
    import zipfile

    with zipfile.ZipFile(bundle) as z:
        lines = [json.loads(x) for x in z.read("chain.jsonl").decode().splitlines() if x]
    ballot = next(line["entry"] for line in lines if line["digest"] == digest)
    assert ballot["body"]["channel"] == "online"
    assert ballot["body"]["device"] and ballot["body"]["device"]["alg"] == "ECDSA-P256-SHA256"
    # The key was registered on the chain, by an entry before the ballot (spec §14).
    devices = [line["entry"] for line in lines if line["entry"]["kind"] == "device"]
    assert [(d["seq"], d["body"]["voter"], d["body"]["public_key"], d["body"]["proof"])
            for d in devices] == [(1, ballot["body"]["voter"],
                                   ballot["body"]["device"]["public_key"], "id")]
    assert ballot["seq"] == 2
    from votes.core.commitment import opens

    # The device signed a commitment salted in the browser; the owner's salt opens it.
    assert opens(ballot["body"]["commitment"], ballot["proposal"], ballot["body"]["voter"],
                 "agree", salt)


def _open_vote(app, tmp_path):
    from tests.factories import make_open_proposal

    app.config["WTF_CSRF_ENABLED"] = True
    return make_open_proposal(app, app.test_cli_runner(), tmp_path)


def _to_confirm(page, base, app, vote, choice="agree"):
    from tests.factories import voter_token

    page.goto(f"{base}/v/{voter_token(app, vote)}")
    page.fill("#answer", resident_id(1)[-6:])  # 张三, 1-1-101
    page.click("#verify-submit")
    page.wait_for_url(re.compile(r".*/ballot$"))
    page.check(f"input[value={choice}]")
    page.click("#next")
    page.wait_for_url(re.compile(r".*/confirm$"))


def _chain_kinds(app, vote) -> list[str]:
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import ChainEntry

    with app.app_context():
        return list(db.session.scalars(select(ChainEntry.kind).where(
            ChainEntry.proposal_id == vote["id"]).order_by(ChainEntry.seq)))


def test_owner_votes_where_indexeddb_refuses_the_key(sqlite_app, tmp_path):
    """WebKit before 2021 and some WebViews cannot store a CryptoKey in IndexedDB: put
    throws (DataCloneError). The owner still votes, with an unsigned ballot."""
    need_tools("chromium")
    app = sqlite_app
    vote = _open_vote(app, tmp_path)
    with live_server(app) as base, phone_browser() as page:
        page.add_init_script("IDBObjectStore.prototype.put = function () {"
                             " throw new DOMException('CryptoKey', 'DataCloneError'); };")
        _to_confirm(page, base, app, vote)
        page.click("#cast-submit")
        page.wait_for_url(re.compile(r".*/receipt/[0-9a-f]{64}$"), timeout=10_000)
        assert "表决成功" in page_html(page)
    assert _chain_kinds(app, vote)[1:] == ["ballot"]  # after the genesis: no device entry


def test_owner_votes_where_indexeddb_never_answers(sqlite_app, tmp_path):
    """Safari 14.1 (iOS 14.6 and its WeChat) left indexedDB.open unanswered on a page's
    first load: neither success nor error. The owner still votes, with an unsigned ballot."""
    need_tools("chromium")
    app = sqlite_app
    vote = _open_vote(app, tmp_path)
    with live_server(app) as base, phone_browser() as page:
        page.add_init_script("IDBFactory.prototype.open = function () { return {}; };")
        _to_confirm(page, base, app, vote)
        page.click("#cast-submit")
        page.wait_for_url(re.compile(r".*/receipt/[0-9a-f]{64}$"), timeout=15_000)
        assert "表决成功" in page_html(page)
    assert _chain_kinds(app, vote)[1:] == ["ballot"]


def _ballots(app, vote) -> list[dict]:
    """The vote's ballot entries on the chain, as written."""
    import json

    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import ChainEntry

    with app.app_context():
        lines = db.session.scalars(select(ChainEntry.line).where(
            ChainEntry.proposal_id == vote["id"], ChainEntry.kind == "ballot"))
        return [json.loads(line)["entry"] for line in lines]


# How the page signs, or does not: a stored key; IndexedDB refusing to keep it (the unsigned
# fallback of §13.2); no IndexedDB at all, where device.js signs nothing and the form goes as is.
SIGNING = {"signed": None,
           "unsigned": "IDBObjectStore.prototype.put = function () {"
                       " throw new DOMException('CryptoKey', 'DataCloneError'); };",
           "no-store": "Object.defineProperty(window, 'indexedDB', {value: undefined});"}


@pytest.mark.parametrize("signing", SIGNING)
def test_second_tap_while_the_ballot_is_on_its_way_sends_nothing(sqlite_app, tmp_path, signing):
    """An owner taps 确认提交 again while the first tap's ballot is still being sent (a slow
    network): the page sends one ballot, and the receipt does not say that another ballot was
    already recorded (the server refusing a second send, in alarming words)."""
    need_tools("chromium")
    app = sqlite_app
    vote = _open_vote(app, tmp_path)
    casts, held = [], []

    def slow_network(route):
        casts.append(route.request)
        if len(casts) == 1:
            held.append(route)  # the first send is still on its way when the owner taps again
        else:
            route.continue_()

    with live_server(app) as base, phone_browser() as page:
        if SIGNING[signing]:
            page.add_init_script(SIGNING[signing])
        _to_confirm(page, base, app, vote)
        page.route("**/cast", slow_network)
        box = page.locator("#cast-submit").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/cast")):
            page.touchscreen.tap(x, y)
        page.touchscreen.tap(x, y)  # the second tap: the page still shows the button
        assert held, "the first send was not held"
        held[0].continue_()
        page.wait_for_url(re.compile(r".*/receipt/[0-9a-f]{64}$"), timeout=10_000)
        page.wait_for_load_state()
        assert "表决成功" in page_html(page)
        assert "本户已有一张选票" not in page_html(page)
        assert len(casts) == 1
    ballots = _ballots(app, vote)
    assert len(ballots) == 1
    assert bool(ballots[0]["body"].get("device")) == (signing == "signed")


def test_owner_votes_without_javascript(sqlite_app, tmp_path):
    """A browser with JavaScript off (some WebViews, a reader mode): the plain forms still
    verify, choose and cast; the ballot is unsigned and the server salts it (§13.2)."""
    need_tools("chromium")
    app = sqlite_app
    vote = _open_vote(app, tmp_path)
    with live_server(app) as base, phone_browser(javascript=False) as page:
        _to_confirm(page, base, app, vote, choice="disagree")
        page.click("#cast-submit")
        page.wait_for_url(re.compile(r".*/receipt/[0-9a-f]{64}$"), timeout=10_000)
        assert "表决成功" in page_html(page)
    assert _chain_kinds(app, vote)[1:] == ["ballot"]
    assert not _ballots(app, vote)[0]["body"].get("device")


def test_registered_key_signs_when_the_confirm_page_cannot_reach_the_server(sqlite_app,
                                                                              tmp_path):
    """The ballot page registered the device key; on the confirm page the network drops the
    key's re-registration. The server would refuse an unsigned ballot now (§14.1), so the page
    signs with the key the chain already holds, and the owner's ballot is recorded."""
    need_tools("chromium")
    app = sqlite_app
    vote = _open_vote(app, tmp_path)
    with live_server(app) as base, phone_browser() as page:
        sign_in_to_the_ballot(page, base, app, vote)
        page.route("**/device", lambda route: route.abort("internetdisconnected"))
        _agree_and_cast(page)
    _assert_signed_ballot(app, vote)


def test_a_registration_whose_answer_is_lost_still_signs_the_ballot(sqlite_app, tmp_path):
    """The confirm page registers the device key (the ballot page's request never left the
    phone); the server records it but its answer is lost. The voter now has a registered
    key, so an unsigned ballot would be refused (§14.1): the page asks again, finds the key
    registered, and the owner's ballot is recorded, signed, on the first tap."""
    from tests.factories import voter_token

    need_tools("chromium")
    app = sqlite_app
    vote = _open_vote(app, tmp_path)
    posts = []

    def flaky_network(route):
        posts.append(route.request)
        if len(posts) == 1:  # the ballot page's: never reaches the server
            route.abort("internetdisconnected")
        elif len(posts) == 2:  # the confirm page's: reaches it, the answer is lost
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    with live_server(app) as base, phone_browser() as page:
        page.route("**/device", flaky_network)
        page.goto(f"{base}/v/{voter_token(app, vote)}")
        page.fill("#answer", resident_id(1)[-6:])
        with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/device")):
            page.click("#verify-submit")
        page.wait_for_url(re.compile(r".*/ballot$"))
        _agree_and_cast(page)
    _assert_signed_ballot(app, vote)


def _agree_and_cast(page):
    """From the ballot page: agree, confirm, and wait for the receipt."""
    page.check("input[value=agree]")
    page.click("#next")
    page.wait_for_url(re.compile(r".*/confirm$"))
    page.click("#cast-submit")
    page.wait_for_url(re.compile(r".*/receipt/[0-9a-f]{64}$"), timeout=10_000)
    assert "表决成功" in page_html(page)


def _assert_signed_ballot(app, vote):
    """The chain holds the device's registration, then its ballot, signed by the device."""
    assert _chain_kinds(app, vote)[1:] == ["device", "ballot"]
    assert _ballots(app, vote)[0]["body"]["device"]["alg"] == "ECDSA-P256-SHA256"


# How far each .facts label's text runs past the start of its value's text (px; > 0: the
# two overlap on screen).
LABEL_OVERLAP_SCRIPT = """() => [...document.querySelectorAll('.facts dt')].map(dt => {
  const text = e => { const r = document.createRange(); r.selectNodeContents(e);
                      return r.getBoundingClientRect(); };
  return text(dt).right - text(dt.nextElementSibling).left; })"""


def test_the_units_labels_stay_clear_of_their_values_in_english(sqlite_app, tmp_path):
    """The labels of the community and units beside their values had a fixed 3.5em column,
    room for 小区 and 房屋: on a phone in English, "Community" ran into the community's
    name (on the second-factor page and the ballot)."""
    from tests.factories import voter_token

    need_tools("chromium")
    app = sqlite_app
    vote = _open_vote(app, tmp_path)
    with live_server(app) as base, phone_browser() as page:
        page.goto(f"{base}/v/{voter_token(app, vote)}")
        for lang in ("en", "zh_CN"):
            page.goto(f"{base}/p/{vote['uid']}/verify?lang={lang}")
            page.wait_for_load_state()
            overlaps = page.evaluate(LABEL_OVERLAP_SCRIPT)
            assert len(overlaps) == 2 and max(overlaps) <= 0, (lang, overlaps)


def test_an_id_suffix_typed_in_full_width_digits_passes(sqlite_app, tmp_path):
    """A Chinese keyboard in full-width mode types １２３４５６: the server folds it (NFKC),
    but the box's pattern allowed ASCII only, so the browser refused the answer itself
    ("请匹配要求的格式") and the owner never reached the ballot."""
    need_tools("chromium")
    vote = _open_vote(sqlite_app, tmp_path)
    wide = resident_id(1)[-6:].translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    with live_server(sqlite_app) as base, phone_browser() as page:
        from tests.factories import voter_token

        page.goto(f"{base}/v/{voter_token(sqlite_app, vote)}")
        page.fill("#answer", wide)
        page.click("#verify-submit")
        page.wait_for_url(re.compile(r".*/ballot$"), timeout=5000)
        assert "您应分摊的费用" in page_html(page)
