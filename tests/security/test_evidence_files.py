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


PDF = b"%PDF-1.4 signed contract"
JPEG = b"\xff\xd8\xff\xe0 scanned form"
EXE = b"MZ\x90\x00 program"
ACCEPT = 'accept="application/pdf,image/png,image/jpeg"'


def _chain_length(app, pid) -> int:
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import ChainEntry

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ChainEntry).where(
            ChainEntry.proposal_id == int(pid)))


@pytest.mark.parametrize("upload,why", [
    ((HTML, "contract.pdf"), "只能上传 PDF、PNG、JPEG 文件"),
    ((EXE, "contract.pdf"), "只能上传"),
    ((b"", "contract.pdf"), "是空文件"),
    ((PDF, "contract.jpg"), "扩展名与内容不符"),
    ((JPEG, "contract.html"), "扩展名与内容不符"),
])
def test_the_works_forms_take_only_pdf_jpeg_and_png_named_as_they_are(app, runner, tmp_path,
                                                                     client, upload, why):
    import io

    from tests.money_world import passed_vote

    vote = passed_vote(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{vote['id']}/works").get_data(as_text=True)
    assert page.count('type="file"') == page.count(ACCEPT) > 0
    before = _chain_length(app, vote["pid"])
    refused = client.post(f"/committee/p/{vote['id']}/works/contract", data={
        "contractor": "福州电梯工程有限公司", "amount": "6000.00",
        "evidence": [(io.BytesIO(PDF), "quote.pdf"), (io.BytesIO(upload[0]), upload[1])]})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert why in text, text
    assert upload[1] in text  # the file is named
    assert 'value="福州电梯工程有限公司"' in text and 'value="6000.00"' in text  # kept
    assert _chain_length(app, vote["pid"]) == before
    ok = client.post(f"/committee/p/{vote['id']}/works/contract", data={
        "contractor": "福州电梯工程有限公司", "amount": "6000.00",
        "evidence": [(io.BytesIO(PDF), "contract.PDF"), (io.BytesIO(JPEG), "photo.jpeg"),
                     (io.BytesIO(b"\x89PNG\r\n\x1a\n photo"), "photo")]})
    assert ok.status_code == 302, ok.get_data(as_text=True)


def test_a_paper_ballot_a_proxy_letter_and_a_withdrawal_take_only_scans(app, runner, tmp_path):
    import io

    from tests.factories import make_open_proposal
    from tests.staff_world import clerk_client, enter_paper

    vote = make_open_proposal(app, runner, tmp_path)
    staff = clerk_client(app, runner)
    url = f"/committee/p/{vote['id']}"
    page = staff.get(url).get_data(as_text=True)
    files = re.findall(r'<input[^>]*type="file"[^>]*>', page)
    scans = [f for f in files if 'name="csv"' not in f]
    assert scans and all(ACCEPT in f for f in scans), scans
    before = _chain_length(app, vote["id"])
    for form, why in (((HTML, "scan.jpg"), "只能上传"), ((PDF, "scan.jpg"), "扩展名与内容不符"),
                      ((SVG, "scan.svg"), "只能上传")):
        refused = enter_paper(staff, url, "101", scan=form)
        assert refused.status_code == 400
        text = refused.get_data(as_text=True)
        assert why in text and form[1] in text, text
        assert 'value="101"' in text  # the room as typed
    proxy = enter_paper(staff, url, "101", scan=(PDF, "scan.pdf"), channel="proxy",
                        proxy_name="李四", proxy_id="350502199001011234",
                        authorisation=(io.BytesIO(HTML), "letter.pdf"))
    assert proxy.status_code == 400 and "letter.pdf" in proxy.get_data(as_text=True)
    csv_text = "楼栋,单元,房号,意见,方式,凭证,录入人\n1,1,101,同意,纸质,a.jpg,clerk\n"
    batch = staff.post(f"{url}/paper", data={
        "csv": (io.BytesIO(csv_text.encode()), "b.csv"),
        "evidence": [(io.BytesIO(PDF), "a.jpg")]})
    assert batch.status_code == 400 and "a.jpg" in batch.get_data(as_text=True)
    assert _chain_length(app, vote["id"]) == before

    assert enter_paper(staff, url, "101", scan=(JPEG, "scan.jpg")).status_code == 302
    seq = _chain_length(app, vote["id"]) - 1
    listing = staff.get(f"{url}/paper-ballots").get_data(as_text=True)
    files = re.findall(r'<input[^>]*type="file"[^>]*>', listing)
    assert files and all(ACCEPT in f for f in files), files
    withdrawn = staff.post(f"{url}/paper-ballots/withdraw", data={
        "entry": str(seq), "reason": "录错了房号", "confirm": "on",
        "evidence": (io.BytesIO(HTML), "why.pdf")})
    assert withdrawn.status_code == 400
    text = withdrawn.get_data(as_text=True)
    assert "why.pdf" in text and "只能上传" in text and "录错了房号" in text
    assert _chain_length(app, vote["id"]) == seq + 1


def test_a_delivery_proof_on_the_web_is_a_scan(app, runner, tmp_path, client):
    import io

    from tests.staff_world import committee_clerk

    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    committee_clerk(runner, "SUN")
    sign_in(client, "clerk")
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert re.search(r'id="d-evidence"[^>]*' + re.escape(ACCEPT), page)
    before = _chain_length(app, pid)
    form = {"building": "2", "entrance": "1", "room": "201", "method": "registered_mail",
            "delivered_at": "2026-11-28T10:00"}
    for upload, why in (((SVG, "ems.svg"), "只能上传"), ((b"", "ems.jpg"), "是空文件")):
        refused = client.post(f"/committee/p/{pid}/delivery", follow_redirects=True,
                              data={**form, "evidence": (io.BytesIO(upload[0]), upload[1])})
        text = refused.get_data(as_text=True)
        assert why in text and upload[1] in text, text
    assert _chain_length(app, pid) == before
