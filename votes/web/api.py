"""Public JSON for witnesses: chain heads, chain lines, and their cosignatures back; the
staff audit log's head and digests (never its contents).

No session, no cookies: a cosignature is authenticated by its own signature (a configured
witness key), so the POST is exempt from the CSRF token forms need.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from votes.core.numbers import whole_number
from votes.extensions import csrf, limiter, witness_client

bp = Blueprint("api", __name__, url_prefix="/api")

# Per client address, shared by every endpoint a witness polls (these and the server keys
# file), none for a configured witness (WITNESS_ADDRESSES). Without a limit one address
# looping on a 2,000-line chain page (1.3 MB, drawn anew each time) kept both cores busy
# and owners' casts queued (docs/performance.md, the public board under load).
#
# A 304 (a poller that holds the chain page asking with its ETag) reads the proposal's row
# and sends nothing: it counts only against the looser bound, so polling every few seconds
# with ETags spends none of the full answers' budget; yet a loop of 304s, each still a
# request parsed and a row read, is bounded. (Once either bound is spent the address waits
# out its minute, 304s too: the full bound is tested before the view knows its answer.)
# 300 full answers a minute: a witness not listed, polling every few seconds with dozens
# of chains moving, or an auditor paging a chain of 600,000 entries in a minute.
FULL_ANSWERS_PER_MINUTE = "300 per minute"
ANSWERS_PER_MINUTE = "1200 per minute"
chain_api_limits = [
    limiter.shared_limit(FULL_ANSWERS_PER_MINUTE, scope="chain-api", exempt_when=witness_client,
                         deduct_when=lambda response: response.status_code != 304),
    limiter.shared_limit(ANSWERS_PER_MINUTE, scope="chain-api-any", exempt_when=witness_client),
]


def chain_api_limited(view):
    for limit in chain_api_limits:
        view = limit(view)
    return view


@bp.get("/heads")
@chain_api_limited
def heads():
    """A page of the chain heads (?limit=, a default and a maximum: services.witness) and
    the cursor of the next, `next`, given back as ?after= (null on the last page)."""
    from votes.services.errors import NotFound
    from votes.services.witness import heads as current_heads

    limit = request.args.get("limit")
    if limit is not None:
        limit = whole_number(limit)
        if not limit:
            return jsonify({"error": "limit must be a positive integer"}), 400
    try:
        page, after = current_heads(limit, request.args.get("after"))
    except NotFound:
        return jsonify({"error": "after must be the next cursor of a page"}), 400
    response = jsonify({"heads": page, "next": after})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/proposals/<uid>/chain")
@chain_api_limited
def chain(uid: str):
    from votes.services.witness import chain_page

    start = whole_number(request.args.get("from", "0"))
    if start is None:
        return jsonify({"error": "from must be a non-negative integer"}), 400
    tag, lines = chain_page(uid, start)
    # A witness polling a chain that has not moved asks again with the ETag it holds: a
    # 304, the proposal's row read and no line (up to MAX_LINES, a megabyte or more).
    # Public and no-cache, as a document: a proxy or client may keep the page but must ask
    # each time (the app turns a plain no-cache into no-store).
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        response = Response("".join(line + "\n" for line in lines()),
                            mimetype="application/x-ndjson")
    response.set_etag(tag)
    response.headers["Cache-Control"] = "public, no-cache"
    return response


# The staff audit log's progress, witnessed as the chains' heads are (votes.witness.audit):
# its digests only. Who did what (actor, action, target, details) stays with the staff and
# the regulators who may read the log.
@bp.get("/audit/head")
@chain_api_limited
def audit_head():
    """The audit log's last entry: {"head": {"seq", "digest", "time"}}, {"head": null} for
    an empty log."""
    from votes.services.audit import head

    response = jsonify({"head": head()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/audit/digests/<seq>")
@chain_api_limited
def audit_digest(seq: str):
    """The digest of audit entry `seq`: {"seq", "digest"}; 404 (JSON) for one not in the log."""
    from votes.services.audit import digest_at

    number = whole_number(seq)
    if number is None:
        return jsonify({"error": "seq must be a non-negative integer"}), 400
    response = jsonify({"seq": number, "digest": digest_at(number)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/witness/cosignatures")
@csrf.exempt
@chain_api_limited
def cosignature():
    from votes.services.errors import DomainError, NotFound
    from votes.services.witness import Conflict, accept_cosignature

    if request.content_length is None or request.content_length > 10_000:
        return jsonify({"error": "a cosignature is a small JSON body"}), 413
    try:
        created = accept_cosignature(request.get_data(cache=False))
    except Conflict as err:
        return jsonify({"error": err.message}), 409
    except NotFound as err:
        return jsonify({"error": err.message}), 404
    except DomainError as err:
        return jsonify({"error": err.message}), 400
    return jsonify({"accepted": True, "new": created}), 201 if created else 200
