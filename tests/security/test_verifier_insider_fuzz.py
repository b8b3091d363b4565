"""The offline verifier against the operator itself: one field of a genuine bundle changed,
then the chain re-sealed and the manifest re-signed with the genuine server key (the one
the regulator trusts), so that no signature or digest check can catch it.

test_verifier_fuzz.py mutates bundles and re-signs them with an attacker's key, which step
3.3 refuses whatever else is wrong: it proves that nothing crashes, not that the semantic
checks hold. Here the anchor accepts the key, so every verdict rests on those checks. For
each mutant: no exception, no "unexpected shape" (a value 1.5 should have refused), no
run longer than a few seconds, and never VERIFIED or IN PROGRESS when the changed value
is one the bundle binds (a file the genesis digests, the tally, the close, what a genesis
or a ballot of a closed vote says). Values the operator may legitimately choose (a
clerk's login, a time within the window, a stricter threshold before the close) may
still verify."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bundles import SERVER, files_of
from tests.core.tamper_tools import reseal_lines, resign
from tests.security.bundle_mutations import _zip, judged, originals
from votes.core import signing
from votes.core.canonical import canonical_bytes

ORIGINALS = originals()  # closed, closed with a change of ballot, interim
CLOSED = (0, 1)
FILES = ("proposal.json", "roll.json", "tally.json", "chain.jsonl", "manifest.json")
# What replaces a value: the same type nearby, and the types 1.5 must refuse. Floats are
# not canonical JSON, so no insider can seal them (test_verifier_fuzz.py sends them raw).
HOSTILE = (None, True, False, 0, 1, -1, 2**53 - 1, 2**53, "", " ", "1", "agree",
           "ｖ-a",  # full-width: another voter key, not "v-a" (keys are opaque, §2.4)
           "v-a\u200b", "2026-12-08T00:59:59Z", "2026-12-08T01:00:00Z", "0" * 64,
           [], ["u1"], {}, {"a": 1}, [[[]]])
# Ballot fields a closed vote binds: the close opens the commitment of the voter's ballot.
BALLOT_BOUND = ("voter", "units", "commitment", "channel", "device")


def _leaves(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, path + (i,))


def _near(value) -> list:
    """Values of the same JSON type as value, a step away."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, value * 2]
    if isinstance(value, str):
        return [value + "x", value[:-1], value.upper()]
    if isinstance(value, list):
        return [value[:-1], value + value[-1:], value[::-1]] if value else [[None]]
    return []


def _bound(which: int, name: str, path: tuple, entries: list[dict] | None) -> bool:
    """Whether changing the value at path must fail verification."""
    if name in ("proposal.json", "roll.json", "tally.json"):
        return True  # the genesis digests the first two; 8.1 compares the third
    if name != "chain.jsonl" or len(path) < 2:
        return False
    entry = entries[path[0]]
    if path[1] in ("v", "seq", "proposal", "kind"):
        return True
    if path[1] != "body" or len(path) < 3:
        return False
    if entry["kind"] == "genesis":
        return path[2] != "rules"  # the rules: stricter or another objection period is legal
    if entry["kind"] == "close":
        return True
    return entry["kind"] == "ballot" and which in CLOSED and path[2] in BALLOT_BOUND


def _mutant(which: int, name: str, pick: int, replacement) -> tuple[bytes, bool] | None:
    files = files_of(ORIGINALS[which])
    entries = None
    if name == "chain.jsonl":
        entries = [json.loads(line)["entry"] for line in files[name].splitlines()]
        target = entries
    else:
        target = json.loads(files[name])
    # The chain's links and signer are re-made by the re-sealing; the manifest's digests,
    # head and length by the re-signing.
    paths = [p for p, _ in _leaves(target) if p
             and not (name == "chain.jsonl" and (len(p) < 2 or p[1] in ("prev", "key_id")))
             and not (name == "manifest.json" and p[0] in ("files", "chain_head",
                                                          "chain_length", "keys", "key_id"))]
    path = paths[pick % len(paths)]
    holder = target
    for key in path[:-1]:
        holder = holder[key]
    old = holder[path[-1]]
    if replacement < len(HOSTILE):
        new = copy.deepcopy(HOSTILE[replacement])
    else:
        near = _near(old)
        if not near:  # an object: its fields are leaves of their own
            return None
        new = near[(replacement - len(HOSTILE)) % len(near)]
    if type(new) is type(old) and new == old:
        return None
    bound = _bound(which, name, path, entries)
    holder[path[-1]] = new
    if name == "chain.jsonl":
        files[name] = reseal_lines(entries)
    else:
        files[name] = canonical_bytes(target)
    if name == "manifest.json":
        files["manifest.sig"] = signing.sign(SERVER, files[name]).encode()
    else:
        files = resign(files)
    return _zip(sorted(files.items())), bound


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(ORIGINALS) - 1), st.sampled_from(FILES), st.integers(0, 10**6),
       st.integers(0, len(HOSTILE) + 2))
def test_one_field_changed_by_the_operator_never_verifies_nor_crashes(which, name, pick,
                                                                      replacement):
    made = _mutant(which, name, pick, replacement)
    if made is None:
        return
    mutant, bound = made
    report = judged(mutant)
    text = report.render()
    assert "Traceback" not in text
    if bound:
        assert report.outcome == "failed", text
    else:
        assert report.outcome in ("verified", "in_progress", "failed")
