"""No page may be kept by a shared cache or a shared phone: before the close an owner's
receipt page names their choice and the salt that opens its public commitment; committee
pages list owners. Only static files, the server keys and a proposal's public documents
are cacheable."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_open_proposal
from tests.test_board_plan import plan  # noqa: F401  (fixture)
from tests.test_owner_http import cast, verified


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _stored(response) -> bool:
    """Whether a cache (a proxy, the browser's disk cache) may keep this response."""
    cc = response.cache_control
    return not cc.no_store


def test_the_owners_receipt_page_with_the_choice_is_never_stored(app, client, vote):
    verified(client, app, vote)
    r, _ = cast(client, vote, "disagree")
    page = client.get(r.headers["Location"])
    assert page.status_code == 200 and "反对" in page.get_data(as_text=True)  # the choice
    assert 'id="commitment-salt"' in page.get_data(as_text=True)
    assert not _stored(page), page.headers.get("Cache-Control")
    uid = vote["uid"]
    for path in (f"/p/{uid}/ballot", f"/p/{uid}/verify"):
        assert not _stored(client.get(path)), path
    assert not _stored(client.post(f"/p/{uid}/confirm", data={"choice": "agree"}))


def test_board_pages_and_documents_are_not_stored(client, plan):  # noqa: F811
    uid = plan["uid"]
    for path in ("/", f"/p/{uid}", f"/p/{uid}/audit", f"/p/{uid}/share?building=1&room=101",
                 "/p/nope"):
        assert not _stored(client.get(path)), path
    # A document is the one public download that may be kept: the same bytes for everyone,
    # never changed once public, and asked for again by its ETag (test_public_pages.py).
    # It names no one and is no page of anyone's: it is marked public, not stored by
    # accident through send_file's own "no-cache".
    link = re.search(rf'href="(/p/{uid}/doc/\d+)"', client.get(f"/p/{uid}").get_data(as_text=True))
    doc = client.get(link.group(1))
    assert doc.status_code == 200 and doc.data.startswith(b"%PDF")
    assert doc.cache_control.public and doc.cache_control.no_cache and doc.headers["ETag"]


def test_static_files_and_the_server_keys_stay_cacheable(client):
    keys = client.get("/.well-known/votes-keys.json")
    assert keys.cache_control.public and keys.cache_control.max_age == 300
    assert not keys.cache_control.no_store
    assert not client.get("/static/favicon.svg").cache_control.no_store


@pytest.mark.parametrize("given, sent", [
    (None, "no-store"),  # a page: nothing said, nothing kept
    ("no-cache", "no-store"),  # send_file's own: it would still be stored
    ("public, no-cache", "public, no-cache"),  # marked public by its view (a document)
    ("public, max-age=300", "public, max-age=300"),  # the server keys
    ("private, max-age=60", "private, max-age=60"),  # a view's own choice otherwise
    ("no-cache, private", "no-cache, private"),
])
def test_the_cache_header_a_view_sets_is_kept_or_made_no_store(sqlite_app, given, sent):
    def view():
        return "x", 200, {} if given is None else {"Cache-Control": given}

    sqlite_app.add_url_rule("/_cache", "cache_test", view)
    assert sqlite_app.test_client().get("/_cache").headers.getlist("Cache-Control") == [sent]
