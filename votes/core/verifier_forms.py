"""Step 6.12: one signed ballot form, one signer (docs/verification.md §3.2).

A staff-entered ballot's `evidence` is the SHA-256 of the scan of the form its signer
signed. A clerk holding one real signed form could attach it to ballots of many owners and
make up their votes. The reference server refuses that (votes/services/ballot_forms.py),
but the operator controls the server: this step lets a regulator check the rule in the
bundle alone. It mirrors the server's rule, so that no bundle the server writes fails it:

- a form is its signer's: the ballot's voter, or, on a ballot carrying `transfer`, the
  buyer, who votes under the seller's voter key but never signed the seller's form (nor
  the seller the buyer's);
- a ballot fails when its form is already held by a ballot of another signer earlier on
  the chain; the same signer may bring their form again (a change, a correction, the
  buyer's entry again);
- a ballot that a correction earlier on the chain replaced (§15) holds its form no more:
  the entry was wrong (say, the form typed against the wrong flat), and the form's own
  signer may then use it. A ballot merely superseded by a later one still holds it;
- nor does a ballot a withdrawal earlier on the chain took back (§15.4) hold its form: it
  was entered for the wrong unit, and the form's own signer may use it.

A proxy's written authorisation is `proxy.authorisation`, not `evidence`: one letter may
name several principals (§16), each of whom signs a form of their own.
"""

from __future__ import annotations

from votes.core.bidi import shown
from votes.core.verifier_base import _Bundle, _Run

Signer = tuple[str, bool]  # (voter key, whether the buyer after a transfer)


class _Holders:
    """The ballots one form was attached to, in chain order, with two positions in that
    list that only move forward: `first`, the earliest holder no correction replaced, and
    `other`, the earliest such holder whose signer is not `first`'s. So the checks cost,
    over the whole chain, a constant per holder: a forged chain of one form on many
    ballots cannot make the verifier quadratic."""

    __slots__ = ("ballots", "first", "other")

    def __init__(self, first: tuple[int, Signer]) -> None:
        self.ballots: list[tuple[int, Signer]] = [first]
        self.first = 0
        self.other = 0

    def earliest_other(self, signer: Signer, replaced: set[int]) -> tuple[int, Signer] | None:
        """The earliest holder still holding the form whose signer is not `signer`."""
        ballots = self.ballots
        while self.first < len(ballots) and ballots[self.first][0] in replaced:
            self.first += 1
        if self.first == len(ballots):
            return None
        held_by = ballots[self.first][1]
        if held_by != signer:
            return ballots[self.first]
        # Every holder before `other` still holding the form is held_by's: `first` moves
        # only past replaced holders, so it leaves held_by as it was, or leaves no holder
        # before `other` that still holds the form.
        while self.other < len(ballots) and (ballots[self.other][0] in replaced
                                             or ballots[self.other][1] == held_by):
            self.other += 1
        return ballots[self.other] if self.other < len(ballots) else None


def signer_of(body: dict) -> Signer:
    """Who signed a ballot's form: its voter, or the buyer on a ballot carrying `transfer`."""
    return body["voter"], "transfer" in body


def _who(signer: Signer) -> tuple[str, str]:
    """The signer in Chinese (a voter key then spaced from the text after it) and English."""
    voter, buyer = signer
    voter = shown(voter, 40)
    if buyer:
        return f"代 {voter} 表决的新业主", f"the buyer voting for {voter}"
    return f"投票人 {voter} ", f"voter {voter}"


def check_forms(b: _Bundle, run: _Run) -> None:
    """6.12: no ballot carries an `evidence` that an earlier ballot of another signer still
    holds (one not replaced by an earlier correction nor taken back by an earlier
    withdrawal); each such ballot fails, naming the
    earliest such holder."""
    # A form's one holder as (position, signer), a _Holders only once it has a second: in
    # a genuine chain of 100,000 ballots most forms are on one ballot each.
    forms: dict[str, tuple[int, Signer] | _Holders] = {}
    replaced: set[int] = set()  # positions of ballots a correction before here replaced
    for n, e in b.entries():
        kind = e["kind"]
        if kind == "withdrawal":  # §15.4: taken back as entered wrongly, like a correction's
            if e["body"]["withdraws"] < n:
                replaced.add(e["body"]["withdraws"])
            continue
        if kind != "ballot":
            continue
        body = e["body"]
        form = body["evidence"]
        if form is not None:
            held = forms.get(form)
            if held is None:
                forms[form] = (n, signer_of(body))
            else:
                if isinstance(held, tuple):
                    forms[form] = held = _Holders(held)
                _attach(held, form, n, signer_of(body), replaced, run)
        fix = body.get("correction")
        if fix is not None and fix["corrects"] < n:  # a correction replaces an earlier entry
            replaced.add(fix["corrects"])


def _attach(holders: _Holders, form: str, n: int, signer: Signer, replaced: set[int],
            run: _Run) -> None:
    found = holders.earliest_other(signer, replaced)
    if found is not None:
        m, other = found
        (who_zh, who), (other_zh, other_en), form = _who(signer), _who(other), shown(form, 64)
        run.fail("6.12", f"{who_zh}的签字表决票 {form}（evidence）已是第 {m} 条记录的表决票，"
                         f"由{other_zh}签字：一份签字表决票只对应一位签字人 / ballot form "
                         f"{form} (evidence) of {who} is already the form of entry {m}, signed "
                         f"by {other_en}: one signed form serves one signer", n)
    holders.ballots.append((n, signer))
