"""What a closed vote decided, as pages, notices and the CLI show it: the real ballots'
result, the 从多 judgement apart from it, and the objection period's preliminary/final."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from votes.core.follow import decided
from votes.core.objection import bound_text, text_commitment, text_digest
from votes.core.procedure import objection_days
from votes.models import Proposal
from votes.services.procedure.common import close_entry, entries_of


@dataclass(frozen=True)
class Outcome:
    ballots_passed: bool       # on the real ballots alone
    follow: dict | None        # the close's 从多 figures (None where not adopted)
    passed: bool               # the decision at the close (by 从多 where adopted)
    objection_days: int
    period_end: datetime | None
    final: dict | None         # the result entry's body once published (objection period)
    objections: tuple = ()     # Objection rows
    period_open: bool = False  # objections can be filed now
    # Entry positions whose stored text no longer hashes to the digest on the chain.
    mismatched: frozenset = frozenset()
    # Entry position → the text's commitment on the chain (a plain digest in entries written
    # before commitments): shown where a text was withdrawn from publication, so the entry
    # still says what it bound.
    digests: dict = field(default_factory=dict)

    @property
    def preliminary(self) -> bool:
        """A result still open to objections (or awaiting answers)."""
        return self.objection_days > 0 and self.final is None

    @property
    def result_passed(self) -> bool:
        """What to announce: the final result once there is one, else the decision."""
        return self.final["passed"] if self.final else self.passed

    def follow_check(self, name: str):
        return next(c for c in self.follow["checks"] if c["name"] == name)


def outcome(proposal: Proposal) -> Outcome | None:
    """None before the close."""
    from votes.services import clock
    from votes.services.procedure.objections import in_period, objections, period_end

    close = close_entry(proposal)
    if close is None:
        return None
    body = close.entry["body"]
    results = entries_of(proposal, "result")
    rows = tuple(objections(proposal))
    return Outcome(bool(body["tally"]["passed"]), body.get("follow"), decided(body),
                   objection_days(proposal.rules or {}), period_end(proposal),
                   results[0].entry["body"] if results else None,
                   rows, in_period(proposal, clock.now()), *_digests(proposal, rows))


def _digests(proposal: Proposal, rows) -> tuple[frozenset, dict]:
    """Texts that differ from what the chain bound (the database was altered), and the
    chain's commitments (plain digests in entries written before them)."""
    if not rows:
        return frozenset(), {}
    on_chain = {s.seq: bound_text(s.entry["body"])
                for s in entries_of(proposal, "objection", "answer")}
    bad = set()
    for row in rows:
        if on_chain.get(row.seq) != _binding(proposal, row.text, row.text_salt):
            bad.add(row.seq)
        if row.answer_seq is not None and on_chain.get(row.answer_seq) != \
                _binding(proposal, row.answer_text or "", row.answer_salt):
            bad.add(row.answer_seq)
    return frozenset(bad), on_chain


def _binding(proposal: Proposal, text: str, salt: str | None) -> str | None:
    try:
        return text_commitment(proposal.uid, salt, text) if salt else text_digest(text)
    except ValueError:  # a salt altered in the database: it opens nothing
        return None
