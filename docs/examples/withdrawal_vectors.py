"""Bundle vectors for §15.4–15.6 (withdrawals of staff-entered ballots), added by
make_vectors.py.

`mv` is the make_vectors module's namespace (seal, files_of, zipped, plan, ex). The
example's entries are: 0 genesis, 1 v-a's device key, 2 v-a online, 3 v-b paper,
4 v-developer paper, 5 v-d paper, then those added here, then the close (unless a vector
places it). Without v-b, 3 of the 5 voters take part: below art. 278's 2/3 of the
headcount, so the quorum is not met.
"""

from __future__ import annotations

from votes.core import chain
from votes.core.canonical import digest_hex
from votes.core.correction import correcting

LATER, NEXT, LAST = "2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z", "2026-12-07T00:00:00Z"
REASON = "表决票签名为2号楼住户，录入时错选了房号"
SCAN = digest_hex(b"example-withdrawal/scan")


def add_withdrawal_vectors(add, mv) -> None:
    ex = mv.ex

    def bundle(extra, proposal=None, close="2026-12-08T01:00:00Z") -> bytes:
        # The example's ballots first: each ballot made records its voter's choice for the
        # close's openings, so the extra ones (made by `extra()`) must come after.
        items = mv.plan(proposal)
        items += extra()
        return mv.zipped(mv.files_of(mv.seal(items, proposal=proposal, close=close),
                                     proposal=proposal))

    def withdraw(voter, withdraws, time=LATER, reason=REASON) -> list:
        # The body as withdrawal_body makes it, written out so that a vector may carry a
        # reason the server would refuse.
        return ["withdrawal", time, {"voter": voter, "withdraws": withdraws, "reason": reason,
                                     "entered_by": "clerk1", "evidence": SCAN}]

    def online(voter, choice) -> dict:  # the owner's own ballot, from a browser without keys
        return chain.ballot_body(voter=voter, units=ex.units_of(voter),
                                 commitment=ex.commit(voter, choice), channel="online")

    add("withdrawal", "§15.4: v-b's paper ballot withdrawn (entered for the wrong unit): v-b "
        "takes no part, and the quorum (2/3 of the headcount) is no longer met",
        bundle(lambda: [withdraw("v-b", 3)]), "verified")
    add("withdrawal-then-owner-votes", "§15.4: after the withdrawal the owner votes online "
        "and counts; the withdrawn ballot is no change of theirs (max_changes 0)",
        bundle(lambda: [withdraw("v-b", 3), ["ballot", NEXT, online("v-b", "disagree")]]),
        "verified")
    add("withdrawal-of-online", "15.5: an owner's online ballot is never withdrawn by staff",
        bundle(lambda: [withdraw("v-a", 2)]), steps=["15.5"])
    add("withdrawal-of-another-voter", "15.5: a withdrawal names its own voter's ballot",
        bundle(lambda: [withdraw("v-b", 4)]), steps=["15.5"])
    add("withdrawal-of-a-later-entry", "15.5: a withdrawal names an earlier ballot entry",
        bundle(lambda: [withdraw("v-b", 7)]), steps=["15.5"])

    def sold():
        body = dict(ex.paper_ballot("v-b", "disagree"), transfer=digest_hex(b"deed"),
                    evidence=digest_hex(b"example-form/buyer"))
        return [["ballot", LATER, body], withdraw("v-b", 6, time=NEXT)]

    add("withdrawal-of-transfer", "15.5: a buyer's ballot after a sale is not withdrawn",
        bundle(sold), steps=["15.5"])
    once = dict(ex.PROPOSAL, max_changes=1)
    add("withdrawal-of-superseded", "15.6: only the voter's last ballot can be withdrawn",
        bundle(lambda: [["ballot", LATER, ex.paper_ballot("v-b", "disagree")],
                        withdraw("v-b", 3, time=NEXT)], once), steps=["15.6"])
    add("withdrawal-twice", "15.6: a ballot is withdrawn once",
        bundle(lambda: [withdraw("v-b", 3), withdraw("v-b", 3, time=NEXT)]), steps=["15.6"])
    add("withdrawal-then-correction", "15.3: a withdrawn ballot is not corrected back into "
        "the count",
        bundle(lambda: [withdraw("v-b", 3),
                        ["ballot", NEXT, correcting(ex.paper_ballot("v-b", "disagree"), 3,
                                                    "录入时勾错了意见")]]), steps=["15.3"])
    add("withdrawal-without-reason", "15.4: a withdrawal gives its reason",
        bundle(lambda: [withdraw("v-b", 3, reason=" ")]), steps=["15.4"])
    add("withdrawal-after-close", "7.2, 15.4: a withdrawal lies in the voting window, before "
        "the close",
        bundle(lambda: [["close", "2026-12-08T01:00:00Z", None],
                        withdraw("v-b", 3, time="2026-12-08T01:30:00Z")], close=None),
        steps=["7.2", "15.4"])
    add("withdrawal-mistyped", "1.5: withdraws is the position of an entry (uint)",
        bundle(lambda: [withdraw("v-b", 3)[:2] + [dict(withdraw("v-b", 3)[2],
                                                       withdraws="3")]]), steps=["1.5"])
    mv.plan()  # the example's choices again, for the vectors that follow
