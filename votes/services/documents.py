"""Proposal documents: what may be uploaded, and how a stored one is handed out.

A document is whatever a committee member uploads, and every owner opens it on the site's
origin; so its type comes from its bytes, never from the uploader, and it is always a
download that the browser may neither render in the page nor run as a script.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from votes.services.errors import DomainError
from votes.i18n import _

# The magic number at offset 0 decides. Anything that only *contains* one (HTML with a
# PDF header further down, an SVG, a script renamed .pdf) does not match.
ALLOWED = {
    "application/pdf": (b"%PDF-", ".pdf", "PDF"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png", "PNG"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg", "JPEG"),
}
EXTENSIONS = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
              ".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".jfif": "image/jpeg"}
# The file inputs' `accept`: a phone offers its files of these types (iPhone Safari hands a
# HEIC photo over as JPEG when the input asks for image/jpeg).
ACCEPT = ",".join(ALLOWED)
ALLOWED_TEXT = "、".join(label for _m, _e, label in ALLOWED.values())
DOCUMENT_CSP = "default-src 'none'; sandbox"
MAX_NAME = 120


def sniff(content: bytes) -> str | None:
    """The allowed media type these bytes are, or None."""
    for media_type, (magic, _ext, _label) in ALLOWED.items():
        if content.startswith(magic):
            return media_type
    return None


def _clean(name: str) -> str:
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    return re.sub(r'["\\/:*?<>|;%]', "_", base).strip(" .") or "document"


def safe_name(name: str, media_type: str | None) -> str:
    """A bare file name without path, control or quoting characters, ending in the
    extension of the type it is served as (a PNG called x.html is saved as x.html.png)."""
    base = _clean(name)
    ext = ALLOWED[media_type][1] if media_type in ALLOWED else ".bin"
    if EXTENSIONS.get(PurePosixPath(base).suffix.lower()) != media_type or ext == ".bin":
        base += ext
    return base[-MAX_NAME:] if len(base) > MAX_NAME else base


@dataclass(frozen=True)
class AcceptedDocument:
    name: str
    media_type: str
    content: bytes


def _allowed_type(label: str, content: bytes) -> str:
    """The media type of a PDF, JPEG or PNG by its bytes; DomainError naming `label` else."""
    media_type = sniff(content)
    if media_type is None:
        raise DomainError(_("文件 %(name)s 不是允许的类型：只能上传 %(allowed)s 文件",
                            name=label, allowed=ALLOWED_TEXT))
    return media_type


def accept(name: str, content: bytes) -> AcceptedDocument:
    """Check an upload: only PDF, JPEG and PNG files, recognised by their bytes."""
    media_type = _allowed_type(_clean(name), content)
    return AcceptedDocument(safe_name(name, media_type), media_type, content)


def check_scan(name: str, content: bytes) -> str:
    """The media type of a file chosen as evidence on a staff form (a ballot form's or a
    proxy's letter's scan, a delivery's proof, a works voucher or photo); DomainError naming
    the file when it is empty, not a PDF, JPEG or PNG by its bytes, or named with the
    extension of another type (a PDF renamed .jpg, a script renamed .pdf): the committee and
    the regulator open it later by its name, and its digest goes on the chain for good."""
    label = _clean(name)
    if not content:
        raise DomainError(_("文件 %(name)s 是空文件，请重新选择扫描件或照片。", name=label))
    media_type = _allowed_type(label, content)
    suffix = PurePosixPath(label).suffix.lower()
    # Only what reads as an extension ("x.html", not "签收单 2024.11.25 上午") is compared.
    if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) and EXTENSIONS.get(suffix) != media_type:
        raise DomainError(_("文件 %(name)s 的扩展名与内容不符：它是 %(kind)s 文件。请选择正确的文件，"
                            "或把文件名改为 %(ext)s 结尾后重新上传。", name=label,
                            kind=ALLOWED[media_type][2], ext=ALLOWED[media_type][1]))
    return media_type


def scan_upload(upload) -> tuple[str, bytes] | None:
    """A staff form's file field (werkzeug's FileStorage, or None): (name, content) checked
    by check_scan, or None when no file was chosen."""
    if upload is None or not upload.filename:
        return None
    content = upload.read()
    check_scan(upload.filename, content)
    return upload.filename, content


def download_headers(name: str, content: bytes) -> tuple[str, str, dict[str, str]]:
    """(media type, file name, extra headers) for serving a stored document.

    The stored type is not trusted either: rows written before uploads were checked may
    hold anything, and those go out as opaque bytes."""
    media_type = sniff(content)
    served = media_type or "application/octet-stream"
    headers = {"Content-Security-Policy": DOCUMENT_CSP, "X-Content-Type-Options": "nosniff",
               "Cross-Origin-Resource-Policy": "same-origin"}
    return served, safe_name(name, media_type), headers
