"""The receipt's QR code and its saved card carry the address of the board's lookup. Built
from the request's Host header, a request naming another host (a link an attacker sent, a
proxy passing any Host on, a cache in front keeping the page) put the attacker's site in
the owner's receipt: scanned later, it "confirms" whatever the attacker likes. With the
deployment's address configured (VOTES_BASE_URL), that address is the one used, as on the
notices and posters; without one, the request's host as before."""

from __future__ import annotations

import html

import pytest

from tests.factories import make_open_proposal, sign_in_owner
from tests.test_damaged_chain_owner import _receipt_of
from tests.test_state_races import _voter

EVIL = "evil.example"


@pytest.fixture
def qr_texts(monkeypatch):
    """What each QR code drawn in the request encodes."""
    from votes.services import notices_pdf, receipt_card

    drawn: list[str] = []
    real = notices_pdf.receipt_qr_svg

    def spy(text):
        drawn.append(text)
        return real(text)

    monkeypatch.setattr(notices_pdf, "receipt_qr_svg", spy)
    monkeypatch.setattr(receipt_card, "receipt_qr_svg", spy)
    return drawn


def _owner_with_receipt(app, runner, tmp_path):
    from votes.core.tally import Choice
    from votes.services.ballots import BallotRequest, cast_ballots

    vote = make_open_proposal(app, runner, tmp_path)
    voter = _voter(app, vote["id"], "1", "1", "101")
    with app.app_context():
        cast_ballots(int(vote["id"]), [BallotRequest(
            voter, Choice.AGREE, "paper", entered_by="clerk",
            evidence=("f.pdf", b"%PDF-1.4 form of 1-101"))], actor="clerk")
    phone = app.test_client()
    sign_in_owner(app, phone, vote, "101", 1)
    return vote, phone, _receipt_of(app, vote["id"], 1)


def _as_host(phone, host: str) -> None:
    """The phone's cookies sent to `host` too: the owner's own session, on a request whose
    Host header names another site."""
    for cookie in list(phone._cookies.values()):
        phone.set_cookie(cookie.key, cookie.value, domain=host.split(":")[0],
                         path=cookie.path)


def test_a_spoofed_host_is_not_in_the_receipts_qr_code_nor_its_card(app, runner, tmp_path,
                                                                      qr_texts):
    vote, phone, receipt = _owner_with_receipt(app, runner, tmp_path)
    lookup = f"http://votes.test/p/{vote['uid']}?receipt={receipt}"  # conftest's BASE_URL
    _as_host(phone, EVIL)
    for path in (f"/p/{vote['uid']}/receipt/{receipt}",
                 f"/p/{vote['uid']}/receipt/{receipt}/card.svg"):
        del qr_texts[:]
        r = phone.get(path, headers={"Host": EVIL})
        body = html.unescape(r.get_data(as_text=True))
        assert r.status_code == 200, body
        assert qr_texts == [lookup], qr_texts
        assert EVIL not in body, body


def test_without_a_configured_address_the_request_host_is_used(app, runner, tmp_path,
                                                               qr_texts):
    """As the rest of the app (access.public_base_url): a small install with no
    VOTES_BASE_URL still gets a working QR code, for the host the owner opened."""
    vote, phone, receipt = _owner_with_receipt(app, runner, tmp_path)
    app.config["BASE_URL"] = ""
    _as_host(phone, "vote.local:8080")
    r = phone.get(f"/p/{vote['uid']}/receipt/{receipt}", headers={"Host": "vote.local:8080"})
    assert r.status_code == 200
    assert qr_texts == [f"http://vote.local:8080/p/{vote['uid']}?receipt={receipt}"], qr_texts
