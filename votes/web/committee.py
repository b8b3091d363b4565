"""Committee workspace: the roll, proposals from draft to their moves (the routes of a vote
under way: committee_voting; follow-up: committee_followup; objections: committee_procedure)."""

from __future__ import annotations

import dataclasses
import io

from flask import (Blueprint, flash, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _

from votes.core.numbers import whole_number
from votes.services.errors import DomainError
from votes.web import refusal_words
from votes.web.authz import staff
from votes.web.once import FIELD, once
from votes.web.tables import paged

bp = Blueprint("committee", __name__, url_prefix="/committee")
MOVES = {"start-publicity": "start_publicity", "schedule-publicity": "schedule_publicity",
         "open": "open_voting", "close": "close_voting", "publish-result": "publish_result"}
# Moves that cannot be undone need a ticked confirmation on the form: making a plan public,
# starting a vote, ending it, publishing its result.
CONFIRMED_MOVES = ("start-publicity", "schedule-publicity", "open", "close", "publish-result")


@bp.get("/")
@staff("committee", "admin")
def home(user):
    from votes.services.staff import visible_communities

    return render_template("committee/home.html", communities=visible_communities(user))


@bp.get("/c/<code>")
@staff("committee", "admin", obj="community")
def community(user, community):
    from votes.services.committee_views import community_page

    from votes.services.roll import units_in_order

    page = community_page(community, request.args.get("sort", "unit"))
    units = paged(page.units, request.args)
    # The rows shown, with their owners: not the whole roll's.
    units = dataclasses.replace(units, items=units_in_order([int(r.unit_id)
                                                             for r in units.items]))
    return render_template("committee/community.html", community=community, page=page,
                           units=units)


@bp.post("/c/<code>/procedure")
@staff("committee", "admin", obj="community")
def procedure(user, community):
    from votes.services.communities import procedure_form, set_rules

    try:
        set_rules(community.code, "use_fund", procedure_form(request.form), actor=user.login)
        flash(_("已更新议事规则；已创建的表决事项仍按其创建时的规则。"), "ok")
    except DomainError as err:
        flash(err.message, "error")
    return redirect(url_for("committee.community", code=community.code))


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
    from votes.services.roll_import import (AlreadyImported, import_message, landline_note,
                                            zero_deposit_warning)
    from votes.services.roll_upload import Importing, confirm_upload

    try:
        result = confirm_upload(community, request.form.get("token", ""), actor=user.login)
    except AlreadyImported as done:
        flash(done.message, "info")
        return redirect(url_for("committee.community", code=community.code, _anchor="roll"))
    except Importing as busy:
        # A second click or a reload while the first imports: told at once, on a page that
        # follows the import to its end (a GET, which a reload does not send again).
        return redirect(url_for("committee.roll_import", code=community.code,
                                upload=busy.upload), code=303)
    flash(import_message(result), "ok")
    note = landline_note(result.landlines)
    if note:
        flash(note, "info")
    warning = zero_deposit_warning(result.zero_deposits)
    if warning:
        flash(warning, "warning")
    return redirect(url_for("committee.community", code=community.code))


@bp.get("/c/<code>/roll/import/<upload>")
@staff("committee", "admin", obj="community")
def roll_import(user, community, upload):
    """A roll's import as another request runs it: 正在导入 (refreshing itself), then the
    roll with the log's word of it, or why nothing was imported."""
    import re

    from votes.services.roll_import import AlreadyImported
    from votes.services.roll_upload import import_state

    found = import_state(community, upload) if re.fullmatch(r"[0-9a-f]{32}", upload) else None
    if found is not None and found.done is not None:
        flash(AlreadyImported(found.done.time, found.done.actor).message, "info")
        return redirect(url_for("committee.community", code=community.code, _anchor="roll"))
    state = found.state if found is not None else None
    return render_template("committee/roll_import.html", community=community, state=state,
                           seconds=found.seconds if found else 0,
                           upload=upload), 200 if state else 404


@bp.post("/c/<code>/roll/cancel")
@staff("committee", "admin", obj="community")
def roll_cancel(user, community):
    from votes.services.roll_upload import cancel_upload

    cancel_upload(community, request.form.get("token", ""))
    return redirect(url_for("committee.community", code=community.code))


@bp.route("/c/<code>/proposals/new", methods=["GET", "POST"])
@staff("committee", "admin", obj="community")
def new_proposal(user, community):
    form = request.form
    if request.method == "POST" and form.get("action") == "create":
        # Before the kept uploads are taken: sent again, they are gone, and the form said so
        # rather than leading to the draft that holds them.
        return once("proposal.new", user.login, lambda: _create_draft(user, community))
    documents, _lost = _documents_of_form(user)
    return _proposal_form(user, community, form, documents)


def _create_draft(user, community):
    """The new-proposal form's save: (response, the draft's address or None)."""
    from votes.services.committee_views import draft_from_form
    from votes.services.proposal_create import create_proposal

    documents, lost = _documents_of_form(user)
    if not lost:
        try:
            proposal = create_proposal(draft_from_form(community, request.form, documents),
                                       actor=user.login)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("已保存草稿。草稿不会自动公示或开始表决。"), "ok")
            address = url_for("committee.proposal", pid=proposal.id)
            return redirect(address), address
    return _proposal_form(user, community, request.form, documents), None


@bp.route("/p/<int:pid>/edit", methods=["GET", "POST"])
@staff("committee", "admin", obj="proposal")
def edit_proposal(user, proposal):
    from werkzeug.datastructures import MultiDict

    from votes.services.committee_views import draft_from_form
    from votes.services.proposal_drafts import draft_of, edit_draft

    if proposal.state != "draft":
        flash(_("只有草稿可以修改；公示开始后只能撤回。"), "error")
        return redirect(url_for("committee.proposal", pid=proposal.id))
    form = request.form
    documents, lost = _documents_of_form(user)
    if request.method == "POST" and form.get("action") == "create" and not lost:
        removed = tuple(n for n in map(whole_number, form.getlist("remove_doc"))
                        if n is not None)
        try:
            edit_draft(str(proposal.id), draft_from_form(proposal.community, form, documents),
                       actor=user.login, remove_documents=removed)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("已保存对草稿的修改。"), "ok")
            return redirect(url_for("committee.proposal", pid=proposal.id))
    if request.method == "GET":
        d = draft_of(proposal)
        form = MultiDict([("title", d.title), ("description", d.description),
                          ("matter", d.matter), ("scope", d.scope), ("budget", d.budget),
                          ("publicity_start", d.publicity_start or ""),
                          ("voting_start", d.voting_start), ("voting_end", d.voting_end)]
                         + [("allow_change", "1")] * d.allow_change
                         + [("emergency", "1")] * d.emergency)
        for item in d.items:
            title, _sep, amount = item.rpartition(":")
            form.add("item_title", title)
            form.add("item_amount", amount)
    return _proposal_form(user, proposal.community, form, documents, editing=proposal)


@bp.post("/p/<int:pid>/delete")
@staff("committee", "admin", obj="proposal")
def delete_proposal(user, proposal):
    from votes.services.proposal_drafts import delete_draft

    if not request.form.get("confirm"):
        flash(_("请勾选确认后再删除草稿。"), "error")
        return redirect(url_for("committee.proposal", pid=proposal.id))
    code = proposal.community.code
    try:
        delete_draft(str(proposal.id), actor=user.login)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("committee.proposal", pid=proposal.id))
    flash(_("已删除草稿。"), "ok")
    return redirect(url_for("committee.community", code=code))


@bp.post("/p/<int:pid>/withdraw")
@staff("committee", "admin", obj="proposal")
def withdraw(user, proposal):
    from votes.services import lifecycle

    if not request.form.get("confirm"):
        flash(_("请勾选确认后再撤回。"), "error")
    else:
        try:
            lifecycle.withdraw(str(proposal.id), request.form.get("reason", ""),
                               actor=user.login)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("已撤回，撤回原因已显示在公示栏。"), "ok")
    return redirect(url_for("committee.proposal", pid=proposal.id))


def _documents_of_form(user) -> tuple[list, bool]:
    """Documents kept from an earlier preview of this form plus the ones just uploaded, and
    whether the form must not be saved: the kept ones are gone, or the new ones would take
    the proposal's documents past their limit (they are dropped), or one of them is of a type
    never stored (it is dropped, the others kept).

    The form listed its kept ones as to be saved with the draft: if they are gone (an hour
    passed, or newer previews of this member's removed them, pending_docs.PER_OWNER), that
    is said, and the caller saves nothing, rather than a draft saved without them."""
    from flask import current_app

    from votes.services import pending_docs
    from votes.services.committee_views import uploaded_documents
    from votes.services.documents import accept
    from votes.services.proposal_create import too_many_bytes_message
    from votes.settings import documents_max_bytes

    if request.method != "POST":
        return [], False
    token = request.form.get("pending", "")
    kept = pending_docs.take(token, user.login)
    if token and not kept:  # a token is only ever given for documents (pending_docs.put)
        flash(_("之前上传的附件已失效（超过一小时，或之后又在其他页面上传了附件），"
                "请重新选择附件后再保存。"), "error")
    new, refused = [], False
    for doc in uploaded_documents(request.files):
        try:  # a file of a type never stored is said now and not kept for the next save:
            accept(doc.name, doc.content)  # kept, it refused every save after, for good
        except DomainError as err:
            flash(err.message, "error")
            refused = True
        else:
            new.append(doc)
    limit = documents_max_bytes(current_app.config)
    over = sum(len(d.content) for d in kept + new) > limit
    if over:
        # Kept for the next preview they would be read and stored again with every request:
        # the new ones are dropped, the form says so and saves nothing, what was kept stays.
        flash(too_many_bytes_message(limit), "error")
        new = []
    return kept + new, (bool(token) and not kept) or over or refused


def _proposal_form(user, community, form, documents, editing=None):
    from votes.services import pending_docs
    from votes.services.committee_views import (ScopeFields, ScopePreview, form_scope,
                                                scope_fields, scope_preview, scope_tree)

    try:
        scope = form_scope(community, form) if form else "all"
    except ValueError as exc:  # words not on the roll: say which, keep what was typed
        scope, refusal = None, str(exc)
    if scope is None:
        preview = ScopePreview(refusal)
        fields = ScopeFields(tuple(form.getlist("scope_building")),
                             tuple(form.getlist("scope_entrance")), form.get("scope", ""))
    else:
        preview = scope_preview(community, scope, form.get("budget", "0") if form else "0")
        fields = scope_fields(community, scope)
    return render_template("committee/new_proposal.html", community=community, form=form,
                           preview=preview, fields=fields, tree=scope_tree(community),
                           pending=pending_docs.put(documents, user.login),
                           kept=[d.name for d in documents], editing=editing)


@bp.get("/c/<code>/scope-preview")
@staff("committee", "admin", obj="community")
def scope_preview_json(user, community):
    """The live headcount and area while the committee ticks boxes or types names."""
    from werkzeug.datastructures import MultiDict

    from votes.services.committee_views import ScopePreview, form_scope, scope_preview

    form = MultiDict([("scope_building", b) for b in request.args.getlist("building")]
                     + [("scope_entrance", e) for e in request.args.getlist("entrance")]
                     + [("scope", request.args.get("scope", ""))])
    try:
        scope = form_scope(community, form)
    except ValueError as exc:
        p = ScopePreview(str(exc))
    else:
        p = scope_preview(community, scope, request.args.get("budget", "0"))
    return jsonify({"ok": p.error is None, "error": p.error, "units": p.units,
                    "headcount": p.headcount, "area": p.area_text, "scope": p.scope,
                    "words": p.words, "summary": p.summary})


@bp.get("/p/<int:pid>")
@staff("committee", "admin", obj="proposal")
def proposal(user, proposal):
    return _proposal_page(proposal)


def _proposal_page(proposal, refused: dict | None = None):
    """The proposal's page; `refused`: the entry form ("paper" or "transfer") whose entry
    was refused, with the error and what the clerk typed, shown again on that form."""
    from votes.extensions import db
    from votes.services.chain_store import older_format
    from votes.services.committee_views import proposal_page
    from votes.services.procedure.panel import procedure_panel

    # Only while voting are entry forms shown, so only then is the genesis read.
    older = older_format(db.session, proposal) if proposal.state == "voting" else None
    return render_template("committee/proposal.html", proposal=proposal,
                           page=proposal_page(proposal), procedure=procedure_panel(proposal),
                           older_format=older, refused=refused or {},
                           emergency=_emergency_facts(proposal))


def _emergency_facts(proposal):
    """An emergency use's danger, applicant, reason and evidence digests (§18.6), else None."""
    from votes.services.money.emergency import emergency_facts
    from votes.services.money.emergency_letters import letter_count

    facts = emergency_facts(proposal) if proposal.state == "emergency" else None
    # With the letters its company and developer owners need to sign in (none: no button).
    return None if facts is None else {**facts, "letters": letter_count(proposal)}


# Typed values shown again on a refused entry form: never an ID number (typed again).
_KEPT_FIELDS = ("building", "entrance", "room", "choice", "channel", "proxy_name",
                "proxy_id_type", "company_staff", "buyer_name")


def refused_form(form_name: str, err: DomainError, fields=_KEPT_FIELDS, **more) -> dict:
    """A refused staff form shown again (committee/_entry_refused.html): which form, the
    error, and the values of `fields` the clerk typed (never an ID number or a file), and
    the form's once token: nothing was made with it, so the form corrected and sent again is
    entered, and only a send after that is a repeat."""
    typed = {k: request.form.get(k, "") for k in (*fields, FIELD)}
    return {"form": form_name, "error": err, "typed": typed, **more}


def refused_entry(proposal, form_name: str, err: DomainError):
    if proposal.state != "voting":  # the entry forms are gone (the vote ended meanwhile):
        flash(_("未录入任何选票：%(reason)s", reason=err.message), "error")  # said above all
        return _proposal_page(proposal), 400
    return _proposal_page(proposal, refused_form(form_name, err)), 400


@bp.post("/p/<int:pid>/move/<move>")
@staff("committee", "admin", obj="proposal")
def move(user, proposal, move):
    from votes.services import lifecycle

    if move not in MOVES:
        return redirect(url_for("committee.proposal", pid=proposal.id))
    # The proposal as this request's clock left it: a vote past its end was closed before
    # the click was read, and the click, with or without its tick, has nothing to do.
    moot = lifecycle.made_already(proposal, move)
    if moot:
        flash(moot, "info")
        return redirect(url_for("committee.proposal", pid=proposal.id))
    if move in CONFIRMED_MOVES and not request.form.get("confirm"):
        flash(_("请勾选确认：结果一经公布，不能撤回。") if move == "publish-result" else
              _("请勾选确认：表决一经结束，业主不能再投票。") if move == "close" else
              _("请勾选确认：公示或表决一经开始，业主即可看到，不能再修改。"), "error")
        return redirect(url_for("committee.proposal", pid=proposal.id))
    try:
        getattr(lifecycle, MOVES[move])(str(proposal.id), actor=user.login)
    except DomainError as err:
        flash(refusal_words(err), "error")  # a close refused over a damaged chain: whom to call
    else:
        flash(_move_done(move), "ok")
    return redirect(url_for("committee.proposal", pid=proposal.id))


def _move_done(move: str) -> str:
    """What a move did, said where the member clicked: the status badge alone changing
    left them unsure the click took."""
    if move == "start-publicity":
        return _("已开始公示：业主现在可以在公示栏看到本事项，到表决开始时间自动开始表决。")
    if move == "schedule-publicity":
        return _("已确认按计划公示：到公示开始时间自动开始公示，到表决开始时间自动开始表决。")
    if move == "open":
        return _("已开始表决：业主现在可以投票。")
    if move == "close":
        return _("已结束表决：业主不能再投票，统计结果见下方。")
    return _("已公布表决结果，公示栏显示为“结果已公布”。")


def download(data: bytes, name: str, mimetype: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, download_name=name, as_attachment=True)

import votes.web.committee_followup  # noqa: E402,F401  (more routes of this blueprint)
from votes.web import committee_voting  # noqa: E402,F401 - notices, non-voters, paper ballots

from votes.web import committee_procedure  # noqa: E402,F401 - 从多 and objection routes
from votes.web import whole_vote  # noqa: E402,F401 - the bundle download
