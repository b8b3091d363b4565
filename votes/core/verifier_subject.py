"""What was voted on, as the verifier's report states it (docs/verification.md §7).

From proposal.json, which step 5.2 binds to the signed genesis: the title, the matter and
so the thresholds the law asks, the scope, the budget, the publicity and the voting
period. Without these lines a verdict of 通过 said only that proposal <uid> passed, and
what passed was read from the server's own application form.
"""

from __future__ import annotations

from votes.core.bidi import shown
from votes.core.canonical import parse_time
from votes.core.numbers import format_yuan
from votes.core.report_text import beijing_text
from votes.core.rules import Matter

NOT_VERIFIED = ("以下事项内容为导出包所载，未经验证 / the proposal as the bundle states it, "
                "NOT verified:")


def subject_lines(p: dict | None) -> tuple[str, ...]:
    """The lines under 事项 proposal: for a proposal.json that passed 1.5, else none."""
    if p is None:
        return ()
    c = p["community"]
    matter = Matter(p["matter"])
    emergency = "；应急使用 emergency use" if p["emergency"] else ""
    publicity = parse_time(p["voting_start"]) - parse_time(p["publicity_start"])
    days, hours = publicity.days, publicity.seconds // 3600
    if publicity.total_seconds() < 0:  # 5.6 fails it; said as it is, never as 0
        days, hours = -((-publicity).days), -((-publicity).seconds // 3600)
    return (
        f"  标题 title: {shown(p['title'], 80)}（{shown(c['name'], 40)} "
        f"{shown(c['code'], 20)}，辖区 jurisdiction {shown(c['jurisdiction'], 20)}）",
        f"  类别 matter: {matter.label_zh} {matter.value}；范围 scope: "
        f"{shown(p['scope'], 60)}{emergency}",
        f"  预算 budget: {format_yuan(p['budget'])} 元 yuan（{len(p['items'])} 项 items）",
        f"  公示 publicity {beijing_text(p['publicity_start'])} 起 from，表决 voting "
        f"{beijing_text(p['voting_start'])} 至 to {beijing_text(p['voting_end'])}"
        f"（北京时间 Beijing time；公示期 publicity period {days} 天 days {hours} 小时 hours）",
    )
