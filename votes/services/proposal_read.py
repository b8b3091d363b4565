"""The proposal as the owner's pages read it: plain values from one statement.

Every owner page starts from the proposal (its state, window and chain head decide what
the page may do; its title, items and documents are shown). Loading it through the ORM
(an instance with its community, items and documents, each tracked by the session) was
the largest single cost of an owner page. Here the proposal and its community are one
row on every request, so nothing shown or checked can be stale; only the items and
the document names are kept per process, and only once the proposal has left its draft,
after which nothing changes them (drafts alone are edited, votes/services/proposal_drafts).

The result is read-only: setting an attribute raises. Code that writes a proposal locks
and loads its own ORM instance by id (lifecycle.lock_proposal), as it did before.
"""

from __future__ import annotations

import functools
import threading

from sqlalchemy import bindparam, select

from votes.models import Community, Proposal, ProposalDocument, ProposalItem, VoterAccess
from votes.services import rows as reads
from votes.services.rows import Values

_COMMUNITY = "community__"
_ACCESS = "access__"
_KEPT_PARTS = 256  # proposals whose items and document names a process keeps


class ItemValues(Values):
    """A proposal item (title, amount in fen, position)."""


class DocumentValues(Values):
    """A proposal document's name, digest, size and type; never its content."""


class CommunityValues(Values):
    """The proposal's community, as it stands now."""


class ProposalValues(Values):
    """A proposal with its community, items and document names, as the owner pages use it."""

    community: CommunityValues
    items: tuple[ItemValues, ...]
    documents: tuple[DocumentValues, ...]


# The frozen record (the proposal as bound into the chain's first entry, its description
# again among it) is written by the open and read by the export, never by a page: decoding
# its JSON on every owner page cost more than anything shown from it.
_NOT_READ = frozenset({"record"})


def with_community(*columns):
    """A select of `columns` (first), then the proposal's and its community's columns
    (not its frozen record), from proposals joined to their community: what
    proposal_from_row reads back."""
    proposals, communities = Proposal.__table__, Community.__table__
    return select(*columns, *(c for c in proposals.columns if c.name not in _NOT_READ),
                  *(c.label(_COMMUNITY + c.name) for c in communities.columns)) \
        .join_from(proposals, communities, proposals.c.community_id == communities.c.id)


@functools.cache
def _proposal_row():
    return with_community().where(Proposal.__table__.c.uid == bindparam("uid"))


@functools.cache
def _link_row():
    accesses = VoterAccess.__table__
    return with_community(*(c.label(_ACCESS + c.name) for c in accesses.columns)) \
        .join(accesses, accesses.c.proposal_id == Proposal.__table__.c.id) \
        .where(accesses.c.token_hash == bindparam("token_hash"))


@functools.cache
def _items():
    return select(ProposalItem.__table__).where(
        ProposalItem.proposal_id == bindparam("proposal_id")).order_by(ProposalItem.position)


@functools.cache
def _documents():
    table = ProposalDocument.__table__
    return select(*(c for c in table.columns if c.name != "content")).where(
        table.c.proposal_id == bindparam("proposal_id")).order_by(table.c.position)


_parts: dict[tuple[int, str], tuple[tuple, tuple]] = {}
_parts_lock = threading.Lock()


def _parts_of(proposal_id: int, uid: str, draft: bool) -> tuple[tuple, tuple]:
    key = (proposal_id, uid)  # the uid too: SQLite may reuse a deleted draft's id
    kept = _parts.get(key)
    if kept is not None:
        return kept
    params = {"proposal_id": proposal_id}
    parts = (tuple(reads.fetch_values(_items(), params, ItemValues)),
             tuple(reads.fetch_values(_documents(), params, DocumentValues)))
    if not draft:
        with _parts_lock:
            if len(_parts) >= _KEPT_PARTS:
                _parts.clear()
            _parts[key] = parts
    return parts


def proposal_values(uid: str) -> ProposalValues | None:
    """The proposal with this uid and its community, items and document names; None if
    there is none."""
    done, found = reads.fetch(_proposal_row(), {"uid": uid})
    return _proposal(done.names, found[0])[1] if found else None


def link_values(token_hash: str) -> tuple[Values, ProposalValues] | None:
    """The voter access with this link's token hash (all its columns) and its proposal, in
    one statement; None for no such link."""
    done, found = reads.fetch(_link_row(), {"token_hash": token_hash})
    if not found:
        return None
    access, proposal = _proposal(done.names, found[0])
    return Values(access), proposal


def proposal_from_row(names, row) -> ProposalValues:
    """The proposal of a with_community row: `names` and `row` from its proposal's first
    column on."""
    return _proposal(names, row)[1]


def _proposal(names, row) -> tuple[dict, ProposalValues]:
    values, community, other = {}, {}, {}
    for name, value in zip(names, row):
        if name.startswith(_COMMUNITY):
            community[name[len(_COMMUNITY):]] = value
        elif name.startswith(_ACCESS):
            other[name[len(_ACCESS):]] = value
        else:
            values[name] = value
    items, documents = _parts_of(values["id"], values["uid"], values["state"] == "draft")
    values.update(community=CommunityValues(community), items=items, documents=documents)
    return other, ProposalValues(values)
