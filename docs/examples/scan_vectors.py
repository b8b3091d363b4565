"""Bundle vectors for step 6.13 (one scan, one role: a ballot form, a proxy's written
authorisation or a transfer deed) and step 16.7 (one written authorisation, one proxy),
added by make_vectors.py.

`mv` is the make_vectors module's namespace (seal, files_of, zipped, plan, ex). The
example's entries are: 0 genesis, 1 v-a's device key, 2 v-a online, 3 v-b paper,
4 v-developer paper, 5 v-d paper, then those added here, then the close; each paper
ballot carries its voter's own form (ex.form_of).
"""

from __future__ import annotations

from votes.core.canonical import digest_hex

LATER, NEXT = "2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z"
HOLDER = "a1" * 32  # the proxy's pseudonym (§16)
OTHER_HOLDER = "b2" * 32  # another proxy's
LETTER = digest_hex(b"example-letter/v-b")  # a written authorisation scanned as v-b's form
BUYER_FORM = digest_hex(b"example-form/v-c/buyer")
SCAN = digest_hex(b"example-withdrawal/scan")
PROXY_LETTER = digest_hex(b"example-letter/proxy-a1")


def add_scan_vectors(add, mv) -> None:
    ex = mv.ex

    def bundle(items) -> bytes:
        return mv.zipped(mv.files_of(mv.seal(items)))

    def by_proxy(body: dict, letter: str, holder: str = HOLDER) -> dict:
        return dict(body, channel="proxy", proxy={"holder": holder, "authorisation": letter,
                                                  "company_staff": False})

    # v-b's signed form (entry 3) is also the written authorisation of v-developer's proxy
    # ballot (entry 4): one signature behind two counted ballots.
    items = mv.plan()
    items[4][2] = by_proxy(items[4][2], ex.form_of("v-b"))
    add("scan-form-and-letter", "6.13: v-b's signed form is also the written authorisation "
        "of v-developer's proxy ballot", bundle(items), steps=["6.13"])

    # v-c's flat "sold" on v-d's signed form (entry 5) as the deed of the sale.
    items = mv.plan()
    items.append(["ballot", LATER, dict(ex.paper_ballot("v-c", "disagree"),
                                        transfer=ex.form_of("v-d"), evidence=BUYER_FORM)])
    add("scan-deed-and-form", "6.13: v-d's signed form is also the transfer deed of the "
        "buyer of v-c's flat", bundle(items), steps=["6.13"])

    # The clerk scanned a proxy's letter as v-b's form (entry 3), saw it and withdrew the
    # ballot (entry 6): the letter then serves v-c's proxy ballot (entry 7).
    items = mv.plan()
    items[3][2] = dict(items[3][2], evidence=LETTER)
    items.append(["withdrawal", LATER, {"voter": "v-b", "withdraws": 3,
                                        "reason": "附的是授权委托书，不是表决票",
                                        "entered_by": "clerk1", "evidence": SCAN}])
    items.append(["ballot", NEXT, by_proxy(ex.paper_ballot("v-c", "agree"), LETTER)])
    add("scan-freed-by-withdrawal", "6.13: a letter attached as the form of a ballot later "
        "withdrawn serves as a proxy's written authorisation", bundle(items), "verified")

    # One proxy's letter behind v-b's proxy ballot (entry 3) and behind v-d's (entry 5),
    # "held" by another proxy: each would stay under a limit of principals (16.3).
    items = mv.plan()
    items[3][2] = by_proxy(items[3][2], PROXY_LETTER)
    items[5][2] = by_proxy(items[5][2], PROXY_LETTER, OTHER_HOLDER)
    add("proxy-letter-two-holders", "16.7: one written authorisation on proxy ballots of "
        "two proxies", bundle(items), steps=["16.7"])
    mv.plan()  # the example's choices again, for the vectors that follow
