"""The committee's download of a whole vote's export bundle (a route of the committee
blueprint), and the answer while a worker is busy with another whole vote."""

from __future__ import annotations

import io

from flask import make_response, render_template
from flask_babel import gettext as _

from votes.web.authz import limit_whole_vote_downloads, staff
from votes.web.committee import bp, download


def whole_vote_busy(message: str):
    """503 while this worker exports another whole vote (export.verifying): nothing made,
    try again in a minute."""
    response = make_response(render_template("error.html", message=message), 503)
    response.headers["Retry-After"] = "60"
    return response


@bp.get("/p/<int:pid>/bundle.zip")
@limit_whole_vote_downloads
@staff("committee", "regulator", "admin", obj="proposal")
def bundle(user, proposal):
    from votes.services.export import VerifierBusy, export_bundle, verifying

    buffer = io.BytesIO()
    try:
        # The whole vote in memory (roll, chain, bundle): one at a time in a worker, as the
        # application package and the regulator's verification hold it (docs/deploy.md
        # sizes a host by one): a tab opened again meanwhile is told to wait, not queued.
        with verifying(wait=False):
            export_bundle(str(proposal.id), buffer, actor=user.login)
    except VerifierBusy:
        return whole_vote_busy(_("服务器正在生成另一份导出包，本次未生成任何文件。请约一分钟后再试。"))
    return download(buffer.getvalue(), f"bundle-{proposal.uid}.zip", "application/zip")
