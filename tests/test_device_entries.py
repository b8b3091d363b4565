"""Issue 10: device keys are registered on the chain (a "device" entry) when the verified
owner's browser first sends its key, before any ballot it signs (docs/verification.md §14)."""

from __future__ import annotations

import base64
import json
import re
import zipfile

import pytest

from tests.bundles import ballot_rows
from tests.factories import make_open_proposal, voter_token
from tests.test_owner_http import cast, post_device, verified


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key, base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


def _chain(app, vote) -> list[dict]:
    from votes.extensions import db
    from votes.models import Proposal
    from votes.services.records import chain_entries

    with app.app_context():
        return [s.entry for s in chain_entries(db.session.get(Proposal, vote["id"]))]


def test_registering_a_key_appends_one_device_entry_and_binds_later_ballots(app, client, vote):
    verified(client, app, vote)
    _, spki = _key()
    for _ in range(2):  # the page registers the key again on each load: one entry only
        assert post_device(client, vote, {"public_key": spki}).status_code == 200
    devices = [e for e in _chain(app, vote) if e["kind"] == "device"]
    assert len(devices) == 1
    body = devices[0]["body"]
    assert (body["public_key"], body["alg"], body["proof"]) == (spki, "ECDSA-P256-SHA256", "id")
    assert set(body) == {"voter", "alg", "public_key", "proof"}  # no name, phone or ID
    # With a key on the chain, an unsigned online ballot would fail step 6.10: refused.
    r, _ = cast(client, vote)
    assert r.status_code == 302 and r.headers["Location"].endswith("/confirm")  # to try again
    assert not [e for e in _chain(app, vote) if e["kind"] == "ballot"]


def test_a_key_cannot_be_registered_without_the_second_factor(app, client, vote):
    _, spki = _key()
    r = client.get(f"/v/{voter_token(app, vote, '101')}")
    assert r.status_code == 302
    assert post_device(client, vote, {"public_key": spki}).status_code != 200
    assert not [e for e in _chain(app, vote) if e["kind"] == "device"]
    assert post_device(client, vote, {"public_key": {"x": 1}}).status_code \
        != 200


def _signed_cast(client, vote, key, spki: str, choice: str = "agree"):
    """Confirm, then cast a ballot the browser signed with `key` (its public key `spki`)."""
    return client.post(f"/p/{vote['uid']}/cast", data=_signed_form(client, vote, key, spki,
                                                                   choice))


def _signed_form(client, vote, key, spki: str, choice: str = "agree") -> dict:
    """Confirm, then the cast form as the browser fills it, signed with `key`."""
    import re

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from votes.core.commitment import commit
    from votes.core.signing import device_payload

    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": choice}).get_data(
        as_text=True)
    nonce = re.search(r'data-nonce="([0-9a-f]+)"', page).group(1)
    voter = re.search(r'data-voter="([^"]+)"', page).group(1)
    salt = "5a" * 32
    der = key.sign(device_payload(vote["uid"], voter, commit(vote["uid"], voter, choice, salt),
                                  nonce), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    sig = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
    return {"choice": choice, "nonce": nonce, "public_key": spki, "signature": sig,
            "salt": salt}


def test_signed_ballot_after_its_device_entry_exports_a_bundle_that_verifies(
        app, client, runner, vote, tmp_path):
    from votes.core.verifier import IN_PROGRESS, verify_bundle
    from votes.services.export import export_bundle
    from votes.services.keys import keyring

    verified(client, app, vote)
    key, spki = _key()
    assert post_device(client, vote, {"public_key": spki}).status_code == 200
    ok = _signed_cast(client, vote, key, spki)
    assert "/receipt/" in ok.headers["Location"]
    kinds = [e["kind"] for e in _chain(app, vote)]
    assert kinds == ["genesis", "device", "ballot"]
    # The public chain API serves the device entry like any other line.
    lines = client.get(f"/api/proposals/{vote['uid']}/chain").get_data(as_text=True)
    assert '"kind":"device"' in lines
    target = tmp_path / "interim.zip"
    with app.app_context():
        export_bundle(vote["uid"], str(target))
        ring = keyring()
    report = verify_bundle(str(target), trusted_keys=ring)
    assert report.outcome == IN_PROGRESS and not report.failures, report.render()
    assert report.ballots == 1
    with zipfile.ZipFile(target) as z:
        tally = json.loads(z.read("tally.json"))
        sheet = ballot_rows(z.read("ballots.csv"))
    assert tally["participating_headcount"] == 1
    assert list(sheet) == [2]  # the one ballot (after its device entry, #1): none for the device


def test_a_ballot_is_signed_by_one_of_the_voters_own_keys_and_no_one_elses(app, vote):
    """张三 holds two flats and registered two phones: either phone's key signs his ballot.
    李四's registered key does not, though the signature over 张三's ballot is valid."""
    from tests.factories import resident_id

    zhang, li = app.test_client(), app.test_client()
    verified(zhang, app, vote)
    verified(li, app, vote, room="102", suffix=resident_id(2)[-6:])
    phones = [_key(), _key()]
    for _key_pair, spki in phones:
        assert post_device(zhang, vote, {"public_key": spki}).status_code \
            == 200
    li_key, li_spki = _key()
    assert post_device(li, vote, {"public_key": li_spki}).status_code == 200

    refused = _signed_cast(zhang, vote, li_key, li_spki)
    assert refused.headers["Location"].endswith("/ballot")
    assert not [e for e in _chain(app, vote) if e["kind"] == "ballot"]
    ok = _signed_cast(zhang, vote, *phones[1])
    assert "/receipt/" in ok.headers["Location"]
    ballots = [e for e in _chain(app, vote) if e["kind"] == "ballot"]
    assert len(ballots) == 1 and ballots[0]["body"]["device"]["public_key"] == phones[1][1]


def test_a_signed_ballot_sent_again_with_its_old_session_is_not_appended_twice(
        app, runner, tmp_path):
    """The session (a signed cookie) holds the confirm page's nonce until the cast takes it.
    A phone that lost the answer to its cast and sends the request again — with the cookie
    from before — offers the nonce a second time; appended again, that ballot would use up
    the owner's one change and fail step 6.11 in every bundle (docs/verification.md §14.1)."""
    from votes.core.verifier import IN_PROGRESS, verify_bundle
    from votes.services.export import export_bundle
    from votes.services.keys import keyring

    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    client = app.test_client()
    verified(client, app, vote)
    key, spki = _key()
    assert post_device(client, vote, {"public_key": spki}).status_code == 200
    form = _signed_form(client, vote, key, spki, "agree")
    before = client.get_cookie("session").value
    first = client.post(f"/p/{vote['uid']}/cast", data=form)
    assert "/receipt/" in first.headers["Location"]
    client.set_cookie("session", before)
    again = client.post(f"/p/{vote['uid']}/cast", data=form)
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "本户已有一张选票记入" in page  # the session names the revision it was to take
    # Without that (a session from before it was kept) the nonce on the chain refuses it.
    client.set_cookie("session", before)
    with client.session_transaction() as sess:
        sess.pop("ballot_revision", None)
    third = client.post(f"/p/{vote['uid']}/cast", data=form)
    assert third.status_code == 302 and third.headers["Location"] == first.headers["Location"]
    assert "这张选票已经提交过" in client.get(third.headers["Location"]).get_data(as_text=True)
    assert [e["kind"] for e in _chain(app, vote)] == ["genesis", "device", "ballot"]
    # The owner's one change is still theirs: a new confirm page, a new nonce.
    changed = _signed_cast(client, vote, key, spki, "disagree")
    assert "/receipt/" in changed.headers["Location"]
    assert changed.headers["Location"] != first.headers["Location"]
    target = tmp_path / "interim.zip"
    with app.app_context():
        export_bundle(vote["uid"], str(target))
        ring = keyring()
    report = verify_bundle(str(target), trusted_keys=ring)
    assert report.outcome == IN_PROGRESS and report.ballots == 2, report.render()


def test_an_unsigned_ballot_sent_again_with_its_old_session_is_not_appended_twice(
        app, runner, tmp_path):
    """As above, for a phone without a device key: its ballot carries no nonce on the chain,
    so the confirm page's session says which of the voter's ballots the cast is to follow;
    the first send made that one, so the second is refused and the change stays theirs."""
    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    client = app.test_client()
    verified(client, app, vote)
    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"})
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    before = client.get_cookie("session").value
    first = client.post(f"/p/{vote['uid']}/cast", data={"choice": "agree", "nonce": nonce})
    assert "/receipt/" in first.headers["Location"]
    client.set_cookie("session", before)
    again = client.post(f"/p/{vote['uid']}/cast", data={"choice": "agree", "nonce": nonce})
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert "本户已有一张选票记入" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert [e["kind"] for e in _chain(app, vote)] == ["genesis", "ballot"]
    changed, _ = cast(client, vote, "disagree")
    assert "/receipt/" in changed.headers["Location"]
    assert changed.headers["Location"] != first.headers["Location"]
    assert [e["kind"] for e in _chain(app, vote)] == ["genesis", "ballot", "ballot"]


def test_a_page_left_open_cannot_register_its_key_for_the_next_owner_on_the_phone(app, client,
                                                                                   vote):
    """A shared phone: 张三's confirm page is left open, then 李四 signs in on the same
    browser. 张三's page registering its key (a reload of the store, a retry) must not
    bind 张三's key to 李四, whose ballots it could then sign."""
    from tests.factories import resident_id

    verified(client, app, vote)
    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"}).get_data(
        as_text=True)
    zhang = re.search(r'data-voter="([^"]+)"', page).group(1)
    verified(client, app, vote, room="102", suffix=resident_id(2)[-6:])  # 李四, same phone
    _, spki = _key()
    r = post_device(client, vote, {"public_key": spki, "voter": zhang})
    assert r.status_code == 409 and not r.get_json()["ok"]
    assert not [e for e in _chain(app, vote) if e["kind"] == "device"]
    # Nor without saying whose page sent it: only the page knows who it was shown to.
    r = client.post(f"/p/{vote['uid']}/device", json={"public_key": spki})
    assert r.status_code == 409
    assert not [e for e in _chain(app, vote) if e["kind"] == "device"]


def test_an_unsigned_ballot_after_registration_keeps_the_choice_for_one_more_tap(app, client,
                                                                               vote):
    """The phone registered its key but lost the answer, or its key store did not answer in
    time: the ballot went unsigned and is refused (§14.1). The owner did nothing wrong: the
    page says plainly what happened and shows their choice again, one tap from casting."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from votes.core.commitment import commit
    from votes.core.signing import device_payload

    verified(client, app, vote)
    key, spki = _key()
    assert post_device(client, vote, {"public_key": spki}).status_code == 200
    r, _ = cast(client, vote, "disagree")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/p/{vote['uid']}/confirm")
    assert not [e for e in _chain(app, vote) if e["kind"] == "ballot"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已登记" in page and "没有记入" in page and "再点一次" in page
    assert re.search(r'<input type="hidden" name="choice" value="disagree">', page)
    nonce = re.search(r'data-nonce="([0-9a-f]+)"', page).group(1)
    voter = re.search(r'data-voter="([^"]+)"', page).group(1)
    salt = "5a" * 32
    der = key.sign(device_payload(vote["uid"], voter, commit(vote["uid"], voter, "disagree",
                                                             salt), nonce),
                   ec.ECDSA(hashes.SHA256()))
    rs = decode_dss_signature(der)
    signature = base64.b64encode(b"".join(n.to_bytes(32, "big") for n in rs)).decode()
    ok = client.post(f"/p/{vote['uid']}/cast", data={
        "choice": "disagree", "nonce": nonce, "public_key": spki, "signature": signature,
        "salt": salt})
    assert "/receipt/" in ok.headers["Location"]
    # The kept choice is shown once: the confirm page's address leads to the ballot again.
    again = client.get(f"/p/{vote['uid']}/confirm")
    assert again.headers["Location"].endswith(f"/p/{vote['uid']}/ballot")
