"""The export bundle: one signed ZIP a regulator can verify without trusting the server."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from votes.core import signing
from votes.core.bundle_types_v2 import BODIES_V2
from votes.core.canonical import canonical_bytes, digest_hex
from votes.core.cells import safe_row
from votes.core.chain import SealedEntry, counted_ballots
from votes.core.counting import electorate_from_frozen
from votes.core.procedure_report import after_close_report
from votes.core.numbers import format_area, format_yuan
from votes.core.local_rules import Procedure, counting_electorate
from votes.core.report_text import ZONE_ZH, beijing_text, fields, wrap, wrap_lines
from votes.core.roll import AreaBasis, UnitRecord
from votes.core.rules import Matter, Rules
from votes.core.scope_words import scope_text
from votes.core.commitment import revealed_choices
from votes.core.tally import Tally, Turnout, as_choice, compute_tally, compute_turnout

# The bundle format this code writes: docs/verification.md version 3. A verifier still
# verifies bundles of the previous format by the rules of version 2 (§9.1 of the spec).
FORMAT = "votes-bundle/2"
FORMAT_V2 = "votes-bundle/1"
SPEC_VERSIONS = {FORMAT: 3, FORMAT_V2: 2}  # format → version of the spec that governs it
# Verified by their own, weaker rules only when the regulator asks for them (step 3.4): the
# label is the exporter's choice, so by default it must not be able to pick the rules.
OLDER_FORMATS = (FORMAT_V2,)
DATA_FILES = ("proposal.json", "roll.json", "chain.jsonl", "tally.json", "ballots.csv",
              "report.txt")
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # fixed, so the same inputs give the same bytes
# zlib's fastest level: half the CPU of the default (6) for a bundle about 6% larger (the
# chain is mostly hex digests and signatures, which barely compress at any level).
_ZIP_LEVEL = 1


def roll_units(roll: dict) -> list[UnitRecord]:
    bases, none = {b.value: b for b in AreaBasis}, frozenset()
    return [UnitRecord(unit_id=u["unit_id"], building=u["building"], entrance=u["entrance"],
                       room=u["room"], area=u["area"],
                       area_basis=bases.get(u["area_basis"]) or AreaBasis(u["area_basis"]),
                       owner_keys=none, kind=u.get("kind", "dwelling"))
            for u in roll["units"]]


def _electorate(roll: dict, rules: dict):
    """The electorate the thresholds are judged on (units of excluded kinds left out, §16)."""
    voters = {u["unit_id"]: u["voter"] for u in roll["units"]}
    return counting_electorate(electorate_from_frozen(roll_units(roll), voters),
                               Procedure.from_rules(rules).excluded_kinds)


def recompute_turnout(roll: dict, rules: dict, chain: Sequence[SealedEntry]) -> Turnout:
    """Who took part by the chain's counted ballots: all an interim bundle may tell."""
    e = _electorate(roll, rules)
    return compute_turnout(e, _counting(e, counted_ballots(chain)), Rules.from_dict(rules))


def recompute_tally(roll: dict, rules: dict, chain: Sequence[SealedEntry], openings) -> Tally:
    """The tally of the choices the close entry's openings reveal for the chain's ballots."""
    ballots = {s.seq: s.entry["body"] for s in chain if s.entry.get("kind") == "ballot"}
    e = _electorate(roll, rules)
    return compute_tally(e, _counting(e, revealed_choices(ballots, openings)),
                         Rules.from_dict(rules))


def _counting(e, by_voter: dict) -> dict:
    """Only voters the thresholds count: a voter holding nothing but units of an excluded
    kind fails §16 and is left out of the recomputed figures."""
    return {k: v for k, v in by_voter.items() if _has(e, k)}


def _has(e, key: str) -> bool:
    try:
        e.voter(key)
    except KeyError:
        return False
    return True


def write_bundle(target, *, proposal: dict, roll: dict, chain: Sequence[SealedEntry],
                 private_key: Ed25519PrivateKey, keyring: signing.KeyRing,
                 created_at: str, witness: Sequence[dict] = ()) -> str:
    """Write the ZIP to a path or binary file object; return the chain head.

    witness: the witnesses' cosignatures (docs/verification.md §10), written as
    witness.jsonl only when there are some, so unwitnessed bundles keep their layout."""
    if not chain or chain[0].entry["kind"] != "genesis":
        raise ValueError("a bundle needs a chain that starts with its genesis")
    last = chain[-1]
    close = closing_entry(chain)  # entries may follow it (objections, the final result)
    if close is not None:
        tally = dict(close.entry["body"]["tally"], final=True)
    else:  # voting is open: choices stay sealed, so only the turnout
        tally = dict(recompute_turnout(roll, chain[0].entry["body"]["rules"], chain).to_dict(),
                     final=False)
    files = {
        "proposal.json": canonical_bytes(proposal),
        "roll.json": canonical_bytes(roll),
        "chain.jsonl": b"".join(s.to_line() + b"\n" for s in chain),
        "tally.json": canonical_bytes(tally),
        "ballots.csv": _ballots_csv(roll, chain),
        "report.txt": (render_report(proposal, tally, last.digest, len(chain),
                                     flats=roll_units(roll))
                       + wrap_lines(after_close_report(chain))).encode("utf-8"),
    }
    if witness:
        files["witness.jsonl"] = b"".join(canonical_bytes(c) + b"\n" for c in witness)
    signer = signing.key_id(private_key.public_key())
    manifest = {"format": chain_format(chain[0].entry["body"]), "proposal": proposal["uid"],
                "created_at": created_at,
                "files": {name: digest_hex(data) for name, data in files.items()},
                "chain_head": last.digest, "chain_length": len(chain),
                "keys": keyring.to_json_obj()["keys"], "key_id": signer}
    manifest_bytes = canonical_bytes(manifest)
    files["manifest.json"] = manifest_bytes
    files["manifest.sig"] = signing.sign(private_key, manifest_bytes).encode("ascii")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name], compresslevel=_ZIP_LEVEL)
    return last.digest


def chain_format(genesis: dict) -> str:
    """The bundle format a chain with this genesis body is exported in.

    A vote keeps the version its chain was written in: one started before the upgrade to
    version 3 has genesis rules without objection_days, which only votes-bundle/1 types
    (docs/verification.md §9.1); labelled votes-bundle/2 it could never verify again. So
    it can hold only the kinds of that format, never an entry version 3 added."""
    return FORMAT if "objection_days" in genesis["rules"] else FORMAT_V2


def older_format_holds(kind: str, body: dict) -> bool:
    """Whether the chain of a vote exported as votes-bundle/1 can hold an entry of this
    kind and body; every entry the server makes fits the current format. A chain cannot
    take an entry back, so one its format cannot hold would fail step 1.5 at every later
    export of the vote.

    Apart from the genesis (which decides the format), the formats differ only in the
    kinds and in a body's top-level fields (votes.core.bundle_types_v2), so only those are
    compared: a close of 100,000 ballots is not walked again (its content is the verifier's
    to check)."""
    spec = BODIES_V2.get(kind)
    return spec is not None and body.keys() <= spec.keys()


def closing_entry(chain: Sequence[SealedEntry]) -> SealedEntry | None:
    """The close entry (entries of chain.POST_CLOSE_KINDS may follow it), or None."""
    return next((s for s in reversed(chain) if s.entry["kind"] == "close"), None)


_NO_UNIT = {"building": "", "entrance": "", "room": "", "area": 0}


def _ballots_csv(roll: dict, chain: Sequence[SealedEntry]) -> bytes:
    units = {u["unit_id"]: u for u in roll["units"]}
    counted = {s.digest for s in counted_ballots(chain).values()}
    # Ballots taken back as entered for the wrong unit (§15), by the withdrawal's position.
    withdrawn = {s.entry["body"]["withdraws"]: s.seq for s in chain
                 if s.entry["kind"] == "withdrawal"}
    close = getattr(closing_entry(chain), "entry", {})
    revealed = {o["seq"]: as_choice(o["choice"]) for o in close.get("body", {}).get("openings", [])}
    out = io.StringIO()
    writer = csv.writer(out)
    # The chain's UTC time stays for tools; people read the Beijing time beside it.
    writer.writerow(["序号 seq", "时间 time (UTC)", f"时间 time ({ZONE_ZH} Beijing time)",
                     "楼栋 building", "单元 entrance", "房号 room", "面积 area (m²)",
                     "意见 choice", "方式 channel", "计入 counted", "记录摘要 entry digest"])
    for s in chain:
        if s.entry["kind"] != "ballot":
            continue
        body = s.entry["body"]
        choice = revealed.get(s.seq)
        facts = [f"{choice.label_zh} {choice.value}" if choice else "未公开 sealed",
                 _channel_text(body),
                 "是 yes" if s.digest in counted else
                 f"否 no (撤回 withdrawn by #{withdrawn[s.seq]})"
                 if s.seq in withdrawn else "否 no (superseded)", s.digest]
        # Labels are free text ("A-3", "12号楼 东"): joined into one cell, A-3 / 1-101 and
        # A / 3-1 / 101 both read A-3-1-101. Each part has its column, and a ballot of
        # several units one row per unit (the same seq), so a sheet filters and sums them.
        for u in [units[u] for u in body["units"] if u in units] or [_NO_UNIT]:
            writer.writerow(safe_row([s.seq, s.entry["time"], beijing_text(s.entry["time"]),
                                      u["building"], u["entrance"], u["room"],
                                      format_area(u["area"]), *facts]))
    # The BOM makes Excel read the file as UTF-8 so the Chinese shows.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _channel_text(body: dict) -> str:
    """The channel, marked when a proxy held the ballot (§16), when it is a new owner's after
    a transfer (§16), and for a staff correction (§15) with the entry it replaces. No names."""
    parts = [body["channel"]]
    if body["channel"] == "proxy":
        parts.append("委托")
    if body.get("transfer"):
        parts.append("过户 transfer")
    fix = body.get("correction")
    if fix:
        parts.append(f"更正第{fix['corrects']}条 corrects #{fix['corrects']}")
    return " ".join(parts)


NAMES_ZH = {"quorum_area": "参与表决专有面积", "quorum_headcount": "参与表决人数",
            "approval_area": "同意的专有面积", "approval_headcount": "同意的人数"}


def _scope_words(scope: str, flats: Sequence[UnitRecord]) -> str:
    """The scope in words, then its code; the code alone where it is no scope (a damaged
    proposal is still exported, for the verifier to say so at step 5.9)."""
    try:
        return f"{scope_text(scope, flats)} ({scope})"
    except ValueError:
        return str(scope)


def render_report(proposal: dict, tally: dict, head: str, length: int,
                  flats: Sequence[UnitRecord] = ()) -> str:
    """A human-readable result report, Chinese first (turnout only while voting is open).
    `flats`: the roll's units, each unit of a `unit:` scope named by its own labels."""
    final = tally.get("final", True)
    t = Tally.from_dict(tally) if final else Turnout.from_dict(tally)
    matter = Matter(proposal["matter"])
    facts = [
        ("小区 Community", f"{proposal['community']['name']} ({proposal['community']['code']})"),
        ("事项 Proposal", proposal["title"]),
        ("类型 Matter", f"{matter.label_zh} ({matter.value})"),
        # In words as the notices write it, then the code an auditor compares with proposal.json.
        ("范围 Scope", _scope_words(proposal["scope"], flats)),
        ("预算 Budget", f"{format_yuan(proposal['budget'])} 元"),
        ("表决时间 Voting", f"{beijing_text(proposal['voting_start'])} — "
                        f"{beijing_text(proposal['voting_end'])} {ZONE_ZH} UTC+8"),
        ("UTC", f"{proposal['voting_start']} — {proposal['voting_end']}")]
    figures = [
        ("专有部分总面积 Total area", f"{format_area(t.total_area)} m²"),
        ("总人数 Total headcount", str(t.total_headcount)),
        ("参与 Participating", f"{format_area(t.participating_area)} m², {t.participating_headcount}")]
    if final:
        figures += [("同意 Agree", f"{format_area(t.agree_area)} m², {t.agree_headcount}"),
                    ("反对 Disagree", f"{format_area(t.disagree_area)} m², {t.disagree_headcount}"),
                    ("弃权 Abstain", f"{format_area(t.abstain_area)} m², {t.abstain_headcount}")]
    # One column for the values of both blocks, a long name or title continuing under itself.
    aligned = fields(facts + figures)
    lines = ["业主共同决定事项表决结果报告 / Result report", "", *aligned[:-len(figures)]]
    lines += [""] if final else wrap("（表决尚未结束，以下为当前参与情况；各户意见在表决结束时公开 / "
                                     "not final: turnout only, choices are revealed at the close）")
    lines += aligned[-len(figures):]
    lines.append("")
    for c in t.checks:
        area = "area" in c.name
        fmt = format_area if area else str
        unit = " m²" if area else ""
        verdict = "达到 met" if c.met else "未达到 not met"
        lines += wrap(f"{NAMES_ZH[c.name]} {c.name}: {fmt(c.part)}{unit} / {fmt(c.whole)}{unit}, "
                      f"门槛 {c.threshold}")
        lines += wrap(f"    需要 needed {fmt(c.needed)}{unit}, 差额 margin {fmt(c.margin)}{unit} "
                      f"→ {verdict}")
    if final:
        lines += ["", f"结果 Result: {'通过 PASSED' if t.passed else '未通过 NOT PASSED'}"
                  f"（法定人数{'达到' if t.quorum_met else '未达到'}）"]
    else:
        lines += ["", f"表决中 Voting in progress（法定人数{'已达到' if t.quorum_met else '尚未达到'}）"]
    lines += [f"记录链 Chain: {length} entries, head", f"    {head}", ""]
    return "\n".join(lines)
