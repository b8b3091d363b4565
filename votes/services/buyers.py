"""Who may take a seller's place when a unit is sold during the vote (§16).

A buyer is one person however many units they hold (shared/DESIGN.md, the Supreme People's
Court's counting rule). Checked under the proposal's lock, in the transaction that appends
the buyer's ballot: two clerks entering two sales to one buyer at the same moment would
otherwise each find no other ballot of that buyer and both be accepted.
"""

from __future__ import annotations

import json
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from votes.i18n import _
from votes.core.local_rules import Procedure
from votes.models import FrozenUnit, FrozenVoter, Proposal, Transfer
from votes.services import privacy, pseudonyms
from votes.services.proxies import canonical_id
from votes.services.errors import DomainError


def refuse_counted_twice(session: Session, proposal: Proposal, seller: str,
                         id_number: str, roll_owners: set[str]) -> None:
    """One who already votes in this vote, on a unit of their own or as the buyer of another
    unit sold during it, cannot also take the seller's place; nor can the seller "buy" their
    own unit, which would only let staff supersede the owner's own online ballot.

    "Their own" is a unit whose owners are the buyer alone. A unit the buyer holds with
    others (a flat owned with a spouse) is another voter: the roll groups units by their
    exact set of owners (votes.core.counting, docs/verification.md §2.4), so the frozen roll
    itself counts such a person once alone and once in each group, and a buyer recorded
    alone is such a group of one. One who holds only units the rules leave out of the count
    (a parking space, a storeroom) is no voter of this vote, and may buy a flat."""
    # The roll keeps an ID as it was typed there (an organisation code with its hyphen, an
    # ideographic space) and hashed so: the buyer, alone, under either spelling, and the
    # frozen roll's owners folded as the buyers below are, which finds the spellings the
    # hash cannot (`roll_owners`: sole_owner_voters, which the caller reads before it takes
    # the proposal's lock, since it decrypts every voter).
    # Named as this proposal's freeze named its voters (pseudonyms.py): per proposal now,
    # by the owners' hashes alone for a proposal frozen before.
    voter_key_of = pseudonyms.voter_key_of(proposal)
    owns = {voter_key_of([privacy.id_hash(s)]) for s in (id_number, canonical_id(id_number))}
    owns |= roll_owners
    latest: dict[str, bytes] = {}
    for voter, buyer in session.execute(select(Transfer.voter_key, Transfer.buyer_id_enc)
                                        .where(Transfer.proposal_id == proposal.id)
                                        .order_by(Transfer.seq)):
        latest[voter] = buyer
    if seller in owns and seller not in latest:
        raise DomainError(_("新业主与原业主是同一人，不是过户"))
    if any(own != seller and own not in latest
           for own in counted_voters(session, proposal, sorted(owns))):
        raise DomainError(_("新业主在本次表决范围内已有房屋，按一人计，不能再代替原业主表决；"
                            "过户在下次表决的名册中生效"))
    decrypt = privacy.decryptor()
    if any(voter != seller and canonical_id(decrypt(buyer)) == canonical_id(id_number)
           for voter, buyer in latest.items()):
        raise DomainError(_("新业主已作为另一套房屋的新业主在本次表决中表决，按一人计；"
                            "过户在下次表决的名册中生效"))


def fold_id(id_number: str) -> str:
    """A buyer's ID as typed, in the spelling the roll keeps: full-width forms folded (NFKC),
    upper case, without spaces of any kind or invisible characters (a zero-width space),
    its hyphens kept (canonical_id drops them too, for the other spelling)."""
    folded = unicodedata.normalize("NFKC", id_number).upper()
    return "".join(c for c in folded if not c.isspace() and unicodedata.category(c) != "Cf")


def sole_owner_voters(session: Session, proposal: Proposal, id_number: str) -> set[str]:
    """The frozen roll's voters whose only owner has this ID, however either is spelled."""
    wanted, decrypt = canonical_id(id_number), privacy.decryptor()
    found = set()
    for voter, owners_enc in session.execute(select(FrozenVoter.voter_key, FrozenVoter.owners_enc)
                                             .where(FrozenVoter.proposal_id == proposal.id)):
        owners = json.loads(decrypt(owners_enc))
        if len(owners) == 1 and canonical_id(owners[0]["id"] or "") == wanted:
            found.add(voter)
    return found


def counted_voters(session: Session, proposal: Proposal, voter_keys: list[str]) -> set[str]:
    """Those of `voter_keys` who vote in this vote: who hold a unit of its scope that the
    rules count (not only a parking space or a storeroom they leave out)."""
    query = select(FrozenUnit.voter_key).where(FrozenUnit.proposal_id == proposal.id,
                                               FrozenUnit.voter_key.in_(voter_keys))
    excluded = Procedure.from_rules(proposal.rules).excluded_kinds
    if excluded:
        query = query.where(FrozenUnit.kind.not_in(excluded))
    return set(session.scalars(query.distinct()))
