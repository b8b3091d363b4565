"""A file kept as evidence is what it says it is, and whatever it is, opening it cannot
run anything in the staff's origin.

Ballot forms, proxies' letters, deliveries' proofs, withdrawals' scans and the works'
evidence are hashed into the chain and opened by the committee and the regulator: on the
web forms only PDF, JPEG and PNG files are taken, recognised by their bytes, and a name
whose extension says another type is refused. What the command line stores (a scanner's
TIFF, a file kept before uploads were checked) is served as an opaque download."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.money_world import staff_accounts
from tests.procedure_world import open_vote, scan, unit_args
from tests.staff_world import sign_in

HTML = b"<html><body><script>fetch('/committee').then(r => r.text())</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(document.cookie)</script></svg>")


@pytest.mark.parametrize("name,content", [("receipt.html", HTML), ("receipt.svg", SVG),
                                          ("receipt.pdf", HTML)])
def test_a_script_kept_as_a_scan_is_a_download_that_cannot_run(app, runner, tmp_path, name,
                                                                  content):
    pid = open_vote(app, runner, tmp_path, "follow_majority=quorum")
    delivered = runner.invoke(args=[
        "proposal", "delivery", pid, *unit_args("E"), "--method", "hand", "--at",
        "2026-11-25T10:00", "--evidence", scan(tmp_path, name, content), "--by", "clerk1"])
    assert delivered.exit_code == 0, delivered.output
    staff_accounts(app, runner)
    digest = hashlib.sha256(content).hexdigest()
    for login, prefix in (("sun_committee", "committee"), ("district", "regulator")):
        client = app.test_client()
        sign_in(client, login)
        got = client.get(f"/{prefix}/p/{pid}/scans?file={digest}")
        assert got.status_code == 200 and got.data == content
        # Never rendered: a download, of no type a browser runs, in a sandbox if it were.
        assert got.headers["Content-Type"] == "application/octet-stream"
        disposition = got.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert re.search(r'filename="?[^";]*\.bin"?', disposition), disposition
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in got.headers["Content-Security-Policy"]
        assert "default-src 'none'" in got.headers["Content-Security-Policy"]
