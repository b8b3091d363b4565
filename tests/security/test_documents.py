"""Issue 9.1: a proposal document must never run as code on the site's origin."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from werkzeug.http import parse_options_header

from tests.factories import make_open_proposal
from tests.staff_world import build, sign_in

SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
       b'<script>fetch("/p/x/cast",{method:"POST"})</script></svg>')
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
JS = b"document.forms[0].choice.value='agree';document.forms[0].submit();"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _form(name: str, content: bytes) -> dict:
    return {"title": "屋面防水", "matter": "use_fund", "scope": "building:1",
            "budget": "1000.00", "item_title": ["防水"], "item_amount": ["1000.00"],
            "publicity_start": "2026-12-01T10:00", "voting_start": "2026-12-08T10:00",
            "voting_end": "2026-12-15T10:00", "action": "create",
            "documents": (io.BytesIO(content), name)}


@pytest.mark.parametrize("name,content", [("plan.svg", SVG), ("plan.html", HTML),
                                          ("quote.pdf", JS), ("quote.pdf", SVG),
                                          ("notes.txt", b"plain text")])
def test_web_upload_of_active_content_is_refused(app, client, runner, tmp_path, name, content):
    build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    r = client.post("/committee/c/SUN/proposals/new", data=_form(name, content))
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "PDF、PNG、JPEG" in page
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import Proposal

        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 2  # the world's


def test_cli_upload_of_a_script_renamed_pdf_is_refused(app, runner, tmp_path):
    make_open_proposal(app, runner, tmp_path)
    js = tmp_path / "quote.pdf"
    js.write_bytes(JS)
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "外墙", "--matter", "use_fund",
        "--scope", "all", "--budget", "100", "--doc", str(js),
        "--publicity-start", "2026-12-02T09:00", "--voting-start", "2026-12-10T09:00",
        "--voting-end", "2026-12-12T09:00"])
    assert result.exit_code != 0 and "PDF" in result.output and "Traceback" not in result.output


def test_accepted_document_gets_its_sniffed_type_and_is_a_download(app, client, runner,
                                                                   tmp_path):
    build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    # A PDF uploaded as "报价单.html" with a browser-sent text/html type.
    form = _form("报价单.html", PDF)
    form["documents"] = (io.BytesIO(PDF), "报价单.html", "text/html")
    r = client.post("/committee/c/SUN/proposals/new", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    pid = r.headers["Location"].rsplit("/", 1)[1]
    assert runner.invoke(args=["proposal", "start-publicity", pid]).exit_code == 0
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid = get_proposal(pid).uid
    doc = client.get(f"/p/{uid}/doc/0")
    assert doc.status_code == 200 and doc.data == PDF
    assert doc.mimetype == "application/pdf"
    disposition = doc.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("报价单.html.pdf") in disposition
    assert doc.headers["X-Content-Type-Options"] == "nosniff"
    assert doc.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize("stored_type,content", [("application/javascript", JS),
                                                 ("image/svg+xml", SVG),
                                                 ("text/html", HTML)])
def test_documents_stored_before_the_check_are_served_inert(app, client, runner, tmp_path,
                                                            stored_type, content):
    vote = make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        from votes.extensions import db
        from votes.models import Proposal, ProposalDocument

        proposal = db.session.get(Proposal, vote["id"])
        proposal.documents.append(ProposalDocument(
            position=5, name='x"; filename=evil.html', sha256="0" * 64, size=len(content),
            media_type=stored_type, content=content))
        db.session.commit()
    r = client.get(f"/p/{vote['uid']}/doc/5")
    assert r.status_code == 200
    assert r.mimetype == "application/octet-stream"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    kind, params = parse_options_header(r.headers["Content-Disposition"])
    assert kind == "attachment" and list(params) == ["filename"]
    assert params["filename"].endswith(".bin") and '"' not in params["filename"]


def test_pages_trust_scripts_only_from_the_static_folder(app, client, runner, tmp_path):
    """Even a document that got past the checks could not be loaded as a page's script:
    the pages' CSP names /static/ as the only script source, and documents live elsewhere."""
    vote = make_open_proposal(app, runner, tmp_path)
    page = client.get(f"/p/{vote['uid']}")
    csp = dict(part.strip().split(" ", 1) for part in
               page.headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "http://localhost/static/"
    assert not f"http://localhost/p/{vote['uid']}/doc/0".startswith(csp["script-src"])
