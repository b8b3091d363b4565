"""Test vectors for §18 (works and money after the vote), called by make_vectors.py.

The example's vote with v-d agreeing instead of abstaining passes; the works follow it."""

from __future__ import annotations

import io
import zipfile
from copy import deepcopy

from votes.core import signing, works
from votes.core.bundle import write_bundle

CREATED = "2027-01-10T00:00:00Z"  # after the settlement: 3.4 wants created_at ≥ last entry
EV = ["ab" * 32]


def _works(roll: dict) -> list[list]:
    return [["works", "2026-12-10T01:00:00Z", works.contract_body(
                contractor="福州电梯工程有限公司", amount=600000, tolerance_bp=0,
                evidence=EV)],
            ["works", "2026-12-11T01:00:00Z", works.payment_body(
                amount=200000, note="预付款", evidence=EV)],
            ["works", "2026-12-12T01:00:00Z", works.payment_body(
                amount=100000, note="进度款", evidence=EV)],
            ["works", "2026-12-30T01:00:00Z", works.acceptance_body(
                date="2026-12-30", participants=["业主委员会", "物业服务中心"], evidence=EV)],
            ["works", "2027-01-05T01:00:00Z", works.settlement_body(
                final_cost=640000, paid=300000, roll=roll)]]


def add_works_vectors(add, mv) -> None:
    """mv: make_vectors' ex, plan, seal and zipped."""
    ex = mv.ex

    def bundle(sealed, proposal=None) -> bytes:
        out = io.BytesIO()
        kid = signing.key_id(ex.SERVER.public_key())
        write_bundle(out, proposal=proposal or ex.PROPOSAL, roll=ex.ROLL, chain=sealed,
                     private_key=ex.SERVER, keyring=signing.KeyRing({kid: ex.SERVER.public_key()}),
                     created_at=CREATED)
        with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
            return mv.zipped({n: z.read(n) for n in z.namelist()})

    def passed_plan() -> list[list]:
        items = deepcopy(mv.plan())
        items[5][2] = ex.paper_ballot("v-d", "agree")
        return items

    def settled(change=None, items=None) -> bytes:
        """The passed vote, closed, then the works entries (changed by change(list))."""
        entries = _works(ex.ROLL)
        if change:
            change(entries)
        items = items or passed_plan()
        # seal() appends the close after the items; the works go after the close.
        sealed = mv.seal(items)
        close = sealed[-1]
        return bundle(mv.seal(items + [[close.entry["kind"], close.entry["time"],
                                        close.entry["body"]]] + entries, close=None))

    try:
        add("works-settled", "§18: a passed vote, its contract, payments, acceptance and "
                             "settlement", settled(), "verified")
        add("works-after-failed-vote", "18.2: works need a close whose vote passed",
            settled(items=deepcopy(mv.plan())), steps=["18.2"])

        def payment_first(e):
            e[0], e[1] = e[1], e[0]
            e[0][1], e[1][1] = e[1][1], e[0][1]
        add("works-payment-first", "18.3: the contract is the first works entry",
            settled(payment_first), steps=["18.3"])

        def over(e):
            e[0][2]["data"]["amount"] = ex.PROPOSAL["budget"] + 1
        add("works-contract-over-tolerance",
            "18.4: a contract above the budget by more than the tolerance", settled(over),
            steps=["18.4"])

        def unfrozen(e):  # a tolerance the genesis rules did not freeze (absent: 0)
            e[0][2]["data"]["tolerance_bp"] = 500
        add("works-tolerance-not-frozen",
            "18.4: the contract's tolerance is the one the genesis rules froze",
            settled(unfrozen), steps=["18.4"])

        def overpaid(e):
            e[2][2]["data"]["amount"] = 400001
            e[4][2]["data"]["paid"] = 600001
            e[4][2]["data"]["final_cost"] = 600001
            e[4][2]["data"]["shares_digest"] = works.settlement_body(
                final_cost=600001, paid=600001, roll=ex.ROLL)["data"]["shares_digest"]
        add("works-overpaid", "18.5: payments never exceed the contract", settled(overpaid),
            steps=["18.5"])

        def below_paid(e):
            e[4][2] = works.settlement_body(final_cost=299999, paid=300000, roll=ex.ROLL)
        add("works-settlement-below-paid", "18.6: the final cost is not below what was paid",
            settled(below_paid), steps=["18.6"])

        def digest(e):
            e[4][2]["data"]["shares_digest"] = "00" * 32
        add("works-shares-digest", "18.7: the apportionment recomputes from roll.json",
            settled(digest), steps=["18.7"])

        def bad_date(e):
            e[3][2]["data"]["date"] = "2026/12/30"
        add("works-bad-date", "18.1: an acceptance date is YYYY-MM-DD", settled(bad_date),
            steps=["18.1"])

        def no_such_day(e):
            e[3][2]["data"]["date"] = "2026-02-30"
        add("works-no-such-day", "18.1: an acceptance date names a day of the calendar",
            settled(no_such_day), steps=["18.1"])
        add_emergency_vectors(add, mv, bundle)
    finally:
        _restore(ex)


def add_emergency_vectors(add, mv, bundle) -> None:
    """§18.6: an emergency use: genesis, emergency entry, works; no ballots, no close."""
    from votes.core import chain, follow

    ex = mv.ex
    proposal = dict(ex.PROPOSAL, emergency=True)
    start = proposal["voting_start"]
    items = [["genesis", start, chain.genesis_body(proposal, ex.ROLL, ex.RULES)],
             ["emergency", start, works.emergency_body(
                 category="elevator", applicant="property_company",
                 reason="电梯曳引机故障，困人两次，需立即停用抢修", evidence=EV)]]
    items += _works(ex.ROLL)
    add("emergency-settled", "§18.6: an emergency use without a vote, worked and settled",
        bundle(mv.seal(items, proposal=proposal, close=None), proposal), "verified")
    voted = items[:2] + [["ballot", "2026-12-02T03:00:00Z", ex.paper_ballot("v-b", "agree")]] \
        + items[2:]
    add("emergency-with-ballot", "18.8: an emergency use has no ballots",
        bundle(mv.seal(voted, proposal=proposal, close=None), proposal), steps=["18.8"])
    delivered = items[:2] + [["delivery", "2026-12-02T03:00:00Z", follow.delivery_body(
        voter="v-b", method="hand", delivered_at="2026-12-02T02:00:00Z", evidence=EV[0],
        entered_by="clerk1")]] + items[2:]
    add("emergency-with-delivery", "18.8: an emergency use has no notice of a vote to deliver",
        bundle(mv.seal(delivered, proposal=proposal, close=None), proposal), steps=["18.8"])
    mistyped = [list(e) for e in items]
    mistyped[1] = ["emergency", start, dict(items[1][2], evidence="not a list")]
    add("emergency-mistyped", "1.5, §5: an emergency entry that fails 1.5 still makes the "
        "chain an emergency use (no 7.1–8.1, no 18.2 'works before the close')",
        bundle(mv.seal(mistyped, proposal=proposal, close=None), proposal), steps=["1.5"])


def _restore(ex) -> None:
    """Put the example's own choice for v-d back (its SECRETS drive every other close)."""
    ex.paper_ballot("v-d", "abstain")
