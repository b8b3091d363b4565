"""Write docs/examples/canonical-vectors.json and docs/examples/vectors/ (test vectors for
docs/verification.md §8.2), from the worked example's inputs, using only votes.core.

    python docs/examples/make_vectors.py

Each bundle vector is the example with one rule broken — re-sealed and re-signed with the
example's server key, as an insider would, unless the rule is about the ZIP or the bytes —
listed in vectors/vectors.json with the outcome a verifier must give under
--key-id ed25519:56475aa75463474c (and --allow-format for each of its allow_formats, if
any) and the steps that must fail.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import stat
import zipfile
from copy import deepcopy
from pathlib import Path
from types import SimpleNamespace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from votes.core import chain, signing
from votes.core.bundle import recompute_tally, write_bundle
from votes.core.canonical import canonical_bytes, digest_hex
from votes.core.commitment import Opening
from votes.core.rules import Matter, default_rules

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("make_example", HERE / "make_example.py")
ex = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ex)

ATTACKER = Ed25519PrivateKey.from_private_bytes(bytes([0xA5]) * 32)
CREATED = "2026-12-08T02:00:00Z"
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
SPEC_VERSION = 3  # of docs/verification.md


def plan(proposal=None) -> list[list]:
    """The example's entries before sealing: [kind, time, body]."""
    p = proposal or ex.PROPOSAL
    return [["genesis", "2026-12-01T01:00:00Z", chain.genesis_body(p, ex.ROLL, ex.RULES)],
            ["device", "2026-12-01T01:30:00Z", ex.device_entry("v-a")],
            ["ballot", "2026-12-01T02:00:00Z", ex.device_ballot("v-a", "agree", "6e6f6e6365")],
            ["ballot", "2026-12-02T03:00:00Z", ex.paper_ballot("v-b", "agree")],
            ["ballot", "2026-12-03T04:00:00Z", ex.paper_ballot("v-developer", "disagree")],
            ["ballot", "2026-12-04T05:00:00Z", ex.paper_ballot("v-d", "abstain")]]


def openings_of(sealed) -> list[Opening]:
    """The close's openings: each counted ballot's (choice, salt), as the example chose."""
    return [Opening(s.seq, *ex.SECRETS[voter])
            for voter, s in chain.counted_ballots(sealed).items()]


def close_body(sealed, openings, rules=None, roll=None) -> dict:
    """A close entry's body revealing these openings, its tally counted from them."""
    tally = recompute_tally(roll or ex.ROLL, rules or ex.RULES, sealed,
                            [o.to_dict() for o in openings])
    return chain.close_body(tally.to_dict(),
                            [s.seq for s in chain.counted_ballots(sealed).values()], openings)


def seal(items, *, proposal=None, roll=None, rules=None, close="2026-12-08T01:00:00Z",
         key=ex.SERVER, edit=None, openings=None) -> list[chain.SealedEntry]:
    """Seal the items (adding a close at `close` unless None); edit(n, entry) may change an
    entry just before it is sealed; openings(list) may change the close's openings (the
    close's tally is then counted from the changed ones, as a consistent insider would)."""
    p, r = proposal or ex.PROPOSAL, roll or ex.ROLL
    kid = signing.key_id(key.public_key())
    sealed: list[chain.SealedEntry] = []
    items = [list(i) for i in items]
    if close is not None:
        items.append(["close", close, None])
    for n, (kind, time, body) in enumerate(items):
        if kind == "close" and body is None:
            revealed = openings_of(sealed)
            if openings:
                revealed = openings(revealed)
            body = close_body(sealed, revealed, rules, r)
        entry = {"v": 1, "proposal": p["uid"], "seq": n,
                 "prev": sealed[-1].digest if sealed else chain.GENESIS_PREV, "kind": kind,
                 "time": time, "key_id": kid, "body": body}
        if edit:
            edit(n, entry)
        sealed.append(chain.seal(entry, key))
    return sealed


def files_of(sealed, *, proposal=None, roll=None, key=ex.SERVER,
             created_at=CREATED) -> dict[str, bytes]:
    out = io.BytesIO()
    kid = signing.key_id(key.public_key())
    write_bundle(out, proposal=proposal or ex.PROPOSAL, roll=roll or ex.ROLL, chain=sealed,
                 private_key=key, keyring=signing.KeyRing({kid: key.public_key()}),
                 created_at=created_at)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        return {n: z.read(n) for n in z.namelist()}


def resign(files: dict[str, bytes], key=ex.SERVER, **manifest_changes) -> dict[str, bytes]:
    """Re-digest edited files and re-sign the manifest, as an insider would."""
    files = dict(files)
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = {n: digest_hex(files[n]) for n in manifest["files"]}
    lines = [x for x in files["chain.jsonl"].split(b"\n") if x]
    manifest["chain_length"] = len(lines)
    if lines:
        manifest["chain_head"] = chain.entry_digest(json.loads(lines[-1])["entry"])
    manifest.update(manifest_changes)
    files["manifest.json"] = canonical_bytes(manifest)
    files["manifest.sig"] = signing.sign(key, files["manifest.json"]).encode()
    return files


def zipped(members, links=()) -> bytes:
    """The members zipped; those named in `links` marked as symbolic links (Unix)."""
    if isinstance(members, dict):
        members = sorted(members.items())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, data)
    return out.getvalue()


def replace(files, name, old: bytes, new: bytes) -> dict[str, bytes]:
    assert old in files[name], (name, old)
    return dict(files, **{name: files[name].replace(old, new, 1)})


def genuine() -> dict[str, bytes]:
    return files_of(seal(plan()))


def _edited_plan(change) -> list[list]:
    items = deepcopy(plan())
    change(items)
    return items


def vectors() -> list[tuple]:
    """(name, rule, bundle bytes, outcome, steps that must fail[, older formats to allow])."""
    v = []

    def add(name, rule, bundle, outcome="failed", steps=(), allow_formats=()):
        v.append((name, rule, bundle, outcome, list(steps), list(allow_formats)))

    g = genuine()
    add("genuine", "the worked example", zipped(g), "verified")
    odd = dict(ex.PROPOSAL, title="电梯\b\f\n\r\t\x01\x1f\x7f\u2028\u2029/\\\"é😀",
               description="\u00e9 not \\u00e9")
    add("escapes", "§1.1: short escapes, \\u001f in lower case, raw DEL, U+2028, non-BMP",
        zipped(files_of(seal(plan(odd), proposal=odd), proposal=odd)), "verified")
    once = dict(ex.PROPOSAL, max_changes=1)
    changed = plan(once) + [["ballot", "2026-12-05T00:00:00Z", ex.paper_ballot("v-b",
                                                                               "disagree")]]
    add("changed-ballot", "§3.2: the voter's last ballot counts (max_changes 1)",
        zipped(files_of(seal(changed, proposal=once), proposal=once)), "verified")
    everyone = plan() + [["ballot", "2026-12-05T00:00:00Z", ex.paper_ballot("v-c", "agree")]]
    add("early-close-everyone-voted", "§3.3: an early close is fine once every voter voted",
        zipped(files_of(seal(everyone, close="2026-12-05T00:00:01Z"))), "verified")
    add("interim", "§3.4: no close, \"final\": false — intact so far",
        zipped(files_of(seal(plan(), close=None))), "in_progress")

    empty = dict(g, **{"chain.jsonl": b""})
    tally = json.loads(g["tally.json"])
    tally.update(passed=True, quorum_met=True)
    empty["tally.json"] = canonical_bytes(tally)
    add("empty-chain", "5.1: an empty chain with an invented tally", zipped(
        resign(empty, chain_length=0, chain_head="0" * 64)), steps=["5.1"])
    no_close = files_of(seal(plan(), close=None))
    interim_tally = no_close["tally.json"]
    no_close["tally.json"] = g["tally.json"]
    add("no-close-final-tally", "7.1: no close entry but a final tally",
        zipped(resign(no_close)), steps=["7.1"])
    leaky = files_of(seal(plan(), close=None))
    leaky["tally.json"] = canonical_bytes(dict(json.loads(leaky["tally.json"]),
                                               agree_area=20950))
    add("interim-tally-with-choices", "1.5: an interim tally.json shows the turnout only",
        zipped(resign(leaky)), steps=["1.5"])

    add("float-in-roll", "1.4: no floats", zipped(resign(replace(
        g, "roll.json", b'"area":8950', b'"area":89.5'))), steps=["1.4"])
    add("integer-as-float", "1.4: 35600000.0 is not an integer", zipped(resign(replace(
        g, "proposal.json", b'"budget":35600000', b'"budget":35600000.0'))), steps=["1.4"])
    add("duplicate-json-key", "1.4: duplicate keys", zipped(resign(replace(
        g, "roll.json", b'"total_headcount":5', b'"total_headcount":5,"total_headcount":5'))),
        steps=["1.4"])
    add("upper-case-u-escape", "1.4: \\u001F is not canonical (lower-case hex)", zipped(resign(
        replace(files_of(seal(plan(odd), proposal=odd), proposal=odd), "proposal.json",
                b"\\u001f", b"\\u001F"))), steps=["1.4"])
    add("no-final-newline", "1.4: chain.jsonl ends with \\n", zipped(resign(dict(
        g, **{"chain.jsonl": g["chain.jsonl"].rstrip(b"\n")}))), steps=["1.4"])

    def seq_true(n, e):
        if n == 1:
            e["seq"] = True
    add("seq-true", "1.5: \"seq\": true is not an integer",
        zipped(files_of(seal(plan(), edit=seq_true))), steps=["1.5"])
    met = seal(plan())
    bad_close = deepcopy(met[-1].entry)
    bad_close["body"]["tally"]["checks"][1]["met"] = 0
    met[-1] = chain.seal(bad_close, ex.SERVER)
    add("met-zero", "1.5: \"met\": 0 is not a boolean", zipped(files_of(met)), steps=["1.5"])

    def unknown_kind(items):
        items.insert(4, ["note", "2026-12-02T04:00:00Z", {"text": "hello"}])
    add("unknown-kind", "1.5: an entry of unknown kind",
        zipped(files_of(seal(_edited_plan(unknown_kind)))), steps=["1.5"])

    def int_nonce(items):
        body = items[2][2]
        payload = canonical_bytes({"commitment": body["commitment"], "nonce": 5,
                                   "proposal": ex.PROPOSAL["uid"], "voter": "v-a"})
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(ex.DEVICE.sign(payload, ec.ECDSA(hashes.SHA256())))
        body["device"] = dict(body["device"], nonce=5, signature=base64.b64encode(
            r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode())
    add("nonce-not-a-string", "1.5: the device nonce is a string",
        zipped(files_of(seal(_edited_plan(int_nonce)))), steps=["1.5"])

    def bad_time(items):
        items[3][1] = "2026-12-2T03:00:00Z"
    add("time-format", "1.5: times are exactly YYYY-MM-DDTHH:MM:SSZ",
        zipped(files_of(seal(_edited_plan(bad_time)))), steps=["1.5"])

    add("extra-member", "1.2: nothing but the eight members",
        zipped(sorted(g.items()) + [("notes.txt", b"x")]), steps=["1.2"])
    add("duplicate-member", "1.2: each member once",
        _dup_zip(sorted(g.items()) + [("roll.json", g["roll.json"])]), steps=["1.2"])
    add("path-member", "1.2: no path-like names",
        zipped(sorted(g.items()) + [("../../manifest.json", b"x")]), steps=["1.2"])
    add("symlink-member", "1.2: every member is a regular file, not a symbolic link",
        zipped(g, links=("report.txt",)), steps=["1.2"])

    add("key-alg-case", "3.1: alg is exactly Ed25519", zipped(resign(replace(
        g, "manifest.json", b'"alg":"Ed25519"', b'"alg":"ED25519"'))), steps=["3.1"])
    sig = g["manifest.sig"].decode()
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = sig[:85] + last[last.index(sig[85]) ^ 1] + sig[86:]
    add("non-canonical-base64", "§1.2: a signature in non-canonical base64 does not verify",
        zipped(dict(g, **{"manifest.sig": twin.encode()})), steps=["3.2"])
    manifest = json.loads(g["manifest.json"])
    add("created-before-last-entry", "3.4: created_at not before the last entry", zipped(
        resign(g, created_at="2026-12-08T00:00:00Z")), steps=["3.4"])
    add("format", "3.4: format is votes-bundle/2 (or votes-bundle/1 when allowed, §9.1)",
        zipped(resign(g, format="votes-bundle/9")), steps=["3.4"])
    _sibling("version_vectors").add_version_vectors(add, SimpleNamespace(**globals()))
    del manifest

    forged = seal(plan())
    fake = "ee" * 32
    forged[2] = chain.SealedEntry(forged[2].entry, fake, forged[2].sig)
    rest = [dict(s.entry) for s in forged[3:]]
    prev = fake
    for n, e in enumerate(rest):
        e["prev"] = prev
        forged[3 + n] = chain.seal(e, ex.SERVER)
        prev = forged[3 + n].digest
    add("prev-vs-recomputed", "4.2: prev is compared with the recomputed digest",
        zipped(files_of(forged)), steps=["4.2", "4.3"])

    def seq_seven(n, e):
        if n == 2:
            e["seq"] = 7
    add("seq-not-position", "4.1: seq equals the position",
        zipped(files_of(seal(plan(), edit=seq_seven))), steps=["4.1"])

    early_genesis = plan()
    early_genesis[0][1] = "2026-12-01T00:59:59Z"
    add("genesis-before-start", "5.6: genesis not before voting_start",
        zipped(files_of(seal(early_genesis))), steps=["5.6"])
    loose = dict(ex.RULES, approval_area={"num": 1, "den": 2, "inclusive": True})
    loose_plan = plan()
    loose_plan[0][2] = chain.genesis_body(ex.PROPOSAL, ex.ROLL, loose)
    add("looser-rules", "5.7: ≥1/2 is weaker than art. 278's >1/2",
        zipped(files_of(seal(loose_plan, rules=loose))), steps=["5.7"])
    other = default_rules(Matter.OTHER).to_dict()
    other_plan = plan()
    other_plan[0][2] = chain.genesis_body(ex.PROPOSAL, ex.ROLL, other)
    add("rules-for-another-matter", "5.7: the rules' matter is the proposal's",
        zipped(files_of(seal(other_plan, rules=other))), steps=["5.7"])
    pricey = dict(ex.PROPOSAL, budget=ex.PROPOSAL["budget"] + 1)
    add("budget-not-sum", "5.8: budget equals the sum of the items",
        zipped(files_of(seal(plan(pricey), proposal=pricey), proposal=pricey)), steps=["5.8"])
    # Entrance 1-1's repair, with entrance 1-2's units (the developer's and v-d's) frozen in
    # its roll: they would vote on, and count towards, a repair they do not pay for.
    narrow = dict(ex.PROPOSAL, scope="entrance:1-1")
    add("roll-outside-scope", "5.9: every unit of the roll lies in the scope",
        zipped(files_of(seal(plan(narrow), proposal=narrow), proposal=narrow)), steps=["5.9"])

    def reorder(items):
        items[2][2]["units"] = ["u3", "u1"]
    add("units-order", "6.2: a voter's units in roll order",
        zipped(files_of(seal(_edited_plan(reorder)))), steps=["6.2"])

    def device_alg(items):
        items[2][2]["device"]["alg"] = "ecdsa-p256-sha256"
    add("device-alg-case", "6.5: device alg exactly ECDSA-P256-SHA256",
        zipped(files_of(seal(_edited_plan(device_alg)))), steps=["6.5"])

    def online_evidence(items):
        items[2][2]["evidence"] = "cd" * 32
    add("online-with-evidence", "6.6: online ballots carry no entered_by/evidence",
        zipped(files_of(seal(_edited_plan(online_evidence)))), steps=["6.6"])

    def upper_evidence(items):
        items[3][2]["evidence"] = "CD" * 32
    add("evidence-not-hex64", "6.6: evidence is a lower-case SHA-256 hex digest",
        zipped(files_of(seal(_edited_plan(upper_evidence)))), steps=["6.6"])
    def blank_clerk(items):
        items[3][2]["entered_by"] = "\u3000"
    add("paper-blank-clerk", "6.6: a paper ballot names its clerk: whitespace alone (here "
        "U+3000) names no one", zipped(files_of(seal(_edited_plan(blank_clerk)))),
        steps=["6.6"])
    twice = plan() + [["ballot", "2026-12-05T00:00:00Z", ex.paper_ballot("v-b", "disagree")]]
    add("beyond-max-changes", "6.7: at most 1 + max_changes ballots",
        zipped(files_of(seal(twice))), steps=["6.7"])
    add("early-close", "7.5: no close before voting_end unless everyone voted",
        zipped(files_of(seal(plan(), close="2026-12-05T00:00:00Z"))), steps=["7.5"])
    interim_final = dict(g)
    interim_final["tally.json"] = interim_tally
    add("closed-with-interim-tally", "8.1: a closed chain's tally is final",
        zipped(resign(interim_final)), steps=["8.1"])

    add_device_vectors(add)
    _sibling("works_vectors").add_works_vectors(add, SimpleNamespace(ex=ex, plan=plan, seal=seal,
                                                             zipped=zipped))
    add_procedure_vectors(add)

    def in_clear(n, e):
        if n == 2:
            e["body"]["choice"] = "agree"
    add("choice-in-clear", "1.5, 6.3: a ballot carries its commitment, never its choice",
        zipped(files_of(seal(plan(), edit=in_clear))), steps=["1.5"])

    def bad_commitment(items):
        items[3][2]["commitment"] = items[3][2]["commitment"].upper()
    add("commitment-not-hex64", "6.3: the commitment is 64 lower-case hex digits",
        zipped(files_of(seal(_edited_plan(bad_commitment)))), steps=["6.3"])

    def flip_opening(revealed):
        first = revealed[0]
        return [Opening(first.seq, "disagree", first.salt)] + revealed[1:]
    add("flipped-opening", "7.7: an opening reveals a choice its commitment does not bind",
        zipped(files_of(seal(plan(), openings=flip_opening))), steps=["7.7"])
    add("missing-opening", "7.6: one opening per counted ballot",
        zipped(files_of(seal(plan(), openings=lambda revealed: revealed[1:]))),
        steps=["7.6"])

    def flip(items):
        for item in items[1:]:
            if item[0] != "ballot":
                continue
            voter = item[2]["voter"]
            choice = {"agree": "disagree"}.get(ex.SECRETS[voter][0], "agree")
            item[2] = ex.paper_ballot(voter, choice)
    flipped = files_of(seal(_edited_plan(flip), key=ATTACKER), key=ATTACKER)
    add("resigned-by-another-key", "3.3: ballots flipped and re-signed with another key",
        zipped(flipped), steps=["3.3"])
    _sibling("correction_vectors").add_correction_vectors(add, SimpleNamespace(**globals()))
    _sibling("form_vectors").add_form_vectors(add, SimpleNamespace(**globals()))
    _sibling("withdrawal_vectors").add_withdrawal_vectors(add, SimpleNamespace(**globals()))
    _sibling("scan_vectors").add_scan_vectors(add, SimpleNamespace(**globals()))
    v += _procedure_vectors()
    return v


def _sibling(name: str):
    """Another vector file of this folder (each area of the spec keeps its own)."""
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _procedure_vectors():
    """§17 and §19 (docs/examples/procedure_vectors.py)."""
    return _sibling("procedure_vectors").procedure_vectors(
        SimpleNamespace(ex=ex, plan=plan, seal=seal, files_of=files_of, zipped=zipped))


def add_device_vectors(add) -> None:
    """§14: device keys are registered on the chain before the ballots they sign."""
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.derive_private_key(20261202, ec.SECP256R1())

    def unregistered(items):
        del items[1]
    add("device-not-registered", "6.10: a device signature needs an earlier device entry",
        zipped(files_of(seal(_edited_plan(unregistered)))), steps=["6.10"])

    def registered_late(items):
        items[1], items[2] = items[2], items[1]
        items[1][1], items[2][1] = items[2][1], items[1][1]
    add("device-registered-after-ballot", "6.10: the device entry comes before the ballot",
        zipped(files_of(seal(_edited_plan(registered_late)))), steps=["6.10"])

    def dropped(items):
        items[2][2]["device"] = None
    add("device-signature-dropped",
        "6.10: an insider re-writes the ballot without its device signature",
        zipped(files_of(seal(_edited_plan(dropped)))), steps=["6.10"])

    def swapped(items):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        body = items[2][2]
        payload = signing.device_payload(ex.PROPOSAL["uid"], "v-a", body["commitment"],
                                         body["device"]["nonce"])
        r, s = decode_dss_signature(other.sign(payload, ec.ECDSA(hashes.SHA256())))
        body["device"] = dict(body["device"], public_key=ex.device_key_b64(other),
                              signature=base64.b64encode(r.to_bytes(32, "big") +
                                                         s.to_bytes(32, "big")).decode())
    add("device-key-swapped",
        "6.10: an insider re-signs the ballot with a key of his own (6.5 passes)",
        zipped(files_of(seal(_edited_plan(swapped)))), steps=["6.10"])

    def not_p256(items):
        items[1][2]["public_key"] = base64.b64encode(b"\x30" * 91).decode()
    add("device-key-not-p256", "6.9: a device entry registers a P-256 key",
        zipped(files_of(seal(_edited_plan(not_p256)))), steps=["6.9", "6.10"])

    def other_voter(items):
        items[1][2]["voter"] = "v-b"
    add("device-of-another-voter", "6.10: the key is registered for the ballot's own voter",
        zipped(files_of(seal(_edited_plan(other_voter)))), steps=["6.10"])

    # v-a may change twice: votes agree, changes to disagree, and the insider appends the
    # agree ballot again, device signature and all. 6.7 allows a third ballot, the
    # signature verifies, the key was registered: only the nonce, signed once, tells.
    twice = dict(ex.PROPOSAL, max_changes=2)
    items = plan(twice)
    first = deepcopy(items[2][2])
    items += [["ballot", "2026-12-05T00:00:00Z",
               ex.device_ballot("v-a", "disagree", "6e6f6e6367")],
              ["ballot", "2026-12-06T00:00:00Z", first]]
    ex.commit("v-a", "agree")  # the close opens the replayed ballot, as the insider would
    add("device-nonce-replayed",
        "6.11: an owner's earlier device-signed ballot appended again after their later one",
        zipped(files_of(seal(items, proposal=twice), proposal=twice)), steps=["6.11"])


def add_procedure_vectors(add) -> None:
    """§16: proxies, unit kinds left out of the count, transfers during the vote."""
    from votes.core.local_rules import roll_totals

    letter = "ee" * 32

    def proxy_ballot(voter, choice, holder="a1" * 32, staff=False):
        body = ex.paper_ballot(voter, choice)
        return dict(body, channel="proxy",
                    proxy={"holder": holder, "authorisation": letter, "company_staff": staff})

    def ruled(extra, roll=None):
        rules = dict(ex.RULES, **extra)
        items = plan()
        items[0][2] = chain.genesis_body(ex.PROPOSAL, roll or ex.ROLL, rules)
        return items, rules

    items, rules = ruled({"proxy_limit": 3})
    for n, voter in enumerate(("v-b", "v-developer", "v-d"), start=3):
        items[n][2] = proxy_ballot(voter, ex.SECRETS[voter][0])
    items.append(["ballot", "2026-12-05T00:00:00Z", proxy_ballot("v-c", "agree")])
    add("proxy-limit-exceeded", "16.3: a fourth principal for one proxy under proxy_limit 3",
        zipped(files_of(seal(items, rules=rules))), steps=["16.3"])

    def no_letter(items):
        items[3][2] = dict(items[3][2], channel="proxy")
    add("proxy-without-authorisation", "16.2: a proxy ballot carries its proxy and authorisation",
        zipped(files_of(seal(_edited_plan(no_letter)))), steps=["16.2"])

    items, rules = ruled({"proxy_staff_barred": True})
    items[3][2] = proxy_ballot("v-b", ex.SECRETS["v-b"][0], staff=True)
    add("proxy-company-staff-barred", "16.4: the rules bar property-company staff as proxies",
        zipped(files_of(seal(items, rules=rules))), steps=["16.4"])

    parked = deepcopy(ex.ROLL)
    for unit in parked["units"]:
        if unit["unit_id"] in ("u6", "u7"):  # a developer's unit and v-d's only unit
            unit["kind"] = "parking"
    excluded = dict(ex.RULES, excluded_kinds=["parking"])
    parked["total_area"], parked["total_headcount"] = roll_totals(parked, excluded)
    items, rules = ruled({"excluded_kinds": ["parking"]}, parked)
    del items[5]  # v-d holds only a parking space: no ballot
    add("parking-excluded", "§16: parking spaces left out of the totals, still in the roll",
        zipped(files_of(seal(items, rules=rules, roll=parked), roll=parked)), "verified")
    items, rules = ruled({"excluded_kinds": ["parking"]}, parked)
    add("excluded-kind-voter", "16.5: no ballot of a voter holding only excluded units",
        zipped(files_of(seal(items, rules=rules, roll=parked), roll=parked)), steps=["16.5"])

    def transfer(items):
        # v-c's one flat is sold during the vote: the seller voted online, the buyer on paper.
        items += [["device", "2026-12-04T06:00:00Z", ex.device_entry("v-c")],
                  ["ballot", "2026-12-04T07:00:00Z",
                   ex.device_ballot("v-c", "agree", "6e6f6e6366")]]
        body = ex.paper_ballot("v-c", "disagree")
        items.append(["ballot", "2026-12-05T00:00:00Z", dict(body, transfer="f0" * 32)])
    add("transfer-supersedes-online",
        "§16: the buyer's ballot, with transfer evidence, supersedes the seller's online one",
        zipped(files_of(seal(_edited_plan(transfer)))), "verified")

    def several(items):
        body = ex.paper_ballot("v-a", "disagree")  # a "buyer" of one of v-a's two flats
        items.append(["ballot", "2026-12-05T00:00:00Z", dict(body, transfer="f0" * 32)])
    add("transfer-of-several-units",
        "16.6: a transfer ballot is for a voter holding exactly one unit of the roll",
        zipped(files_of(seal(_edited_plan(several)))), steps=["16.6"])

    once = dict(ex.PROPOSAL, max_changes=1)
    items = plan(once) + [["ballot", "2026-12-05T00:00:00Z", ex.paper_ballot("v-a", "disagree")]]
    add("transfer-without-evidence",
        "16.6: a staff entry supersedes an online ballot only with transfer evidence",
        zipped(files_of(seal(items, proposal=once), proposal=once)), steps=["16.6"])


def _dup_zip(members) -> bytes:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return zipped(members)


def canonical_vectors() -> list[dict]:
    """Byte strings a verifier must call canonical or not (§1.1)."""
    good = [("short escapes", "\"\\b\\f\\n\\r\\t\""),
            ("other controls as \\u00XX, lower-case hex", "\"\\u0000\\u001f\""),
            ("DEL, U+2028, U+2029 and / are written raw", "\"\x7f\u2028\u2029/\""),
            ("quote and backslash", "\"\\\"\\\\\""),
            ("non-ASCII as UTF-8", "\"楼é😀\""),
            ("keys by code point: U+FF61 before U+1F600 (UTF-16 order is the reverse)",
             "{\"\uff61\":1,\"\U0001f600\":2}"),
            ("keys by code point: upper case before lower case", "{\"B\":1,\"a\":2}"),
            ("integers, negative and the largest allowed", "[0,-1,9007199254740991]"),
            ("the spec's example", "{\"a\":\"楼\",\"b\":1,\"c\":[true,null]}"),
            ("a value inside 32 arrays", "[" * 32 + "1" + "]" * 32),
            ("33 nested arrays, the innermost empty: no value inside 33",
             "[" * 33 + "]" * 33)]
    bad = [("\\u001F: hex must be lower case", "\"\\u001F\""),
           ("\\u000a: newline has a short escape", "\"\\u000a\""),
           ("\\u00e9: non-ASCII must not be escaped", "\"\\u00e9\""),
           ("\\u007f: DEL is written raw", "\"\\u007f\""),
           ("\\u2028: U+2028 is written raw", "\"\\u2028\""),
           ("\\/: the slash is not escaped", "\"\\/\""),
           ("keys in UTF-16 order", "{\"\U0001f600\":2,\"\uff61\":1}"),
           ("duplicate key", "{\"a\":1,\"a\":1}"),
           ("a float", "{\"a\":1.0}"),
           ("an exponent", "{\"a\":1e3}"),
           ("negative zero", "-0"),
           ("leading zero", "[01]"),
           ("integer beyond 2^53−1", "9007199254740992"),
           ("whitespace", "{\"a\": 1}"),
           ("trailing newline", "{\"a\":1}\n"),
           ("a lone surrogate", "\"\\ud800\""),
           ("NaN", "[NaN]"),
           ("a value inside 33 arrays", "[" * 33 + "1" + "]" * 33),
           ("an empty object inside 33 arrays", "[" * 33 + "{}" + "]" * 33)]
    out = [{"rule": r, "hex": t.encode("utf-8").hex(), "canonical": True} for r, t in good]
    out += [{"rule": r, "hex": t.encode("utf-8").hex(), "canonical": False} for r, t in bad]
    out.append({"rule": "a byte order mark", "hex": "efbbbf" + b"1".hex(), "canonical": False})
    out.append({"rule": "invalid UTF-8", "hex": "22ff22", "canonical": False})
    return out


def outside_vectors() -> list[dict]:
    """Steps 10 and 11: bundles with the cosignature and receipt files given beside them
    (docs/examples/outside_vectors.py)."""
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("outside_vectors", HERE / "outside_vectors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.vectors(SimpleNamespace(**globals())), module


def catalogue() -> tuple[list[dict], dict[str, bytes]]:
    """vectors.json's list, and every file of vectors/ by name."""
    listing, files = [], {}
    for name, rule, data, outcome, steps, *allow in vectors():
        files[f"{name}.zip"] = data
        listing.append({"file": f"{name}.zip", "rule": rule, "outcome": outcome,
                        "steps": steps})
        if allow and allow[0]:
            listing[-1]["allow_formats"] = allow[0]
    outside, module = outside_vectors()
    files[module.WITNESS_KEYS] = module.witness_keys_file()
    for v in outside:
        files[f"{v['name']}.zip"] = v["bundle"]
        entry = {"file": f"{v['name']}.zip", "rule": v["rule"], "outcome": v["outcome"],
                 "steps": v["steps"], "witness_keys": v["witness_keys"]}
        for kind in ("cosignatures", "receipts"):
            if v[kind]:
                entry[kind] = [name for name, _ in v[kind]]
                files.update(v[kind])
        if "witnessed_before_close" in v:
            entry["witnessed_before_close"] = v["witnessed_before_close"]
        listing.append(entry)
    return listing, files


def main() -> None:
    (HERE / "canonical-vectors.json").write_text(json.dumps(
        {"spec_version": SPEC_VERSION, "vectors": canonical_vectors()}, ensure_ascii=False,
        indent=1)
        + "\n", encoding="utf-8")
    folder = HERE / "vectors"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        if old.name != "vectors.json":
            old.unlink()
    listing, files = catalogue()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "vectors.json").write_text(json.dumps(
        {"spec_version": SPEC_VERSION,
         "anchor": {"key_id": signing.key_id(ex.SERVER.public_key())},
         "vectors": listing}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(listing)} bundle vectors and canonical-vectors.json")


if __name__ == "__main__":
    main()
