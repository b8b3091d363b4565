"""The regulator's export bundle, written by the core from the proposal's records."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

from votes.core.bulk_gc import paused_gc
from votes.core.bundle import OLDER_FORMATS, write_bundle
from votes.core.canonical import format_time
from votes.core.verifier import Report, verify_bundle
from votes.services import audit, clock, keys
from votes.services.errors import DomainError, VerifierBusy
from votes.services.output import check_output, write_output
from votes.i18n import _
from votes.services.lifecycle import get_proposal, refresh
from votes.services.tx import unit_of_work
from votes.services.records import chain_entries, proposal_record, roll_record
from votes.services.witness import export_cosignatures


# One whole vote exported and verified at a time in a process: each holds the vote's bundle
# and its checks in memory (~1.2 GB at 100,000 units; docs/deploy.md sizes a host by it).
# The regulator's 验证导出包 runs on the worker's one verification thread, but the
# application package verifies in the request: ten tabs of it held ten in one worker.
_whole_vote = threading.Lock()


@contextmanager
def verifying(wait: bool = True, busy: str | None = None):
    """Held while a whole vote is exported and verified in this process. wait=False (a
    request, which the proxy gives up on): VerifierBusy (in the words `busy`, if given) at
    once if another one is; the web's handler answers it 503 with Retry-After."""
    if not _whole_vote.acquire(blocking=wait):
        raise VerifierBusy(busy)
    try:
        yield
    finally:
        _whole_vote.release()


def _created_at(proposal):
    # A machine whose clock lags the one that wrote the last entry must still date the bundle
    # no earlier than that entry (the verifier refuses a bundle made before its own chain).
    now = clock.now()
    return max(now, proposal.chain_time) if proposal.chain_time else now


def export_bundle(proposal_ref: str, target, actor: str = "cli", *, audited: bool = True,
                  doing=None) -> str:
    """Write the bundle to a path or binary file; return the chain head it carries. Recorded
    as an export unless the caller records what it did with it (audited=False: the
    regulator page's 验证导出包, audited as a check with its outcome)."""
    proposal = refresh(get_proposal(proposal_ref))
    if proposal.state in ("draft", "publicity", "withdrawn"):
        raise DomainError(_("表决尚未开始，还没有可导出的记录"))
    key_id, private_key = keys.signing_key()
    if isinstance(target, (str, Path)):
        target = Path(target)
        check_output(target)  # before the chain is read and signed
    if doing is not None:  # seconds for a city's vote: told once it will be done
        doing(proposal.id)
    with paused_gc():  # 100,000 entries, rows and lines
        chain = chain_entries(proposal)
        record = dict(proposal=proposal_record(proposal), roll=roll_record(proposal),
                      chain=chain, private_key=private_key, keyring=keys.keyring(),
                      created_at=format_time(_created_at(proposal)),
                      witness=export_cosignatures(proposal, len(chain)))
        if isinstance(target, Path):  # a bundle half written over the last one is neither
            head = write_output(target, lambda out: write_bundle(out, **record))
        else:
            head = write_bundle(target, **record)
    if not audited:
        return head
    with unit_of_work() as session:
        audit.record(session, actor, "proposal.export", community_id=proposal.community_id,
                     target=str(proposal.id), details={"chain_head": head})
    return head


def verify_exported(data: bytes, progress=None) -> Report:
    """The offline verifier's report on a bundle this server has just exported, with the
    server's own key table as the trust anchor (not the keys the bundle carries).

    A vote whose chain was written before version 3 of the specification is exported in
    the older format its chain is in (write_bundle), which the verifier refuses unless
    asked for (step 3.4): the app asks for the one format it has itself just written, so
    such a vote verifies here as with `votes verify --allow-format`, and no other older
    format is let through. `progress` is the verifier's (verify_bundle)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        written = json.loads(z.read("manifest.json"))["format"]
    allowed = (written,) if written in OLDER_FORMATS else ()
    return verify_bundle(data, trusted_keys=keys.keyring(), allow_formats=allowed,
                         progress=progress)
