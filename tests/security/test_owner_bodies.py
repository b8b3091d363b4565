"""How much a stranger may make the server read: the owner pages' forms (and the staff
sign-in's) are open to anyone who has the poster's address, without a session, and hold a
few short fields. The uploads' 32 MB (MAX_CONTENT_LENGTH) is not theirs: a form body that
size, parsed (before the CSRF check and the rate limit refuse it), cost a worker over a
gigabyte and seconds of CPU per request."""

from __future__ import annotations

import time

import pytest

from tests.factories import make_open_proposal, voter_token
from tests.test_owner_http import verified

# Half a million empty fields: 1 MB, far past any owner form, far below the uploads' limit.
FLOOD = b"a&" * (512 * 1024)


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _post(client, path: str, body: bytes = FLOOD):
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


def test_a_flood_of_form_fields_is_refused_unread_by_a_stranger(app, client, vote):
    app.config["WTF_CSRF_ENABLED"] = True  # as deployed: the CSRF check reads the form first
    uid = vote["uid"]
    client.get(f"/v/{voter_token(app, vote)}")  # a pending second factor, as a stranger's
    for path in (f"/p/{uid}/verify", f"/p/{uid}/pick", f"/p/{uid}/code",
                 f"/p/{uid}/sign-out", "/staff/login"):
        started = time.monotonic()
        r = _post(client, path)
        assert r.status_code == 413, (path, r.status_code)
        assert time.monotonic() - started < 2, path
        # Said in the words of a form, not of a file: no file was sent.
        page = r.get_data(as_text=True)
        assert "提交的内容太长" in page and "文件合计不能超过 32 MB，这次" not in page, path


def test_a_signed_in_owners_forms_are_held_to_it_too(app, client, vote):
    verified(client, app, vote)
    uid = vote["uid"]
    app.config["WTF_CSRF_ENABLED"] = True
    for path in (f"/p/{uid}/confirm", f"/p/{uid}/cast", f"/p/{uid}/device",
                 f"/p/{uid}/objection"):
        assert _post(client, path).status_code == 413, path
    # The longest form an owner fills in, an objection of its 2000 characters of Chinese
    # (each sent as %XX%XX%XX) with line breaks, is far inside the limit.
    from urllib.parse import urlencode

    app.config["WTF_CSRF_ENABLED"] = False

    text = ("异议" * 499 + "\r\n") * 2
    body = urlencode({"text": text}).encode()
    r = _post(client, f"/p/{uid}/objection", body)
    assert r.status_code != 413


def test_a_flood_sent_to_a_staff_form_is_refused_before_the_sign_in_is_asked(app, client,
                                                                             vote):
    """Every form of the staff pages is checked for its CSRF token (which parses the body)
    before the view asks who is signed in: a stranger reached the same parse there. Their
    long texts and files are sent as multipart, which is read field by field within
    MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS; a body of any other kind is a few fields."""
    app.config["WTF_CSRF_ENABLED"] = True
    started = time.monotonic()
    r = _post(client, "/committee/c/ZZZZ/roll/cancel")
    assert r.status_code == 413 and time.monotonic() - started < 2
    json_flood = client.post("/committee/c/ZZZZ/roll/cancel", data=b"[" + b"0," * 600_000 + b"0]",
                             content_type="application/json")
    assert json_flood.status_code == 413
    # An upload still goes by the uploads' limit: a multipart form of a few MB is read
    # (and refused here for want of the CSRF token, not for its size).
    import io

    upload = client.post("/committee/c/ZZZZ/roll/preview", data={
        "file": (io.BytesIO(b"0" * 2 * 1024 * 1024), "roll.csv")})
    assert upload.status_code == 400
