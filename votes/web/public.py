"""Pages anyone may see: the start page, a proposal's public board, the server keys."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, send_file

from votes.extensions import limiter, witness_client
from votes.web.api import chain_api_limited

bp = Blueprint("public", __name__)

# The start page, the board and its audit page, per client address together (none for a
# configured witness): about 5 ms of a worker's core and 2 of the database's a view, open
# to anyone, and without a limit one stranger looping on them filled every thread and
# queued owners' casts (docs/performance.md, the public board under load). Generous: a
# hundred owners behind one NAT (a carrier's, the meeting hall's Wi-Fi) each looking again
# every ten seconds as the result is awaited after the close, while one address alone is
# held to a tenth of what the two cores serve.
BOARD_PER_MINUTE = "600 per minute"
board_limit = limiter.shared_limit(BOARD_PER_MINUTE, scope="board", exempt_when=witness_client)


@bp.get("/")
@board_limit
def index():
    from votes.services.board import open_boards

    return render_template("public/index.html", boards=open_boards())


@bp.get("/.well-known/votes-keys.json")
@chain_api_limited  # a witness reads it every round, with the heads
def server_keys():
    from votes.services.keys import keyring

    response = jsonify(keyring().to_json_obj())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/p/<uid>")
@board_limit
def board(uid: str):
    from votes.services.board import board_view

    view = board_view(uid, request.args.get("receipt", ""))
    return _board_page(view)


def _board_page(view, share=None, asked=None):
    from votes.services.money.board import money_view
    from votes.services.money.emergency import emergency_facts
    from votes.services.plan import plan_view

    return render_template("public/board.html", view=view, proposal=view.proposal,
                           plan=plan_view(view.proposal), share=share, asked=asked or {},
                           money=money_view(view.proposal),
                           emergency=emergency_facts(view.proposal))


@bp.get("/p/<uid>/settlement.pdf")
# A row per flat (seconds of a worker's core for thousands), open to anyone: drawn once per
# process for a chain head and contacts (public_kept), and one address may not loop on it.
@limiter.limit("10 per minute")
def settlement_notice(uid: str):
    """The settlement notice: the final cost, each unit's share and who must top up."""
    import io

    from votes.services.owner_pages import proposal_by_uid
    from votes.web.public_kept import settlement_notice as kept_notice

    pdf = kept_notice(proposal_by_uid(uid))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf",
                     download_name="settlement.pdf", as_attachment=False)


# An emergency use's announcement, per client address: an owner downloads it once.
NOTICE_PER_MINUTE = "10 per minute"


@bp.get("/p/<uid>/emergency-notice.pdf")
# Drawn anew for every request, and dated the day it is drawn (as the settlement notice, no
# Cache-Control): one page (of the roll only the scope's count and total area, summed by the
# database), yet about four board views of a core (26 ms against 6.5) and eight of the
# bandwidth (71 KB against 9): at the board's 600 a minute one address took a quarter of a
# core and ~6 Mbit/s, a small server's uplink. It counts with the board's pages and has a
# bound of its own, as the settlement notice has.
@board_limit
@limiter.limit(NOTICE_PER_MINUTE)
def emergency_notice(uid: str):
    """The emergency use's announcement the lobby posts (应急使用公告): nothing of the roll
    but the scope's flats and total area, so anyone may read it as the lobby does."""
    import io

    from votes.services.errors import DomainError, NotFound
    from votes.services.money.emergency_pdf import emergency_notice_pdf
    from votes.services.owner_pages import proposal_by_uid

    proposal = proposal_by_uid(uid)
    from votes.services.tally import ResultUnshown

    try:
        pdf = emergency_notice_pdf(proposal, file_names=False)
    except ResultUnshown:
        raise  # its chain damaged in the database: said as such, in the owners' words
    except DomainError as err:  # a voted proposal: its notices are the voting ones
        raise NotFound(err.message) from err
    return send_file(io.BytesIO(pdf), mimetype="application/pdf",
                     download_name="emergency-notice.pdf", as_attachment=False)


@bp.get("/p/<uid>/share")
@limiter.limit("30 per minute")
def share(uid: str):
    """One flat's area and share of the cost, by building and room (never its owners nor
    its balance), and once settled its share of the final cost, as the public settlement
    notice lists it: the lobby's unit key, throttled like the lobby so the roll cannot be
    read off it fast."""
    from votes.services.board import board_view
    from votes.services.plan import share_of

    view = board_view(uid)
    asked = {k: request.args.get(k, "")[:64] for k in ("building", "entrance", "room")}
    return _board_page(view, share_of(view.proposal, **asked), asked)


@bp.get("/p/<uid>/audit")
@board_limit
def audit(uid: str):
    """For auditors: the chain head, the witnesses and how to check them with the CLI."""
    from votes.services.board import board_view

    view = board_view(uid)
    return render_template("public/audit.html", view=view, proposal=view.proposal)


# A public (not draft) proposal's document never changes and is the same for everyone: a
# browser or proxy may keep it, and asks again with its ETag each time it is opened (a 304,
# the bytes not read), so one taken down is gone at once.
_DOCUMENT_CACHE = "public, no-cache"


@bp.get("/p/<uid>/doc/<int:position>")
# Up to 32 MB read from the database and sent, to anyone: one address may not loop on it.
# As loose as the units list (a meeting hall's phones behind one address); a browser asking
# again with the ETag it holds costs a row's digest, and is not counted.
@limiter.limit("30 per minute", deduct_when=lambda response: response.status_code != 304)
def document(uid: str, position: int):
    from flask import Response

    from votes.services.owner_pages import proposal_by_uid
    from votes.web.stored_files import attachment

    proposal = proposal_by_uid(uid)
    if proposal.state == "draft":
        abort(404)
    doc = next((d for d in proposal.documents if d.position == position), None)
    if doc is None:
        abort(404)
    if request.if_none_match.contains_weak(doc.sha256):  # before the content is loaded
        response = Response(status=304)
    else:
        response = attachment(doc.name, doc.content)
    response.set_etag(doc.sha256)
    response.headers["Cache-Control"] = _DOCUMENT_CACHE
    return response


@bp.get("/p/<uid>/units")
# Open to anyone; made once per process for a chain head and language (public_kept). As
# loose as the share look-up: the result is announced at a meeting, with dozens of phones
# behind the hall's one address.
@limiter.limit("30 per minute")
def units(uid: str):
    """After the close: per unit only whether a ballot counted and its channel, so an owner
    who did not vote can see no one voted in their name."""
    from votes.services.owner_pages import proposal_by_uid
    from votes.web.public_kept import units_table

    # The proposal alone, not the board's figures (the turnout, the ballot count): the page
    # shows none of them, and while voting is open it is a 404.
    proposal = proposal_by_uid(uid)
    table = units_table(proposal)
    if table is None:
        abort(404)
    return render_template("public/units.html", proposal=proposal, table=table)
