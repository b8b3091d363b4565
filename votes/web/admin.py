"""Administration: accounts, communities and their districts, signing keys, audit log."""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from votes.core.numbers import whole_number
from votes.services.errors import DomainError
from votes.web.authz import staff

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE = 500  # entries a page of the audit log shows


@bp.route("/", methods=["GET", "POST"])
@staff("admin")
def home(user):
    from votes.services import staff as accounts
    from votes.services.communities import create_community, list_communities
    from votes.services.keys import generate_key, listed_keys

    form = request.form
    try:
        if request.method == "POST" and form.get("action") == "user":
            accounts.create_user(
                form.get("login", ""), form.get("password", ""), form.get("role", ""),
                name=form.get("name", ""),
                communities=tuple(c for c in form.get("communities", "").replace("，", ",")
                                  .split(",") if c.strip()),
                jurisdiction=form.get("jurisdiction") or None, actor=user.login)
            flash(_("已创建账号。"), "ok")
        elif request.method == "POST" and form.get("action") == "community":
            create_community(form.get("code", ""), form.get("name", ""),
                             form.get("jurisdiction") or None, actor=user.login)
            flash(_("已创建小区。"), "ok")
        elif request.method == "POST" and form.get("action") in ("enable", "disable"):
            accounts.change_user(form.get("login", ""), actor=user.login,
                                 active=form["action"] == "enable")
            flash(_("已更新账号。"), "ok")
        elif request.method == "POST" and form.get("action") == "password":
            accounts.change_user(form.get("login", ""), actor=user.login,
                                 password=form.get("password", ""))
            flash(_("已重设密码。"), "ok")
        elif request.method == "POST" and form.get("action") == "communities":
            accounts.set_communities(form.get("login", ""), form.getlist("community"),
                                     actor=user.login)
            flash(_("已更新小区。"), "ok")
        elif request.method == "POST" and form.get("action") == "jurisdiction":
            accounts.set_jurisdiction(form.get("code", ""), form.get("jurisdiction"), user.login)
            flash(_("已更新辖区。"), "ok")
        elif request.method == "POST" and form.get("action") == "rules":
            from votes.services.communities import parse_settings, set_rules

            chosen = [f"{form.get('rule', '')}={form['threshold']}"] \
                if form.get("threshold", "").strip() else []
            if form.get("publicity_days", "").strip():
                chosen.append(f"publicity_days={form['publicity_days']}")
            set_rules(form.get("code", ""), form.get("matter", "use_fund"),
                      parse_settings(form.get("settings", "").replace(";", "\n").splitlines()
                                     + chosen), actor=user.login)
            flash(_("已更新议事规则。"), "ok")
        elif request.method == "POST" and form.get("action") == "key":
            flash(_("已生成新的签名密钥 %(k)s。", k=generate_key(actor=user.login)), "ok")
        if request.method == "POST":
            return redirect(url_for("admin.home"))
    except DomainError as err:
        flash(err.message, "error")
    return render_template("admin/home.html", users=accounts.all_users(),
                           communities=list_communities(), keys=listed_keys())


@bp.get("/audit")
@staff("admin", "regulator")
def audit_log(user):
    from votes.services import audit
    from votes.services.audit_scope import district_spans
    from votes.services.staff import visible_communities

    ids, accounts = None, []
    if user.role != "admin":
        communities = visible_communities(user)
        ids, accounts = [c.id for c in communities], district_spans(communities)
    if request.args.get("format") == "csv":
        return send_file(io.BytesIO(audit.export_csv(ids, accounts)), mimetype="text/csv",
                         download_name="audit.csv", as_attachment=True)
    before = whole_number(request.args.get("before", ""), digits=18)
    shown = audit.entries(ids, limit=AUDIT_PAGE + 1, accounts=accounts, before=before)
    older = shown[AUDIT_PAGE:]  # one more than shown: whether there are older entries
    shown = shown[:AUDIT_PAGE]
    # Said on the page: stopping at the latest entries without a word, a reader looking for
    # an older one concluded it did not exist.
    return render_template("admin/audit.html", entries=shown, page_size=AUDIT_PAGE,
                           older=shown[-1].seq if older else None, before=before,
                           titles=audit.proposal_titles(shown), problems=audit.verify_log())
