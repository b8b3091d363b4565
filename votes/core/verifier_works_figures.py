"""The works figures step 18 checked, as the verifier's report states them (§7, §18).

Gathered from the chain's well-typed works and emergency entries while step 18 checks them,
never from the bundle's informative report.txt; amounts are the chain's integer fen, shown
in yuan. Free text from the chain (a contractor, a note, a reason) is kept escaped (bidi.shown).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from votes.core.numbers import format_yuan

CATEGORIES = {"elevator": "电梯 elevator", "fire": "消防 fire", "leak": "渗漏 leak",
              "facade": "外墙 facade"}
APPLICANTS = {"committee": "业主委员会 committee", "property_company": "物业服务企业 property company"}
NONE_YET = "尚无 none yet"


def _yuan(fen: int) -> str:
    return f"{format_yuan(fen)} 元 yuan"


@dataclass
class Settlement:
    entry: int
    final_cost: int
    paid: int
    units: int
    # Σ of the units' shares recomputed from roll.json, when they are the settlement's: what
    # the sub-ledgers must be charged in all (what each could pay is the fund office's books)
    shares_total: int | None = None


@dataclass
class WorksFigures:
    """Built by verifier_works while it checks step 18 (a fresh one per bundle)."""

    emergency: dict | None = None        # category, applicant, reason (escaped), entry
    contract: dict | None = None         # entry, contractor (escaped), amount, tolerance_bp
    payments: list[tuple[int, int, str]] = field(default_factory=list)  # entry, fen, note
    acceptance: dict | None = None       # entry, date, participants (escaped)
    settlement: Settlement | None = None
    left_out: int = 0                    # works entries that failed 18.1: not in the figures

    @property
    def paid(self) -> int:
        return sum(amount for _, amount, _ in self.payments)

    def lines(self, failed: bool) -> list[str]:
        head = ("以下工程与资金数字为链上所载，未经验证 / works and money as the chain states "
                "them, NOT verified:" if failed else
                "工程与资金（已核对的链上记录）/ works and money, from the chain entries "
                "checked:")
        out = [head]
        if self.emergency is not None:
            e = self.emergency
            out.append(f"  应急使用 emergency use（第 {e['entry']} 条 entry {e['entry']}）: "
                       f"类别 category {CATEGORIES.get(e['category'], e['category'])}, "
                       f"申请人 applicant {APPLICANTS.get(e['applicant'], e['applicant'])}, "
                       f"理由 reason: {e['reason']}")
        c = self.contract
        if c is None:
            out.append(f"  合同 contract: {NONE_YET}")
        else:
            out.append(f"  合同 contract（第 {c['entry']} 条 entry {c['entry']}）: 施工单位 "
                       f"contractor {c['contractor']}, 金额 amount {_yuan(c['amount'])}")
        for entry, amount, note in self.payments:
            out.append(f"  付款 payment（第 {entry} 条 entry {entry}）: {_yuan(amount)}"
                       + (f"（{note}）" if note else ""))
        if c is not None or self.payments:
            out.append(f"  已付款合计 total paid: {_yuan(self.paid)}（{len(self.payments)} 笔 "
                       "payments）")
        a = self.acceptance
        if a is not None:
            out.append(f"  验收 acceptance（第 {a['entry']} 条 entry {a['entry']}）: "
                       f"{a['date']}，参加 participants: {'、'.join(a['participants'])}")
        elif c is not None:
            out.append(f"  验收 acceptance: {NONE_YET}")
        s = self.settlement
        if s is not None:
            out.append(f"  结算 settlement（第 {s.entry} 条 entry {s.entry}）: 结算金额 final "
                       f"cost {_yuan(s.final_cost)}, 已付款 paid {_yuan(s.paid)}, "
                       f"尚需支付 still to pay {_yuan(s.final_cost - s.paid)}")
            if s.shares_total is None:
                out.append(f"  分摊 apportioned over {s.units} 户 units: 未经 roll.json 核对 / "
                           "not confirmed against roll.json")
            else:
                out.append(f"  分摊 apportioned over {s.units} 户 units（按面积 by area）: "
                           f"各户应摊合计 the units' shares total {_yuan(s.shares_total)}"
                           "（各户实际扣款以资金账簿为准 / what each sub-ledger was debited "
                           "is in the fund office's books）")
        elif c is not None:
            out.append(f"  结算 settlement: {NONE_YET}")
        if self.left_out:
            out.append(f"  另有 {self.left_out} 条工程记录格式错误（18.1），未计入 / "
                       f"{self.left_out} works entries failed 18.1 and are left out")
        return out

    def to_json(self, failed: bool) -> dict:
        c, a, s = self.contract, self.acceptance, self.settlement
        return {
            "not_verified": failed,
            "emergency": None if self.emergency is None else dict(self.emergency),
            "contract": None if c is None else {
                "entry": c["entry"], "contractor": c["contractor"], "amount_fen": c["amount"],
                "amount_yuan": format_yuan(c["amount"]), "tolerance_bp": c["tolerance_bp"]},
            "payments": [{"entry": n, "amount_fen": amount, "amount_yuan": format_yuan(amount),
                          "note": note} for n, amount, note in self.payments],
            "paid_fen": self.paid, "paid_yuan": format_yuan(self.paid),
            "acceptance": None if a is None else dict(a),
            "settlement": None if s is None else {
                "entry": s.entry, "final_cost_fen": s.final_cost,
                "final_cost_yuan": format_yuan(s.final_cost), "paid_fen": s.paid,
                "units": s.units, "shares_total_fen": s.shares_total,
                "shares_total_yuan": (None if s.shares_total is None
                                      else format_yuan(s.shares_total))},
            "left_out": self.left_out}
