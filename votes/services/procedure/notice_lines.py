"""Lines of the result notice for 从多 and the objection period (plain Chinese text)."""

from __future__ import annotations

from votes.core.numbers import format_area_grouped
from votes.core.objection import DECISION_LABELS
from votes.services.clock import printed_time

NAMES = {"quorum_area": "参与表决专有面积", "quorum_headcount": "参与表决人数",
         "approval_area": "同意的专有面积", "approval_headcount": "同意的人数"}
CHOICES = {"agree": "同意", "disagree": "反对", "abstain": "弃权"}


def figure(name: str, value: int) -> str:
    """A threshold's figure with its unit: "594.75 m²" or "4 人". Bare, an area and a
    headcount side by side on a notice could not be told apart."""
    return f"{format_area_grouped(value)} m²" if "area" in name else f"{value} 人"


def follow_lines(o, real_checks) -> list[str]:
    """The 从多 figures beside the ballots' own, each threshold judged on both."""
    f = o.follow
    if not f:
        return []
    joined = (f"并随已表决业主的多数意见（{CHOICES[f['majority']]}）" if f["majority"]
              else "只计入参与表决（无须随从或无明确多数）")
    lines = [f"从多：未表决但表决通知送达已证实的业主 {f['headcount']} 人、专有面积 "
             f"{format_area_grouped(f['area'])} m²，按本小区议事规则计入参与表决，{joined}；"
             "另行统计，不计入选票。"]
    real = {c.name: c for c in real_checks}
    for c in f["checks"]:
        name = c["name"]
        r = real[name]
        lines.append(f"{NAMES[name]}：按选票计 {figure(name, r.part)} / {figure(name, r.whole)}"
                     f"（{'达到' if r.met else '未达到'}），含从多 {figure(name, c['part'])} / "
                     f"{figure(name, c['whole'])}（{'达到' if c['met'] else '未达到'}）")
    lines.append(f"按选票计：{'通过' if o.ballots_passed else '未通过'}；含从多："
                 f"{'通过' if f['passed'] else '未通过'}（以含从多的结果为准）")
    return lines


def objection_lines(o) -> list[str]:
    """The objection period, each objection and its answer, and the final result."""
    if not o.objection_days:
        return []
    if o.period_open:
        lines = [f"本公告为初步结果。异议期至 {printed_time(o.period_end)}（北京时间）；业主可用表决"
                 "通知上的链接提出异议，或向业主委员会提交书面异议。"]
    elif o.preliminary:
        lines = [f"本公告为初步结果。异议期已于 {printed_time(o.period_end)} 结束，业主委员会答复"
                 "全部异议后公布最终结果。"]
    else:
        lines = [f"异议期已于 {printed_time(o.period_end)} 结束。最终结果："
                 f"{'通过' if o.final['passed'] else '未通过'}。"]
    for x in o.objections:
        text = x.text if x.text_withdrawn is None else withdrawn(o, x.seq)
        lines.append(f"异议（第 {x.seq} 条记录，{printed_time(x.filed_at)}）：{text}")
        if x.answer_seq is not None:
            text = x.answer_text if x.answer_withdrawn is None else withdrawn(o, x.answer_seq)
            lines.append(f"　答复（第 {x.answer_seq} 条记录）：{DECISION_LABELS[x.decision]}。"
                         f"{text}")
    return lines


def withdrawn(o, seq: int) -> str:
    """In place of a text withdrawn from publication: the entry still binds its digest."""
    return (f"（内容已撤下公示（如含个人信息）。第 {seq} 条记录所载摘要 SHA-256："
            f"{o.digests.get(seq, '')}）")


def procedure_lines(rules) -> list[str]:
    """The rules of procedure this vote ran under, one plain sentence each, only where they
    differ from the Civil Code's default (no sentence at all for a vote under the default)."""
    from votes.core.local_rules import EXCLUDABLE, Procedure, UnitKind
    from votes.core.procedure import follow_mode, objection_days

    p = Procedure.from_rules(rules)
    lines = []
    if p.proxy_limit:
        lines.append(f"，每名受托人在本次表决中最多代理 {p.proxy_limit} 户业主。")
    if p.proxy_staff_barred:
        lines.append("，物业服务企业工作人员不得担任委托表决的受托人。")
    if p.excluded_kinds:
        kinds = "、".join(UnitKind(k).label_zh for k in EXCLUDABLE if k in p.excluded_kinds)
        lines.append(f"，{kinds}不计入表决的专有面积和人数，但仍按面积分摊费用。")
    days = objection_days(rules)
    if days:
        lines.append(f"，表决结束后设 {days} 日异议期，先公布初步结果，答复全部异议后公布最终结果。")
    mode = follow_mode(rules)
    if mode != "off":
        joined = "计入参与表决，并随已表决业主的多数意见" if mode == "full" else "计入参与表决"
        lines.append(f"（从多），表决通知经证实送达而未表决的业主{joined}，另行统计，不计为选票。")
    return [f"按本小区议事规则{line}" for line in lines]
