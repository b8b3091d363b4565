"""The offline verifier: re-checks a bundle step by step, trusting only anchored public keys.

Every failure names its step (docs/verification.md §5) so a regulator can look it up; a
step that cannot run says why. Nothing in a bundle, however malformed, raises out of here.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from votes.core import sigbatch, signing
from votes.core.bundle import FORMAT, recompute_tally
from votes.core.bundle_types import (MANIFEST, PROPOSAL, ROLL, TALLY_FILE, entry_type_errors,
                                     type_errors)
from votes.core.bundle_zip import read_members
from votes.core.canonical import (CanonicalError, check_depth, digest_hex, parse_canonical,
                                  parse_time)
from votes.core.chain import CHANNELS, DEVICE_ALG, GENESIS_PREV, VERSION, entry_digest
from votes.core.rules import THRESHOLD_NAMES, Matter, Threshold, default_rules
from votes.core.tally import Choice
from votes.core.verifier_report import (EXIT_CODES, FAILED, IN_PROGRESS, UNANCHORED,  # noqa: F401
                                        VERIFIED, Failure, Report, Skipped)

SERVER_ALG = "Ed25519"
_P256_SPKI_SIZE = 91  # DER SubjectPublicKeyInfo of an uncompressed P-256 point
CHOICES = tuple(c.value for c in Choice)


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 hex of the raw 32-byte key: what a district publishes and a regulator types."""
    return hashlib.sha256(base64.b64decode(signing.public_key_b64(public_key))).hexdigest()


def normalise_fingerprint(text: str) -> str:
    """'AB:CD …' or 'ab cd…' → 'abcd…' (spaces and colons are for reading aloud)."""
    return "".join(ch for ch in text.lower() if ch not in " :-")


@dataclass(frozen=True)
class Anchor:
    """What the regulator trusts, from outside the bundle."""

    keys: signing.KeyRing | None = None
    key_ids: tuple[str, ...] = ()
    fingerprints: tuple[str, ...] = ()
    trust_bundle_keys: bool = False

    @property
    def given(self) -> bool:
        return self.keys is not None or bool(self.key_ids or self.fingerprints) or \
            self.trust_bundle_keys

    def describe(self) -> str:
        parts = []
        if self.keys is not None:
            parts.append("--keys (" + ", ".join(sorted(self.keys.keys)) + ")")
        if self.key_ids:
            parts.append("--key-id " + ", ".join(self.key_ids))
        if self.fingerprints:
            parts.append("--fingerprint " + ", ".join(f[:16] + "…" for f in self.fingerprints))
        if self.trust_bundle_keys:
            parts.append("导出包自带的密钥 the bundle's own keys (--trust-bundle-keys): compare "
                         "the fingerprints above with the ones the district publishes")
        return "; ".join(parts) or "无 none"


def _step_key(step: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in step.split("."))


@dataclass
class _Run:
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    signatures: sigbatch.Batch = field(default_factory=sigbatch.Batch)

    def fail(self, step: str, message: str, entry: int | None = None) -> None:
        self.failures.append(Failure(step, message, entry))

    def signature(self, step: str, entry: int, message: str, task: tuple) -> None:
        """A signature to check later, in one batch (several cores with jobs > 1)."""
        self.signatures.add((step, entry, message), task)

    def check_signatures(self) -> None:
        for (step, entry, message), ok in self.signatures.results():
            if not ok:
                self.fail(step, message, entry)
        self.failures.sort(key=lambda f: (_step_key(f.step), -1 if f.entry is None
                                          else f.entry))

    def skip(self, step: str, reason: str) -> None:
        self.skipped.append(Skipped(step, reason))

    def guarded(self, step: str, fn, *args):
        """Run one group of checks; an unexpected shape of data is that step's failure."""
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - never a traceback, always a step
            self.fail(step, f"cannot be completed: the data has an unexpected shape "
                            f"({type(exc).__name__})")
            return None


@dataclass
class _Bundle:
    """What the structure steps could read; None where a file failed 1.4 or 1.5."""

    files: dict[str, bytes]
    manifest: dict | None = None
    proposal: dict | None = None
    roll: dict | None = None
    tally_file: dict | None = None
    lines: list = field(default_factory=list)      # parsed chain lines, None if unparsable
    typed: list[bool] = field(default_factory=list)  # each line passed 1.5
    digests: list = field(default_factory=list)    # recomputed digest of each entry or None
    keyring: signing.KeyRing = field(default_factory=signing.KeyRing)
    anchored: bool = False
    signer: str | None = None

    def entries(self, kind: str | None = None) -> list[tuple[int, dict]]:
        """(position, entry) of the well-typed entries, of one kind if given."""
        return [(n, line["entry"]) for n, line in enumerate(self.lines)
                if self.typed[n] and (kind is None or line["entry"]["kind"] == kind)]

    @property
    def all_typed(self) -> bool:
        return all(self.typed)


def verify_bundle(source, *, head: str | None = None,
                  trusted_keys: signing.KeyRing | None = None, key_ids=(), fingerprints=(),
                  trust_bundle_keys: bool = False, jobs: int = 1) -> Report:
    """Check a bundle (path, bytes or binary file) against a trust anchor; return the report.

    The anchor is the regulator's: trusted_keys (a --keys file), key ids or fingerprints
    given out of band, or trust_bundle_keys (then compare the printed fingerprints by hand).
    Without one the outcome is at best UNANCHORED, never VERIFIED. jobs > 1 shares the
    signature checks among that many processes.
    """
    anchor = Anchor(trusted_keys, tuple(key_ids),
                    tuple(normalise_fingerprint(f) for f in fingerprints), trust_bundle_keys)
    run = _Run(signatures=sigbatch.Batch(jobs))
    files = run.guarded("1.1", read_members, source, run.fail)
    if files is None:
        if not run.failures:
            run.fail("1.1", "not a readable ZIP file")
        run.skip("2–9", "the bundle's files could not be read (step 1)")
        return Report(FAILED, tuple(run.failures), None, None, 0, 0, 0, anchor=anchor.describe(),
                      skipped=tuple(run.skipped))
    b = _Bundle(files)
    run.guarded("1.4", _parse_files, b, run)
    run.guarded("2.1", _check_digests, b, run)
    run.guarded("3.1", _check_manifest, b, anchor, run)
    run.guarded("4.1", _check_links, b, run)
    run.signatures.flush()  # other cores check the chain's signatures from here on
    genesis = run.guarded("5.1", _check_genesis, b, run)
    run.guarded("6.1", _check_ballots, b, run)
    tally, interim = (run.guarded("7.1", _check_close, b, genesis, run) or (None, False))
    if head is not None:
        wanted = head.strip().lower()
        if wanted not in b.digests:
            run.fail("9.1", f"digest {head[:70]} is not an entry of this chain: the chain does "
                            "not extend the head you noted")
    run.guarded("4.4", run.check_signatures)
    return _report(b, anchor, run, tally, interim)


def _report(b: _Bundle, anchor: Anchor, run: _Run, tally, interim: bool) -> Report:
    ballots = b.entries("ballot")
    voters = {e["body"]["voter"] for _, e in ballots}
    if run.failures:
        outcome = FAILED
    elif not b.anchored:
        outcome = UNANCHORED
    else:
        outcome = IN_PROGRESS if interim else VERIFIED
    fps = tuple((kid, fingerprint(k)) for kid, k in sorted(b.keyring.keys.items()))
    signer = None
    if b.signer and b.keyring.get(b.signer):
        signer = f"{b.signer} (fingerprint {fingerprint(b.keyring.get(b.signer))})"
    return Report(outcome, tuple(run.failures), tally,
                  b.digests[-1] if b.digests else None, len(b.lines), len(ballots),
                  len(voters), tuple(sorted(b.keyring.keys)), signer, fps,
                  anchor.describe(), tuple(run.skipped))


# -- step 1.4 / 1.5: canonical bytes, types ------------------------------------------------

def _parse_files(b: _Bundle, run: _Run) -> None:
    for name, spec, attr in (("manifest.json", MANIFEST, "manifest"),
                             ("proposal.json", PROPOSAL, "proposal"),
                             ("roll.json", ROLL, "roll"), ("tally.json", TALLY_FILE, "tally_file")):
        try:
            value = parse_canonical(b.files[name])
        except CanonicalError as exc:
            run.fail("1.4", f"{name}: {exc}")
            continue
        errors = type_errors(value, spec, name)
        for error in errors:
            run.fail("1.5", error)
        if not errors:
            setattr(b, attr, value)
    data = b.files["chain.jsonl"]
    if data and not data.endswith(b"\n"):
        run.fail("1.4", "chain.jsonl does not end with a newline")
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    for n, raw in enumerate(raw_lines):
        try:
            line = parse_canonical(raw, check_depth=False)
            errors = entry_type_errors(line)
            if errors:  # a well-typed line's depth is bounded by its type; this one's not
                check_depth(line)
        except CanonicalError as exc:
            run.fail("1.4", f"line {n + 1} of chain.jsonl: {exc}", n)
            b.lines.append(None)
            b.typed.append(False)
            continue
        if not errors and line["entry"]["v"] != VERSION:
            errors = [f"$.entry.v must be {VERSION}"]
        for error in errors:
            run.fail("1.5", f"chain.jsonl line {n + 1}: {error}", n)
        b.lines.append(line)
        b.typed.append(not errors)
    for n, line in enumerate(b.lines):
        entry = line.get("entry") if isinstance(line, dict) else None
        if b.typed[n]:
            b.digests.append(digest_hex(_entry_bytes(raw_lines[n])))
        else:
            b.digests.append(entry_digest(entry) if isinstance(entry, dict) else None)


_ENTRY_START = len('{"digest":"') + 64 + len('","entry":')


def _entry_bytes(line: bytes) -> bytes:
    """The canonical bytes of a canonical, well-typed line's entry, cut from the line itself
    (keys are sorted: digest, entry, sig; a string cannot hold an unescaped `,"sig":`)."""
    return line[_ENTRY_START:line.rindex(b',"sig":')]


# -- steps 2 and 3: digests, manifest, keys, anchor ----------------------------------------

def _check_digests(b: _Bundle, run: _Run) -> None:
    if b.manifest is None:
        run.skip("2.1", "manifest.json failed step 1.4 or 1.5")
        return
    for name, expected in b.manifest["files"].items():
        if expected != digest_hex(b.files[name]):
            run.fail("2.1", f"{name}: SHA-256 does not match the manifest")


def _load_keys(items: list, run: _Run | None, step: str = "3.1") -> signing.KeyRing:
    keys = {}
    for item in items:
        kid = item["key_id"]
        problem = None
        if item["alg"] != SERVER_ALG:
            problem = f"key {kid[:40]}: alg {item['alg'][:20]!r} is not exactly {SERVER_ALG!r}"
        elif kid in keys:
            problem = f"key {kid[:40]} is listed twice"
        else:
            try:
                if not canonical_b64(item["public_key"], 32):
                    raise ValueError("not canonical base64")
                public = signing.load_public_key_b64(item["public_key"])
                if signing.public_key_b64(public) != item["public_key"] or \
                        signing.key_id(public) != kid:
                    problem = f"key id {kid[:40]} does not match its public key"
                else:
                    keys[kid] = public
            except ValueError:
                problem = f"key {kid[:40]}: public_key is not a base64 Ed25519 key"
        if problem:
            if run is None:
                raise ValueError(problem)
            run.fail(step, problem)
    return signing.KeyRing(keys)


def load_keys_file(data: bytes) -> signing.KeyRing:
    """A --keys file: {"keys": [{"key_id", "alg": "Ed25519", "public_key"}]}, as served at
    /.well-known/votes-keys.json (any JSON layout; duplicate keys and floats refused)."""
    import json

    from votes.core.bundle_types import KEYS_FILE
    from votes.core.canonical import _no_constant, _no_duplicates, _no_float

    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates,
                           parse_float=_no_float, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not valid JSON: {str(exc)[:80]}") from None
    errors = type_errors(value, KEYS_FILE, "keys file")
    if errors:
        raise ValueError("; ".join(errors))
    return _load_keys(value["keys"], None)


def _check_manifest(b: _Bundle, anchor: Anchor, run: _Run) -> None:
    m = b.manifest
    if m is None:
        run.skip("3.1–3.4", "manifest.json failed step 1.4 or 1.5")
        return
    bundle_keys = _load_keys(m["keys"], run)
    b.signer = m["key_id"]
    signer = bundle_keys.get(m["key_id"])
    if signer is None:
        run.fail("3.1", f"manifest signer {m['key_id'][:40]} is not among its keys")
    elif not _sig_ok(signer, b.files["manifest.json"], b.files["manifest.sig"]):
        run.fail("3.2", "manifest signature does not verify")
    b.keyring = _anchor_keys(bundle_keys, anchor, run)
    b.anchored = anchor.given and signer is not None and m["key_id"] in b.keyring.keys
    if m["format"] != FORMAT:
        run.fail("3.4", f"format {m['format'][:40]!r} is not {FORMAT!r}")
    if b.proposal is not None and m["proposal"] != b.proposal["uid"]:
        run.fail("3.4", "manifest proposal differs from proposal.json's uid")
    times = [e["time"] for _, e in b.entries()]
    if times and parse_time(m["created_at"]) < parse_time(max(times)):
        run.fail("3.4", f"created_at {m['created_at']} is earlier than the chain's last entry")


def canonical_b64(text: str, size: int) -> bool:
    """Standard base64 with padding of exactly `size` bytes, in its one canonical spelling
    (unused trailing bits zero), so that no two spellings of one signature both verify."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        return False
    return len(raw) == size and base64.b64encode(raw).decode("ascii") == text


def _sig_ok(key, data: bytes, sig) -> bool:
    if isinstance(sig, bytes):
        try:
            sig = sig.decode("ascii")
        except UnicodeDecodeError:
            return False
    return isinstance(sig, str) and canonical_b64(sig, 64) and signing.verify(key, data, sig)


def _anchor_keys(bundle_keys: signing.KeyRing, anchor: Anchor, run: _Run) -> signing.KeyRing:
    """The bundle's keys the anchor vouches for (all of them, failing 3.3 if any is not)."""
    if not anchor.given or anchor.trust_bundle_keys:
        return bundle_keys
    vouched = {}
    for kid, key in bundle_keys.keys.items():
        if anchor.keys is not None:
            known = anchor.keys.get(kid)
            ok = known is not None and signing.public_key_b64(known) == \
                signing.public_key_b64(key)
        else:
            ok = False
        ok = ok or kid in anchor.key_ids or fingerprint(key) in anchor.fingerprints
        if ok:
            vouched[kid] = key
        else:
            run.fail("3.3", f"key {kid} (fingerprint {fingerprint(key)}) is not one you trust")
    return signing.KeyRing(vouched)


# -- step 4: the chain's links --------------------------------------------------------------

def _check_links(b: _Bundle, run: _Run) -> None:
    uid = b.proposal["uid"] if b.proposal is not None else None
    if uid is None:
        run.skip("4.5", "proposal.json failed step 1.4 or 1.5")
    if b.manifest is None:
        run.skip("4.4, 4.6", "manifest.json failed step 1.4 or 1.5: no keys to check with")
    prev = GENESIS_PREV
    for n, line in enumerate(b.lines):
        entry = line.get("entry") if isinstance(line, dict) else None
        if not isinstance(entry, dict):
            prev = None  # the next entry's prev cannot be checked against an unreadable one
            continue
        seq = entry.get("seq")
        if type(seq) is not int or seq != n:
            run.fail("4.1", f"sequence number {str(seq)[:20]} where {n} was expected", n)
        if prev is None:
            run.fail("4.2", "the entry before it is unreadable (1.4), so prev cannot match", n)
        elif entry.get("prev") != prev:
            run.fail("4.2", "prev is not the recomputed digest of the entry before it", n)
        if line.get("digest") != b.digests[n]:
            run.fail("4.3", "digest does not match the entry's content", n)
        if b.manifest is not None:
            kid = entry.get("key_id")
            key = b.keyring.get(kid) if isinstance(kid, str) else None
            sig = line.get("sig")
            if key is None:
                run.fail("4.4", f"signing key {str(kid)[:40]} is unknown or not trusted", n)
            elif not isinstance(sig, str) or not canonical_b64(sig, 64):
                run.fail("4.4", "server signature does not verify", n)
            else:
                run.signature("4.4", n, "server signature does not verify", (
                    "ed25519", base64.b64decode(signing.public_key_b64(key)),
                    base64.b64decode(sig), b.digests[n].encode("ascii")))
        if uid is not None and entry.get("proposal") != uid:
            run.fail("4.5", "entry belongs to another proposal", n)
        prev = b.digests[n]
    if b.manifest is not None and (b.manifest["chain_head"] != (b.digests[-1] if b.digests
                                                                 else None)
                                   or b.manifest["chain_length"] != len(b.lines)):
        run.fail("4.6", "chain head or length differs from the manifest")


# -- step 5: genesis, proposal, rules --------------------------------------------------------

def _check_genesis(b: _Bundle, run: _Run) -> dict | None:
    """The genesis body when entry 0 is a well-typed genesis, else None."""
    if not b.lines:
        run.fail("5.1", "the chain is empty: it has no genesis entry")
        return None
    for n, e in b.entries("genesis"):
        if n != 0:
            run.fail("5.1", "a second genesis entry", n)
    if not b.typed[0]:
        run.fail("5.1", "entry 0 is unreadable (1.4/1.5), so there is no genesis to check", 0)
        return None
    g = b.lines[0]["entry"]
    if g["kind"] != "genesis":
        run.fail("5.1", "the first entry is not the genesis", 0)
        return None
    body = g["body"]
    if body["proposal_digest"] != digest_hex(b.files["proposal.json"]):
        run.fail("5.2", "proposal.json differs from the proposal bound in the genesis", 0)
    if body["roll_digest"] != digest_hex(b.files["roll.json"]):
        run.fail("5.3", "roll.json differs from the roll frozen in the genesis", 0)
    roll, p = b.roll, b.proposal
    if roll is None:
        run.skip("5.4", "roll.json failed step 1.4 or 1.5")
    else:
        units = roll["units"]
        area, heads = sum(u["area"] for u in units), len({u["voter"] for u in units})
        ids = Counter(u["unit_id"] for u in units)
        twice = sorted(k for k, c in ids.items() if c > 1)
        if twice:
            run.fail("5.4", f"unit id {twice[0][:40]} appears more than once in the roll", 0)
        if (area, heads) != (roll["total_area"], roll["total_headcount"]) or \
                (area, heads) != (body["total_area"], body["total_headcount"]):
            run.fail("5.4", f"roll totals do not recompute: {area} centi-m², {heads} voters", 0)
    if p is None:
        run.skip("5.5–5.8", "proposal.json failed step 1.4 or 1.5")
        return body
    for name in ("voting_start", "voting_end", "scope", "max_changes"):
        if body[name] != p[name]:
            run.fail("5.5", f"genesis {name} differs from proposal.json", 0)
    publicity, start, end = (parse_time(p[k]) for k in ("publicity_start", "voting_start",
                                                         "voting_end"))
    if not publicity <= start < end:
        run.fail("5.6", "the proposal's times are not publicity_start ≤ voting_start < "
                        "voting_end", 0)
    if parse_time(g["time"]) < max(start, publicity):
        run.fail("5.6", f"genesis time {g['time']} is before voting_start or publicity_start "
                        "(when the roll was frozen)", 0)
    _check_rules(body["rules"], p, run)
    if p["items"] and sum(i["amount"] for i in p["items"]) != p["budget"]:
        run.fail("5.8", "budget differs from the sum of the items", 0)
    return body


def _check_rules(rules: dict, proposal: dict, run: _Run) -> None:
    if rules["matter"] != proposal["matter"]:
        run.fail("5.7", f"rules are for matter {rules['matter']}, the proposal is "
                        f"{proposal['matter']}", 0)
    legal = default_rules(Matter(rules["matter"]))
    for name in THRESHOLD_NAMES:
        t = rules[name]
        if t["den"] < 1 or t["num"] > t["den"]:
            run.fail("5.7", f"{name} {t['num']}/{t['den']} is not a fraction between 0 and 1", 0)
        elif not Threshold(t["num"], t["den"], t["inclusive"]).at_least_as_strict_as(
                getattr(legal, name)):
            run.fail("5.7", f"{name} is looser than Civil Code art. 278 "
                            f"({getattr(legal, name)})", 0)


def _rules_usable(rules: dict) -> bool:
    return all(rules[n]["den"] >= 1 and rules[n]["num"] <= rules[n]["den"]
               for n in THRESHOLD_NAMES)


# -- step 6: ballots ------------------------------------------------------------------------

def _check_ballots(b: _Bundle, run: _Run) -> None:
    units_of: dict[str, list[str]] | None = None
    if b.roll is None:
        run.skip("6.1, 6.2", "roll.json failed step 1.4 or 1.5")
    else:
        units_of = {}
        for u in b.roll["units"]:
            units_of.setdefault(u["voter"], []).append(u["unit_id"])
    p = b.proposal
    if p is None:
        run.skip("6.4, 6.5, 6.7", "proposal.json failed step 1.4 or 1.5")
    per_voter: Counter = Counter()
    last_time = None
    for n, e in b.entries():
        when = parse_time(e["time"])
        if n > 0 and last_time is not None and when < last_time:
            run.fail("6.8", "entry time is earlier than the entry before it", n)
        last_time = when
        if e["kind"] != "ballot":
            continue
        body = e["body"]
        voter = body["voter"]
        if units_of is not None:
            if voter not in units_of:
                run.fail("6.1", f"voter {voter[:40]} is not in the frozen roll", n)
            elif body["units"] != units_of[voter]:
                run.fail("6.2", "units differ from the voter's units in the frozen roll "
                                "(all of them, in roll order)", n)
        if body["choice"] not in CHOICES:
            run.fail("6.3", f"choice {body['choice'][:20]!r} is not agree/disagree/abstain", n)
        if p is not None:
            if not parse_time(p["voting_start"]) <= when < parse_time(p["voting_end"]):
                run.fail("6.4", f"ballot time {e['time']} is outside the voting window", n)
            _check_device(body, p["uid"], n, run)
            per_voter[voter] += 1
            if per_voter[voter] == 2 + p["max_changes"]:
                run.fail("6.7", f"voter {voter[:40]} has more ballots than the rules allow", n)
        _check_channel(body, n, run)


def _check_channel(body: dict, n: int, run: _Run) -> None:
    channel = body["channel"]
    if channel not in CHANNELS:
        run.fail("6.6", f"unknown channel {channel[:20]!r}", n)
    elif channel == "online":
        if body["entered_by"] is not None or body["evidence"] is not None:
            run.fail("6.6", "an online ballot carries entered_by or evidence", n)
    elif not body["entered_by"] or body["evidence"] is None or \
            type_errors(body["evidence"], "hex64"):
        run.fail("6.6", "paper/proxy ballot without entered_by and a SHA-256 hex evidence "
                        "digest", n)


def _check_device(body: dict, uid: str, n: int, run: _Run) -> None:
    device = body["device"]
    if device is None:
        return
    if device["alg"] != DEVICE_ALG:
        run.fail("6.5", f"device alg {device['alg'][:30]!r} is not exactly {DEVICE_ALG!r}", n)
        return
    payload = signing.device_payload(uid, body["voter"], body["choice"], device["nonce"])
    if not canonical_b64(device["signature"], 64) or \
            not canonical_b64(device["public_key"], _P256_SPKI_SIZE):
        run.fail("6.5", "device signature does not verify", n)
    else:
        run.signature("6.5", n, "device signature does not verify", (
            "p256", base64.b64decode(device["public_key"]),
            base64.b64decode(device["signature"]), payload))


# -- steps 7 and 8: close and tally ---------------------------------------------------------

def _counted(b: _Bundle, before: int) -> dict[str, tuple[int, dict]]:
    """Each voter's last ballot entry before position `before`: the one that counts."""
    counted: dict[str, tuple[int, dict]] = {}
    for n, e in b.entries("ballot"):
        if n < before:
            counted[e["body"]["voter"]] = (n, e)
    return counted


def _recompute(b: _Bundle, genesis: dict, before: int, run: _Run, step: str):
    why = None
    if b.roll is None:
        why = "roll.json failed step 1.4 or 1.5"
    elif not b.all_typed:
        why = "some chain entries failed step 1.4 or 1.5, so the ballots are not all known"
    elif not _rules_usable(genesis["rules"]):
        why = "the genesis rules are not valid fractions (5.7)"
    if why:
        run.skip(step, why)
        return None
    voters = {u["voter"] for u in b.roll["units"]}
    chosen = [s for s in _counted(b, before).values()
              if s[1]["body"]["voter"] in voters and s[1]["body"]["choice"] in CHOICES]
    return recompute_tally(b.roll, genesis["rules"], [_Sealed(e) for _, e in chosen])


@dataclass(frozen=True)
class _Sealed:
    entry: dict


def _check_close(b: _Bundle, genesis: dict | None, run: _Run):
    """(recomputed tally, interim?) — interim when there is no close and tally.json says so."""
    closes = b.entries("close")
    final = b.tally_file["final"] if b.tally_file is not None else None
    if genesis is None:
        run.skip("7.1–7.5, 8.1", "there is no valid genesis (5.1)")
        return None, False
    if not b.all_typed and (not closes or closes[-1][0] != len(b.lines) - 1):
        run.skip("7.1–7.5, 8.1", "the last entry failed step 1.4 or 1.5, so whether and how "
                                 "the vote was closed is unknown")
        return None, False
    if not closes:
        if final is False:
            tally = _recompute(b, genesis, len(b.lines), run, "8.1")
            if tally is not None and b.tally_file != dict(tally.to_dict(), final=False):
                run.fail("8.1", "tally.json differs from the tally recomputed from the chain")
            return tally, True
        run.fail("7.1", "the chain has no close entry, yet tally.json does not say "
                        "\"final\": false")
        return _recompute(b, genesis, len(b.lines), run, "7.4"), False
    n, close = closes[0]
    if n != len(b.lines) - 1 or len(closes) > 1:
        run.fail("7.2", "entries follow the close entry", n)
    expected = sorted(c[0] for c in _counted(b, n).values())
    if not b.all_typed:
        run.skip("7.3", "some chain entries failed step 1.4 or 1.5, so the ballots are not "
                        "all known")
    elif close["body"]["counted"] != expected:
        run.fail("7.3", f"counted ballots {close['body']['counted'][:10]} differ from the "
                        f"rule's {expected[:10]}", n)
    tally = _recompute(b, genesis, n, run, "7.4")
    if tally is not None and close["body"]["tally"] != tally.to_dict():
        run.fail("7.4", "the tally in the close entry differs from the recomputed tally", n)
    if b.proposal is not None and b.roll is not None and \
            parse_time(close["time"]) < parse_time(b.proposal["voting_end"]):
        voted = set(_counted(b, n))
        if not {u["voter"] for u in b.roll["units"]} <= voted:
            run.fail("7.5", "closed before voting_end although not every voter voted", n)
    if final is None:
        run.skip("8.1", "tally.json failed step 1.4 or 1.5")
    elif b.tally_file != dict(close["body"]["tally"], final=True):
        run.fail("8.1", "tally.json differs from the close entry's tally with \"final\": true")
    return tally, False


__all__ = ["verify_bundle", "load_keys_file", "fingerprint", "Report", "Failure", "Anchor",
           "EXIT_CODES", "VERIFIED", "FAILED", "IN_PROGRESS", "UNANCHORED"]
