"""Committee workspace: roll, proposals, follow-up of non-voters, paper ballots, results."""

from __future__ import annotations

import io

from flask import (Blueprint, flash, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _

from votes.services.errors import DomainError
from votes.web.authz import staff
from votes.web.tables import paged

bp = Blueprint("committee", __name__, url_prefix="/committee")
MOVES = {"start-publicity": "start_publicity", "open": "open_voting", "close": "close_voting",
         "publish-result": "publish_result"}


@bp.get("/")
@staff("committee", "admin")
def home(user):
    from votes.services.staff import visible_communities

    return render_template("committee/home.html", communities=visible_communities(user))


@bp.get("/c/<code>")
@staff("committee", "admin", obj="community")
def community(user, community):
    from votes.services.committee_views import community_page

    page = community_page(community, request.args.get("sort", "unit"))
    return render_template("committee/community.html", community=community, page=page,
                           units=paged(page.units, request.args))


@bp.post("/c/<code>/roll/preview")
@staff("committee", "admin", obj="community")
def roll_preview(user, community):
    from votes.services.roll_upload import preview_upload

    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择名册文件（CSV 或 XLSX）。"), "error")
        return redirect(url_for("committee.community", code=community.code))
    preview = preview_upload(community, upload.filename, upload.read())
    return render_template("committee/roll_preview.html", community=community, preview=preview)


@bp.post("/c/<code>/roll/confirm")
@staff("committee", "admin", obj="community")
def roll_confirm(user, community):
    from votes.services.roll_upload import confirm_upload

    result = confirm_upload(community, request.form.get("token", ""), actor=user.login)
    flash(_("已导入业主名册：%(u)d 套房屋，%(o)d 位业主。", u=result.units, o=result.owners), "ok")
    return redirect(url_for("committee.community", code=community.code))


@bp.post("/c/<code>/roll/cancel")
@staff("committee", "admin", obj="community")
def roll_cancel(user, community):
    from votes.services.roll_upload import cancel_upload

    cancel_upload(community, request.form.get("token", ""))
    return redirect(url_for("committee.community", code=community.code))


@bp.route("/c/<code>/proposals/new", methods=["GET", "POST"])
@staff("committee", "admin", obj="community")
def new_proposal(user, community):
    from votes.services.committee_views import draft_from_form, scope_preview
    from votes.services.proposal_create import create_proposal

    form = request.form
    if request.method == "POST" and form.get("action") == "create":
        try:
            proposal = create_proposal(draft_from_form(community, form, request.files),
                                       actor=user.login)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("已创建草稿。"), "ok")
            return redirect(url_for("committee.proposal", pid=proposal.id))
    preview = scope_preview(community, form.get("scope", "all"), form.get("budget", "0"))
    return render_template("committee/new_proposal.html", community=community, form=form,
                           preview=preview)


@bp.get("/c/<code>/scope-preview")
@staff("committee", "admin", obj="community")
def scope_preview_json(user, community):
    from votes.services.committee_views import scope_preview

    p = scope_preview(community, request.args.get("scope", "all"), request.args.get("budget", "0"))
    return jsonify({"ok": p.error is None, "error": p.error, "units": p.units,
                    "headcount": p.headcount, "area": p.area_text})


@bp.get("/p/<int:pid>")
@staff("committee", "admin", obj="proposal")
def proposal(user, proposal):
    from votes.services.committee_views import proposal_page

    return render_template("committee/proposal.html", proposal=proposal,
                           page=proposal_page(proposal))


@bp.post("/p/<int:pid>/move/<move>")
@staff("committee", "admin", obj="proposal")
def move(user, proposal, move):
    from votes.services import lifecycle

    if move not in MOVES:
        return redirect(url_for("committee.proposal", pid=proposal.id))
    try:
        getattr(lifecycle, MOVES[move])(str(proposal.id), actor=user.login)
    except DomainError as err:
        flash(err.message, "error")
    return redirect(url_for("committee.proposal", pid=proposal.id))


@bp.get("/p/<int:pid>/notices.pdf")
@staff("committee", "admin", obj="proposal")
def notices(user, proposal):
    from votes.services.notices import notices_pdf

    return _download(notices_pdf(str(proposal.id)), f"notices-{proposal.id}.pdf",
                     "application/pdf")


@bp.get("/p/<int:pid>/poster.pdf")
@staff("committee", "admin", obj="proposal")
def poster(user, proposal):
    from votes.services.notices import poster_pdf

    return _download(poster_pdf(str(proposal.id)), f"poster-{proposal.id}.pdf", "application/pdf")


@bp.get("/p/<int:pid>/result-notice.pdf")
@staff("committee", "admin", obj="proposal")
def result_notice(user, proposal):
    from votes.services.result_notice import result_notice_pdf

    return _download(result_notice_pdf(proposal), f"result-{proposal.id}.pdf", "application/pdf")


@bp.get("/p/<int:pid>/non-voters")
@staff("committee", "admin", obj="proposal")
def non_voters(user, proposal):
    from votes.services.follow_up import OUTCOMES, non_voters as find, non_voters_xlsx

    if request.args.get("format") == "xlsx":
        return _download(non_voters_xlsx(proposal), f"non-voters-{proposal.id}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return render_template("committee/non_voters.html", proposal=proposal,
                           groups=find(proposal), outcomes=OUTCOMES)


@bp.post("/p/<int:pid>/visits")
@staff("committee", "admin", obj="proposal")
def visit(user, proposal):
    from votes.services.follow_up import record_visit

    record_visit(proposal, request.form.get("voter", ""), request.form.get("outcome", ""),
                 request.form.get("note", ""), user.login)
    flash(_("已记录走访结果。"), "ok")
    return redirect(url_for("committee.non_voters", pid=proposal.id))


@bp.post("/p/<int:pid>/paper")
@staff("committee", "admin", obj="proposal")
def paper(user, proposal):
    from votes.services.paper_entry import enter_paper_ballot, enter_paper_file

    try:
        if request.files.get("csv") and request.files["csv"].filename:
            ballots = enter_paper_file(proposal, request.files["csv"],
                                       request.files.getlist("evidence"), user.login)
        else:
            ballots = [enter_paper_ballot(proposal, request.form, request.files.get("evidence"),
                                          user.login)]
    except DomainError as err:
        return render_template("committee/paper_errors.html", proposal=proposal, error=err), 400
    flash(_("已录入 %(n)d 张选票。", n=len(ballots)), "ok")
    return redirect(url_for("committee.proposal", pid=proposal.id))


@bp.get("/p/<int:pid>/bundle.zip")
@staff("committee", "regulator", "admin", obj="proposal")
def bundle(user, proposal):
    from votes.services.export import export_bundle

    buffer = io.BytesIO()
    export_bundle(str(proposal.id), buffer, actor=user.login)
    return _download(buffer.getvalue(), f"bundle-{proposal.uid}.zip", "application/zip")


def _download(data: bytes, name: str, mimetype: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, download_name=name, as_attachment=True)
