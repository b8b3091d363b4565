"""What the public pages keep per process once made: pages open to anyone that cost a
worker's core seconds to make, and that no longer change for a chain head.

Each is kept by the database, the proposal's uid and its chain's length and head (every
entry appended, an objection, the result or a works stage, is a new key), with what else
it is drawn from. Served again, it is still only of a chain as written: the board's check
(procedure.common.checked, the chain found sound remembered per process and read whole
again once a minute) runs before it is sent. tests/snapshots.py empties these caches when
it puts a proposal back (its uid is then an earlier test's)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from votes.extensions import db
from votes.i18n import _, language
from votes.models import Proposal
from votes.services.kept import Kept


def _chain_key(proposal: Proposal) -> tuple:
    return (str(db.session.get_bind().url), proposal.uid, proposal.frozen_at, proposal.state,
            proposal.chain_length, proposal.chain_head)


@dataclass(frozen=True)
class UnitsTable:
    rows: Markup  # the table's rows, drawn
    units: int
    counted: int
    transferred: bool  # a counted ballot is a new owner's after a transfer (§16)


def units_table(proposal: Proposal) -> UnitsTable | None:
    """The per-unit list's rows after the close (None before it), in the page's language.

    Read from the whole frozen roll and chain and drawn a row per flat on every request,
    open to anyone: about a second of a core for 20,000 flats, most of it naming each flat
    (labels.flat_label), so a handful of addresses, each within the list's 30 a minute,
    kept both cores busy. After the close neither the roll nor the counted ballots change."""
    from flask import render_template

    from votes.services import participation
    from votes.services.procedure.common import checked

    if proposal.state not in ("closed", "published"):
        return None
    key = (*_chain_key(proposal), language())
    found = _units.get(key)
    if found is not None:
        checked(proposal, _("不能显示各房屋是否计入表决"))
        return found
    page = participation.participation_page(proposal)
    if page is None:
        return None
    rows, transferred = page
    drawn = Markup(render_template("public/_units_rows.html", rows=rows,
                                   transferred=transferred))
    table = UnitsTable(drawn, len(rows), sum(r["counted"] for r in rows), bool(transferred))
    _units.put(key, table, weight=len(drawn))
    return table


# Characters of drawn rows, about 75 a flat: 8 million is a hundred thousand flats' lists in
# both languages, some 16 MB a worker at most.
_units = Kept(size=8_000_000)


def settlement_notice(proposal: Proposal) -> bytes:
    """The public settlement notice (settlement_pdf.settlement_notice_pdf), kept as drawn.

    Drawn anew for every request, a row per flat (seconds of a core for thousands), open to
    anyone at 10 a minute per address. What it prints comes from the chain (the works, the
    close; the debits are written with the settlement's entry), the frozen proposal, and,
    outside the chain, the community's name, committee and telephone (which the committee
    may change at any time) and the poster's address: all in the key."""
    from votes.services.access import lobby_link
    from votes.services.money import settlement_pdf
    from votes.services.procedure.common import checked

    community = proposal.community
    key = (*_chain_key(proposal), proposal.title, proposal.scope, proposal.budget,
           community.name, community.committee_name, community.contact_phone,
           lobby_link(proposal))
    found = _settlements.get(key)
    if found is not None:
        # As settlement_pdf's own read of the works entries checks it.
        checked(proposal, _("不能显示本事项的工程和资金记录"))
        return found
    pdf = settlement_pdf.settlement_notice_pdf(proposal)
    _settlements.put(key, pdf, weight=len(pdf))
    return pdf


# Bytes of PDF, about 60 a flat: 24 MB a worker at most, a few city-sized notices.
_settlements = Kept(size=24_000_000)


def caches() -> list[tuple[str, Kept]]:
    """The caches here, for tests/snapshots.py: each keyed by the database's URL first."""
    return [("units", _units), ("settlements", _settlements)]
