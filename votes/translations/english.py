"""English for every user-facing string (msgid is the Chinese original).

Run `python votes/translations/english.py` after `pybabel extract` to rebuild
en/LC_MESSAGES/messages.po and .mo; a test checks every msgid has an entry here.
"""

EN = {
    "维修资金业主表决": "Maintenance fund owner vote",
    "无法完成": "Could not complete",
    "找不到该页面。": "Page not found.",
    "返回首页": "Home",
    "审计日志": "Audit log",
    "审计日志校验失败：": "Audit log check failed: ",
    "下载 CSV": "Download CSV",
    "时间": "Time",
    "操作人": "Actor",
    "操作": "Actions",
    "对象": "Target",
    "摘要": "Digest",
    "系统管理": "Administration",
    "新建账号": "New account",
    "登录名": "Login",
    "姓名": "Name",
    "密码（至少10位）": "Password (at least 10 characters)",
    "角色": "Role",
    "业委会": "Committee",
    "监管": "Regulator",
    "管理员": "Administrator",
    "小区编码（业委会，逗号分隔）": "Community codes (committee, comma-separated)",
    "辖区编码（监管）": "District code (regulator)",
    "创建": "Create",
    "新建小区": "New community",
    "编码": "Code",
    "名称": "Name",
    "辖区编码": "District code",
    "签名密钥": "Signing keys",
    "生成新密钥": "Generate a new key",
    "账号": "Accounts",
    "范围": "Scope",
    " 个小区": " communities",
    "小区": "Community",
    "辖区": "District",
    "套房屋": "units",
    "专有部分总面积": "total exclusive area",
    "业主人数（按法定规则）": "voters (headcount as the law counts it)",
    "开发建设单位房屋（合计一人）": "developer units (one voter together)",
    "表决事项": "Proposals",
    "新建表决事项": "New proposal",
    "标题": "Title",
    "状态": "State",
    "表决截止": "Voting ends",
    "导入业主名册": "Import the owner roll",
    "CSV（UTF-8 或 GB18030）或 XLSX，先预览，确认后才替换现有名册；已公示的表决事项保留其冻结的名册。":
        "CSV (UTF-8 or GB18030) or XLSX. You see a preview first; the roll is replaced only "
        "when you confirm. Proposals already published keep the roll they froze.",
    "预览": "Preview",
    "房屋": "Units",
    "面积 m²": "Area m²",
    "面积依据": "Area basis",
    "业主": "Owners",
    "维修资金余额": "Fund balance",
    "我的小区": "My communities",
    "说明": "Description",
    "事项类型": "Matter",
    "使用维修资金": "Use of the maintenance fund",
    "筹集维修资金": "Raising the maintenance fund",
    "改建、重建建筑物及其附属设施": "Rebuilding the building or its facilities",
    "改变共有部分用途或利用共有部分从事经营活动":
        "Changing the use of common parts or using them for business",
    "其他重大事项": "Other major matter",
    "费用分摊范围（all、building:1,2、entrance:3-1 或 unit:3-1-1502）":
        "Who pays (all, building:1,2, entrance:3-1 or unit:3-1-1502)",
    "范围内 %(u)d 套房屋，%(h)d 人，面积 %(a)s m²":
        "%(u)d units, %(h)d voters, %(a)s m² in scope",
    "预算（元）": "Budget (yuan)",
    "维修项目（名称与金额，合计须等于预算）": "Repair items (name and amount; they must add up to the budget)",
    "项目名称": "Item",
    "金额": "Amount",
    "附件（报价、照片、合同）": "Documents (quotes, photos, contracts)",
    "公示开始": "Publicity starts",
    "表决开始": "Voting starts",
    "允许业主在截止前修改一次意见": "Allow owners to change their ballot once before the end",
    "紧急情况（可缩短公示期）": "Emergency (shorter publicity allowed)",
    "预览分摊": "Preview the apportionment",
    "保存草稿": "Save draft",
    "费用分摊预览（按面积）": "Apportionment preview (by area)",
    "分摊（元）": "Share (yuan)",
    "是否足额": "Covered",
    "足额": "covered",
    "不足": "short",
    "仅显示前 300 套。": "Only the first 300 units are shown.",
    "未表决业主": "Owners who have not voted",
    "下载 Excel": "Download Excel",
    "返回": "Back",
    "号楼": " (building)",
    "最近走访": "Last visit",
    "记录走访": "Record a visit",
    "备注": "Note",
    "记录": "Record",
    "所有业主都已表决。": "Every owner has voted.",
    "未录入任何选票": "No ballot was entered",
    "行": "Row",
    "问题": "Problem",
    "预算": "Budget",
    "元": "yuan",
    "表决 %(a)s 至 %(b)s": "Voting %(a)s to %(b)s",
    "进度": "Progress",
    "人": " voters",
    "参与面积": "Participating area",
    "参与人数": "Participating voters",
    "同意面积": "Agreeing area",
    "同意人数": "Agreeing voters",
    "已收选票 %(n)d 张。": "%(n)d ballots received.",
    "表决通过": "Passed",
    "表决未通过": "Not passed",
    "参与人数随时间变化": "Participation over time",
    "链头": "Chain head",
    "开始表决": "Open voting",
    "结束表决": "Close voting",
    "公布结果": "Publish the result",
    "打印表决通知": "Print voting notices",
    "打印楼道海报": "Print the lobby poster",
    "已更新账号。": "Account updated.",
    "已更新议事规则。": "Rules of procedure updated.",
    "议事规则": "Rules of procedure",
    "小区编码": "Community code",
    "更严格的规则（每行或分号分隔，例如 approval_area=>=2/3）":
        "Stricter rules (one per line or separated by ;, e.g. approval_area=>=2/3)",
    "文件太大，请上传不超过 32 MB 的文件。": "The file is too large; upload at most 32 MB.",
    "系统出错，您的操作没有完成，请稍后再试。":
        "Something went wrong and nothing was changed. Please try again later.",
    "已重设密码。": "Password reset.",
    "已更新辖区。": "District updated.",
    "启用": "Enable",
    "已停用": "Disabled",
    "停用": "Disable",
    "新密码": "New password",
    "重设密码": "Reset password",
    "保存": "Save",
    "链接已锁定至 %(t)s": "link locked until %(t)s",
    "验证失败 %(n)d 次": "%(n)d failed attempts",
    "结果公告 PDF": "Result notice PDF",
    "下载导出包": "Download the export bundle",
    "公示栏": "Public board",
    "录入纸质/委托表决票": "Enter paper / proxy ballots",
    "楼栋": "Building",
    "单元": "Entrance",
    "房号": "Room",
    "意见": "Choice",
    "同意": "Agree",
    "反对": "Disagree",
    "弃权": "Abstain",
    "方式": "Channel",
    "纸质": "Paper",
    "委托": "Proxy",
    "表决票扫描件": "Scanned ballot form",
    "录入": "Enter",
    "批量录入": "Enter a file",
    "CSV（楼栋、单元、房号、意见、方式、凭证、录入人）":
        "CSV (building, entrance, room, choice, channel, evidence, entered_by)",
    "扫描件（文件名与 CSV 的凭证列一致）": "Scanned forms (file names as in the evidence column)",
    "全部录入": "Enter all",
    "名册预览": "Roll preview",
    "将导入 %(u)d 套房屋、%(o)d 位业主，按法定规则计 %(h)d 人，总面积 %(a)s m²。":
        "This imports %(u)d units and %(o)d owners: %(h)d voters as the law counts them, "
        "%(a)s m² in total.",
    "确认替换名册": "Replace the roll",
    "取消": "Cancel",
    "预算合计": "Total budget",
    "附件：": "Documents: ",
    "费用分摊范围：%(scope)s，按专有部分面积分摊。":
        "Paid by: %(scope)s, shared in proportion to exclusive area.",
    "室": "",
    "表决票": "Ballot",
    "您应分摊的费用": "Your share of the cost",
    "（维修资金余额 %(b)s 元，足以支付）": "(fund balance %(b)s yuan covers it)",
    "（维修资金余额 %(b)s 元，不足部分需续筹）":
        "(fund balance %(b)s yuan; the rest must be raised)",
    "表决截止：%(t)s（北京时间）": "Voting ends: %(t)s (Beijing time)",
    "您已表决，本次表决允许修改一次，以最后一次为准。":
        "You have voted. This vote allows one change; the last ballot counts.",
    "您的意见": "Your choice",
    "下一步": "Next",
    "请确认": "Please confirm",
    "您选择了：": "You chose: ",
    "您对“%(title)s”的意见是“%(choice)s”。提交后将记入表决记录%(final)s。":
        "Your choice on “%(title)s” is “%(choice)s”. Once submitted it is recorded%(final)s.",
    "，不能更改": " and cannot be changed",
    "（截止前可修改一次）": " (you may change it once before the end)",
    "确认提交": "Submit",
    "返回修改": "Go back",
    "链接无效": "Invalid link",
    "这个表决链接无法识别。请检查是否完整扫描了通知上的二维码，或联系业主委员会补发通知。":
        "This voting link is not recognised. Check that the whole QR code on the notice was "
        "scanned, or ask the owners' committee for a new notice.",
    "链接已暂时锁定": "Link locked for now",
    "验证失败次数过多，为保护您的表决权，此链接已锁定至 %(t)s（北京时间）。":
        "Too many failed attempts. To protect your vote this link is locked until %(t)s "
        "(Beijing time).",
    "如果不是您本人操作，请联系业主委员会。": "If this was not you, please tell the owners' committee.",
    "表决尚未开始": "Voting has not started",
    "表决将于 %(t)s（北京时间）开始，届时请再次扫码。":
        "Voting starts at %(t)s (Beijing time). Please scan again then.",
    "表决已结束": "Voting has ended",
    "表决已于 %(t)s（北京时间）截止，链接已失效。":
        "Voting ended at %(t)s (Beijing time); the link has expired.",
    "不在表决范围内": "Not part of this vote",
    "您填写的房屋不在本次表决的费用分摊范围内，无需参加本次表决。如有疑问请联系业主委员会。":
        "The unit you entered does not pay for this repair, so it does not vote on it. "
        "Ask the owners' committee if in doubt.",
    "请先验证身份": "Please verify first",
    "请扫描表决通知上的二维码，验证业主身份后再表决。":
        "Scan the QR code on your voting notice and prove you own the unit, then vote.",
    "操作太频繁": "Too many attempts",
    "请稍等一分钟后再试。": "Please wait a minute and try again.",
    "查看公示栏": "Public board",
    "选择您的房屋": "Choose your unit",
    "例如 3": "e.g. 3",
    "单元（没有可不填）": "Entrance (leave empty if none)",
    "例如 1502": "e.g. 1502",
    "表决成功": "Your vote is recorded",
    "您的意见“%(c)s”已记入表决记录。": "Your choice “%(c)s” is recorded.",
    "回执码": "Receipt code",
    "核验回执": "Check the receipt",
    "这是您较早的一张选票，已被后来的选票替代。":
        "This is an earlier ballot of yours; a later one replaced it.",
    "截止前可修改一次意见": "You may change your choice once before the end",
    "每户只计一票，首次提交的表决为最终结果。":
        "Each owner has one ballot; the first one submitted is final.",
    "您已使用修改机会，以最后一次为准。": "You have used your change; the last ballot counts.",
    "验证业主身份": "Prove you own the unit",
    "请输入本房屋任一业主身份证号码的后6位": "Enter the last 6 characters of an owner's ID number",
    "例如 12345X": "e.g. 12345X",
    "验证": "Verify",
    "验证码已发送至 %(phone)s，请输入：": "A code was sent to %(phone)s. Enter it:",
    "提交验证码": "Submit the code",
    "或者用名册上登记的手机号接收短信验证码：": "Or receive a code by SMS on the phone in the roll:",
    "发送短信验证码": "Send an SMS code",
    "需": "needs",
    "已达到": "reached",
    "未达到，差 %(n)s%(u)s": "not reached, %(n)s%(u)s short",
    "公示中": "In publicity",
    "表决中": "Voting in progress",
    "已结束": "Closed",
    "结果已公布": "Result published",
    "表决时间 %(a)s 至 %(b)s": "Voting %(a)s to %(b)s",
    "表决结果": "Result",
    "参与情况": "Participation",
    "参与表决面积": "Participating area",
    "参与表决人数": "Participating voters",
    "同意 %(a)s 人，反对 %(d)s 人，弃权 %(s)s 人。":
        "%(a)s agreed, %(d)s disagreed, %(s)s abstained.",
    "没有找到这个回执码。请检查是否输入完整。": "Receipt not found. Check that you typed all of it.",
    "已计入：第 %(n)s 条记录。": "Counted: entry %(n)s of the chain.",
    "已记录为第 %(n)s 条，但已被同一业主后来的选票替代。":
        "Recorded as entry %(n)s, but replaced by a later ballot of the same owner.",
    "查询": "Look up",
    "记录链": "Chain",
    "已记录 %(n)s 条，选票 %(b)s 张。当前链头：": "%(n)s entries, %(b)s ballots. Current chain head:",
    "网络": "Online",
    "各房屋是否计入表决": "Whether each unit's ballot was counted",
    "只列出每套房屋的选票是否计入及表决方式，不显示意见和姓名。如果您没有表决，但您的房屋显示已计入，请在异议期内向业主委员会或街道提出异议。":
        "Only whether each unit's ballot was counted and how it was cast; no choices, no "
        "names. If you did not vote but your unit shows as counted, object to the owners' "
        "committee or the sub-district office during the objection period.",
    "共 %(n)s 套房屋，%(c)s 套已计入。": "%(n)s units, %(c)s counted.",
    "是否计入": "Counted",
    "已计入": "Counted",
    "未表决": "Did not vote",
    "返回公示栏": "Back to the board",
    "查看各房屋是否计入表决": "See whether each unit's ballot was counted",
    "独立见证": "Independent witnesses",
    "见证人 %(w)s 已核对并会签前 %(n)s 条记录（%(t)s）":
        "Witness %(w)s checked and cosigned the first %(n)s entries (%(t)s)",
    "下载带签名的回执文件": "Download the signed receipt file",
    "记下链头后，可用导出包和 votes verify --head 证明之后的记录没有删改。":
        "Note the head: with the export bundle, votes verify --head proves nothing before it "
        "was removed or rewritten.",
    "住宅专项维修资金业主电子表决": "Owner e-voting for the special maintenance fund",
    "请用手机扫描表决通知上的二维码参加表决。": "Scan the QR code on your voting notice with your phone to vote.",
    "辖区总览": "District overview",
    "全部": "All",
    "截止不早于": "Ending from",
    "开始不晚于": "Starting until",
    "筛选": "Filter",
    "事项": "Proposal",
    "结果": "Result",
    "通过": "passed",
    "未通过": "not passed",
    "已验证": "verified",
    "验证失败": "verification failed",
    "链完整，表决进行中": "chain intact, vote in progress",
    "未验证": "not verified",
    "没有符合条件的表决事项。": "No proposals match.",
    "门槛": "Threshold",
    "实际": "Actual",
    "基数": "Base",
    "要求": "Requirement",
    "所需": "Needed",
    "是否达到": "Met",
    "达到": "met",
    "未达到": "not met",
    "验证导出包": "Verify the bundle",
    "最近一次验证：": "Last verification: ",
    "维修资金表决管理": "Maintenance fund votes — staff",
    "退出": "Sign out",
    "工作人员登录": "Staff sign-in",
    "密码": "Password",
    "登录": "Sign in",
    "%(b)s号楼": "building %(b)s",
    "%(b)s号楼%(e)s单元": "building %(b)s entrance %(e)s",
    "%(b)s号楼%(e)s单元%(r)s室": "building %(b)s, entrance %(e)s, room %(r)s",
    "%(b)s号楼%(r)s室": "building %(b)s, room %(r)s",
    "指定的 %(n)d 套房屋": "%(n)d chosen units",
    "全体业主": "all owners",
    "已创建账号。": "Account created.",
    "已创建小区。": "Community created.",
    "已生成新的签名密钥 %(k)s。": "New signing key %(k)s generated.",
    "请选择名册文件（CSV 或 XLSX）。": "Choose a roll file (CSV or XLSX).",
    "已导入业主名册：%(u)d 套房屋，%(o)d 位业主。": "Roll imported: %(u)d units, %(o)d owners.",
    "已记录走访结果。": "Visit recorded.",
    "已录入 %(n)d 张选票。": "%(n)d ballots entered.",
    "验证未通过，还可以再试 %(n)d 次。": "That did not match. %(n)d attempts left.",
    "请选择一项：同意、反对或弃权。": "Choose one: agree, disagree or abstain.",
    "页面已过期，请重新选择。": "The page expired; please choose again.",
    "登录名或密码错误。": "Wrong login or password.",
    "表决期间各户意见密封保存，任何人（包括业委会）都看不到；表决结束时一并公开并计票。":
        "While voting is open every choice stays sealed: nobody, the committee included, can "
        "see it. All choices are revealed and counted at the close.",
    "核对资料（请与回执码一起保存）": "For checking later (keep it with your receipt code)",
    "表决结束前，记录中只有您意见的密封值，任何人都看不出您的选择。表决结束时公开意见，凭下面的随机码可以核对公开的意见就是您选的。":
        "Until the close the record holds only a sealed value of your choice, from which "
        "nobody can tell what you chose. At the close the choices are revealed; with the "
        "random code below you can check that the revealed choice is the one you made.",
    "密封值": "Sealed value",
    "随机码": "Random code",
    # Owner second factor: companies, the notice code, the lobby throttle (issue 9).
    "单位和开发建设单位请使用表决通知上印的单位验证码（统一社会信用代码是公开的，不能用于验证）。":
        "Companies and the developer: use the company code printed on your voting notice "
        "(the unified social credit code is public and cannot prove anything).",
    "请输入表决通知上的单位验证码": "Enter the company code printed on your voting notice",
    "例如 ABCD-EFGH": "e.g. ABCD-EFGH",
    "没有收到表决通知或无法验证的，可以向业主委员会申请纸质表决票或委托表决。":
        "If you did not receive the notice or cannot verify, ask the owners' committee for a "
        "paper or proxy ballot.",
    "通过楼栋房号验证失败次数过多，请于 %(t)s（北京时间）后再试；也可以扫描表决通知上的二维码验证，或联系业主委员会。":
        "Too many failed attempts through building and room. Try again after %(t)s "
        "(Beijing time), scan the QR code on your voting notice, or contact the committee.",
    # Drafts, scheduling, withdrawal, error pages (issue 11)
    "%(e)s单元": "Entrance %(e)s",
    "%(n)d 套": "%(n)d units",
    "保存草稿不会公示，也不会开始表决；公示须在草稿页面确认后才开始。":
        "Saving a draft neither publishes it nor starts a vote; publicity starts only once "
        "you confirm it on the draft's page.",
    "修改草稿": "Edit draft",
    "公示期内发现错误，可以撤回：事项结束，不进行表决，撤回原因显示在公示栏。表决开始后不能撤回。":
        "If a mistake is found during publicity, the proposal can be withdrawn: it ends "
        "without a vote and the reason is shown on the public board. Once voting has started "
        "it cannot be withdrawn.",
    "删除": "Remove",
    "删除草稿": "Delete draft",
    "只有草稿可以修改；公示开始后只能撤回。":
        "Only a draft can be edited; once publicity has started it can only be withdrawn.",
    "已上传、将随草稿保存的附件：": "Uploaded documents that will be saved with the draft: ",
    "已于 %(t)s 撤回，原因：%(r)s": "Withdrawn on %(t)s. Reason: %(r)s",
    "已保存对草稿的修改。": "Changes to the draft saved.",
    "已保存草稿。草稿不会自动公示或开始表决。":
        "Draft saved. A draft is never published or put to the vote by itself.",
    "已删除草稿。": "Draft deleted.",
    "已撤回": "Withdrawn",
    "已撤回，撤回原因已显示在公示栏。":
        "Withdrawn; the reason is shown on the public board.",
    "已有附件": "Attached documents",
    "已确认：将于 %(t)s 自动开始公示。": "Confirmed: publicity starts by itself at %(t)s.",
    "您没有权限查看这个页面。": "You are not allowed to see this page.",
    "找不到页面": "Page not found",
    "按计划公示": "Schedule publicity",
    "撤回": "Withdraw",
    "撤回原因": "Reason for withdrawal",
    "无法处理这个请求。": "This request could not be handled.",
    "没有权限": "Not allowed",
    "确认于计划时间自动开始公示": "I confirm that publicity starts by itself at the planned time",
    "确认删除": "I confirm the deletion",
    "确认开始表决": "I confirm that voting starts",
    "确认撤回，本事项将不再表决": "I confirm the withdrawal; this proposal will not be voted on",
    "确认现在公布方案并冻结表决范围，公布后不能修改":
        "I confirm publishing the plan now and freezing the electorate; it cannot be edited "
        "afterwards",
    "立即开始公示": "Start publicity now",
    "系统出错": "System error",
    "草稿": "Draft",
    "草稿尚未公示，不会自动开始；请确认开始公示或按计划公示。":
        "This draft is not public and will not start by itself; confirm starting publicity "
        "now or at the planned time.",
    "表决与分摊范围：勾选楼栋（或单元）；都不勾选则按下方填写的范围":
        "Scope of the vote and the split: tick buildings (or entrances); with none ticked, "
        "the scope typed below applies",
    "请勾选确认后再删除草稿。": "Tick the confirmation to delete the draft.",
    "请勾选确认后再撤回。": "Tick the confirmation to withdraw.",
    "请勾选确认：公示或表决一经开始，业主即可看到，不能再修改。":
        "Tick the confirmation: once publicity or voting starts, owners see it and it can no "
        "longer be changed.",
    "错误代码 %(c)s": "Error code %(c)s",
    "已撤回，无结果": "Withdrawn, no result",
    "尚未达到": "Not reached yet",
    "本事项已撤回": "This proposal was withdrawn",
    "业主委员会已撤回本事项，不再进行表决。撤回原因见公示栏。":
        "The owners' committee withdrew this proposal; there will be no vote. The reason is "
        "on the public board.",
    "业主委员会已于 %(t)s 撤回本事项，不再进行表决，也没有表决结果。":
        "The owners' committee withdrew this proposal on %(t)s: there will be no vote and "
        "no result.",
    "尚未达到，还差 %(n)s%(u)s": "Not reached yet, %(n)s%(u)s to go",
    # The plan on the board, one's own share, short receipts, the auditors' page (issue 11).
    "表决方案": "The plan",
    "项目与预算": "Items and budget",
    "列支范围与费用分摊": "Scope and cost split",
    "列支范围：%(s)s": "Scope: %(s)s",
    "费用按各户房屋专有面积占列支范围内总面积（%(a)s m²，%(n)s 套）的比例分摊。":
        "The cost is split by each flat's exclusive area as a share of the total area in "
        "scope (%(a)s m², %(n)s flats).",
    "附件": "Documents",
    "时间安排（北京时间）": "Timetable (Beijing time)",
    "公示开始：%(t)s": "Publicity starts: %(t)s",
    "表决开始：%(t)s": "Voting opens: %(t)s",
    "表决截止：%(t)s": "Voting closes: %(t)s",
    "通过条件": "What it takes to pass",
    "查询本户分摊金额": "Look up your flat's share",
    "%(u)s：专有面积 %(a)s m²，分摊 %(s)s 元。": "%(u)s: exclusive area %(a)s m², share %(s)s yuan.",
    "列支范围内没有这个房屋，请检查楼栋、单元和房号。":
        "No such flat in scope; check the building, entrance and room.",
    "表决开始前，请先阅读下面的表决方案。": "Before voting opens, please read the plan below.",
    "供核查人员": "For auditors",
    "供核查人员：记录链与独立见证": "For auditors: the record chain and independent witnesses",
    "回执码（如 7KQ2-M9XD-4R，或完整回执码）": "Receipt code (e.g. 7KQ2-M9XD-4R, or the full receipt)",
    "有两张选票的回执短码相同：请输入完整回执码。":
        "Two ballots share this code: enter the full receipt.",
    "完整回执码": "Full receipt",
    "保存回执图片": "Save receipt image",
    "请截图、保存图片或抄下回执码。您可以随时在公示栏输入回执码，核验您的选票已被计入：":
        "Take a screenshot, save the image or write down the code. You can check on the "
        "public board at any time that your ballot was counted:",
    "表决回执码": "Ballot receipt",
    "扫码或在公示栏输入回执码核验": "Scan, or enter the code on the public board, to check",
}


def build() -> None:
    """Rebuild en/LC_MESSAGES/messages.po and .mo from the extracted template."""
    import subprocess
    import sys
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    here = Path(__file__).resolve().parent
    root = here.parent.parent
    pot = root / "build" / "messages.pot"
    pot.parent.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(root / "babel.cfg"), "-k", "_", "-k", "gettext", "--no-location",
                    "--omit-header", "-o", str(pot), str(root)], check=True, cwd=root)
    with pot.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    missing = [m.id for m in catalog if m.id and m.id not in EN]
    if missing:
        raise SystemExit("no English for: " + ", ".join(missing))
    for message in catalog:
        if message.id:
            message.string = EN[message.id]
    out = here / "en" / "LC_MESSAGES"
    out.mkdir(parents=True, exist_ok=True)
    with (out / "messages.po").open("wb") as fh:
        write_po(fh, catalog, omit_header=True)
    with (out / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)


if __name__ == "__main__":
    build()
