"""Bundle vectors for the bundle format's version (§2.2, §9.1), added by make_vectors.py.

A bundle of format `votes-bundle/1` is verified by the rules of version 2 of the
specification when the verifier is told to expect that format (`--allow-format
votes-bundle/1`), and fails 3.4 otherwise: these vectors are made as the version-2
reference wrote them (genesis rules without `objection_days` and `follow_majority`, a close
without `follow`) and relabelled. `mv` is the make_vectors module's namespace (seal,
files_of, resign, zipped, plan, ex).
"""

from __future__ import annotations

from copy import deepcopy

V2 = "votes-bundle/1"


def as_version_2(n: int, entry: dict) -> None:
    """An edit for mv.seal: the entry as the version-2 reference wrote it."""
    if entry["kind"] == "genesis":
        entry["body"] = deepcopy(entry["body"])
        for name in ("objection_days", "follow_majority"):
            entry["body"]["rules"].pop(name)
    elif entry["kind"] == "close":
        entry["body"].pop("follow")


def add_version_vectors(add, mv) -> None:
    ex = mv.ex

    def v2_bundle(items, proposal=None, fmt=V2) -> bytes:
        sealed = mv.seal(items, proposal=proposal, edit=as_version_2)
        return mv.zipped(mv.resign(mv.files_of(sealed, proposal=proposal), format=fmt))

    allowed = [V2]
    add("v2-genuine", "§9.1: the worked example as version 2 wrote it (votes-bundle/1) is "
        "verified by the rules of version 2, when that format is allowed",
        v2_bundle(mv.plan()), "verified", allow_formats=allowed)
    once = dict(ex.PROPOSAL, max_changes=1)
    items = mv.plan(once) + [["ballot", "2026-12-05T00:00:00Z",
                              ex.paper_ballot("v-a", "disagree")]]
    add("v2-staff-after-online", "§9.1: in version 2 a paper ballot may supersede an online "
        "one as a change (version 3 fails 16.6)", v2_bundle(items, once), "verified",
        allow_formats=allowed)
    # The same votes exported by an operator who wants them checked by the weaker rules:
    # the label alone must not be enough (the regulator did not ask for version 2).
    add("format-downgraded", "3.4: a votes-bundle/1 bundle is refused unless the verifier is "
        "told to expect that format (here a paper ballot supersedes an online one, which 16.6 "
        "of version 3 would refuse)", v2_bundle(items, once), steps=["3.4"])
    items = mv.plan()
    items[3][2] = dict(items[3][2], channel="proxy")
    add("v2-proxy-without-details", "§9.1: version 2's proxy ballots carry no proxy details "
        "(version 3 fails 16.2)", v2_bundle(items), "verified", allow_formats=allowed)
    relabelled = mv.resign(mv.files_of(mv.seal(mv.plan())), format=V2)
    add("v2-format-v3-content", "§9.1, 1.5: a votes-bundle/1 bundle is typed by version 2: "
        "its rules have no objection_days, its close no follow",
        mv.zipped(relabelled), steps=["1.5"], allow_formats=allowed)
    add("v3-format-v2-content", "1.5: a votes-bundle/2 bundle's genesis rules carry "
        "objection_days and follow_majority, its close carries follow",
        v2_bundle(mv.plan(), fmt="votes-bundle/2"), steps=["1.5"])
