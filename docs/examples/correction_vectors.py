"""Bundle vectors for §15 (corrections of staff-entered ballots), added by make_vectors.py.

`mv` is the make_vectors module's namespace (seal, files_of, zipped, plan, ex). The
example's entries are: 0 genesis, 1 v-a's device key, 2 v-a online, 3 v-b paper,
4 v-developer paper, 5 v-d paper, then the close.
"""

from __future__ import annotations

from votes.core.correction import correcting

LATER, NEXT = "2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z"
REASON = "录入时勾错了意见"


def add_correction_vectors(add, mv) -> None:
    ex = mv.ex

    def bundle(extra, proposal=None) -> bytes:
        # The example's ballots first: each ballot made records its voter's choice for the
        # close's openings, so the extra ones (made by `extra()`) must come after.
        items = mv.plan(proposal)
        items += extra()
        return mv.zipped(mv.files_of(mv.seal(items, proposal=proposal), proposal=proposal))

    def fix(voter, choice, corrects, reason=REASON, time=LATER) -> list:
        return ["ballot", time, correcting(ex.paper_ballot(voter, choice), corrects, reason)]

    def with_fix(corrects, reason, **changes):
        return lambda: [["ballot", LATER, dict(ex.paper_ballot("v-b", "disagree"), **changes,
                                               correction={"corrects": corrects,
                                                           "reason": reason})]]

    add("correction", "§15: a paper ballot corrected by staff; the correction counts and is "
        "not one of the owner's changes (max_changes 0)",
        bundle(lambda: [fix("v-b", "disagree", 3)]), "verified")
    add("correction-corrected", "§15: a correction may itself be corrected",
        bundle(lambda: [fix("v-b", "disagree", 3), fix("v-b", "abstain", 6, time=NEXT)]),
        "verified")
    add("correction-of-online", "15.2: an online ballot is never corrected by staff",
        bundle(lambda: [fix("v-a", "disagree", 2)]), steps=["15.2"])
    add("correction-of-another-voter", "15.2: a correction replaces its own voter's ballot",
        bundle(lambda: [fix("v-b", "disagree", 4)]), steps=["15.2"])
    add("correction-of-a-later-entry", "15.2: a correction names an earlier entry",
        bundle(lambda: [fix("v-b", "disagree", 7)]), steps=["15.2"])
    once = dict(ex.PROPOSAL, max_changes=1)
    add("correction-of-superseded", "15.3: only the voter's last ballot can be corrected",
        bundle(lambda: [["ballot", LATER, ex.paper_ballot("v-b", "disagree")],
                        fix("v-b", "agree", 3, time=NEXT)], once), steps=["15.3"])
    add("correction-online", "15.1: a correction is a paper or proxy ballot",
        bundle(with_fix(3, REASON, channel="online", entered_by=None, evidence=None)),
        steps=["15.1"])
    add("correction-without-reason", "15.1: a correction gives its reason",
        bundle(with_fix(3, " ")), steps=["15.1"])
    add("correction-mistyped", "1.5: corrects is the position of an entry (uint)",
        bundle(with_fix("3", REASON)), steps=["1.5"])
    mv.plan()  # the example's choices again, for the vectors that follow
