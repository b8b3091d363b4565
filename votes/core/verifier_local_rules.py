"""Step 16: rules of procedure — proxies, unit kinds left out of the count, transfers."""

from __future__ import annotations

from collections import Counter

from votes.core.local_rules import EXCLUDABLE, EXCLUDED_KINDS, Procedure
from votes.core.verifier_base import NO_GENESIS, _Bundle, _Run, unread
from votes.core.withdrawal import chain_of


def check_procedure(b: _Bundle, genesis: dict | None, run: _Run) -> None:
    if genesis is None:
        run.skip("16.1–16.7", NO_GENESIS)  # 16.7: verifier_scans
        return
    rules = genesis["rules"]
    _check_settings(rules, run)
    procedure = Procedure.from_rules(rules)
    counted_voters = None
    if b.roll is None:
        run.skip("16.5", unread("roll.json"))
    elif procedure.excluded_kinds:
        left_out = set(procedure.excluded_kinds)
        counted_voters = {u["voter"] for u in b.roll["units"]
                          if u.get("kind", "dwelling") not in left_out}
    # voter → their units in the roll
    holdings = Counter(u["voter"] for u in b.roll["units"]) if b.roll is not None else None
    # proxy holder → voter → how many of that voter's proxy ballots they held, less those
    # a withdrawal took back (§15.4: entered for the wrong unit, never that voter's proxy)
    principals: dict[str, Counter] = {}
    last_channel: dict[str, str] = {}  # voter → channel of their latest ballot so far
    transferred: set[str] = set()
    ballots: dict[int, dict] = {}  # position → ballot body, for the withdrawals
    last: dict[str, int] = {}  # voter → position of their latest ballot so far
    withdrawn: set[int] = set()
    for n, e in b.entries():
        if e["kind"] == "withdrawal":
            _withdraw(e["body"], ballots, last, withdrawn, principals)
            continue
        if e["kind"] != "ballot":
            continue
        body = e["body"]
        ballots[n] = body
        last[body["voter"]] = n
        voter, channel, proxy = body["voter"], body["channel"], body.get("proxy")
        if channel == "proxy" and proxy is None:
            run.fail("16.2", "委托投票的选票没有受托人的授权信息 / a proxy ballot without "
                             "the proxy's authorisation (proxy)", n)
        elif channel != "proxy" and proxy is not None:
            run.fail("16.2", f"投票方式为 {channel[:20]} 的选票带有受托人信息 / a "
                             f"{channel[:20]} ballot carries proxy details", n)
        if proxy is not None:
            held = principals.setdefault(proxy["holder"], Counter())
            held[voter] += 1
            if held[voter] == 1:
                if procedure.proxy_limit and len(held) == procedure.proxy_limit + 1:
                    holder = proxy['holder'][:16]
                    run.fail("16.3", f"受托人 {holder}… 代理的投票人超过 "
                                     f"{procedure.proxy_limit} 位 / proxy {holder}… holds "
                                     f"proxies for more than {procedure.proxy_limit} voters", n)
            if procedure.proxy_staff_barred and proxy["company_staff"]:
                run.fail("16.4", "受托人登记为物业服务企业工作人员，议事规则不允许其受托 / the "
                                 "proxy is declared property-company staff, whom the rules "
                                 "bar", n)
        if counted_voters is not None and voter not in counted_voters:
            run.fail("16.5", "该投票人只持有议事规则不计入表决的房屋 / the voter holds only "
                             "units of kinds the rules leave out of the count", n)
        transfer = body.get("transfer")
        if transfer is not None and channel == "online":
            run.fail("16.6", "网上投票的选票带有过户证明 / an online ballot carries "
                             "transfer evidence", n)
        elif transfer is None and voter in transferred:
            run.fail("16.6", "该投票人已有过户选票，其后的选票却没有过户证明 / a ballot "
                             "without transfer evidence follows the voter's transfer "
                             "ballot", n)
        elif transfer is None and channel != "online" and last_channel.get(voter) == "online":
            run.fail("16.6", "书面或委托选票取代了业主本人的网上选票，却没有过户证明 / a "
                             "paper or proxy ballot supersedes the owner's online ballot "
                             "without transfer evidence", n)
        elif transfer is not None and holdings is not None and holdings[voter] != 1:
            # A voter of several units counts as one person, and the frozen roll cannot
            # give one of them to a buyer: such a "transfer" replaces a ballot that no
            # sale can have ended, past the owner's device signature.
            run.fail("16.6", f"过户选票的投票人在名册中持有 {holdings[voter]} 户，过户"
                             f"只能针对一户 / a transfer ballot for a voter holding "
                             f"{holdings[voter]} units of the roll; a transfer takes "
                             "exactly one", n)
        if transfer is not None:
            transferred.add(voter)
        last_channel[voter] = channel


def _withdraw(body: dict, ballots: dict[int, dict], last: dict[str, int], withdrawn: set[int],
              principals: dict[str, Counter]) -> None:
    """A withdrawal of the voter's latest ballot takes it (and the entries its corrections
    replaced) off its proxies' counts; any other withdrawal fails 15.5–15.6 and takes
    nothing back."""
    target = body["withdraws"]
    if last.get(body["voter"]) != target or target in withdrawn:
        return
    for m in chain_of(target, ballots, withdrawn):
        proxy = ballots[m].get("proxy")
        if m not in withdrawn and proxy is not None:
            held = principals[proxy["holder"]]
            held[ballots[m]["voter"]] -= 1
            if held[ballots[m]["voter"]] <= 0:
                del held[ballots[m]["voter"]]
        withdrawn.add(m)


def _check_settings(rules: dict, run: _Run) -> None:
    """16.1: the settings are well-formed (their types are checked in 1.5)."""
    kinds = rules.get(EXCLUDED_KINDS)
    if kinds is not None:
        if not kinds or len(set(kinds)) != len(kinds):
            run.fail("16.1", "excluded_kinds 为空或重复列出同一种类 / excluded_kinds is "
                             "empty or names a kind twice", 0)
        elif any(k not in EXCLUDABLE for k in kinds):
            allowed = ', '.join(EXCLUDABLE)
            run.fail("16.1", f"excluded_kinds 只能列出 {allowed} / excluded_kinds may only "
                             f"name {allowed}", 0)
