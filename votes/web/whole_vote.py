"""The committee's download of a whole vote's export bundle (a route of the committee
blueprint). While the worker is busy with another whole vote, VerifierBusy: the app's
handler (web/__init__) answers 503 with Retry-After."""

from __future__ import annotations

import io

from flask_babel import gettext as _

from votes.web.authz import limit_whole_vote_downloads, staff
from votes.web.committee import bp, download


@bp.get("/p/<int:pid>/bundle.zip")
@limit_whole_vote_downloads
@staff("committee", "regulator", "admin", obj="proposal")
def bundle(user, proposal):
    from votes.services.export import export_bundle, verifying

    buffer = io.BytesIO()
    # The whole vote in memory (roll, chain, bundle): one at a time in a worker, as the
    # application package and the regulator's verification hold it (docs/deploy.md sizes a
    # host by one): a tab opened again meanwhile is told to wait (503), not queued.
    with verifying(wait=False, busy=_(
            "服务器正在生成另一份导出包，本次未生成任何文件。请约一分钟后再试。")):
        export_bundle(str(proposal.id), buffer, actor=user.login)
    return download(buffer.getvalue(), f"bundle-{proposal.uid}.zip", "application/zip")
