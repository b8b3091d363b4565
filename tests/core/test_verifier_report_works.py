"""The verifier's report states the works figures it checked (docs/verification.md §7, §18).

Step 18 checks the contract, the payments, the acceptance and the settlement, but the report
printed none of their amounts: a regulator or the fund office saw the contract and the
final cost only from the server's database (the regulator's pages), never as figures the
verifier had checked on the chain. A FAILED bundle's figures are marked as not verified,
as the tally's are.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.bundles import files_of, rezip
from tests.core.test_works_chain import bundle, passed_story, settled
from tests.core.tamper_tools import verify
from votes.core.verifier import verify_bundle

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "vectors"
NOT_VERIFIED = ("以下工程与资金数字为链上所载，未经验证 / works and money as the chain states "
                "them, NOT verified:")


def _works_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "works and money" in line)
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return lines[start:end]


def test_a_settled_vote_s_report_states_each_checked_figure():
    story = settled()  # contract 6000.00, payments 2000.00 + 1000.00, final cost 6400.00
    report = verify(bundle(story))
    assert report.ok, report.render()
    works = _works_lines(report.render())
    text = "\n".join(works)
    assert works[0].startswith("工程与资金") and "NOT verified" not in text, text
    assert "施工单位 contractor 福州电梯有限公司" in text and "6,000.00 元" in text, text
    assert "2,000.00 元" in text and "1,000.00 元" in text, text
    assert "已付款合计 total paid: 3,000.00 元 yuan（2 笔 payments）" in text, text
    assert "验收 acceptance" in text and "2026-12-20" in text, text
    assert "结算金额 final cost 6,400.00 元 yuan" in text, text
    assert "尚需支付 still to pay 3,400.00 元 yuan" in text, text
    units = len(story.roll["units"])
    assert f"{units} 户 units" in text and "各户应摊合计 the units' shares total " \
        "6,400.00 元 yuan" in text, text
    # Before the informative-files line and the verdict, after the tally.
    lines = report.render().splitlines()
    assert lines.index(works[0]) < next(i for i, line in enumerate(lines)
                                        if line.startswith("导出包中的 report.txt"))

    figures = report.to_json()["works"]
    assert figures["not_verified"] is False and figures["emergency"] is None
    assert figures["contract"] == {"entry": 6, "contractor": "福州电梯有限公司",
                                   "amount_fen": 600000, "amount_yuan": "6,000.00",
                                   "tolerance_bp": 500}
    assert [(p["entry"], p["amount_fen"], p["amount_yuan"]) for p in figures["payments"]] == \
        [(7, 200000, "2,000.00"), (8, 100000, "1,000.00")]
    assert figures["paid_fen"] == 300000 and figures["paid_yuan"] == "3,000.00"
    assert figures["acceptance"] == {"entry": 9, "date": "2026-12-20",
                                     "participants": ["业委会", "物业"]}
    s = figures["settlement"]
    assert (s["entry"], s["final_cost_fen"], s["final_cost_yuan"], s["paid_fen"]) == \
        (10, 640000, "6,400.00", 300000)
    assert (s["units"], s["shares_total_fen"], s["shares_total_yuan"]) == \
        (units, 640000, "6,400.00")
    json.dumps(report.to_json(), ensure_ascii=False)  # the --json output stays JSON


def test_works_not_yet_accepted_say_so():
    story = passed_story()
    settled_story = settled(story)
    del settled_story.entries[-2:]  # no acceptance, no settlement yet
    report = verify(bundle(settled_story))
    assert report.ok, report.render()
    text = "\n".join(_works_lines(report.render()))
    assert "验收 acceptance: 尚无 none yet" in text and "结算 settlement: 尚无 none yet" in text
    figures = report.to_json()["works"]
    assert figures["acceptance"] is None and figures["settlement"] is None


def test_a_failed_bundle_s_works_figures_are_marked_not_verified():
    story = settled(payments=(400000, 300000))  # 7000.00 paid on a 6000.00 contract: 18.5
    report = verify(bundle(story))
    assert report.outcome == "failed" and "18.5" in {f.step for f in report.failures}
    lines = report.render().splitlines()
    at = lines.index(NOT_VERIFIED)
    assert "已付款合计 total paid: 7,000.00 元" in "\n".join(lines[at:]), report.render()
    assert report.to_json()["works"]["not_verified"] is True
    assert report.render().splitlines()[-1].startswith("结论 verdict: 验证失败")


def test_the_figures_are_the_chain_s_not_the_informative_report_txt_s():
    """An insider re-signs a bundle whose report.txt claims another contract amount: the
    report states the chain's, which step 18 checked."""
    files = files_of(bundle(settled()))
    files["report.txt"] = files["report.txt"] + "合同金额 9,999.00 元\n".encode()
    report = verify(rezip(files, resign=True))
    text = report.render()
    assert "9,999.00" not in text and "6,000.00 元" in text, text


def test_a_bundle_without_works_has_no_works_lines():
    report = verify(bundle(passed_story()))
    assert report.ok and "works and money" not in report.render()
    assert report.to_json()["works"] is None


def test_text_from_the_chain_is_shown_escaped():
    """A contractor's name with a right-to-left override must not reorder the report."""
    story = settled()
    story.entries[6]["body"]["data"]["contractor"] = "福州\u202e电梯"
    text = verify(bundle(story)).render()
    assert "\u202e" not in text and "福州\\u{202E}电梯" in text, text


def test_the_emergency_vector_s_report_states_the_use_and_its_money():
    report = verify_bundle((VECTORS / "emergency-settled.zip").read_bytes(),
                           trust_bundle_keys=True)
    assert report.outcome == "verified", report.render()
    text = "\n".join(_works_lines(report.render()))
    assert "应急使用 emergency use" in text and "电梯 elevator" in text, text
    assert "物业服务企业 property company" in text and "电梯曳引机故障" in text, text
    assert "施工单位 contractor 福州电梯工程有限公司" in text and "6,000.00 元" in text, text
    assert "结算金额 final cost 6,400.00 元 yuan" in text, text
    emergency = report.to_json()["works"]["emergency"]
    assert emergency["category"] == "elevator" and emergency["applicant"] == "property_company"
    assert emergency["reason"].startswith("电梯曳引机故障")


def test_the_works_vector_s_report_states_its_figures():
    report = verify_bundle((VECTORS / "works-settled.zip").read_bytes(),
                           trust_bundle_keys=True)
    figures = report.to_json()["works"]
    assert report.outcome == "verified" and figures["paid_fen"] == 300000
    assert figures["settlement"]["shares_total_fen"] == 640000
