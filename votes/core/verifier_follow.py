"""Step 19: follow the majority (从多) — delivery entries and the close's `follow` (§19)."""

from __future__ import annotations

from votes.core.canonical import parse_time
from votes.core.follow import compute_follow, counted_areas
from votes.core.local_rules import Procedure
from votes.core.procedure import follow_mode
from votes.core.rules import Rules
from votes.core.tally import Tally
from votes.core.verifier_base import NO_GENESIS, _Bundle, _Run
from votes.core.withdrawal import counted


def check_follow(b: _Bundle, genesis: dict | None, tally, run: _Run) -> None:
    if genesis is None:
        run.skip("19.1–19.3", NO_GENESIS)
        return
    closes = b.entries("close")
    close_at = closes[0][0] if closes else len(b.lines)
    roll_voters = {u["voter"] for u in b.roll["units"]} if b.roll is not None else None
    # Each counted voter's counted area: kinds the rules leave out count for nothing (§16).
    voters = None if b.roll is None else counted_areas(
        ((u["voter"], u["area"], u.get("kind", "dwelling")) for u in b.roll["units"]),
        Procedure.from_rules(genesis["rules"]).excluded_kinds)
    p = b.proposal
    delivered = []
    for n, e in b.entries("delivery"):
        body = e["body"]
        if roll_voters is not None and body["voter"] not in roll_voters:
            run.fail("19.1", f"为 {body['voter'][:40]} 录入了送达记录，但其不在名册中 / "
                             f"delivery recorded for {body['voter'][:40]}, who is not in the "
                             "roll", n)
        elif voters is not None and body["voter"] not in voters:
            run.fail("19.1", f"为 {body['voter'][:40]} 录入了送达记录，但其只有议事规则不计入"
                             f"表决的房屋类别（§16） / delivery recorded for "
                             f"{body['voter'][:40]}, who holds only units of kinds the rules "
                             "leave out of the count (§16)", n)
        if p is not None and not parse_time(p["voting_start"]) <= parse_time(e["time"]) < \
                parse_time(p["voting_end"]):
            run.fail("19.1", f"送达记录录入于 {e['time']}，不在表决期间内 / delivery entered "
                             f"at {e['time']}, outside the voting window", n)
        if parse_time(body["delivered_at"]) > parse_time(e["time"]):
            run.fail("19.1", "送达时间（delivered_at）晚于记载它的记录 / delivered_at is "
                             "later than the entry that records it", n)
        if not body["entered_by"].strip():
            run.fail("19.1", "送达记录没有录入人（entered_by） / a delivery entry without "
                             "entered_by", n)
        if n < close_at:
            delivered.append(body["voter"])
    if not closes:
        return
    n, close = closes[0]
    mode = follow_mode(genesis["rules"])
    follow = close["body"]["follow"]
    if (follow is None) != (mode == "off"):
        run.fail("19.2", f"结束记录的 follow {'为空（null）' if follow is None else '不为空'}，"
                         f"但议事规则的 follow_majority 为 {mode} / the close's follow is "
                         f"{'null' if follow is None else 'present'} but the rules' "
                         f"follow_majority is {mode}", n)
        return
    if follow is None:
        return
    if not isinstance(tally, Tally) or voters is None:
        run.skip("19.3", "表决结果无法重算（7.4） / the tally could not be recomputed (7.4)")
        return
    # Voters with a counted ballot: one whose ballot a withdrawal took back did not vote.
    voted = set(counted((m, e) for m, e in b.entries() if m < n))
    expected = compute_follow(tally, Rules.from_dict(genesis["rules"]), mode, voters, voted,
                              delivered)
    if follow != expected.to_dict():
        run.fail("19.3", "结束记录的 follow 与根据名册、选票及结束前的送达记录重算的从多数字"
                         "不一致 / the close's follow differs from the 从多 figures recomputed "
                         "from the roll, the ballots and the delivery entries before the "
                         "close", n)
