"""Markup injection into printed documents: user text reaches reportlab's Paragraph markup.

Unescaped, a title made the result notice page fail (500), put live links into the official
notice, and made the server fetch URLs and read local files through <img src>. Every title,
community name and item must print literally."""

from __future__ import annotations

import re
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser import need_tools, pdf_text
from tests.staff_world import PASSWORD
from tests.test_notices_pdf import open_vote

OPENED: list[str] = []  # files opened whose name carries the marker below
MARKER = "pdf-markup-secret"


def _audit(event: str, args) -> None:
    if event == "open" and args and MARKER in str(args[0]):
        OPENED.append(str(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one only records a marker


@pytest.fixture
def fetches():
    """A loopback HTTP server that counts the requests it gets."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", hits
    finally:
        server.shutdown()
        thread.join(timeout=10)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_titles_names_and_items_print_literally(app, runner, tmp_path, fetches):
    need_tools("pdftotext")
    url, hits = fetches
    secret = tmp_path / f"{MARKER}.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    OPENED.clear()  # writing it was us
    community = f'<img src="{secret}"/>花园&<a href="https://evil.example/">x</a>'
    title = (f'<img src="{url}/t.png" width="9" height="9"/><a href="https://evil.example/">'
             '点此领取</a><font color="red" size="40">大</font>A&B &amp; <b>')
    item = f'<font name="Courier">零件</font><img src="{url}/i.png"/>&<link href="x">y</link>'
    pid = open_vote(app, runner, tmp_path, title=title, community=community,
                    items=(f"{item}:6547.50",))

    notices = tmp_path / "notices.pdf"
    result = runner.invoke(args=["notices", pid, "-o", str(notices)])
    assert result.exit_code == 0, result.output
    app.config["VOTES_NOW"] += timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    runner.invoke(args=["users", "create", "--no-must-change", "c1", "--role", "committee", "--community", "SUN",
                        "--password", PASSWORD])
    client = app.test_client()
    client.post("/staff/login", data={"login": "c1", "password": PASSWORD})
    response = client.get(f"/committee/p/{pid}/result-notice.pdf")
    assert response.status_code == 200
    result_pdf = tmp_path / "result.pdf"
    result_pdf.write_bytes(response.data)

    notice_text = flat(pdf_text(notices, layout=False))
    # The notice prints an item's first 60 characters (the full name is on the board).
    for literal in (community, title, item[:60]):
        assert flat(literal) in notice_text
    result_text = flat(pdf_text(result_pdf, layout=False))
    assert flat(community) in result_text and flat(title) in result_text
    for pdf in (notices, result_pdf):
        raw = pdf.read_bytes()
        assert b"/Annot" not in raw and b"/URI" not in raw and b"/Link" not in raw
        assert b"/Subtype /Image" not in raw  # no picture was pulled in
    assert hits == [] and OPENED == []
