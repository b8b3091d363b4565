"""Report lines for 从多 figures and the objection period (report.txt, the verifier's report)."""

from __future__ import annotations

from typing import Sequence

from votes.core.numbers import format_area
from votes.core.objection import DECISION_LABELS
from votes.core.report_text import ZONE_ZH, beijing_text

MODE_LABELS = {"quorum": "计入参与人数和面积 counted toward the quorum only",
               "full": "计入参与并随多数意见 counted toward the quorum and with the majority"}
CHOICE_LABELS = {"agree": "同意 agree", "disagree": "反对 disagree", "abstain": "弃权 abstain"}


def follow_lines(follow: dict | None) -> list[str]:
    """The 从多 figures, apart from the ballots' tally."""
    if not follow:
        return []
    lines = ["", "从多（未表决但送达已证实的业主，另行统计，不计入选票）/ Follow the majority "
             "(non-voters with proved delivery, reported apart from the ballots)",
             f"方式 Mode: {MODE_LABELS[follow['mode']]}",
             f"从多 Followers: {format_area(follow['area'])} m², {follow['headcount']}",
             f"随从 Joined: {CHOICE_LABELS.get(follow['majority'], '无 none')}",
             f"含从多参与 Participating with followers: "
             f"{format_area(follow['participating_area'])} m², "
             f"{follow['participating_headcount']}"]
    for c in follow["checks"]:
        area = "area" in c["name"]
        fmt = format_area if area else str
        lines.append(f"  {c['name']}: {fmt(c['part'])} / {fmt(c['whole'])}, needed "
                     f"{fmt(c['needed'])} → {'达到 met' if c['met'] else '未达到 not met'}")
    lines.append(f"含从多结果 Result with followers: "
                 f"{'通过 PASSED' if follow['passed'] else '未通过 NOT PASSED'}")
    return lines


def _bound(body: dict) -> str:
    if "text_commitment" in body:
        return f"text commitment {body['text_commitment']}"
    return f"text sha256 {body.get('text')}"


def after_close_report(chain: Sequence) -> str:
    """Lines after the result report: 从多, objections, answers, the final result."""
    lines: list[str] = []
    answers: dict[int, str] = {}
    for s in chain:
        kind, body = s.entry["kind"], s.entry["body"]
        if kind == "close":
            lines += follow_lines(body.get("follow"))
        elif kind == "objection":
            lines.append(f"异议 Objection #{s.seq} ({beijing_text(s.entry['time'])} {ZONE_ZH}, "
                         f"{body['channel']}), "
                         f"{_bound(body)}")
        elif kind == "answer":
            answers[body["objection"]] = body["decision"]
            lines.append(f"答复 Answer #{s.seq} to #{body['objection']}: "
                         f"{DECISION_LABELS[body['decision']]} ({body['decision']}), "
                         f"{_bound(body)}")
        elif kind == "result":
            lines += [f"最终结果 Final result ({beijing_text(s.entry['time'])} {ZONE_ZH}): "
                      f"{'通过 PASSED' if body['passed'] else '未通过 NOT PASSED'}"
                      f"（初步结果 preliminary: "
                      f"{'通过' if body['preliminary_passed'] else '未通过'}，"
                      f"异议 {len(body['objections'])} 件 objections）"]
    return "\n".join(lines) + "\n" if lines else ""
