"""Works and money after a passed vote: the committee records each step; the committee and
the regulator download the fund application package."""

from __future__ import annotations

import io

from flask import (Blueprint, current_app, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _

from votes.core.numbers import whole_number
from votes.services.errors import DomainError
from votes.web import refusal_words
from votes.web.authz import limit_stored_file_openings, limit_whole_vote_downloads, staff
from votes.web.once import once

bp = Blueprint("works", __name__)


@bp.get("/committee/p/<int:pid>/works")
@staff("committee", "admin", obj="proposal")
def page(user, proposal):
    return _page(proposal)


def _page(proposal, typed=None, status: int = 200):
    """The works page; after a refused step, its form filled in again with what was typed
    (`typed`: the posted fields; files must be chosen again)."""
    from votes.services.money.board import money_view, works_files
    from votes.services.money.settlement import debits
    from votes.extensions import db
    from votes.services.money.works import decision, tolerance_bp, works_refusal

    try:  # a decision to spend: its budget was approved, its application package is made
        decision(db.session, proposal)
        undecided = False
    except DomainError:  # failed, not final yet, another matter: the package is refused too
        undecided = True
    # Said before the committee fills in a form and uploads its scans, not only after: the
    # chain's format, or a decision not final yet (the objection period runs) or not to spend.
    return render_template("committee/works.html", proposal=proposal,
                           money=money_view(proposal), debits=debits(proposal),
                           files=works_files(proposal),
                           tolerance=tolerance_bp(proposal),
                           closed_to_works=works_refusal(db.session, proposal),
                           undecided=undecided, typed=typed or {}), status


def _amount(name: str) -> int:
    from votes.core.numbers import parse_yuan

    try:
        return parse_yuan(request.form.get(name, ""))
    except ValueError as exc:  # what is wrong with it, e.g. a decimal comma ("6,4")
        raise DomainError(_("请填写金额（元，最多两位小数）：%(why)s", why=str(exc))) from None


def _evidence():
    """The step's evidence files, each a PDF, JPEG or PNG (DomainError naming the first that
    is not, or is named as another type)."""
    from votes.services.documents import scan_upload
    from votes.services.money.works import EvidenceFile

    return [EvidenceFile(*scan) for scan in map(scan_upload, request.files.getlist("evidence"))
            if scan is not None]


def _record(user, proposal, step: str, act, done: str):
    """A step's form: sent again with the same page (a double click, a reload), it leads
    back to the works page saying so, rather than to the refusal of a second contract,
    payment, acceptance or settlement."""

    def make():
        try:
            act()
        except DomainError as err:
            flash(refusal_words(err), "error")
            return _page(proposal, typed=request.form.to_dict(), status=400), None
        flash(done, "ok")
        address = url_for("works.page", pid=proposal.id)
        return redirect(address), address

    return once(f"works.{step}", user.login, make)


@bp.post("/committee/p/<int:pid>/works/contract")
@staff("committee", "admin", obj="proposal")
def contract(user, proposal):
    from votes.services.money.works import record_contract

    return _record(user, proposal, "contract", lambda: record_contract(
        str(proposal.id), contractor=request.form.get("contractor", ""),
        amount=_amount("amount"), evidence=_evidence(), actor=user.login), _("合同已登记。"))


@bp.post("/committee/p/<int:pid>/works/payment")
@staff("committee", "admin", obj="proposal")
def payment(user, proposal):
    from votes.services.money.works import record_payment

    return _record(user, proposal, "payment", lambda: record_payment(
        str(proposal.id), amount=_amount("amount"), note=request.form.get("note", ""),
        evidence=_evidence(), actor=user.login), _("付款已登记。"))


@bp.post("/committee/p/<int:pid>/works/acceptance")
@staff("committee", "admin", obj="proposal")
def acceptance(user, proposal):
    from votes.services.money.works import record_acceptance

    participants = request.form.get("participants", "").replace("、", "\n").splitlines()
    return _record(user, proposal, "acceptance", lambda: record_acceptance(
        str(proposal.id), date=request.form.get("date", ""), participants=participants,
        evidence=_evidence(), actor=user.login), _("验收已登记。"))


@bp.post("/committee/p/<int:pid>/works/settle")
@staff("committee", "admin", obj="proposal")
def settle(user, proposal):
    from votes.services.money.settlement import settle as run

    if not request.form.get("confirm"):
        flash(_("请勾选确认后再结算。"), "error")
        # The form again with the final cost as typed, as after any other refusal.
        return _page(proposal, typed=request.form.to_dict(), status=400)
    return _record(user, proposal, "settle",
                   lambda: run(str(proposal.id), final_cost=_amount("final_cost"),
                               actor=user.login), _("已结算，结算公告已发布在公示栏。"))


@bp.get("/committee/p/<int:pid>/works/files/<digest>")
@limit_stored_file_openings
@staff("committee", "admin", obj="proposal")
def works_file(user, proposal, digest):
    """One file a works step carries (contract, payment voucher, acceptance record, an
    emergency use's evidence), for those who see the works page: as an attachment with the
    headers every stored scan is served with (a stored HTML never runs as this site)."""
    from votes.services.money.board import open_works_file
    from votes.web.stored_files import attachment, digest_asked

    response = attachment(*open_works_file(proposal, digest_asked(digest), user.login))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/committee/p/<int:pid>/settlement.pdf")
@staff("committee", "regulator", "admin", obj="proposal")
def settlement_notice(user, proposal):
    """The committee's copy of the settlement notice: each flat's balance and shortfall."""
    from votes.services.errors import NotFound
    from votes.services.money.settlement_pdf import settlement_notice_pdf

    try:
        pdf = settlement_notice_pdf(proposal, balances=True)
    except NotFound as err:  # not settled yet
        flash(refusal_words(err), "error")
        back = "regulator.proposal" if user.role == "regulator" else "works.page"
        return redirect(url_for(back, pid=proposal.id))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"settlement-{proposal.id}-committee.pdf")


@bp.get("/committee/p/<int:pid>/emergency-letters.pdf")
@staff("committee", "admin", obj="proposal")
def emergency_letters(user, proposal):
    """An emergency use's letters to its company and developer owners (应急使用告知书):
    each one's link, QR code and notice code for its read-only page; ?building= for one
    building's, as the voting notices."""
    from votes.services.money.emergency_letters import emergency_letters_pdf

    from votes.services.money.emergency_letters import letter_count

    building = request.args.get("building")
    # As the voting notices (committee_followup.notices): thousands of letters take minutes
    # of a worker's core, past the proxy's wait.
    if building is None and letter_count(proposal) > current_app.config[
            "NOTICES_PER_DOWNLOAD_MAX"]:
        flash(_("单位业主告知书较多，请由管理员用命令 votes works emergency-letters 生成"
                "（可用 --building 按楼栋分别生成）"), "error")
        return redirect(url_for("committee.proposal", pid=proposal.id))
    from votes.services.tally import ResultUnshown

    try:
        pdf = emergency_letters_pdf(proposal, building=building, actor=user.login)
    except ResultUnshown:
        raise  # its chain damaged in the database: refused here, in the committee's words
    except DomainError as err:  # a voted proposal, or no company owner in the scope
        flash(refusal_words(err), "error")
        return redirect(url_for("committee.proposal", pid=proposal.id))
    suffix = "" if building is None else f"-{building}"
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"emergency-letters-{proposal.id}{suffix}.pdf")


@bp.get("/committee/p/<int:pid>/application.zip")
@limit_whole_vote_downloads
@staff("committee", "regulator", "admin", obj="proposal")
def application(user, proposal):
    from votes.services.money.application import application_package

    data = application_package(proposal, actor=user.login)  # VerifierBusy: 503 (web/__init__)
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                     download_name=f"application-{proposal.id}.zip")


@bp.route("/committee/c/<code>/emergency", methods=["GET", "POST"])
@staff("committee", "admin", obj="community")
def emergency(user, community):
    """Emergency use without an owner vote: the plan is published at once on the board."""
    from votes.services.committee_views import form_scope
    from votes.services.money.emergency import (EmergencyApplication,
                                                Unacknowledged, apply_emergency)

    form = request.form
    failed = []  # failed votes on the same buildings, each to be acknowledged by a tick
    earlier = []  # earlier uses that with this one exceed the cap, each ticked alike

    def publish():
        items = tuple(line for line in form.get("items", "").splitlines() if line.strip())
        if not form.get("confirm"):
            flash(_("请勾选确认：应急使用不经业主表决，并立即在公示栏公布。"), "error")
            return None
        try:
            try:  # in words, as on the proposal form ("1号楼1单元"); the syntax was refused
                scope = form_scope(community, form)
            except ValueError as exc:
                raise DomainError(str(exc)) from None
            app = EmergencyApplication(
                community=community.code, title=form.get("title", ""), scope=scope,
                budget=form.get("budget", ""), category=form.get("category", ""),
                applicant=form.get("applicant", ""), reason=form.get("reason", ""),
                items=items, description=form.get("description", ""),
                acknowledged_failed=tuple(whole_number(v) or 0 for v in
                                          form.getlist("acknowledge_failed")),
                acknowledged_emergencies=tuple(whole_number(v) or 0 for v in
                                               form.getlist("acknowledge_emergency")))
            p = apply_emergency(app, _evidence(), actor=user.login)
        except Unacknowledged as err:
            flash(refusal_words(err), "error")
            failed.extend(err.failed)
            earlier.extend(err.earlier)
        except DomainError as err:
            flash(refusal_words(err), "error")
        else:
            flash(_("应急使用已公布在公示栏。"), "ok")
            return url_for("works.page", pid=p.id)
        return None

    def make():
        address = publish()
        return (redirect(address) if address
                else _emergency_form(community, form, failed, earlier)), \
            address

    if request.method == "POST":
        # Published at once and never withdrawn: sent again, the page leads to the one
        # published rather than saying that it was.
        return once("works.emergency", user.login, make)
    return _emergency_form(community, form, failed, earlier)


def _emergency_form(community, form, failed, earlier):
    from votes.services.communities import emergency_cap_text
    from votes.services.labels import applicant_label, emergency_category_label
    from votes.services.money.emergency import APPLICANT_ZH, CATEGORY_ZH

    return render_template("committee/emergency.html", community=community, form=form,
                           cap=emergency_cap_text(community.rules), failed=failed,
                           earlier=earlier,
                           categories={k: emergency_category_label(k) for k in CATEGORY_ZH},
                           applicants={k: applicant_label(k) for k in APPLICANT_ZH})
