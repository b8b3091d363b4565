"""Committee routes of a vote under way: its printed notices, the non-voters and the visits
to them, paper ballots and ballots after a transfer (the committee blueprint's)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from votes.services.errors import DomainError
from votes.web.authz import staff
from votes.web.committee import bp, download, refused_entry
from votes.web.once import once


@bp.get("/p/<int:pid>/poster.pdf")
@staff("committee", "admin", obj="proposal")
def poster(user, proposal):
    from votes.services.notices import poster_pdf

    return download(poster_pdf(str(proposal.id)), f"poster-{proposal.id}.pdf", "application/pdf")


@bp.get("/p/<int:pid>/emergency-notice.pdf")
@staff("committee", "admin", obj="proposal")
def emergency_notice(user, proposal):
    """The emergency use's announcement for the lobby (应急使用公告)."""
    from votes.services.money.emergency_pdf import emergency_notice_pdf

    from votes.services.tally import ResultUnshown

    try:
        pdf = emergency_notice_pdf(proposal)
    except ResultUnshown:
        raise  # its chain damaged in the database: refused here, in the committee's words
    except DomainError as err:  # a voted proposal: its notices are the voting ones
        flash(err.message, "error")
        return redirect(url_for("committee.proposal", pid=proposal.id))
    return download(pdf, f"emergency-notice-{proposal.id}.pdf", "application/pdf")


@bp.get("/p/<int:pid>/result-notice.pdf")
@staff("committee", "admin", obj="proposal")
def result_notice(user, proposal):
    from votes.services.result_notice import result_notice_pdf

    return download(result_notice_pdf(proposal), f"result-{proposal.id}.pdf", "application/pdf")


@bp.get("/p/<int:pid>/non-voters")
@staff("committee", "admin", obj="proposal")
def non_voters(user, proposal):
    from votes.services.follow_up import OUTCOMES, non_voters_page, non_voters_xlsx

    if request.args.get("format") == "xlsx":
        return download(non_voters_xlsx(proposal), f"non-voters-{proposal.id}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from votes.services.ballots import voting_problem
    from votes.services.clock import now

    groups, counts, building = non_voters_page(proposal, request.args.get("building"),
                                               NON_VOTERS_ON_ONE_PAGE)
    return render_template("committee/non_voters.html", proposal=proposal, groups=groups,
                           counts=counts, building=building, outcomes=OUTCOMES,
                           visits_open=voting_problem(proposal, now()) is None)


# Non-voters listed on one page; beyond it the list is shown building by building.
NON_VOTERS_ON_ONE_PAGE = 300


@bp.post("/p/<int:pid>/visits")
@staff("committee", "admin", obj="proposal")
def visit(user, proposal):
    from votes.services.follow_up import record_visit

    record_visit(proposal, request.form.get("voter", ""), request.form.get("outcome", ""),
                 request.form.get("note", ""), user.login)
    flash(_("已记录走访结果。"), "ok")
    # Back to the building being walked (a large vote's list is one building a page).
    return redirect(url_for("committee.non_voters", pid=proposal.id,
                            building=request.form.get("building") or None))


@bp.post("/p/<int:pid>/paper")
@staff("committee", "admin", obj="proposal")
def paper(user, proposal):
    """One ballot, or a file of them. Sent twice with one page (a double click, a reload),
    the second send leads back to the proposal saying so, not to the refusal of a ballot
    entered already."""
    from votes.services.paper_entry import enter_paper_ballot, enter_paper_file
    from votes.services.tally import ResultUnshown

    def make():
        if request.files.get("csv") and request.files["csv"].filename:
            try:
                ballots = enter_paper_file(proposal, request.files["csv"],
                                           request.files.getlist("evidence"), user.login)
            except ResultUnshown:
                raise  # as the correction's: the error page, in the committee's words
            except DomainError as err:
                return (render_template("committee/paper_errors.html", proposal=proposal,
                                        error=err), 400), None
        else:
            try:
                ballots = [enter_paper_ballot(proposal, request.form,
                                              request.files.get("evidence"), user.login,
                                              request.files.get("authorisation"))]
            except ResultUnshown:
                raise
            except DomainError as err:
                return refused_entry(proposal, "paper", err), None
        flash(_("已录入 %(n)d 张选票。", n=len(ballots)), "ok")
        address = url_for("committee.proposal", pid=proposal.id)
        return redirect(address), address

    return once("committee.paper", user.login, make)


@bp.post("/p/<int:pid>/transfer")
@staff("committee", "admin", obj="proposal")
def transfer(user, proposal):
    from votes.services.tally import ResultUnshown
    from votes.services.transfers import enter_transfer, entry_from_form

    def make():
        try:
            ballot = enter_transfer(proposal,
                                    entry_from_form(request.form, request.files, proposal),
                                    user.login, actor=user.login)
        except ResultUnshown:
            raise  # as the correction's: the error page, in the committee's words
        except DomainError as err:
            return refused_entry(proposal, "transfer", err), None
        flash(_("已录入过户后新业主的选票（第 %(n)d 条记录），原业主的选票已被取代。", n=ballot.seq),
              "ok")
        address = url_for("committee.proposal", pid=proposal.id)
        return redirect(address), address

    return once("committee.transfer", user.login, make)
