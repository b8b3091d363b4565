"""Bundle vectors for step 6.12 (one signed ballot form, one signer), added by make_vectors.py.

`mv` is the make_vectors module's namespace (seal, files_of, zipped, plan, ex). The
example's entries are: 0 genesis, 1 v-a's device key, 2 v-a online, 3 v-b paper,
4 v-developer paper, 5 v-d paper, then the close; each paper ballot carries its voter's
own form (ex.form_of).
"""

from __future__ import annotations

from votes.core.canonical import digest_hex
from votes.core.correction import correcting

LATER, NEXT = "2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z"
LETTER = "ee" * 32  # one written authorisation naming two principals (§16)
BUYER_FORM = digest_hex(b"example-form/v-c/buyer")  # the buyer of v-c's flat signs their own


def add_form_vectors(add, mv) -> None:
    ex = mv.ex

    def bundle(items, proposal=None) -> bytes:
        return mv.zipped(mv.files_of(mv.seal(items, proposal=proposal), proposal=proposal))

    def with_form(body: dict, voter: str) -> dict:
        return dict(body, evidence=ex.form_of(voter))

    items = mv.plan()
    items[4][2] = with_form(items[4][2], "v-b")
    add("form-two-voters", "6.12: v-b's signed form attached to v-developer's ballot too",
        bundle(items), steps=["6.12"])

    items = mv.plan() + [["ballot", LATER, correcting(ex.paper_ballot("v-b", "disagree"), 3,
                                                      "录入时勾错了意见")]]
    add("form-again-on-correction",
        "6.12: the same voter's form again, on the correction of their ballot", bundle(items),
        "verified")

    # The clerk typed v-b's flat for v-d's form (entry 3), then corrected that entry with
    # v-b's own form (entry 4): the replaced entry holds v-d's form no more.
    items = mv.plan()
    items[3][2] = with_form(items[3][2], "v-d")
    items.insert(4, ["ballot", "2026-12-02T04:00:00Z",
                     correcting(ex.paper_ballot("v-b", "agree"), 3, "扫描件附错了")])
    add("form-freed-by-correction",
        "6.12: a form on a ballot a correction replaced serves its own signer", bundle(items),
        "verified")

    items = mv.plan()
    items[3][2] = with_form(items[3][2], "v-d")
    items.append(["ballot", LATER, correcting(ex.paper_ballot("v-b", "agree"), 3,
                                              "扫描件附错了")])
    add("form-corrected-too-late",
        "6.12: v-d's form is still on v-b's ballot when v-d's ballot carries it (the "
        "correction comes after)", bundle(items), steps=["6.12"])

    once = dict(ex.PROPOSAL, max_changes=1)
    items = mv.plan(once)
    items.insert(4, ["ballot", "2026-12-02T04:00:00Z",
                     dict(ex.paper_ballot("v-b", "disagree"),
                          evidence=digest_hex(b"example-form/v-b/second"))])
    items[5][2] = with_form(items[5][2], "v-b")
    add("form-of-superseded",
        "6.12: a ballot superseded by its voter's change still holds its form",
        bundle(items, once), steps=["6.12"])

    def sale(buyer_form: str) -> list[list]:
        items = mv.plan()
        items.append(["ballot", "2026-12-04T06:00:00Z", ex.paper_ballot("v-c", "agree")])
        items.append(["ballot", LATER, dict(ex.paper_ballot("v-c", "disagree"),
                                            transfer="f0" * 32, evidence=buyer_form)])
        return items

    add("form-buyer-and-seller",
        "6.12: the buyer of v-c's flat and its seller each bring their own form (§16)",
        bundle(sale(BUYER_FORM)), "verified")
    add("form-seller-to-buyer",
        "6.12: the seller's form on the buyer's ballot, under the same voter key",
        bundle(sale(ex.form_of("v-c"))), steps=["6.12"])

    def proxies(shared: bool) -> list[list]:
        items = mv.plan()
        for n, voter in ((3, "v-b"), (4, "v-developer")):
            body = ex.paper_ballot(voter, ex.SECRETS[voter][0])
            items[n][2] = dict(body, channel="proxy", evidence=ex.form_of(
                "v-b" if shared else voter), proxy={"holder": "a1" * 32,
                                                    "authorisation": LETTER,
                                                    "company_staff": False})
        return items

    add("form-proxy-letter-shared",
        "6.12: one proxy letter names two principals, each signs their own form",
        bundle(proxies(False)), "verified")
    add("form-proxy-two-principals",
        "6.12: one proxy, one letter, and one form for both principals' ballots",
        bundle(proxies(True)), steps=["6.12"])
    mv.plan()  # the example's choices again, for the vectors that follow
