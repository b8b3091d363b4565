"""Paper and proxy ballots entered in the committee's browser: one form, or a file."""

from __future__ import annotations

from votes.models import Ballot, Proposal
from votes.services.documents import check_scan, scan_upload
from votes.services.errors import DomainError
from votes.i18n import _
from votes.services.paper_ballots import accept_rows
from votes.services.paper_file import max_rows, read_rows
from votes.services.plain_text import file_label


def enter_paper_ballot(proposal: Proposal, form, upload, actor: str,
                       authorisation=None) -> Ballot:
    """One ballot from the form; the clerk is the signed-in staff member. A proxy ballot
    also has the proxy's name and ID, the declared company-staff flag and the written
    authorisation (a second upload)."""
    scan = _read(upload)
    letter = _read(authorisation)
    row = {"building": form.get("building", ""), "entrance": form.get("entrance", ""),
           "room": form.get("room", ""), "choice": form.get("choice", ""),
           "channel": form.get("channel", "paper"), "entered_by": actor,
           "evidence": "scan" if scan else ""}
    if row["channel"] == "proxy":
        row.update(proxy_name=form.get("proxy_name", ""), proxy_id=form.get("proxy_id", ""),
                   proxy_id_type=form.get("proxy_id_type", ""),
                   company_staff=form.get("company_staff", ""),
                   authorisation="authorisation" if letter else "")
    files = {"scan": scan, "authorisation": letter}
    return accept_rows(proposal, [(1, row)], files.get, actor, one_form=True)[0]


def _read(upload) -> tuple[str, bytes] | None:
    return scan_upload(upload)


def enter_paper_file(proposal: Proposal, csv_upload, evidence_uploads, actor: str) -> list[Ballot]:
    """A CSV plus the scanned forms (and proxies' authorisations) it names, by file name;
    the clerk of every row is the signed-in staff member, as for one form."""
    scans: dict[str, bytes] = {}
    for upload in evidence_uploads:
        if upload and upload.filename:
            name, content = _base(upload.filename), upload.read()
            check_scan(name, content)
            # A row names its scan by file name: of two different files of one name (two
            # folders' scan.jpg), the row's ballot carried the last, perhaps another's form.
            if scans.get(name, content) != content:
                raise DomainError(_("上传了两个同名但内容不同的扫描件 %(name)s，未录入任何选票；"
                                    "请改名后在文件中分别填写", name=file_label(name, 100)))
            scans[name] = content
    if not scans:
        raise DomainError(_("请同时上传表决票扫描件"))
    rows = read_rows(csv_upload.read(), entered_by=actor, limit=max_rows(proposal))

    def evidence(name: str):
        base = _base(name)
        return (base, scans[base]) if base in scans else None

    return accept_rows(proposal, rows, evidence, actor)


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]
