"""The offline verifier: re-checks a bundle step by step, trusting only public keys.

Every failure names its step (see docs/verification.md) so a regulator can look it up.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from votes.core import commitment, signing
from votes.core.bundle import DATA_FILES, recompute_tally, recompute_turnout
from votes.core.canonical import canonical_bytes, canonical_digest, digest_hex, parse_time
from votes.core.chain import (CHANNELS, DEVICE_ALG, GENESIS_PREV, SealedEntry, counted_ballots,
                              entry_digest)
from votes.core.numbers import format_area
from votes.core.tally import Tally

REQUIRED = ("manifest.json", "manifest.sig") + DATA_FILES


@dataclass(frozen=True)
class Failure:
    step: str
    message: str
    entry: int | None = None

    def __str__(self) -> str:
        where = f" entry {self.entry}:" if self.entry is not None else ""
        return f"[{self.step}]{where} {self.message}"


@dataclass(frozen=True)
class Report:
    ok: bool
    failures: tuple[Failure, ...]
    tally: Tally | None
    chain_head: str | None
    entries: int
    ballots: int
    counted: int
    key_ids: tuple[str, ...] = ()

    def render(self) -> str:
        """A short verdict, the recomputed figures, then every failure with its step."""
        lines = ["验证通过 / VERIFIED" if self.ok else
                 f"验证失败 / FAILED ({len(self.failures)} problems)"]
        lines.append(f"记录 entries: {self.entries}, 选票 ballots: {self.ballots}, "
                     f"计入 counted: {self.counted}, 链头 head: {self.chain_head or '-'}")
        if self.key_ids:
            lines.append("签名密钥 signing keys: " + ", ".join(self.key_ids))
        t = self.tally
        if t is not None:
            lines += [
                f"总面积 total area {format_area(t.total_area)} m², 总人数 headcount {t.total_headcount}",
                f"参与 participating {format_area(t.participating_area)} m², {t.participating_headcount}",
                f"同意 agree {format_area(t.agree_area)} m², {t.agree_headcount}",
            ]
            for c in t.checks:
                lines.append(f"  {c.name} {c.threshold}: {c.part}/{c.whole} needed {c.needed} "
                             f"→ {'met' if c.met else 'NOT met'}")
            lines.append(f"结果 result: {'通过 PASSED' if t.passed else '未通过 NOT PASSED'}")
        lines += [str(f) for f in self.failures]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"ok": self.ok, "chain_head": self.chain_head, "entries": self.entries,
                "ballots": self.ballots, "counted": self.counted,
                "tally": self.tally.to_dict() if self.tally else None,
                "failures": [{"step": f.step, "entry": f.entry, "message": f.message}
                             for f in self.failures]}


@dataclass
class _Run:
    failures: list[Failure] = field(default_factory=list)

    def fail(self, step: str, message: str, entry: int | None = None) -> None:
        self.failures.append(Failure(step, message, entry))


def verify_bundle(source, *, head: str | None = None,
                  trusted_keys: signing.KeyRing | None = None) -> Report:
    """Check a bundle (path, bytes or file object) and return the report."""
    run = _Run()
    files = _read_zip(source, run)
    if files is None:
        return Report(False, tuple(run.failures), None, None, 0, 0, 0)
    manifest, keyring = _check_manifest(files, run, trusted_keys)
    docs = {}
    for name in ("proposal.json", "roll.json", "tally.json"):
        try:
            docs[name] = json.loads(files[name])
        except ValueError:
            run.fail("1.3", f"{name} is not valid JSON")
    chain = _parse_chain(files["chain.jsonl"], run)
    _check_links(chain, keyring, run, docs.get("proposal.json", {}).get("uid"), manifest)
    tally = None
    proposal, roll = docs.get("proposal.json"), docs.get("roll.json")
    if chain and proposal is not None and roll is not None:
        genesis_ok = _check_genesis(chain, proposal, roll, run)
        _check_ballots(chain, proposal, roll, run)
        if genesis_ok:
            tally = _check_close(chain, roll, run)
            if "tally.json" in docs:
                _check_tally_file(docs["tally.json"], chain, roll, run)
    if head is not None and not any(s.digest == head.strip().lower() for s in chain):
        run.fail("9.1", f"digest {head} is not an entry of this chain: the chain does not "
                        "extend the head you noted")
    ballots = [s for s in chain if s.entry.get("kind") == "ballot"]
    return Report(not run.failures, tuple(run.failures), tally,
                  chain[-1].digest if chain else None, len(chain), len(ballots),
                  len(counted_ballots(ballots)), tuple(sorted(keyring.keys)))


def _read_zip(source, run: _Run) -> dict[str, bytes] | None:
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        with zipfile.ZipFile(source) as z:
            files = {name: z.read(name) for name in z.namelist()}
    except (zipfile.BadZipFile, OSError) as exc:
        run.fail("1.1", f"not a readable ZIP file: {exc}")
        return None
    missing = [name for name in REQUIRED if name not in files]
    for name in missing:
        run.fail("1.2", f"required file {name} is missing")
    return None if missing else files


def _check_manifest(files, run: _Run, trusted: signing.KeyRing | None):
    try:
        manifest = json.loads(files["manifest.json"])
        keyring = signing.KeyRing.from_json_obj({"keys": manifest.get("keys", [])})
    except (ValueError, KeyError, TypeError) as exc:
        run.fail("1.3", f"manifest.json is not valid: {exc}")
        return {}, signing.KeyRing()
    if canonical_bytes(manifest) != files["manifest.json"]:
        run.fail("1.3", "manifest.json is not in canonical form")
    for name in DATA_FILES:
        expected = manifest.get("files", {}).get(name)
        if expected != digest_hex(files[name]):
            run.fail("2.1", f"{name}: SHA-256 does not match the manifest")
    signer = keyring.get(manifest.get("key_id", ""))
    if signer is None:
        run.fail("3.1", f"manifest signer {manifest.get('key_id')} is not among its keys")
    elif not signing.verify(signer, files["manifest.json"], files["manifest.sig"].decode()):
        run.fail("3.2", "manifest signature does not verify")
    if trusted is not None:
        for kid, key in keyring.keys.items():
            known = trusted.get(kid)
            if known is None or signing.public_key_b64(known) != signing.public_key_b64(key):
                run.fail("3.3", f"key {kid} is not among the trusted keys")
        keyring = signing.KeyRing({k: v for k, v in keyring.keys.items() if trusted.get(k)})
    return manifest, keyring


def _parse_chain(data: bytes, run: _Run) -> list[SealedEntry]:
    chain = []
    for n, line in enumerate(data.splitlines()):
        if not line.strip():
            continue
        try:
            chain.append(SealedEntry.from_line(line))
        except (ValueError, KeyError, TypeError):
            run.fail("1.3", f"line {n + 1} of chain.jsonl is not a sealed entry")
    return chain


def _check_links(chain, keyring, run: _Run, uid, manifest) -> None:
    prev = GENESIS_PREV
    for n, s in enumerate(chain):
        e = s.entry
        if e.get("seq") != n:
            run.fail("4.1", f"sequence number {e.get('seq')} where {n} was expected", n)
        if e.get("prev") != prev:
            run.fail("4.2", "previous digest does not match the entry before it", n)
        try:
            if entry_digest(e) != s.digest:
                run.fail("4.3", "digest does not match the entry's content", n)
        except TypeError as exc:
            run.fail("4.3", f"entry is not canonical data: {exc}", n)
        key = keyring.get(e.get("key_id", ""))
        if key is None:
            run.fail("4.4", f"signing key {e.get('key_id')} is unknown or untrusted", n)
        elif not signing.verify(key, s.digest.encode("ascii"), s.sig):
            run.fail("4.4", "server signature does not verify", n)
        if uid is not None and e.get("proposal") != uid:
            run.fail("4.5", "entry belongs to another proposal", n)
        prev = s.digest
    if manifest and (manifest.get("chain_head") != (chain[-1].digest if chain else None)
                     or manifest.get("chain_length") != len(chain)):
        run.fail("4.6", "chain head or length differs from the manifest")


def _check_genesis(chain, proposal, roll, run: _Run) -> bool:
    g = chain[0].entry
    if g.get("kind") != "genesis":
        run.fail("5.1", "the first entry is not the genesis", 0)
        return False
    for s in chain[1:]:
        if s.entry.get("kind") == "genesis":
            run.fail("5.1", "a second genesis entry", s.entry.get("seq"))
    body = g.get("body", {})
    ok = True
    if body.get("proposal_digest") != canonical_digest(proposal):
        run.fail("5.2", "proposal.json differs from the proposal bound in the genesis", 0)
        ok = False
    if body.get("roll_digest") != canonical_digest(roll):
        run.fail("5.3", "roll.json differs from the roll frozen in the genesis", 0)
        ok = False
    units = roll.get("units", [])
    area, heads = sum(u["area"] for u in units), len({u["voter"] for u in units})
    if (area, heads) != (roll.get("total_area"), roll.get("total_headcount")) or \
            (area, heads) != (body.get("total_area"), body.get("total_headcount")):
        run.fail("5.4", f"roll totals do not recompute: {area} centi-m², {heads} voters", 0)
        ok = False
    for name in ("voting_start", "voting_end", "scope", "max_changes"):
        if body.get(name) != proposal.get(name):
            run.fail("5.5", f"genesis {name} differs from proposal.json", 0)
            ok = False
    return ok


def _check_ballots(chain, proposal, roll, run: _Run) -> None:
    units_of: dict[str, list[str]] = {}
    for u in roll.get("units", []):
        units_of.setdefault(u["voter"], []).append(u["unit_id"])
    try:
        start, end = parse_time(proposal["voting_start"]), parse_time(proposal["voting_end"])
    except (KeyError, ValueError):
        run.fail("5.5", "voting window in proposal.json is not readable")
        return
    per_voter: Counter = Counter()
    last_time = None
    for s in chain[1:]:
        e, n = s.entry, s.entry.get("seq")
        try:
            when = parse_time(e.get("time", ""))
        except ValueError:
            run.fail("6.4", f"time {e.get('time')!r} is not readable", n)
            continue
        if last_time is not None and when < last_time:
            run.fail("6.8", "entry time is earlier than the entry before it", n)
        last_time = when
        if e.get("kind") != "ballot":
            continue
        body = e.get("body", {})
        voter = body.get("voter")
        if voter not in units_of:
            run.fail("6.1", f"voter {voter} is not in the frozen roll (outside the scope)", n)
        elif sorted(body.get("units", [])) != sorted(units_of[voter]):
            run.fail("6.2", "units covered differ from the voter's units in the frozen roll", n)
        problem = commitment.ballot_problem(body)  # see "Choice commitments"
        if problem:
            run.fail("6.3", problem, n)
        if not start <= when < end:
            run.fail("6.4", f"ballot time {e.get('time')} is outside the voting window", n)
        _check_channel(body, proposal, n, run)
        per_voter[voter] += 1
        if per_voter[voter] > 1 + int(proposal.get("max_changes", 0)):
            run.fail("6.7", f"voter {voter} has more ballots than the rules allow", n)


def _check_channel(body, proposal, n, run: _Run) -> None:
    channel = body.get("channel")
    if channel not in CHANNELS:
        run.fail("6.6", f"unknown channel {channel!r}", n)
    elif channel != "online" and (not body.get("entered_by") or not body.get("evidence")):
        run.fail("6.6", "paper/proxy ballot without entered_by and evidence digest", n)
    device = body.get("device")
    if device:
        payload = signing.device_payload(proposal.get("uid", ""), body.get("voter", ""),
                                         body.get("commitment", ""), device.get("nonce", ""))
        if device.get("alg") != DEVICE_ALG or not signing.verify_device_signature(
                device.get("public_key", ""), device.get("signature", ""), payload):
            run.fail("6.5", "device signature does not verify", n)


def _check_close(chain, roll, run: _Run) -> Tally | None:
    closes = [s for s in chain if s.entry.get("kind") == "close"]
    ballots = [s for s in chain if s.entry.get("kind") == "ballot"]
    if not closes:
        run.fail("7.1", "the chain has no close entry: voting was not closed")
        return None
    close = closes[0]
    openings = close.entry.get("body", {}).get("openings")  # the revealed choices
    try:
        tally = recompute_tally(roll, chain[0].entry["body"]["rules"], ballots, openings)
    except (KeyError, ValueError, TypeError) as exc:
        run.fail("7.4", f"tally cannot be recomputed: {exc}")
        return None
    if close is not chain[-1] or len(closes) > 1:
        run.fail("7.2", "entries follow the close entry", close.entry.get("seq"))
    before = [s for s in ballots if s.entry["seq"] < close.entry["seq"]]
    expected = sorted(s.entry["seq"] for s in counted_ballots(before).values())
    if close.entry.get("body", {}).get("counted") != expected:
        run.fail("7.3", f"counted ballots {close.entry.get('body', {}).get('counted')} "
                        f"differ from the rule's {expected}", close.entry.get("seq"))
    if close.entry.get("body", {}).get("tally") != tally.to_dict():
        run.fail("7.4", "the tally in the close entry differs from the recomputed tally",
                 close.entry.get("seq"))
    # Choice commitments (7.5, 7.6): each counted ballot's commitment opens to its choice.
    for step, message, seq in commitment.check_openings(
            close.entry.get("proposal", ""), {s.entry["seq"]: s.entry.get("body") for s in before},
            expected, openings):
        run.fail(step, message, seq)
    return tally


def _check_tally_file(tally_file, chain, roll, run: _Run) -> None:
    closes = [s for s in chain if s.entry.get("kind") == "close"]
    try:
        expected = dict(closes[0].entry["body"]["tally"], final=True) if closes else \
            dict(recompute_turnout(roll, chain[0].entry["body"]["rules"], chain).to_dict(),
                 final=False)  # while voting is open: turnout only, choices sealed
    except (KeyError, ValueError, TypeError) as exc:
        run.fail("8.1", f"tally.json cannot be checked: {exc}")
        return
    if tally_file != expected:
        run.fail("8.1", "tally.json differs from the close entry's tally")
