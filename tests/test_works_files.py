"""The files a works record carries (contract, payment vouchers, acceptance record), each
linked on the works page and served to those who see that page (the community's committee,
an administrator) as an attachment with the stored scans' sandboxing headers; anyone else,
and any digest that is not one of that vote's works files, is refused."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from tests.money_world import passed_vote, staff_accounts, works_done
from tests.staff_world import PASSWORD, sign_in

CONTRACT = b"%PDF-1.4 signed contract"  # money_world.evidence's default content


def _account(runner, login, *role):
    result = runner.invoke(args=["users", "create", "--no-must-change", login, *role,
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output


def _world(app, runner, tmp_path, moon_vote=False):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    works_done(runner, tmp_path, pid)
    if moon_vote:  # MOON's own passed vote, its contract the same bytes as SUN's
        moon = passed_vote(app, runner, tmp_path, code="MOON")["pid"]
        works_done(runner, tmp_path, moon, payments=(), accepted=False)
        voucher = tmp_path / "moon-voucher.pdf"
        voucher.write_bytes(b"%PDF-1.4 moon voucher")
        assert runner.invoke(args=["works", "payment", moon, "--amount", "100.00", "--evidence",
                                   str(voucher)]).exit_code == 0
    else:
        assert runner.invoke(args=["community", "create", "MOON",
                                   "--name", "月亮湾"]).exit_code == 0
    _account(runner, "moon_committee", "--role", "committee", "--community", "MOON")
    _account(runner, "root", "--role", "admin")
    return pid


def _audited(app) -> list[dict]:
    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        rows = [(a.actor, a.details) for a in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "works.evidence.open"))]
        db.session.remove()
    return rows


def test_the_committee_downloads_each_listed_file(app, runner, tmp_path, client):
    pid = _world(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}/works").get_data(as_text=True)
    links = re.findall(r'<a class="works-file" href="([^"]+)" download>([^<]+)</a>', page)
    # The contract, one payment voucher, the acceptance's photo and report.
    assert [name for _href, name in links] == ["contract.pdf", "voucher0.pdf", "photo.jpg",
                                               "report.pdf"]
    contract = client.get(links[0][0])
    assert contract.status_code == 200 and contract.data == CONTRACT
    assert contract.mimetype == "application/pdf"
    assert contract.headers["Content-Disposition"].startswith("attachment;")
    assert "contract.pdf" in contract.headers["Content-Disposition"]
    assert contract.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in contract.headers["Content-Security-Policy"]
    assert contract.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert contract.headers["Cache-Control"] == "no-store"
    # Bytes of no type it knows (the CLI took them): opaque bytes, never a page.
    photo = client.get(links[2][0])
    assert photo.status_code == 200 and photo.data == b"\xff\xd8 photo"
    assert photo.mimetype == "application/octet-stream"
    assert [(actor, d["evidence"]) for actor, d in _audited(app)] == [
        ("sun_committee", hashlib.sha256(CONTRACT).hexdigest()),
        ("sun_committee", hashlib.sha256(b"\xff\xd8 photo").hexdigest())]


def test_who_may_download_a_works_file(app, runner, tmp_path):
    pid = _world(app, runner, tmp_path)
    url = f"/committee/p/{pid}/works/files/{hashlib.sha256(CONTRACT).hexdigest()}"
    answers = {}
    for login in ("root", "moon_committee", "district", None):
        client = app.test_client()
        if login:
            sign_in(client, login)
        answers[login] = client.get(url)
    assert answers["root"].status_code == 200 and answers["root"].data == CONTRACT
    # Another community's committee: as for a proposal that does not exist.
    assert answers["moon_committee"].status_code == 404
    assert CONTRACT not in answers["moon_committee"].data
    # The regulator does not see the works page either (it has the application package).
    assert answers["district"].status_code == 403
    # A stranger (or an owner: no staff session) is sent to sign in, as on every staff page.
    assert answers[None].status_code == 302 and "/staff/login" in answers[None].headers["Location"]
    assert [actor for actor, _d in _audited(app)] == ["root"]


def test_only_this_votes_works_files_are_served(app, runner, tmp_path, client):
    """A ballot form's scan of the same vote, another vote's contract, a digest in capitals
    or cut short, something that is no digest: 404, nothing audited."""
    from votes.extensions import db
    from votes.models import Evidence

    pid = _world(app, runner, tmp_path, moon_vote=True)
    with app.app_context():
        ballot_scan = db.session.scalar(select(Evidence.sha256).where(
            Evidence.proposal_id == int(pid), Evidence.name.like("scan-%")))
        db.session.remove()
    assert ballot_scan
    sign_in(client, "sun_committee")
    contract = hashlib.sha256(CONTRACT).hexdigest()
    moon_voucher = hashlib.sha256(b"%PDF-1.4 moon voucher").hexdigest()
    for digest in (ballot_scan, moon_voucher, contract[:40], "z" * 64, "ab" * 32,
                   contract + "0"):
        r = client.get(f"/committee/p/{pid}/works/files/{digest}")
        assert r.status_code == 404, digest
    assert client.get(f"/committee/p/{pid}/works/files/..%2F{contract}").status_code == 404
    with app.app_context():
        from votes.models import Proposal

        moon = db.session.scalar(select(Proposal.id).where(Proposal.id != int(pid)))
        db.session.remove()
    # MOON's contract (the same bytes as SUN's): not by SUN's committee.
    assert client.get(f"/committee/p/{moon}/works/files/{contract}").status_code == 404
    assert _audited(app) == []
    assert client.get(f"/committee/p/{pid}/works/files/{contract.upper()}").data == CONTRACT
    assert len(_audited(app)) == 1


def test_a_stored_name_cannot_break_the_download_header(app, runner, tmp_path, client):
    """The stored name is the uploader's (a committee member's, or a file name the CLI was
    given): quotes, a line break with a header after it, a path, non-ASCII. The header is one
    attachment line with a bare name; the non-ASCII name is given as RFC 5987 filename*."""
    from votes.extensions import db
    from votes.models import Evidence

    pid = _world(app, runner, tmp_path)
    contract = hashlib.sha256(CONTRACT).hexdigest()
    with app.app_context():
        row = db.session.scalar(select(Evidence).where(Evidence.proposal_id == int(pid),
                                                       Evidence.sha256 == contract))
        row.name = '../a"b\r\nSet-Cookie: x=1; \u202egpj.合同.pdf'
        db.session.commit()
        db.session.remove()
    sign_in(client, "sun_committee")
    r = client.get(f"/committee/p/{pid}/works/files/{contract}")
    assert r.status_code == 200 and r.data == CONTRACT
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition
    assert "\n" not in disposition and "Set-Cookie" not in r.headers
    assert "../" not in disposition and "..%2F" not in disposition.upper()
    assert "\u202e" not in disposition and "%E2%80%AE" not in disposition.upper()
    assert disposition.count('"') in (0, 2)


def test_a_loop_cannot_fill_the_audit_log_with_openings(app, runner, tmp_path, client):
    """Each opening writes an audit entry under the log's lock, which every staff action of
    every community takes: a script looping over one file (a committee member's account, or
    a stolen one) filled the log and held up every other audited action. Openings are
    limited per account (60 a minute): then 429, nothing audited; another account opens."""
    pid = _world(app, runner, tmp_path)
    contract = hashlib.sha256(CONTRACT).hexdigest()
    sign_in(client, "sun_committee")
    url = f"/committee/p/{pid}/works/files/{contract}"
    codes = [client.get(url).status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429
    assert len(_audited(app)) == 60
    admin = app.test_client()
    sign_in(admin, "root")
    assert admin.get(url).status_code == 200
    # The scans of delivery and objection, served the same way, share the limit.
    assert client.get(f"/committee/p/{pid}/scans?file={contract}").status_code == 429


HTML = b"<!doctype html><script>fetch('/committee').then(r => r.text())</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'


def test_a_script_kept_as_a_works_file_is_a_download_that_cannot_run(app, runner, tmp_path,
                                                                       client):
    """The command line keeps whatever file it is given (a payment voucher named .html, an
    .svg): the works page's link serves it as opaque bytes to save, under a name that does
    not end in .html or .svg, sandboxed were it ever opened as a page: no stored script
    runs as this site in the committee's browser."""
    from tests.money_world import evidence

    pid = _world(app, runner, tmp_path)
    for name, content in (("voucher.html", HTML), ("voucher.svg", SVG)):
        assert runner.invoke(args=["works", "payment", pid, "--amount", "1.00", "--evidence",
                                   evidence(tmp_path, name, content)]).exit_code == 0
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}/works").get_data(as_text=True)
    for content in (HTML, SVG):
        digest = hashlib.sha256(content).hexdigest()
        assert f"/committee/p/{pid}/works/files/{digest}" in page
        r = client.get(f"/committee/p/{pid}/works/files/{digest}")
        assert r.status_code == 200 and r.data == content
        assert r.headers["Content-Type"] == "application/octet-stream"
        disposition = r.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and re.search(
            r'filename="?[^";]*\.bin"?', disposition), disposition
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
