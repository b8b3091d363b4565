"""A demo community with a proposal open for voting, for trying the app in a minute."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from votes.extensions import db
from votes.models import Community, Proposal
from votes.services import clock

DEMO_CODE = "DEMO"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
          "涛", "明", "超", "秀英", "华", "建国"]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _resident_id(n: int) -> str:
    body = f"350502{1950 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]


def demo_roll_csv() -> bytes:
    """144 units in 3 buildings: some co-owned, some owners with two units, developer stock."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["楼栋", "单元", "房号", "面积", "面积依据", "业主姓名", "证件号码",
                     "业主类型", "手机号", "分户账余额", "首期交存额"])
    n = 0
    for building in (1, 2, 3):
        for entrance in (1, 2):
            for floor in range(1, 13):
                for side in (1, 2):
                    n += 1
                    room = f"{floor}{side:02d}"
                    area = 8950 + (side * 2100) + (building * 37)
                    basis = "登记" if n % 10 else ("实测" if n % 20 else "合同")
                    balance = area * 45  # about 45 yuan per m² paid in, none spent yet: its first deposit
                    a, b = area // 100, area % 100
                    unit = [building, entrance, room, f"{a}.{b:02d}", basis]
                    if building == 3 and entrance == 2 and floor >= 10:
                        writer.writerow(unit + ["阳光置业有限公司", "91350500MA31DEMO0X", "开发建设单位",
                                                "", "", ""])
                        continue
                    owner = n if n % 17 else n - 1  # every 17th unit's owner also owns the last
                    name = _SURNAMES[owner % 20] + _GIVEN[(owner * 7) % 20]
                    money = f"{balance // 100}.{balance % 100:02d}"
                    writer.writerow(unit + [name, _resident_id(owner), "个人",
                                            f"139{owner:08d}", money, money])
                    if n % 9 == 0:  # co-owned by a spouse
                        spouse = 500 + n
                        writer.writerow(unit + [_SURNAMES[spouse % 20] + _GIVEN[spouse % 20],
                                                _resident_id(spouse), "个人", "", money, money])
    return out.getvalue().encode("utf-8")


DEMO_STAFF = (("demo-admin", "admin", {}), ("demo-committee", "committee",
                                            {"communities": (DEMO_CODE,)}),
              ("demo-regulator", "regulator", {"jurisdiction": "350502"}))
DEMO_PASSWORD = "demo-password-2026"
DEMO_OBJECTION_DAYS = "7"


def ensure_demo_staff() -> list[tuple[str, str]]:
    """Demo sign-ins (login, role); the password is DEMO_PASSWORD. Demo data only."""
    from votes.models import StaffUser
    from votes.services.staff import create_user

    for login, role, scope in DEMO_STAFF:
        if db.session.scalar(select(StaffUser.id).where(StaffUser.login == login)) is None:
            create_user(login, DEMO_PASSWORD, role, actor="demo", **scope)
    return [(login, role) for login, role, _ in DEMO_STAFF]


def ensure_demo() -> Proposal:
    """Create the demo community and its open proposal unless they exist; return it."""
    from votes.services.communities import create_community, set_rules
    from votes.services.lifecycle import refresh
    from votes.services.proposal_create import ProposalDraft, create_proposal
    from votes.services.roll_import import import_roll

    community = db.session.scalar(select(Community).where(Community.code == DEMO_CODE))
    if community is None:
        create_community(DEMO_CODE, "阳光花园（演示）", "350502")
        # A rule of procedure to try (§17): after the close, a preliminary result and 7 days
        # for objections before the final one.
        set_rules(DEMO_CODE, "use_fund", {"objection_days": DEMO_OBJECTION_DAYS}, actor="demo")
        import_roll(DEMO_CODE, "demo-roll.csv", data=demo_roll_csv())
        community = db.session.scalar(select(Community).where(Community.code == DEMO_CODE))
    proposal = db.session.scalar(select(Proposal).where(Proposal.community_id == community.id)
                                 .order_by(Proposal.id.desc()))
    if proposal is None or proposal.state in ("closed", "published"):
        now = clock.now()
        proposal = create_proposal(ProposalDraft(
            community=DEMO_CODE, title="1号楼电梯更换", matter="use_fund", scope="building:1",
            budget="356000.00",
            items=("1单元电梯更换:178000.00", "2单元电梯更换:178000.00"),
            description="1号楼两部电梯已运行18年，多次困人。拟更换为新电梯，费用由1号楼业主按面积分摊。",
            publicity_start=(now - timedelta(days=8)).isoformat(),
            voting_start=(now - timedelta(hours=1)).isoformat(),
            voting_end=(now + timedelta(days=14)).isoformat()),
            created_at=now - timedelta(days=8, minutes=1), schedule=True)
    return refresh(proposal)


def demo_voters(proposal: Proposal, count: int = 2) -> list[tuple[str, str, str]]:
    """(unit label, voting link, ID suffix) of a few voters who have not voted yet."""
    from votes.models import FrozenUnit, VoterAccess
    from votes.services.access import voter_link
    from votes.services.second_factor import _owners
    from votes.services.notices import unit_label

    from votes.services.tally import voted_voters

    voted = voted_voters(db.session, proposal)
    found = []
    for access in db.session.scalars(select(VoterAccess).where(
            VoterAccess.proposal_id == proposal.id).order_by(VoterAccess.id)):
        owners = [o for o in _owners(proposal, access.voter_key) if o["kind"] == "person"]
        if access.voter_key in voted or not owners:
            continue
        unit = db.session.scalar(select(FrozenUnit).where(
            FrozenUnit.proposal_id == proposal.id, FrozenUnit.voter_key == access.voter_key))
        found.append((unit_label(unit), voter_link(proposal, access), owners[0]["id"][-6:]))
        if len(found) == count:
            break
    return found
