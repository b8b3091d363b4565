"""Committee pages for follow-up: reprinted notices, staff-entered ballots and their
corrections, and the contact details printed on notices. Routes of the committee blueprint."""

from __future__ import annotations

import io

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from votes.core.numbers import whole_number
from votes.services.errors import DomainError
from votes.web.authz import staff
from votes.web.committee import bp, refused_form
from votes.web.once import once
from votes.web.tables import PER_PAGE, paged


@bp.get("/p/<int:pid>/notices")
@staff("committee", "admin", obj="proposal")
def notices_page(user, proposal):
    from votes.services.notices import notice_buildings

    try:
        buildings = notice_buildings(proposal)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("committee.proposal", pid=proposal.id))
    return render_template("committee/notices.html", proposal=proposal, buildings=buildings,
                           total=sum(n for _b, _shown, n in buildings),
                           limit=current_app.config["NOTICES_PER_DOWNLOAD_MAX"])


@bp.get("/p/<int:pid>/notices.pdf")
@staff("committee", "admin", obj="proposal")
def notices(user, proposal):
    from votes.services.follow_up import print_notices
    from votes.services.notices import notice_count

    building = request.args.get("building")
    # Thousands of notices take minutes to draw, longer than the proxy waits for an answer
    # (nginx: 60 s) and all that time one worker's core: a large vote is printed building
    # by building here, or whole with `votes notices`.
    if building is None and notice_count(proposal) > current_app.config[
            "NOTICES_PER_DOWNLOAD_MAX"]:
        flash(_("表决通知较多，请按楼栋分别下载打印（或由管理员用命令 votes notices 一次生成）"),
              "error")
        return redirect(url_for("committee.notices_page", pid=proposal.id))
    try:
        pdf = print_notices(proposal, building, user.login)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("committee.notices_page" if building else "committee.proposal",
                                pid=proposal.id))
    suffix = "" if building is None else f"-{building}"
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"notices-{proposal.id}{suffix}.pdf")


@bp.get("/p/<int:pid>/notice.pdf")
@staff("committee", "admin", obj="proposal")
def reprint_notice(user, proposal):
    from votes.services.follow_up import reprint_notice as reprint

    voter = request.args.get("voter", "")
    try:
        pdf = reprint(proposal, voter, user.login)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("committee.non_voters", pid=proposal.id))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"notice-{proposal.id}-{voter[-8:]}.pdf")


@bp.get("/p/<int:pid>/paper-ballots")
@staff("committee", "admin", obj="proposal")
def staff_ballots(user, proposal):
    return _staff_ballots_page(proposal, request.args)


def _staff_ballots_page(proposal, args, refused: dict | None = None):
    """The staff-ballot list; `refused`: a refused correction or withdrawal, said on its
    entry's form (opened, filled in again) on the page that lists that entry."""
    from votes.extensions import db
    from votes.services.chain_store import older_format
    from votes.services.corrections import staff_ballots as listing

    ballots = listing(proposal)
    if refused:
        seqs = [b.seq for b in ballots]
        listed = refused["entry"] in seqs
        if listed:
            args = {"page": seqs.index(refused["entry"]) // PER_PAGE + 1}
        refused = {**refused, "listed": listed}
    return render_template("committee/staff_ballots.html", proposal=proposal,
                           ballots=paged(ballots, args), refused=refused or {},
                           older_format=older_format(db.session, proposal))


# What a refused correction or withdrawal shows again: never a file (chosen again).
_KEPT = ("choice", "channel", "reason")


@bp.post("/p/<int:pid>/paper-ballots/correct")
@staff("committee", "admin", obj="proposal")
def correct_ballot(user, proposal):
    from votes.services.corrections import correct_ballot as correct
    from votes.services.tally import ResultUnshown

    def make():
        entry, scan, refused = _entry_form(proposal, "correct", _("请选择要更正的选票。"),
                                           _("请勾选确认后再更正。"))
        if refused is not None:
            return refused, None
        form = request.form
        try:
            ballot = correct(str(proposal.id), entry, choice=form.get("choice", ""),
                             reason=form.get("reason", ""), actor=user.login,
                             channel=form.get("channel") or None, evidence=scan)
        except ResultUnshown:
            # The chain damaged in the database: the list the form is on cannot be shown
            # either, and said so it hid why the correction was refused. The refusal
            # itself, in the committee's words (whom to call).
            raise
        except DomainError as err:
            return _refused(proposal, "correct", entry, err), None
        flash(_("已更正：第 %(m)d 条记录取代第 %(n)s 条，原记录保留在链上。", m=ballot.seq,
                n=entry), "ok")
        address = _listed_at(proposal, ballot.seq)
        return redirect(address), address

    return once("committee.correct", user.login, make)


@bp.post("/p/<int:pid>/paper-ballots/withdraw")
@staff("committee", "admin", obj="proposal")
def withdraw_ballot(user, proposal):
    """Withdraw a ballot entered for the wrong unit (its voter then has not voted)."""
    from votes.services.tally import ResultUnshown
    from votes.services.withdrawals import withdraw_ballot as withdraw

    def make():
        entry, scan, refused = _entry_form(proposal, "withdraw", _("请选择要撤回的选票。"),
                                           _("请勾选确认后再撤回。"))
        if refused is not None:
            return refused, None
        try:
            seq = withdraw(str(proposal.id), entry, reason=request.form.get("reason", ""),
                           evidence=scan, actor=user.login)
        except ResultUnshown:
            raise  # as the correction's: the error page, in the committee's words
        except DomainError as err:
            return _refused(proposal, "withdraw", entry, err), None
        flash(_("已撤回：第 %(m)d 条记录撤回第 %(n)s 条，该户现为未表决，业主可自行表决。",
                m=seq, n=entry), "ok")
        address = _listed_at(proposal, entry)  # the withdrawn ballot's row says by which
        return redirect(address), address

    return once("committee.withdraw", user.login, make)


def _listed_at(proposal, seq: int) -> str:
    """The staff-ballot list where it shows entry `seq`: its page, at its row."""
    from votes.services.corrections import staff_ballots as listing

    seqs = [b.seq for b in listing(proposal)]
    page = seqs.index(seq) // PER_PAGE + 1 if seq in seqs else 1
    return url_for("committee.staff_ballots", pid=proposal.id, page=page if page > 1 else None,
                   _anchor=f"entry-{seq}")


def _entry_form(proposal, form_name: str, choose: str, unconfirmed: str):
    """The staff-ballot list's correct or withdraw form: (the entry it names; the uploaded
    scan, or None; the response when refused before the service is asked, else None). A
    form naming no entry goes back to the list with a flash (there is no form to fill
    again); one not confirmed is shown again with what was typed."""
    from votes.services.documents import scan_upload

    entry = whole_number(request.form.get("entry", ""))
    if entry is None:
        flash(choose, "error")
        return None, None, redirect(url_for("committee.staff_ballots", pid=proposal.id))
    if not request.form.get("confirm"):
        return entry, None, _refused(proposal, form_name, entry, DomainError(unconfirmed))
    try:
        scan = scan_upload(request.files.get("evidence"))
    except DomainError as err:  # not a PDF, JPEG or PNG: said on the form, as typed
        return entry, None, _refused(proposal, form_name, entry, err)
    return entry, scan, None


def _refused(proposal, form_name: str, entry: int, err: DomainError):
    headline = _("未更正") if form_name == "correct" else _("未撤回")
    return _staff_ballots_page(proposal, {}, refused_form(
        form_name, err, _KEPT, entry=entry, headline=headline,
        kept=_("已填写的内容保留在下面；扫描件请重新选择上传。"))), 400


@bp.post("/c/<code>/contact")
@staff("committee", "admin", obj="community")
def contact(user, community):
    from votes.services.communities import set_contact

    try:
        set_contact(community.code, request.form.get("committee_name", ""),
                    request.form.get("contact_phone", ""), actor=user.login)
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(_("已保存业委会名称和联系电话，之后打印的表决通知将使用新信息。"), "ok")
    return redirect(url_for("committee.community", code=community.code))
