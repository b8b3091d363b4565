"""Regulator workspace: every community and proposal of the district, verified exports."""

from __future__ import annotations

import dataclasses
import io

from flask import (Blueprint, flash, make_response, redirect, render_template, request, send_file,
                   url_for)

from votes.web.authz import limit_stored_file_openings, limit_verification_starts, staff
from votes.web.tables import paged

# Sorts by what the proposal row holds: the page is cut before any figures are computed.
PROPOSAL_SORTS = {
    "community": lambda p: p.community.name,
    "end": lambda p: p.voting_end,
}
# Sorts by a figure: every proposal's figures first.
FIGURE_SORTS = {
    "turnout": lambda r: -r.figures.turnout.participating_headcount
    / max(r.figures.turnout.total_headcount, 1),
}

bp = Blueprint("regulator", __name__, url_prefix="/regulator")


def _whole_district() -> bool:
    """The overview computes every proposal of the district (the CSV, a sort by a figure),
    not only the page shown."""
    return request.args.get("format") == "csv" or request.args.get("sort", "") in FIGURE_SORTS


# Every proposal's figures, verification and money: several queries a proposal, for a
# district's years of votes, on every request. A regulator exports the CSV once and looks
# at a page or two of the sorted list; a script on one account kept the workers at it.
# Per account; the overview's pages, which compute the page shown only, are not counted.
WHOLE_DISTRICT_PER_MINUTE = "10 per minute"


def _limit_whole_district(view):
    from votes.extensions import limiter
    from votes.web.authz import staff_account

    return limiter.limit(WHOLE_DISTRICT_PER_MINUTE, key_func=staff_account,
                         exempt_when=lambda: not _whole_district())(view)


@bp.get("/")
@_limit_whole_district
@staff("regulator", "admin")
def overview(user):
    from votes.services.clock import parse_iso
    from votes.services.errors import DomainError
    from votes.services.oversight import overview_csv, overview_proposals, overview_rows
    from votes.services.staff import visible_communities

    state = request.args.get("state", "")
    bounds, refused = {}, False
    from flask_babel import gettext as _

    for name, read in (("since", lambda text: parse_iso(text, _("截止不早于"))),
                       ("until", _day_end)):
        try:
            bounds[name] = read(request.args[name]) if request.args.get(name) else None
        except DomainError as err:
            # Said, and that filter alone left out: silently dropping both showed (and
            # exported) every vote under a filter the page still displayed.
            bounds[name], refused = None, True
            flash(err.message, "error")
    since, until = bounds["since"], bounds["until"]
    communities = visible_communities(user)
    proposals = overview_proposals(communities, state, since, until)
    sort = request.args.get("sort", "")
    if sort in PROPOSAL_SORTS:
        proposals.sort(key=PROPOSAL_SORTS[sort])
    if _whole_district():
        rows = overview_rows(proposals)
        if sort in FIGURE_SORTS:
            rows.sort(key=FIGURE_SORTS[sort])
        if request.args.get("format") == "csv" and not refused:
            return send_file(io.BytesIO(overview_csv(rows)), mimetype="text/csv",
                             download_name="overview.csv", as_attachment=True)
        page = paged(rows, request.args)
    else:
        # A district's years of votes: only the page shown is computed.
        page = paged(proposals, request.args)
        page = dataclasses.replace(page, items=overview_rows(list(page.items)))
    return render_template("regulator/overview.html", rows=page,
                           communities=communities, state=state, args=request.args)


def _day_end(text: str):
    """The "开始不晚于" bound: a date alone (what the form's date field sends) is the whole of
    that day, not its first second, which left out a vote opening at 09:00 on it."""
    from datetime import date, timedelta

    from votes.services.clock import parse_iso

    from flask_babel import gettext as _

    until = parse_iso(text, _("开始不晚于"))
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return until  # a time was given
    return until + timedelta(days=1, seconds=-1)  # chain times are whole seconds


@bp.get("/p/<int:pid>")
@staff("regulator", "admin", obj="proposal")
def proposal(user, proposal):
    """The proposal; with ?job=N, that verification as it runs (正在验证…, refreshing
    itself), then its result as the verifier reported it."""
    from votes.services.verify_jobs import job_of

    return _proposal_page(proposal, job=job_of(proposal, request.args.get("job", type=int)))


@bp.post("/p/<int:pid>/verify")
@limit_verification_starts
@staff("regulator", "admin", obj="proposal")
def verify(user, proposal):
    """Starts the verification off the request (votes/services/verify_jobs.py), or finds the
    one running, and sends the browser to follow it: the export and the verifier of a
    city's vote take longer than the proxy waits for a page."""
    from votes.services.verify_jobs import Busy, start

    try:
        job, _started = start(proposal, user.login)
    except Busy as busy:
        # Said on the proposal page, by its button: nothing was started, a later click may.
        response = make_response(_proposal_page(proposal, verify_busy=busy.message), 503)
        response.headers["Retry-After"] = "60"
        return response
    # To the verification's card: on a phone it is below a screen or two of figures.
    return redirect(url_for("regulator.proposal", pid=proposal.id, job=job.id,
                            lang=request.args.get("lang"), _anchor="verification"), code=303)


@bp.get("/p/<int:pid>/verify")
@staff("regulator", "admin", obj="proposal")
def verify_again(user, proposal):
    """The address the verification's report is shown at, opened again (history, a reload,
    a copied link): the proposal page with the last verification, not a 405 dead end."""
    return redirect(url_for("regulator.proposal", pid=proposal.id))


@bp.get("/p/<int:pid>/verification.txt")
@staff("regulator", "admin", obj="proposal")
def verification_report(user, proposal):
    """The last verification's full report, as stored when it ran: to read again or keep."""
    from flask import abort

    from votes.services.oversight import latest_verification, verification_text

    verification = latest_verification(proposal)
    if verification is None:
        abort(404)
    stamp = verification.time.strftime("%Y%m%dT%H%M%SZ")
    return send_file(io.BytesIO(verification_text(verification)),
                     mimetype="text/plain", as_attachment=True,
                     download_name=f"verification-{proposal.id}-{stamp}.txt")


def _proposal_page(proposal, job=None, verify_busy=None):
    from votes.services.figures import figures_or_damage
    from votes.services.verify_jobs import (CHECKS, checks_begun, failure_words, is_stale,
                                           stored_report)
    from votes.services.money.works import money_summary
    from votes.services.oversight import (latest_verification, verification_failures,
                                          verification_outcome)
    from votes.core.step_titles import title
    from votes.i18n import language

    verification = latest_verification(proposal)
    figures = figures_or_damage(str(proposal.id), progress=True)
    report = stored_report(job) if job is not None else None
    if job is not None and report is not None and job.id != verification.id:
        report = None  # a later verification finished since: the page shows the last one
    return render_template("regulator/proposal.html", proposal=proposal, job=job,
                           job_stale=job is not None and is_stale(job),
                           checks_begun=checks_begun(job), checks=CHECKS,
                           step_title=lambda step: title(step, english=language() == "en"),
                           figures=figures,
                           verification=verification,
                           verification_outcome=verification_outcome(proposal, verification),
                           verification_failures=verification_failures(verification),
                           report=report, report_text=job.report if report else "",
                           job_failure=failure_words(job.report) if job is not None else "",
                           verify_busy=verify_busy,
                           # of a chain found damaged, nothing it says: the words instead
                           money=None if figures.damaged else money_summary(proposal),
                           scans=_scans(proposal),
                           emergency=None if figures.damaged else _emergency(proposal))


def _scans(proposal):
    """The delivery and objection scans the chain names; none of a chain damaged in the
    database (the page says so beside the result, and the verification names the entries)."""
    from votes.services.procedure.scans import procedure_scans
    from votes.services.tally import ResultUnshown

    try:
        return procedure_scans(proposal)
    except ResultUnshown:
        return ()


def _emergency(proposal):
    """An emergency use's danger, applicant, reason and evidence digests (§18.6), else None."""
    from votes.services.money.emergency import emergency_facts

    return emergency_facts(proposal) if proposal.state == "emergency" else None


@bp.get("/p/<int:pid>/scans")
@limit_stored_file_openings
@staff("regulator", "admin", obj="proposal")
def scans(user, proposal):
    """A proposal's delivery and written-objection scans (§17, §19)."""
    from votes.web.committee_procedure import scans_page

    return scans_page(proposal, user.login, "regulator.scans")
