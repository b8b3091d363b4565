"""Serving what people uploaded (scans, vouchers, a proposal's documents): one way for
every route, so that no route serves one inline or with a type it claims."""

from __future__ import annotations

import io

from flask import Response, abort, send_file

from votes.services.documents import download_headers


def digest_asked(digest: str) -> str:
    """The stored file's digest a URL names, lower case; anything else is 404 (never a
    look-up by a string a stranger chose)."""
    if len(digest) != 64 or not digest.isascii() or not digest.isalnum():
        abort(404)
    return digest.lower()


def attachment(name: str, content: bytes) -> Response:
    """A stored file as a download, with the headers documents.download_headers gives
    (type sniffed, a stored HTML never runs as this site)."""
    media_type, filename, headers = download_headers(name, content)
    response = send_file(io.BytesIO(content), mimetype=media_type, download_name=filename,
                         as_attachment=True)
    response.headers.update(headers)
    return response
