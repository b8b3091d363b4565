"""Committee pages for 从多 deliveries and the objection period (routes on committee.bp)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from votes.core.numbers import whole_number
from votes.services.errors import DomainError
from votes.web import refusal_words
from votes.web.authz import limit_stored_file_openings, staff
from votes.web.committee import bp
from votes.web.once import once


def _upload(name: str):
    from votes.services.documents import scan_upload

    return scan_upload(request.files.get(name))


def _entry_number(text: str, missing: str) -> int:
    """The chain position a form names; DomainError with `missing` (its %(n)s the text
    given) for anything but a whole number."""
    number = whole_number(text)
    if number is None:
        raise DomainError(missing % {"n": text[:20]})
    return number


def _back(proposal):
    return redirect(url_for("committee.proposal", pid=proposal.id) + "#procedure")


def _entered(user, proposal, kind: str, act, done: str, refused=None):
    """A procedure form that enters something: refused, its reason shown on the proposal
    (with `refused(err)`, the page itself, 400: the form filled in again); sent again with
    the same page (once), back there saying it was sent already."""

    def make():
        try:
            act()
        except DomainError as err:
            if refused is not None:
                return refused(err), None
            flash(refusal_words(err), "error")
            return _back(proposal), None
        flash(done, "ok")
        back = _back(proposal)
        return back, back.location

    return once(kind, user.login, make)


def _refused_page(proposal, form_name: str, err: DomainError, fields: tuple[str, ...],
                  headline: str, shown, kept: str | None = None):
    """The proposal's page, 400, with the refused form (`form_name`) filled in again with
    what was typed and the reason beside it; when the form is no longer on the page (the
    vote or the objection period ended meanwhile, the objection answered or the text taken
    down by another member: `shown`, the panel's flag or a test of the panel), the reason
    above all."""
    from votes.services.procedure.panel import procedure_panel
    from votes.web.committee import _proposal_page, refused_form

    panel = procedure_panel(proposal)
    if not (shown(panel) if callable(shown) else getattr(panel, shown)):
        flash(_("%(what)s：%(reason)s", what=headline, reason=refusal_words(err)), "error")
        return _proposal_page(proposal), 400
    return _proposal_page(proposal, refused_form(
        form_name, err, fields, headline=headline, reason=refusal_words(err),
        kept=kept or _("已填写的内容保留在下面；扫描件请重新选择（浏览器不会保留已选的文件）。"))), 400


def _answer_form_shown(proposal, typed: str):
    """Whether the page draws an answer form for the objection `typed` names (the one the
    refused form was), so the refusal can stand beside it."""
    number = whole_number(typed)

    def shown(panel) -> bool:
        if number is None or proposal.state != "closed" or panel.outcome is None:
            return False
        return any(x.seq == number and x.answer_seq is None for x in panel.outcome.objections)
    return shown


def _withdraw_form_shown(typed: str):
    """Whether the page draws a withdraw form for the entry `typed` names (an objection or
    an answer whose text is still published)."""
    number = whole_number(typed)

    def shown(panel) -> bool:
        if number is None or panel.outcome is None:
            return False
        return any((x.seq == number and x.text_withdrawn is None) or
                   (x.answer_seq is not None and x.answer_seq == number
                    and x.answer_withdrawn is None) for x in panel.outcome.objections)
    return shown


@bp.post("/p/<int:pid>/delivery")
@staff("committee", "admin", obj="proposal")
def delivery(user, proposal):
    from votes.services.procedure.deliveries import record_delivery

    f = request.form
    # Sent again, the flat's delivery was refused as entered already: an error for a click.
    return _entered(user, proposal, "proposal.delivery", lambda: record_delivery(
        str(proposal.id), f.get("building", ""), f.get("entrance", ""), f.get("room", ""),
        f.get("method", ""), f.get("delivered_at", ""), _upload("evidence"), user.login),
        _("已记录送达。"), lambda err: _refused_page(
            proposal, "delivery", err, ("building", "entrance", "room", "method",
                                        "delivered_at"), _("未录入送达记录"), "can_deliver"))


@bp.post("/p/<int:pid>/objection")
@staff("committee", "admin", obj="proposal")
def objection(user, proposal):
    from votes.services.procedure.objections import file_by_staff

    f = request.form
    # The same scan and text sent again was a second objection on the chain, each holding
    # the final result back until answered.
    return _entered(user, proposal, "proposal.objection", lambda: file_by_staff(
        str(proposal.id), f.get("building", ""), f.get("entrance", ""), f.get("room", ""),
        f.get("text", ""), _upload("evidence"), user.login), _("已录入书面异议。"),
        lambda err: _refused_page(proposal, "objection", err,
                                  ("building", "entrance", "room", "text"),
                                  _("未录入书面异议"), "can_object"))


@bp.post("/p/<int:pid>/answer")
@staff("committee", "admin", obj="proposal")
def answer(user, proposal):
    from votes.services.procedure.objections import answer as give_answer

    def give():
        number = _entry_number(request.form.get("objection", ""), _("没有第 %(n)s 条异议。"))
        give_answer(str(proposal.id), number, request.form.get("decision", ""),
                    request.form.get("text", ""), user.login)

    # Sent again, the objection was refused as answered already (or, the last answer having
    # published the final result, as too late): an error for a click.
    return _entered(user, proposal, "proposal.answer", give, _("已答复异议。"),
                    lambda err: _refused_page(
                        proposal, "answer", err, ("objection", "decision", "text"),
                        _("未答复异议"), _answer_form_shown(
                            proposal, request.form.get("objection", "")),
                        kept=_("已填写的答复保留在下面，改正后再提交。")))


@bp.post("/p/<int:pid>/withdraw-text")
@staff("committee", "admin", obj="proposal")
def withdraw_text(user, proposal):
    """Take an objection's or answer's text off the board and the result notice (§17)."""
    from votes.services.procedure.objections import withdraw_text as withdraw

    try:
        number = _entry_number(request.form.get("seq", ""), _("没有第 %(n)s 条异议或答复。"))
        withdraw(str(proposal.id), number, request.form.get("reason", ""), user.login)
    except DomainError as err:
        # The reason typed comes back beside its form; sent again after it was taken down
        # (a double click), the form is gone and the refusal says so above all.
        return _refused_page(proposal, "withdraw", err, ("seq", "reason"), _("未撤下公示"),
                             _withdraw_form_shown(request.form.get("seq", "")),
                             kept=_("已填写的理由保留在下面，改正后再提交。"))
    flash(_("已撤下第 %(n)s 条记录的内容，不再公示。", n=number), "ok")
    return _back(proposal)


def scans_page(proposal, actor: str, endpoint: str):
    """The list of a proposal's delivery and written-objection scans, or with ?file=<digest>
    one of them as an attachment (§17, §19); any other file is 404."""
    from flask import render_template

    from votes.services.procedure.scans import open_scan, procedure_scans
    from votes.web.stored_files import attachment, digest_asked

    digest = request.args.get("file")
    if digest is None:
        return render_template("staff/scans.html", proposal=proposal,
                               scans=procedure_scans(proposal), scan_endpoint=endpoint)
    response = attachment(*open_scan(proposal, digest_asked(digest), actor))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/p/<int:pid>/scans")
@limit_stored_file_openings
@staff("committee", "admin", obj="proposal")
def scans(user, proposal):
    return scans_page(proposal, user.login, "committee.scans")
