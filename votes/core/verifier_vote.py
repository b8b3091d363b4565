"""Steps 5–8: genesis and proposal, ballots, close and tally."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from votes.core import chain, commitment, signing, withdrawal
from votes.core.bidi import shown
from votes.core.bundle import recompute_tally, recompute_turnout
from votes.core.canonical import digest_hex, parse_time
from votes.core.chain import CHANNELS, DEVICE_ALG, PROOFS
from votes.core.local_rules import roll_totals
from votes.core.procedure import MAX_OBJECTION_DAYS
from votes.core.refusal import Refusal
from votes.core.roll import (Scope, normalise_building, normalise_entrance,
                             normalise_room, repeated_flats)
from votes.core.rules import THRESHOLD_NAMES, Matter, Threshold, default_rules
from votes.core.verifier_base import NO_GENESIS, _Bundle, _Run, canonical_b64_bytes, unread
from votes.core.works import BASIS_POINTS

_NONE: frozenset[str] = frozenset()
# Reasons several steps give for not running.
_UNTYPED = ("部分链上记录未通过第 1.4 或 1.5 步，选票并非全部已知 / some chain entries failed "
            "step 1.4 or 1.5, so the ballots are not all known")
_P256_SPKI_SIZE = 91  # DER SubjectPublicKeyInfo of an uncompressed P-256 point


def _check_genesis(b: _Bundle, run: _Run) -> dict | None:
    """The genesis body when entry 0 is a well-typed genesis, else None."""
    if not b.lines:
        run.fail("5.1", "链为空，没有创始记录 / the chain is empty: it has no genesis entry")
        return None
    for n, e in b.entries("genesis"):
        if n != 0:
            run.fail("5.1", "第二条创始记录 / a second genesis entry", n)
    if not b.typed[0]:
        run.fail("5.1", "第 0 条记录无法读取（1.4/1.5），没有可核对的创始记录 / entry 0 is "
                        "unreadable (1.4/1.5), so there is no genesis to check", 0)
        return None
    g = b.lines[0]["entry"]
    if g["kind"] != "genesis":
        run.fail("5.1", "第一条记录不是创始记录 / the first entry is not the genesis", 0)
        return None
    body = g["body"]
    if body["proposal_digest"] != digest_hex(b.files["proposal.json"]):
        run.fail("5.2", "proposal.json 与创始记录所绑定的事项不一致 / proposal.json differs "
                        "from the proposal bound in the genesis", 0)
    if body["roll_digest"] != digest_hex(b.files["roll.json"]):
        run.fail("5.3", "roll.json 与创始记录所冻结的名册不一致 / roll.json differs from the "
                        "roll frozen in the genesis", 0)
    roll, p = b.roll, b.proposal
    if roll is None:
        run.skip("5.4", unread("roll.json"))
    else:
        units = roll["units"]
        area, heads = roll_totals(roll, body["rules"])  # kinds left out: §16.1
        ids = Counter(u["unit_id"] for u in units)
        twice = sorted(k for k, c in ids.items() if c > 1)
        if twice:
            run.fail("5.4", f"房屋编号 {twice[0][:40]} 在名册中出现不止一次 / unit id "
                            f"{twice[0][:40]} appears more than once in the roll", 0)
        if b.version == 3:  # version 2's import kept two spellings of a flat as two units
            _check_flats(units, run)
        if (area, heads) != (roll["total_area"], roll["total_headcount"]) or \
                (area, heads) != (body["total_area"], body["total_headcount"]):
            run.fail("5.4", f"名册合计与重算不符：重算为面积 {area}（单位 0.01 平方米）、"
                            f"{heads} 名投票人 / roll totals do not recompute: {area} centi-m², "
                            f"{heads} voters", 0)
        _check_scope(units, body["scope"], run)
    if p is None:
        run.skip("5.5–5.8", unread("proposal.json"))
        return body
    for name in ("voting_start", "voting_end", "scope", "max_changes"):
        if body[name] != p[name]:
            run.fail("5.5", f"创始记录的 {name} 与 proposal.json 不一致 / genesis {name} "
                            "differs from proposal.json", 0)
    publicity, start, end = (parse_time(p[k]) for k in ("publicity_start", "voting_start",
                                                         "voting_end"))
    if not publicity <= start < end:
        run.fail("5.6", "事项的时间不满足 publicity_start ≤ voting_start < voting_end / the "
                        "proposal's times are not publicity_start ≤ voting_start < "
                        "voting_end", 0)
    if parse_time(g["time"]) < max(start, publicity):
        run.fail("5.6", f"创始记录时间 {g['time']} 早于 voting_start 或 publicity_start"
                        f"（名册冻结之时） / genesis time {g['time']} is before voting_start or "
                        "publicity_start (when the roll was frozen)", 0)
    _check_rules(body["rules"], p, run)
    if p["items"] and sum(i["amount"] for i in p["items"]) != p["budget"]:
        run.fail("5.8", "预算不等于各项金额之和 / budget differs from the sum of the items", 0)
    return body


def _check_flats(units: list[dict], run: _Run) -> None:
    """5.4: no flat twice. The import refuses a second spelling of a flat ('1/1/102' and
    '1号楼/1单元/102'), so a roll that lists one twice gives the flat a second voter key and
    area: an operator's own voter, whose ballot counts. Compared as the import compares
    them: building, entrance and room in canonical form (unit_key)."""
    # A unit id listed twice is that failure already (above), not a second spelling.
    twice = [(first, u) for first, u in repeated_flats(
        units, lambda u: (u["building"], u["entrance"], u["room"]))
        if first["unit_id"] != u["unit_id"]]
    if twice:
        first, u = twice[0]
        a, b_ = first["unit_id"], u["unit_id"]
        flat = "-".join(p for p in (normalise_building(u["building"]),
                                    normalise_entrance(u["entrance"]),
                                    normalise_room(u["room"])) if p)
        run.fail("5.4", f"房屋 {shown(a, 40)} 与 {shown(b_, 40)} 是同一套房屋 "
                        f"{shown(flat, 60)}，名册列了两次；名册中共有 {len(twice)} 个房屋"
                        f"重复前面已列的房屋 / units {shown(a, 40)} and {shown(b_, 40)} are "
                        f"one flat, "
                        f"{shown(flat, 60)} ({shown(b_, 40)}: building "
                        f"{shown(u['building'], 20)}, entrance {shown(u['entrance'], 20)}, "
                        f"room {shown(u['room'], 20)}): the roll lists it twice; "
                        f"{len(twice)} unit(s) of the roll repeat a flat listed before", 0)


def _check_scope(units: list[dict], scope: str, run: _Run) -> None:
    """5.9: the roll holds only units of the scope the genesis froze (the units of another
    building cannot vote on, nor count towards, this building's repair)."""
    try:
        parsed = Scope.parse(scope)
    except Refusal:
        run.fail("5.9", f"表决范围 {shown(scope, 60)} 不是有效的范围（§2.3） / scope "
                        f"{shown(scope, 60)} is not a scope (§2.3)", 0)
        return
    outside = [u for u in units if not parsed.holds(u["building"], u["entrance"], u["room"])]
    if outside:
        u = outside[0]
        run.fail("5.9", f"名册中有 {len(outside)} 户不在表决范围 {shown(scope, 60)} "
                        f"之内，第一户为 {shown(u['unit_id'], 40)}（楼栋 "
                        f"{shown(u['building'], 20)}，单元 {shown(u['entrance'], 20)}，房号 "
                        f"{shown(u['room'], 20)}） / "
                        f"{len(outside)} unit(s) of the roll lie outside the scope "
                        f"{shown(scope, 60)}, the first {shown(u['unit_id'], 40)} (building "
                        f"{shown(u['building'], 20)}, entrance {shown(u['entrance'], 20)}, room "
                        f"{shown(u['room'], 20)})", 0)


def _check_rules(rules: dict, proposal: dict, run: _Run) -> None:
    if rules["matter"] != proposal["matter"]:
        run.fail("5.7", f"表决规则的事项类别为 {rules['matter']}，而事项为 "
                        f"{proposal['matter']} / rules are for matter {rules['matter']}, the "
                        f"proposal is {proposal['matter']}", 0)
    legal = default_rules(Matter(rules["matter"]))
    for name in THRESHOLD_NAMES:
        t = rules[name]
        if t["den"] < 1 or t["num"] > t["den"]:
            run.fail("5.7", f"{name} {t['num']}/{t['den']} 不是 0 到 1 之间的分数 / {name} "
                            f"{t['num']}/{t['den']} is not a fraction between 0 and 1", 0)
        elif not Threshold(t["num"], t["den"], t["inclusive"]).at_least_as_strict_as(
                getattr(legal, name)):
            run.fail("5.7", f"{name} 比民法典第二百七十八条的要求宽松（{getattr(legal, name)}） "
                            f"/ {name} is looser than Civil Code art. 278 "
                            f"({getattr(legal, name)})", 0)


    # What a community can set (the server refuses more): beyond it, days of objections
    # that never end, or a tolerance under which any contract passes 18.4.
    for name, most in (("objection_days", MAX_OBJECTION_DAYS),
                       ("budget_tolerance_bp", BASIS_POINTS)):
        value = rules.get(name, 0)
        if isinstance(value, int) and value > most:
            run.fail("5.7", f"议事规则 {name} 为 {value}，超出小区可以设定的 0 至 {most} / "
                            f"{name} {value} is over {most}, more than a community can set", 0)


def _rules_usable(rules: dict) -> bool:
    return all(rules[n]["den"] >= 1 and rules[n]["num"] <= rules[n]["den"]
               for n in THRESHOLD_NAMES)


# -- step 6: ballots ------------------------------------------------------------------------

def _check_ballots(b: _Bundle, run: _Run) -> None:
    units_of: dict[str, list[str]] | None = None
    if b.roll is None:
        run.skip("6.1, 6.2", unread("roll.json"))
    else:
        units_of = {}
        for u in b.roll["units"]:
            units_of.setdefault(u["voter"], []).append(u["unit_id"])
    p = b.proposal
    if p is None:
        run.skip("6.4, 6.5, 6.7", unread("proposal.json"))
    registered: dict[str, set[str]] = {}  # voter → device keys registered so far (§14)
    nonces: dict[tuple[str, str], int] = {}  # (voter, device nonce) → first ballot with it
    last_time = None
    # Times of well-typed entries and of a well-typed proposal passed 1.5: fixed-width
    # YYYY-MM-DDTHH:MM:SSZ in UTC, so comparing the text compares the times.
    start, end = (p["voting_start"], p["voting_end"]) if p is not None else (None, None)
    changes = _Changes()
    for n, e in b.entries():
        when = e["time"]
        if n > 0 and last_time is not None and when < last_time:
            run.fail("6.8", "记录时间早于前一条记录 / entry time is earlier than the entry "
                            "before it", n)
        last_time = when
        if e["kind"] == "device":
            _check_registration(e, n, units_of, p, registered, run)
            continue
        if e["kind"] == withdrawal.KIND:
            changes.withdraw(e["body"])
            continue
        if e["kind"] != "ballot":
            continue
        body = e["body"]
        voter = body["voter"]
        changes.ballot(n, body)
        _check_bound_device(body, registered.get(voter, _NONE), n, run)
        _check_fresh_nonce(body, nonces, n, run)
        if units_of is not None:
            if voter not in units_of:
                run.fail("6.1", f"投票人 {voter[:40]} 不在冻结的名册中 / voter {voter[:40]} "
                                "is not in the frozen roll", n)
            elif body["units"] != units_of[voter]:
                run.fail("6.2", "所列房屋与冻结名册中该投票人的房屋不一致（应按名册顺序列出"
                                "全部房屋） / units differ from the voter's units in the frozen "
                                "roll (all of them, in roll order)", n)
        problem = commitment.ballot_problem(body)  # see "Choice commitments"
        if problem:
            run.fail("6.3", problem, n)
        if p is not None:
            if not start <= when < end:
                run.fail("6.4", f"选票时间 {e['time']} 不在表决期间内 / ballot time "
                                f"{e['time']} is outside the voting window", n)
            _check_device(body, p["uid"], n, run)
            if "correction" not in body and "transfer" not in body:  # §15, §16: not changes
                if changes.count(voter) == 2 + p["max_changes"]:
                    run.fail("6.7", f"投票人 {voter[:40]} 的选票多于规则允许的张数 / voter "
                                    f"{voter[:40]} has more ballots than the rules allow", n)
        _check_channel(body, n, run)


class _Changes:
    """6.7's count of each voter's ballots: those without `correction` or `transfer`
    (§15, §16), less those a withdrawal took back (§15.4) — the entry it names and the
    entries its corrections replaced, which were never the voter's either."""

    def __init__(self) -> None:
        self.ballots: dict[int, dict] = {}  # position → ballot body
        self.last: dict[str, int] = {}  # voter → position of their latest ballot so far
        self.per_voter: Counter = Counter()
        self.withdrawn: set[int] = set()

    def ballot(self, n: int, body: dict) -> None:
        self.ballots[n] = body
        self.last[body["voter"]] = n
        if "correction" not in body and "transfer" not in body:
            self.per_voter[body["voter"]] += 1

    def count(self, voter: str) -> int:
        return self.per_voter[voter]

    def withdraw(self, body: dict) -> None:
        """A withdrawal of the voter's latest ballot (any other fails 15.5–15.6 and takes
        nothing back, as in the counting of withdrawal.counted)."""
        target = body["withdraws"]
        if self.last.get(body["voter"]) != target or target in self.withdrawn:
            return
        for m in withdrawal.chain_of(target, self.ballots, self.withdrawn):
            old = self.ballots[m]
            if m not in self.withdrawn and "correction" not in old and "transfer" not in old:
                self.per_voter[old["voter"]] -= 1
            self.withdrawn.add(m)


def _check_registration(e: dict, n: int, units_of: dict | None, p: dict | None,
                        registered: dict[str, set[str]], run: _Run) -> None:
    """6.9: a device entry registers a P-256 key for a voter of the roll, in the window."""
    body = e["body"]
    voter, key = body["voter"], body["public_key"]
    if units_of is not None and voter not in units_of:
        run.fail("6.9", f"为 {voter[:40]} 登记了设备公钥，但其不在名册中 / device key "
                        f"registered for {voter[:40]}, who is not in the roll", n)
    if p is not None and not p["voting_start"] <= e["time"] < p["voting_end"]:  # see above
        run.fail("6.9", f"设备公钥登记于 {e['time']}，不在表决期间内 / device key registered "
                        f"at {e['time']}, outside the voting window", n)
    if body["alg"] != DEVICE_ALG:
        run.fail("6.9", f"设备算法 {body['alg'][:30]!r} 不是规定的 {DEVICE_ALG!r} / device "
                        f"alg {body['alg'][:30]!r} is not exactly {DEVICE_ALG!r}", n)
    if body["proof"] not in PROOFS:
        run.fail("6.9", f"身份核验方式 proof {body['proof'][:20]!r} 不是 "
                        f"{', '.join(PROOFS)} 之一 / proof {body['proof'][:20]!r} is not one "
                        f"of {', '.join(PROOFS)}", n)
    not_p256 = ("public_key 不是以规范 base64 表示的 P-256 公钥（SPKI） / public_key is not "
                "a P-256 key (SPKI) in canonical base64")
    spki = canonical_b64_bytes(key, _P256_SPKI_SIZE)
    if spki is None:
        run.fail("6.9", not_p256, n)
    else:  # loading the key is left to the signature batch (other cores with --jobs)
        again = key in registered.get(voter, ())
        run.signature("6.9", n, not_p256, ("p256key", spki, b"", b""),
                      if_valid="此设备公钥已为该投票人登记过 / this device key was already "
                               "registered for this voter"
                      if again else None)
    registered.setdefault(voter, set()).add(key)


def _check_bound_device(body: dict, keys: set[str], n: int, run: _Run) -> None:
    """6.10: a device signature names a key registered earlier for the same voter, and an
    online ballot of a voter with a registered key carries a device signature."""
    device = body["device"]
    if device is not None and device["public_key"] not in keys:
        run.fail("6.10", "设备公钥此前未由设备登记记录为该投票人登记 / the device key was not "
                         "registered for this voter by an earlier device entry", n)
    elif device is None and keys and body["channel"] == "online":
        run.fail("6.10", "网上选票没有设备签名，而该投票人此前已登记设备公钥 / online ballot "
                         "without a device signature, although its voter registered a device "
                         "key earlier", n)


def _check_fresh_nonce(body: dict, nonces: dict[tuple[str, str], int], n: int,
                       run: _Run) -> None:
    """6.11: no two ballots of one voter carry the same device nonce. The device signature
    binds no position on the chain, so without this an insider could append an owner's
    earlier signed ballot again after their later one, and the superseded choice would
    count."""
    device = body["device"]
    if device is None:
        return
    first = nonces.setdefault((body["voter"], device["nonce"]), n)
    if first != n:
        run.fail("6.11", f"投票人 {shown(body['voter'], 40)} 的设备随机数 "
                         f"{shown(device['nonce'], 40)} 已在第 {first} 条记录中签过：同一张设备"
                         f"签名的选票被再次追加（重放） / "
                         f"device nonce {shown(device['nonce'], 40)} of voter "
                         f"{shown(body['voter'], 40)} was already signed for entry {first}: "
                         "a device-signed ballot appended twice (a replay)", n)


def _check_channel(body: dict, n: int, run: _Run) -> None:
    channel = body["channel"]
    if channel not in CHANNELS:
        run.fail("6.6", f"未知的投票方式 {channel[:20]!r} / unknown channel {channel[:20]!r}",
                 n)
    elif channel == "online":
        if body["entered_by"] is not None or body["evidence"] is not None:
            run.fail("6.6", "网上选票带有录入人（entered_by）或书面凭证（evidence） / an "
                            "online ballot carries entered_by or evidence", n)
    elif not (body["entered_by"] or "").strip() or not commitment.is_hex64(body["evidence"]):
        run.fail("6.6", "纸质或委托选票没有录入人（entered_by）或书面凭证的 SHA-256 摘要 / "
                        "paper/proxy ballot without entered_by and a SHA-256 hex evidence "
                        "digest", n)


def _check_device(body: dict, uid: str, n: int, run: _Run) -> None:
    device = body["device"]
    if device is None:
        return
    if device["alg"] != DEVICE_ALG:
        run.fail("6.5", f"设备签名算法 {device['alg'][:30]!r} 不是规定的 {DEVICE_ALG!r} / "
                        f"device alg {device['alg'][:30]!r} is not exactly {DEVICE_ALG!r}", n)
        return
    payload = signing.device_payload(uid, body["voter"], body["commitment"], device["nonce"])
    sig = canonical_b64_bytes(device["signature"], 64)
    spki = canonical_b64_bytes(device["public_key"], _P256_SPKI_SIZE)
    bad = "设备签名验证不通过 / device signature does not verify"
    if sig is None or spki is None:
        run.fail("6.5", bad, n)
    else:
        run.signature("6.5", n, bad, ("p256", spki, sig, payload))


# -- steps 7 and 8: close and tally ---------------------------------------------------------

def _counted(b: _Bundle, before: int) -> dict[str, tuple[int, dict]]:
    """Each voter's last ballot entry before position `before`: the one that counts, unless
    a withdrawal before `before` took it back (§15.4)."""
    return withdrawal.counted((n, e) for n, e in b.entries() if n < before)


def _recompute(b: _Bundle, genesis: dict, before: int, run: _Run, step: str,
               openings: list | None = None):
    """The tally from the close's openings, or only the turnout when there is no close."""
    why = None
    if b.roll is None:
        why = unread("roll.json")
    elif not b.all_typed:
        why = _UNTYPED
    elif not _rules_usable(genesis["rules"]):
        why = "创始记录中的表决规则不是有效的分数（5.7） / the genesis rules are not valid " \
              "fractions (5.7)"
    if why:
        run.skip(step, why)
        return None
    voters = {u["voter"] for u in b.roll["units"]}
    chosen = [_Sealed(e) for _, e in _counted(b, before).values()
              if e["body"]["voter"] in voters]
    if openings is None:  # voting is open: the choices are sealed
        return recompute_turnout(b.roll, genesis["rules"], chosen)
    return recompute_tally(b.roll, genesis["rules"], chosen, openings)


@dataclass(frozen=True)
class _Sealed:
    entry: dict

    @property
    def seq(self) -> int:
        return self.entry["seq"]


def _check_close(b: _Bundle, genesis: dict | None, run: _Run):
    """(recomputed tally, interim?) — interim when there is no close and tally.json says so."""
    closes = b.entries("close")
    final = b.tally_file["final"] if b.tally_file is not None else None
    if genesis is None:
        run.skip("7.1–7.7, 8.1", NO_GENESIS)
        return None, False
    untyped = [m for m, ok in enumerate(b.typed) if not ok]
    if untyped and (not closes or untyped[-1] > closes[-1][0]):
        run.skip("7.1–7.7, 8.1", "最后一条记录未通过第 1.4 或 1.5 步，无法确定表决是否结束、"
                                 "如何结束 / the last entry failed step 1.4 or 1.5, so whether "
                                 "and how the vote was closed is unknown")
        return None, False
    if not closes:
        if final is False:
            tally = _recompute(b, genesis, len(b.lines), run, "8.1")
            if tally is not None and b.tally_file != dict(tally.to_dict(), final=False):
                run.fail("8.1", "tally.json 与根据链重算的参与情况不一致 / tally.json differs "
                                "from the turnout recomputed from the chain")
            return tally, True
        run.fail("7.1", "链中没有结束记录，而 tally.json 没有写明 \"final\": false / the "
                        "chain has no close entry, yet tally.json does not say "
                        "\"final\": false")
        return _recompute(b, genesis, len(b.lines), run, "7.4"), False
    n, close = closes[0]
    after = [(m, e["kind"]) for m, e in b.entries() if m > n]
    if len(closes) > 1:
        run.fail("7.2", "链中有不止一条结束记录 / the chain has more than one close entry",
                 closes[1][0])
    for m, kind in after:
        if kind not in chain.POST_CLOSE_KINDS:
            run.fail("7.2", f"结束记录之后出现 {kind} 记录 / a {kind} entry follows the close "
                            "entry", m)
            break
    expected = sorted(c[0] for c in _counted(b, n).values())
    if not b.all_typed:
        run.skip("7.3", _UNTYPED)
    elif close["body"]["counted"] != expected:
        run.fail("7.3", f"结束记录所列计入的选票 {close['body']['counted'][:10]} 与按规则应"
                        f"计入的 {expected[:10]} 不一致 / counted ballots "
                        f"{close['body']['counted'][:10]} differ from the rule's "
                        f"{expected[:10]}", n)
    openings = close["body"]["openings"]  # the revealed choices
    tally = _recompute(b, genesis, n, run, "7.4", openings)
    if tally is not None and close["body"]["tally"] != tally.to_dict():
        run.fail("7.4", "结束记录中的表决结果与重算的表决结果不一致 / the tally in the close "
                        "entry differs from the recomputed tally", n)
    if b.proposal is not None and b.roll is not None and \
            parse_time(close["time"]) < parse_time(b.proposal["voting_end"]):
        voted = set(_counted(b, n))
        if not {u["voter"] for u in b.roll["units"]} <= voted:
            run.fail("7.5", "在 voting_end 之前结束表决，但并非所有投票人都已投票 / closed "
                            "before voting_end although not every voter voted", n)
    if b.all_typed:  # 7.6, 7.7: each counted ballot's commitment opens to its revealed choice
        ballots = {e["seq"]: e["body"] for m, e in b.entries("ballot") if m < n}
        for step, message, seq in commitment.check_openings(close["proposal"], ballots,
                                                            expected, openings):
            run.fail(step, message, n if seq is None else seq)
    else:
        run.skip("7.6, 7.7", _UNTYPED)
    if final is None:
        run.skip("8.1", unread("tally.json"))
    elif b.tally_file != dict(close["body"]["tally"], final=True):
        run.fail("8.1", "tally.json 与结束记录中的表决结果（加上 \"final\": true）不一致 / "
                        "tally.json differs from the close entry's tally with \"final\": true")
    return tally, False
