"""The freeze: when a proposal's publicity starts, its scope's roll is copied as the vote
will count it (units and voters under ids of the proposal's own, each flat's share of the
budget) and each voter's access made."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from votes.core.apportion import apportion
from votes.core.roll import Scope, UnitRecord, repeated_flats, spelled, unit_key
from votes.i18n import _
from votes.models import FrozenUnit, FrozenVoter, Proposal, VoterAccess
from votes.services import privacy
from votes.services.access import create_access
from votes.services.second_factor import PERSON
from votes.services.labels import scope_label
from votes.services.bulk import insert_rows, refresh_statistics
from votes.services.errors import DomainError
from votes.services.roll import OwnerRow, roll_records


def unit_ids(uid: str) -> Callable[[int], str]:
    """The ids a proposal gives its units: a keyed hash of the proposal and the unit's row
    id. The chain is public and, after the close, its ballots' openings say how each unit
    id voted; row ids follow the roll's import order, which is the flats' order on the
    board, so a stranger could tell how each flat voted. The bundle's roll.json, the
    regulator's, still maps each id to its flat."""
    key = privacy.derived_key("unit-id")

    def unit_id(row_id: int) -> str:
        return "u" + hmac.new(key, f"{uid}:{row_id}".encode(), "sha256").hexdigest()[:20]

    return unit_id


def _parts(record: UnitRecord) -> tuple[str, str, str]:
    return record.building, record.entrance, record.room


def freeze(session: Session, proposal: Proposal, when: datetime) -> None:
    """Bind the electorate: the scope's units, areas, voter grouping and each share.

    Rows go in as bulk inserts (COPY or executemany), not ORM objects: 100,000 units."""
    from votes.core.counting import electorate
    from votes.services import pseudonyms
    from votes.services.communities import lock_community
    from votes.services.roll_lookalikes import refuse_at_freeze

    # The roll is read in two statements (owners, then units): a roll replaced between them
    # would mix the old roll's owners with the new roll's units. The community's shared lock
    # keeps roll_import out until this transaction ends.
    lock_community(session, proposal.community_id, share=True)
    records, owners_of = roll_records(session, proposal.community_id, unit_ids(proposal.uid))
    scope = Scope.parse(proposal.scope)
    # Voter keys of this proposal's own (pseudonyms.py), as its unit ids are: the same
    # owners are one voter here and unrelated pseudonyms in every other vote.
    scheme = pseudonyms.FREEZE_SCHEME
    e = electorate(records, scope, pseudonyms.voter_key_of(proposal, scheme))
    # A roll imported before the import refused "A-3栋" beside "A" / "3-1单元" (the scope's
    # text would hold flats of both), a Cyrillic А or Х, one ID written two ways.
    refuse_at_freeze(scope, records, e.units, owners_of)
    if not e.units:
        raise DomainError(_("表决范围 %(scope)s 内没有房屋", scope=scope_label(str(scope))))
    twice = repeated_flats(e.units, _parts)
    if twice:
        # A roll imported before the import refused a second spelling of a flat may hold
        # one twice (migration c2_0001_unit_key kept both): frozen, the flat would have two
        # voters and two areas, and the bundle would fail step 5.4.
        first, record = twice[0]
        raise DomainError(_(
            "名册中的“%(unit)s”与“%(first)s”是同一套房屋的不同写法（较早导入的名册），"
            "请统一写法后重新导入名册", unit=spelled(*_parts(record)),
            first=spelled(*_parts(first))))
    shares = {s.unit_id: s.amount
              for s in apportion(proposal.budget, e.units, presorted=True)}
    proposal.voter_keying = scheme
    proposal_id = proposal.id  # an ORM attribute: read it once, not per row
    insert_rows(session, FrozenUnit.__table__, [
        {"proposal_id": proposal_id, "unit_uid": record.unit_id, "building": record.building,
         "entrance": record.entrance, "room": record.room, "area": record.area,
         "area_basis": record.area_basis.value, "fund_balance": record.fund_balance,
         "share": shares[record.unit_id], "voter_key": e.voter_of(record.unit_id).key,
         "kind": record.kind,
         "unit_key": unit_key(record.building, record.entrance, record.room)}
        for record in e.units])
    encrypt, decrypt = privacy.encryptor(), privacy.decryptor()
    # json.dumps(..., ensure_ascii=False) builds a new encoder per call: one per voter.
    to_json = json.JSONEncoder(ensure_ascii=False).encode
    voters, coded = [], set()
    for voter in e.voters:
        owners: dict[str, OwnerRow] = {}
        for unit_id in voter.unit_ids:
            for owner in owners_of.get(unit_id, ()):
                owners[owner.id_hash] = owner
        contact = [{"name": decrypt(o.name_enc), "id": decrypt(o.id_enc),
                    "phone": decrypt(o.phone_enc), "kind": o.kind}
                   for o in owners.values()]
        if any(o.kind != PERSON for o in owners.values()):
            coded.add(voter.key)
        voters.append({
            "proposal_id": proposal_id, "voter_key": voter.key, "area": voter.area,
            "share": sum(shares[u] for u in voter.unit_ids), "developer": voter.developer,
            "owners_enc": encrypt(to_json(contact))})
    insert_rows(session, FrozenVoter.__table__, voters)
    create_access(session, proposal, [v.key for v in e.voters], coded)
    refresh_statistics(session, FrozenUnit.__table__, FrozenVoter.__table__,
                       VoterAccess.__table__)
    proposal.state = "publicity"
    proposal.frozen_at = when
