"""Pages anyone may see: the start page, a proposal's public board, the server keys."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, send_file

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    from votes.services.board import open_boards

    return render_template("public/index.html", boards=open_boards())


@bp.get("/.well-known/votes-keys.json")
def server_keys():
    from votes.services.keys import keyring

    response = jsonify(keyring().to_json_obj())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/p/<uid>")
def board(uid: str):
    from votes.services.board import board_view

    view = board_view(uid, request.args.get("receipt", ""))
    return render_template("public/board.html", view=view, proposal=view.proposal)


@bp.get("/p/<uid>/doc/<int:position>")
def document(uid: str, position: int):
    import io

    from votes.services.documents import download_headers
    from votes.services.owner_pages import proposal_by_uid

    proposal = proposal_by_uid(uid)
    if proposal.state == "draft":
        abort(404)
    doc = next((d for d in proposal.documents if d.position == position), None)
    if doc is None:
        abort(404)
    media_type, name, headers = download_headers(doc.name, doc.content)
    response = send_file(io.BytesIO(doc.content), mimetype=media_type, download_name=name,
                         as_attachment=True)
    response.headers.update(headers)
    return response
