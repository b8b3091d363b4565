"""Words for internal values, in the current language: what screens, PDFs, CSVs and the
`votes` command show instead of state, matter, threshold, role or channel names."""

from __future__ import annotations

from votes.i18n import _


def state_label(state: str) -> str:
    return {"draft": _("草稿"), "publicity": _("公示中"), "voting": _("表决中"),
            "closed": _("已结束"), "published": _("结果已公布"),
            "withdrawn": _("已撤回"), "emergency": _("应急使用（未经表决）")}.get(state, state)


def matter_label(matter: str) -> str:
    return {"use_fund": _("使用维修资金"), "raise_fund": _("筹集维修资金"),
            "rebuild": _("改建、重建建筑物及其附属设施"),
            "change_use": _("改变共有部分用途或利用共有部分从事经营活动"),
            "other": _("其他重大事项")}.get(matter, matter)


def threshold_label(name: str) -> str:
    return {"quorum_area": _("参与表决专有面积"), "quorum_headcount": _("参与表决人数"),
            "approval_area": _("同意的专有面积"),
            "approval_headcount": _("同意的人数")}.get(name, name)


def role_label(role: str) -> str:
    return {"admin": _("管理员"), "committee": _("业委会"),
            "regulator": _("监管")}.get(role, role)


def channel_label(channel: str) -> str:
    return {"online": _("网上"), "paper": _("纸质"), "proxy": _("委托")}.get(channel, channel)


def choice_label(choice: str) -> str:
    return {"agree": _("同意"), "disagree": _("反对"), "abstain": _("弃权")}.get(choice, choice)


def basis_label(basis: str) -> str:
    return {"registered": _("登记"), "surveyed": _("实测"), "contract": _("合同")}.get(basis, basis)


def column_label(aliases: tuple[str, ...]) -> str:
    """A file's column by the name its header may carry in the current language: the
    English alias on English pages and output (building), the Chinese one otherwise (楼栋)."""
    from votes.i18n import language

    return aliases[0] if language() == "en" else aliases[1]


def kind_label(kind: str) -> str:
    return {"person": _("个人"), "company": _("单位"),
            "developer": _("开发建设单位")}.get(kind, kind)


def stage_label(stage: str, accepted: bool = False) -> str:
    """The works stage reached (votes.services.money.works.STAGE_ZH) in words, by what
    happened: payments before the acceptance are 付款中, a payment after it does not make
    the works look unaccepted (it read 预付款, an advance)."""
    if stage == "payment" and accepted:
        return _("已验收，付款中")
    return {"contract": _("合同"), "payment": _("付款中"), "acceptance": _("验收"),
            "settlement": _("结算")}.get(stage, stage)


def delivery_method_label(method: str) -> str:
    """A proved notice delivery's method (votes.core.follow.DELIVERY_METHODS) in words."""
    return {"hand": _("当面签收"), "registered_mail": _("挂号邮寄"),
            "electronic": _("电子送达")}.get(method, method)


def emergency_category_label(category: str) -> str:
    """Why an emergency use cannot wait (votes.services.money.emergency.CATEGORY_ZH)."""
    return {"elevator": _("电梯故障危及人身安全"), "fire": _("消防设施失效"),
            "leak": _("屋面、外墙渗漏或管道爆裂"),
            "facade": _("外墙、附属物脱落危及安全")}.get(category, category)


def applicant_label(applicant: str) -> str:
    """Who applied for an emergency use (votes.services.money.emergency.APPLICANT_ZH)."""
    return {"committee": _("业主委员会"),
            "property_company": _("物业服务企业")}.get(applicant, applicant)


def unit_kind_label(kind: str) -> str:
    """What a unit is (votes.core.local_rules.UnitKind) in words."""
    return {"dwelling": _("住宅"), "commercial": _("商业"), "parking": _("车位"),
            "storeroom": _("储藏室"), "other": _("其他")}.get(kind, kind)


def building_label(building: str | None) -> str:
    """A building as a heading names it: "2号楼" whether the roll says "2", "2号楼" or "2栋";
    a building named in words ("综合楼", "A座") by the roll's own name."""
    from votes.core.roll import normalise_building

    number = normalise_building(building or "")
    if number.isdigit():
        return _("%(b)s号楼", b=number)
    return building or number


def scope_label(scope: str) -> str:
    """'building:3,5' -> '3号楼、5号楼'; 'all' -> '全体业主'."""
    kind, _sep, values = scope.partition(":")
    parts = [v for v in values.split(",") if v]
    if kind == "building":
        return _("、").join(_("%(b)s号楼", b=v) for v in parts)
    if kind == "entrance":
        return _("、").join(_("%(b)s号楼%(e)s单元", b=v.split("-")[0], e=v.split("-", 1)[-1])
                           for v in parts)
    if kind == "unit":
        return _("指定的 %(n)d 户", n=len(parts))
    return _("全体业主")


def audit_label(entry) -> str:
    """An audit entry's action in words, with what an account entry's details say that its
    action does not: what a change changed (a password reset is not an enabling), and the
    address a sign-in or sign-out came from."""
    details = entry.details if isinstance(entry.details, dict) else {}
    said = []
    if entry.action == "account.change":
        if details.get("password") == "reset":
            said.append(_("密码已重设"))
        elif details.get("password") == "changed":
            said.append(_("密码已由本人修改"))
        if details.get("active") is True:
            said.append(_("账号已启用"))
        elif details.get("active") is False:
            said.append(_("账号已停用"))
        if isinstance(details.get("communities"), list):
            said.append(_("小区改为 %(codes)s",
                          codes=_("、").join(str(c) for c in details["communities"])))
    elif entry.action in ("account.signin", "account.signout") and details.get("address"):
        said.append(_("来自 %(address)s", address=details["address"]))
    elif entry.action == "proposal.verify" and details.get("outcome"):
        outcome = str(details["outcome"])
        said.append({"verified": _("验证通过"), "in_progress": _("链完整，表决进行中"),
                     "preliminary": _("链完整，仅为初步结果（异议期）"),
                     "failed": _("验证失败")}.get(outcome, outcome))
    elif entry.action == "account.signin_pauses":
        said.extend(str(a.get("login", "")) for a in details.get("accounts") or ()
                    if isinstance(a, dict))
        if details.get("other_names"):
            said.append(_("另有 %(n)s 个无账号的登录名", n=details["other_names"]))
    elif details.get("by") == "clock":  # a move the clock made (lifecycle._advance)
        said.append(_("到时自动"))
    if not said:
        return action_label(entry.action)
    return _("%(action)s（%(detail)s）", action=action_label(entry.action),
             detail=_("、").join(said))


def action_label(action: str) -> str:
    """An audited staff action in words (the log keeps the code; the CSV export too)."""
    return {"account.create": _("新建账号"), "account.change": _("修改账号"),
            "account.signin_paused": _("登录失败过多，暂停登录"),
            "account.signin_pauses": _("登录失败过多，暂停登录"),
            "account.signin_device_dropped": _("常用浏览器登录失败过多，不再免于暂停"),
            "account.signin_unpaused": _("解除登录暂停"),
            "account.signin": _("登录"), "account.signout": _("退出"),
            "community.create": _("新建小区"), "community.contact": _("修改联系方式"),
            "community.jurisdiction": _("修改辖区"), "community.rules": _("修改议事规则"),
            "roll.import": _("导入业主名册"), "roll.replace": _("替换业主名册"),
            "keys.generate": _("生成签名密钥"), "proposal.create": _("新建表决事项"),
            "proposal.edit": _("修改草稿"), "proposal.delete": _("删除草稿"),
            "proposal.schedule": _("确认按计划公示"), "proposal.publicity": _("开始公示"),
            "proposal.withdraw": _("撤回"), "proposal.open": _("开始表决"),
            "proposal.close": _("结束表决"), "proposal.publish": _("公布结果"),
            "proposal.export": _("导出记录"),
            "proposal.verify": _("验证记录"), "ballots.enter": _("录入纸质或委托选票"),
            "ballots.override_refused": _("拒绝录入：业主已网上表决"),
            "visit.record": _("记录走访"), "notice.reprint": _("补打表决通知"),
            "notices.print": _("下载表决通知"),
            "ballots.correct": _("更正纸质或委托选票"), "ballots.withdraw": _("撤回纸质或委托选票"),
            "community.tolerance": _("修改允许超出预算的幅度"),
            "proposal.delivery": _("录入送达记录"), "proposal.objection": _("录入书面异议"),
            "proposal.answer": _("答复异议"), "proposal.final_result": _("公布最终结果"),
            "proposal.text_withdrawn": _("撤下公示的文字"), "proposal.scan.open": _("查看扫描件"),
            "proposal.emergency": _("公布应急使用"), "proposal.application": _("下载使用申请材料"),
            "works.contract": _("登记合同"), "works.payment": _("登记付款"),
            "works.acceptance": _("登记验收"), "works.settlement": _("登记结算"),
            "works.evidence.open": _("查看工程证明材料")}.get(action, action)


def flat_label(building: str, entrance: str, room: str) -> str:
    """A flat in the current language: in Chinese as every printed document spells it
    (votes.core.scope_words.flat_words: 3号楼1单元101室), in English "building 3, entrance
    1, room 101" of the same parts. Pages, exports and documents name a flat by this alone:
    the stored parts (Ｂ座１２３号楼, ８０８室) printed as typed were another spelling."""
    from votes.core.scope_words import flat_names, flat_words
    from votes.i18n import language

    if language() == "zh_CN":
        return flat_words(building, entrance, room)
    b, e, r = flat_names(building, entrance, room)
    if e:
        return _("%(b)s号楼%(e)s单元%(r)s室", b=b, e=e, r=r)
    return _("%(b)s号楼%(r)s室", b=b, r=r)


def unit_words(unit) -> str:
    """flat_label of anything with building, entrance and room (a frozen unit, a debit, a
    row of a record as a dict)."""
    if isinstance(unit, dict):
        return flat_label(unit["building"], unit["entrance"], unit["room"])
    return flat_label(unit.building, unit.entrance, unit.room)
