"""What the committee's pages show, assembled from the services."""

from __future__ import annotations

from dataclasses import dataclass

from votes.core.apportion import apportion
from votes.core.counting import electorate
from votes.core.numbers import format_area_grouped, parse_yuan
from votes.core.local_rules import Procedure, counting_electorate
from votes.core.roll import Scope, natural_key
from votes.core.roll_labels import refuse_ambiguous
from votes.i18n import _
from votes.core.rules import Rules
from votes.core.tally import Tally, Turnout
from votes.models import Community, Proposal
from votes.services.communities import procedure_summary
from votes.services.figures import progress_damage, proposal_figures
from votes.services.progress import Chart, turnout_chart
from votes.services.proposal_create import DocumentUpload, ProposalDraft
from votes.services.roll import RollSummary, community_records, roll_summary


@dataclass(frozen=True)
class CommunityPage:
    summary: RollSummary
    units: list  # UnitRecords in the order asked; a page's rows are read with units_in_order
    proposals: list[Proposal]
    procedure: Procedure = Procedure()  # the community's proxies and unit-kind settings
    emergency_cap: int = 0  # fen; 0: an emergency use's budget has no cap

    @property
    def procedure_text(self) -> str:
        return procedure_summary(self.procedure)

    @property
    def emergency_cap_text(self) -> str:
        from votes.core.local_rules import EMERGENCY_MAX_BUDGET
        from votes.services.communities import emergency_cap_text

        return emergency_cap_text({EMERGENCY_MAX_BUDGET: self.emergency_cap})

    @property
    def emergency_cap_input(self) -> str:
        """The cap as the form's field shows it (yuan, no separators), empty for none."""
        from votes.core.numbers import format_yuan_plain

        return format_yuan_plain(self.emergency_cap) if self.emergency_cap else ""


SORTS = {
    "unit": lambda u: (natural_key(u.building), natural_key(u.entrance), natural_key(u.room)),
    "area": lambda u: (-u.area,),
    "basis": lambda u: (u.area_basis,),
}


def community_page(community: Community, sort: str) -> CommunityPage:
    from sqlalchemy import select

    from votes.extensions import db

    records = community_records(community)
    units = sorted(records, key=SORTS.get(sort, SORTS["unit"]))
    proposals = list(db.session.scalars(select(Proposal).where(
        Proposal.community_id == community.id).order_by(Proposal.id.desc())))
    from votes.core.local_rules import emergency_cap

    return CommunityPage(roll_summary(community.code, records), units, proposals,
                         Procedure.from_rules(community.rules), emergency_cap(community.rules))


@dataclass(frozen=True)
class ScopePreview:
    error: str | None
    units: int = 0
    headcount: int = 0
    area: int = 0
    shares: tuple = ()
    scope: str = ""  # the internal form, for the server only; pages show `words`

    @property
    def area_text(self) -> str:
        return format_area_grouped(self.area)

    @property
    def words(self) -> str:
        from votes.services.labels import scope_label

        return scope_label(self.scope) if self.scope else ""

    @property
    def summary(self) -> str:
        if self.error:
            return self.error
        return _("%(scope)s：%(u)d 户，%(h)d 人，面积 %(a)s m²", scope=self.words,
                 u=self.units, h=self.headcount, a=self.area_text)


def scope_preview(community: Community, scope_text: str, budget_text: str) -> ScopePreview:
    """Headcount, area and each unit's share for a scope being drafted."""
    try:
        scope = Scope.parse(scope_text or "all")
        budget = parse_yuan(budget_text or "0")
        records = community_records(community)
        e = electorate(records, scope)
        if not e.units:
            return ScopePreview(_("该范围内没有房屋"))
        refuse_ambiguous(scope, records)  # a roll imported before its labels were checked
        labels = {r.unit_id: r for r in records}
        shares = tuple((labels[s.unit_id], s) for s in apportion(budget, e.units))
    except ValueError as exc:
        return ScopePreview(str(exc))
    # Heads and area as the vote will count them: the kinds the community's rules leave out
    # (parking, storerooms) were counted here and not on the saved draft. They still pay.
    counted = counting_electorate(e, Procedure.from_rules(community.rules).excluded_kinds)
    return ScopePreview(None, len(e.units), counted.total_headcount, counted.total_area,
                        shares, str(scope))


@dataclass(frozen=True)
class BuildingChoice:
    """One building of the roll with its entrances, as the scope checkboxes offer them."""

    building: str
    units: int
    entrances: tuple[tuple[str, int], ...]  # ("3-1", units)


def scope_tree(community: Community) -> tuple[BuildingChoice, ...]:
    """Buildings and entrances of the roll, labels normalised ("3号楼" and "3" are one)."""
    from votes.core.roll import normalise_building, normalise_entrance

    buildings: dict[str, dict[str, int]] = {}
    for r in community_records(community):
        entrances = buildings.setdefault(normalise_building(r.building), {})
        key = normalise_entrance(r.entrance)
        entrances[key] = entrances.get(key, 0) + 1
    return tuple(
        BuildingChoice(b, sum(es.values()), tuple(
            (f"{b}-{e}", n) for e, n in sorted(es.items(), key=lambda x: natural_key(x[0])) if e))
        for b, es in sorted(buildings.items(), key=lambda x: natural_key(x[0])))


def scope_from_choices(community: Community, buildings: list[str], entrances: list[str]) -> str:
    """The scope the checkboxes describe: whole buildings, or entrances (a whole building
    ticked with some single entrances becomes all of its entrances); all if none."""
    from votes.core.roll import normalise_building

    chosen_b = {normalise_building(b) for b in buildings if b.strip()}
    chosen_e = {e.strip() for e in entrances if e.strip()}
    if not chosen_b and not chosen_e:
        return "all"
    if not chosen_e:
        return str(Scope.parse("building:" + ",".join(sorted(chosen_b, key=natural_key))))
    tree = {c.building: c for c in scope_tree(community)}
    parts = set(chosen_e)
    for b in chosen_b:
        choice = tree.get(b)
        if choice is None:
            continue
        if sum(n for _, n in choice.entrances) != choice.units:
            # Some units of this building have no entrance: only a list of units says it.
            records = community_records(community)
            e_scope = Scope.parse("entrance:" + ",".join(sorted(chosen_e, key=natural_key)))
            b_scope = Scope.parse("building:" + ",".join(sorted(chosen_b, key=natural_key)))
            labels = [r.label for r in records if e_scope.contains(r) or b_scope.contains(r)]
            return "unit:" + ",".join(sorted(labels, key=natural_key))
        parts.update(e for e, _ in choice.entrances)
    return str(Scope.parse("entrance:" + ",".join(sorted(parts, key=natural_key))))


def form_scope(community: Community, form) -> str:
    """The scope of the form: the ticked buildings and entrances, else the words typed
    (read against the roll by votes.core.scope_words; a refusal is a ValueError)."""
    from votes.core.scope_words import parse_scope_words

    buildings, entrances = form.getlist("scope_building"), form.getlist("scope_entrance")
    if any(v.strip() for v in (*buildings, *entrances)):
        return scope_from_choices(community, buildings, entrances)
    records = community_records(community)
    return str(parse_scope_words(form.get("scope", ""), records))


@dataclass(frozen=True)
class ScopeFields:
    """How the form shows a scope: ticked boxes, or words in the text field."""

    buildings: tuple[str, ...] = ()
    entrances: tuple[str, ...] = ()
    words: str = ""


def scope_fields(community: Community, scope: str) -> ScopeFields:
    """Boxes for buildings and entrances the roll offers; anything else in words that
    parse_scope_words reads back ("3号楼1单元1502室", or "3-1-1502" in English)."""
    from votes.i18n import language
    from votes.core.scope_words import scope_text

    parsed = Scope.parse(scope or "all")
    if parsed.kind == "all":
        return ScopeFields()
    tree = scope_tree(community)
    if parsed.kind == "building" and set(parsed.values) <= {c.building for c in tree}:
        return ScopeFields(buildings=parsed.values)
    if parsed.kind == "entrance" and \
            set(parsed.values) <= {e for c in tree for e, _n in c.entrances}:
        return ScopeFields(entrances=parsed.values)
    if language() == "zh_CN":
        # A unit prints by its flat's own labels (a room may hold "-"), read back by them.
        flats = community_records(community) if parsed.kind == "unit" else ()
        return ScopeFields(words=scope_text(str(parsed), flats))
    return ScopeFields(words=", ".join(parsed.values))


def uploaded_documents(files) -> list[DocumentUpload]:
    return [DocumentUpload(f.filename, f.read())
            for f in files.getlist("documents") if f and f.filename]


def _scope_or_refusal(community: Community, form) -> str:
    from votes.services.errors import DomainError

    try:
        return form_scope(community, form)
    except ValueError as exc:
        raise DomainError(str(exc)) from None


def draft_from_form(community: Community, form, documents=()) -> ProposalDraft:
    from votes.services.errors import DomainError

    rows = list(zip(form.getlist("item_title"), form.getlist("item_amount")))
    if any(a.strip() and not t.strip() for t, a in rows):
        # Left out, its amount was missing from the items' sum without a word (or the draft
        # saved without its items): the form names it.
        raise DomainError(_("请填写维修项目名称：有一行只填了金额"))
    items = tuple(f"{t.strip()}:{a.strip()}" for t, a in rows if t.strip())
    documents = tuple(documents)
    return ProposalDraft(
        community=community.code, title=form.get("title", ""),
        description=form.get("description", ""), matter=form.get("matter", "use_fund"),
        scope=_scope_or_refusal(community, form), budget=form.get("budget", ""), items=items,
        documents=documents, voting_start=form.get("voting_start", ""),
        voting_end=form.get("voting_end", ""),
        publicity_start=form.get("publicity_start") or None,
        allow_change=bool(form.get("allow_change")), emergency=bool(form.get("emergency")))


@dataclass(frozen=True)
class ProposalPage:
    turnout: Turnout
    tally: Tally | None  # None while voting is open: choices are sealed until the close
    ballots: int
    rules: Rules
    chart: Chart | None
    procedure: Procedure = Procedure()  # proxies and unit kinds, frozen with the rules
    damaged: str | None = None  # during the vote, why no progress is shown (progress_damage)

    @property
    def procedure_text(self) -> str:
        return procedure_summary(self.procedure)


def proposal_page(proposal: Proposal) -> ProposalPage:
    """The committee's page's figures. During the vote, of a chain damaged in the database,
    the words saying so (in the committee's words) and no chart: the turnout is counted
    from the ballots table, which the chain no longer vouches for. After the close the
    figures come from the close entry, read checked (tally.ResultUnshown)."""
    from votes.services.records import COMMITTEE

    f = proposal_figures(str(proposal.id))
    damaged = progress_damage(f.proposal, COMMITTEE) \
        if f.tally is None and f.proposal.state == "voting" else None
    rules = Rules.from_dict(proposal.rules)
    q = rules.quorum_headcount
    return ProposalPage(f.turnout, f.tally, f.ballots, rules,
                        None if damaged else turnout_chart(proposal, q.num, q.den),
                        Procedure.from_rules(proposal.rules), damaged)
