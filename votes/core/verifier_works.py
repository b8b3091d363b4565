"""Step 18: the works and the money after a passed vote (docs/verification.md §18)."""

from __future__ import annotations

from votes.core import follow, works
from votes.core.bidi import shown
from votes.core.bundle_types import WORKS_DATA, type_errors
from votes.core.numbers import format_yuan
from votes.core.verifier_base import _Bundle, _Run, unread
from votes.core.verifier_works_figures import Settlement, WorksFigures

STAGE_WORDS = {"contract": "合同", "payment": "付款", "acceptance": "验收",
               "settlement": "结算"}
# An entry's kind named where step 18.8 finds it in an emergency use.
KIND_WORDS = {"device": "设备登记", "ballot": "选票", "delivery": "送达", "close": "表决结束"}


def _yuan(fen) -> str:
    # The report's works figures are in 元 (verifier_works_figures): its failures' Chinese
    # says the same amounts the same way; the English keeps the bundle's fen.
    return f"{format_yuan(fen)} 元（{fen} 分）" if isinstance(fen, int) else f"{fen} 分"


def check_works(b: _Bundle, genesis: dict | None, run: _Run) -> WorksFigures | None:
    """Step 18; genesis is the checked genesis body (None when step 5 failed: the rules it
    froze are then unknown, and the checks that need them do not run). Returns the figures
    of the entries it checked, for the report (None for a chain without works or an
    emergency entry)."""
    entries = b.entries(works.KIND)
    emergencies = b.entries(works.EMERGENCY)
    if not entries and not emergencies:
        return None
    figures = WorksFigures()
    if emergencies:
        n, body = emergencies[0][0], emergencies[0][1]["body"]
        figures.emergency = {"entry": n, "category": body["category"],
                             "applicant": body["applicant"], "reason": shown(body["reason"], 200)}
    if not entries:
        return figures
    bodies = [(n, e["body"]) for n, e in entries]
    typed = []
    for n, body in bodies:
        if _typed(body, n, run):
            typed.append((n, body))
    _gather(figures, typed)
    figures.left_out = len(bodies) - len(typed)
    rules = None if genesis is None else genesis["rules"]
    _check_after_decision(b, entries[0][0], rules, run)
    budget = b.proposal["budget"] if b.proposal is not None else None
    if budget is None:
        run.skip("18.4, 18.6", unread("proposal.json"))
    if len(typed) < len(bodies):
        run.skip("18.3–18.7", "部分工程记录未通过第 18.1 步 / some works entries failed "
                              "18.1")
        return figures
    # No vote was held for an emergency use (§18.6): there is none to hold again, and its
    # budget is the one published with it, approved by no one.
    over = (("应急使用公布的预算", "应急使用不得超出预算支付，超出部分须经业主表决",
             "the emergency use's budget", "an emergency use cannot be paid beyond it; the "
             "excess needs an owner vote") if is_emergency(b)
            else ("表决通过的预算", "须重新表决", "the approved budget", "it needs a new vote"))
    contract = None
    paid = 0
    seen: set[str] = set()  # the stages so far (a set: a forged chain has many entries)
    for n, body in typed:
        stage, data = body["stage"], body["data"]
        problem = _order_problem(stage, seen)
        if problem:
            run.fail("18.3", " / ".join(problem), n)
        seen.add(stage)
        if stage == "contract":
            contract = data
            frozen = None if rules is None else rules.get("budget_tolerance_bp", 0)
            if frozen is not None and data["tolerance_bp"] != frozen:
                run.fail("18.4", f"合同的浮动幅度 tolerance_bp {data['tolerance_bp']} 不是创始"
                                 f"记录规则所定的 {frozen} / the contract's tolerance_bp "
                                 f"{data['tolerance_bp']} is not the {frozen} the genesis "
                                 "rules froze", n)
            if budget is not None and \
                    not works.within_tolerance(data["amount"], budget, data["tolerance_bp"]):
                run.fail("18.4", f"合同金额 {_yuan(data['amount'])}超出{over[0]} {_yuan(budget)}，"
                                 f"超过允许的浮动幅度（{data['tolerance_bp']} 个基点）：{over[1]}"
                                 f" / contract amount {data['amount']} fen exceeds {over[2]} "
                                 f"{budget} fen by more than the tolerance "
                                 f"({data['tolerance_bp']} basis points): {over[3]}", n)
        elif stage == "payment":
            paid += data["amount"]
            if contract is not None and paid > contract["amount"]:
                run.fail("18.5", f"付款累计 {_yuan(paid)}，超过合同金额 {_yuan(contract['amount'])} / "
                                 f"payments reach {paid} fen, more than the contract's "
                                 f"{contract['amount']} fen", n)
        elif stage == "settlement" and contract is not None:
            shares_total = _check_settlement(b, data, paid, budget, contract, n, run, over)
            if figures.settlement is not None and figures.settlement.entry == n:
                figures.settlement.shares_total = shares_total
    return figures


def _gather(figures: WorksFigures, typed: list[tuple[int, dict]]) -> None:
    """The report's figures from the well-typed works entries, in chain order (the first
    contract, acceptance and settlement: a second one fails 18.3)."""
    for n, body in typed:
        stage, data = body["stage"], body["data"]
        if stage == "contract" and figures.contract is None:
            figures.contract = {"entry": n, "contractor": shown(data["contractor"]),
                                "amount": data["amount"], "tolerance_bp": data["tolerance_bp"]}
        elif stage == "payment":
            figures.payments.append((n, data["amount"], shown(data["note"], 40)))
        elif stage == "acceptance" and figures.acceptance is None:
            figures.acceptance = {"entry": n, "date": data["date"],
                                  "participants": [shown(p, 40) for p in data["participants"]]}
        elif stage == "settlement" and figures.settlement is None:
            figures.settlement = Settlement(n, data["final_cost"], data["paid"], data["units"])


def emergency_positions(b: _Bundle) -> list[int]:
    """Where the chain records an emergency use decided without a vote (§18.6)."""
    # Every parsed line, typed or not (an emergency entry that failed 1.5 still counts):
    # a line may be any JSON value, not only an object.
    return [n for n, line in enumerate(b.lines)
            if isinstance(line, dict) and isinstance(line.get("entry"), dict)
            and line["entry"].get("kind") == works.EMERGENCY]


def is_emergency(b: _Bundle) -> bool:
    return bool(emergency_positions(b))


def check_emergency(b: _Bundle, run: _Run) -> None:
    """18.8: genesis, then the emergency entry, then works only; tally.json is the empty
    turnout; proposal.json says emergency. (The verifier skips 7.1–8.1 for such a chain.)"""
    for n in emergency_positions(b):  # where it stands, typed or not (§5)
        if n != 1:
            run.fail("18.8", "应急使用记录不是紧接创始记录的第 1 条记录 / the emergency entry "
                             "is not the entry right after the genesis", n)
    for n, e in b.entries(works.EMERGENCY):  # what it says, once 1.5 typed it
        body = e["body"]
        if not body["reason"].strip() or not body["evidence"]:
            run.fail("18.8", "应急使用记录缺少原因或证明材料的摘要 / emergency entry without "
                             "a reason or an evidence digest", n)
    for n, e in b.entries():
        if e["kind"] in ("device", "ballot", "delivery", "close"):
            run.fail("18.8", f"应急使用未经表决，却有{KIND_WORDS[e['kind']]}记录 / a "
                             f"{e['kind']} entry in an emergency use, which has no vote", n)
    if b.proposal is not None and b.proposal["emergency"] is not True:
        run.fail("18.8", "proposal.json 未载明 \"emergency\": true / proposal.json does not "
                         "say \"emergency\": true")
    if b.tally_file is not None and b.roll is not None:
        from votes.core.bundle import recompute_turnout

        genesis = b.lines[0]["entry"]["body"] if b.typed and b.typed[0] else None
        if genesis is not None:
            empty = dict(recompute_turnout(b.roll, genesis["rules"], []).to_dict(), final=False)
            if b.tally_file != empty:
                run.fail("18.8", "tally.json 不是无人参与、\"final\": false 的统计 / "
                                 "tally.json is not the empty turnout with \"final\": false")


def _typed(body: dict, n: int, run: _Run) -> bool:
    stage, data = body["stage"], body["data"]
    errors = type_errors(data, WORKS_DATA[stage], "$.entry.body.data")
    if errors:
        run.fail("18.1", f"工程数据字段类型不符 / {'; '.join(errors)}", n)
        return False
    if stage == "acceptance":
        if not works.is_date(data["date"]):
            run.fail("18.1", "验收日期不是 YYYY-MM-DD 格式的真实日期 / acceptance date is not a "
                             "real date written YYYY-MM-DD", n)
            return False
        if not data["participants"] or not all(p.strip() for p in data["participants"]):
            run.fail("18.1", "验收没有列出参加人员 / acceptance without participants", n)
            return False
    if stage in ("contract", "payment", "acceptance") and not data["evidence"]:
        run.fail("18.1", f"{STAGE_WORDS[stage]}记录缺少证明材料的摘要 / {stage} without an "
                         "evidence digest", n)
        return False
    if stage == "contract" and not data["contractor"].strip():
        run.fail("18.1", "合同没有写明施工单位 / contract without a contractor", n)
        return False
    return True


def _check_after_decision(b: _Bundle, first: int, rules: dict | None, run: _Run) -> None:
    """18.2: works follow a close whose tally passed on using the fund (and any final
    result entry), or the emergency entry of a chain decided without a vote."""
    emergencies = emergency_positions(b)  # typed or not (§5)
    if emergencies:
        if first < emergencies[0]:
            run.fail("18.2", "工程记录在应急使用记录之前 / a works entry comes before the "
                             "emergency entry", first)
        return
    # The matter voted on: the genesis rules' (signed; 5.7 checks proposal.json agrees),
    # else proposal.json's. Only a vote to use the fund decides that money may leave it.
    matter = (rules or {}).get("matter") or (b.proposal or {}).get("matter")
    if matter is not None and matter != "use_fund":
        run.fail("18.2", f"表决的事项是 {str(matter)[:40]}，不是使用维修资金（use_fund），"
                         f"却登记了工程 / works recorded after a vote on {str(matter)[:40]}, "
                         "not on using the fund (use_fund)", first)
    closes = b.entries("close")
    if not closes or closes[0][0] > first:
        run.fail("18.2", "表决结束之前就有工程记录 / a works entry before the vote was "
                         "closed", first)
        return
    if not follow.decided(closes[0][1]["body"]):  # by 从多 where adopted (§19)
        run.fail("18.2", "表决未通过，却登记了工程 / works recorded although the vote did "
                         "not pass", first)
    results = b.entries("result")  # a final result after an objection period, if any
    if not results and (rules or {}).get("objection_days"):
        run.fail("18.2", "异议期的最终结果公布之前就登记了工程 / works recorded before the "
                         "final result of the objection period", first)
    if results:
        n, last = results[-1]
        if first < n:
            run.fail("18.2", "工程记录在最终结果之前 / a works entry comes before the final "
                             "result", first)
        elif isinstance(last.get("body"), dict) and last["body"].get("passed") is False:
            run.fail("18.2", "最终结果为未通过，却登记了工程 / works recorded although the "
                             "final result did not pass", first)


def _order_problem(stage: str, seen: set[str]) -> tuple[str, str] | None:
    """What is out of order, (Chinese, English), or None."""
    word = STAGE_WORDS[stage]
    if not seen and stage != "contract":
        return (f"第一条工程记录是{word}，不是合同",
                f"the first works entry is a {stage}, not the contract")
    if "settlement" in seen:
        return f"结算之后又有{word}记录", f"a {stage} entry after the settlement"
    if stage == "contract" and "contract" in seen:
        return "第二条合同记录", "a second contract entry"
    if stage == "contract" and seen:
        return "合同记录在其他工程记录之后", "the contract comes after other works entries"
    if stage == "acceptance" and "acceptance" in seen:
        return "第二条验收记录", "a second acceptance entry"
    if stage == "settlement" and "acceptance" not in seen:
        return "结算在验收之前", "a settlement before the acceptance"
    return None


def _check_settlement(b: _Bundle, data: dict, paid: int, budget: int | None, contract: dict,
                      n: int, run: _Run, over: tuple[str, str]) -> int | None:
    """18.6 and 18.7; the sum of the shares recomputed from roll.json when they are the
    settlement's (what the units' sub-ledgers must be charged in all), else None."""
    if data["paid"] != paid:
        run.fail("18.6", f"结算所载已付款 {_yuan(data['paid'])}，付款记录合计 {_yuan(paid)} / "
                         f"settlement says {data['paid']} fen were paid, the "
                         f"payment entries sum to {paid}", n)
    if data["final_cost"] < paid:
        run.fail("18.6", f"结算金额 {_yuan(data['final_cost'])}少于已付的 {_yuan(paid)} / final "
                         f"cost {data['final_cost']} fen is less than the {paid} fen already "
                         "paid", n)
    if budget is not None and not works.within_tolerance(data["final_cost"], budget,
                                                         contract["tolerance_bp"]):
        run.fail("18.6", f"结算金额 {_yuan(data['final_cost'])}超出{over[0]} {_yuan(budget)}，超过"
                         f"允许的浮动幅度：{over[1]} / final cost {data['final_cost']} fen "
                         f"exceeds {over[2]} {budget} fen by more than the tolerance: "
                         f"{over[3]}", n)
    if b.roll is None:
        run.skip("18.7", unread("roll.json"))
        return None
    try:
        shares = works.settlement_shares(b.roll, data["final_cost"])
    except ValueError as exc:  # roll.json's areas sum to zero: nothing to split by
        run.fail("18.7", f"结算无法按 roll.json 分摊（名册房屋面积合计不为正）/ the "
                         f"settlement cannot be apportioned over roll.json: {exc}", n)
        return None
    if data["units"] != len(shares) or \
            data["shares_digest"] != works.shares_digest(data["final_cost"], shares):
        run.fail("18.7", "结算分摊不能按 roll.json 的房屋面积（最大余数法）重算得出 / the "
                         "settlement's apportionment does not recompute from roll.json by "
                         "area (largest remainder)", n)
        return None
    return sum(s.amount for s in shares)
