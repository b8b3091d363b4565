"""A roll imported before the import refused look-alike cells is refused at its freeze.

The import now refuses a unit label holding a letter of another script (a Cyrillic А that
prints as the Latin A), an owner ID holding one (a Cyrillic Х) and one ID written two ways
(with and without a hyphen) on two rows (tests/security/test_roll_lookalikes.py). A roll in
the database from before held them all the same, and a vote frozen on it counted one owner
as two voters, or printed two flats alike. Its freeze (the publicity's start, from the
command line or the committee's page) is refused with the import's words, naming the flat,
and nothing of the freeze is left; the roll imported again without them opens."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.factories import make_draft, make_roll_csv, resident_id
from tests.staff_world import clerk_client

HYPHENED = resident_id(1)[:6] + "-" + resident_id(1)[6:]  # 张三's, as a second row wrote it


def _as_an_old_import_left_it(app, case: str) -> None:
    """What an import before the checks took: written straight into the roll's tables."""
    from votes.extensions import db
    from votes.models import Owner, Unit
    from votes.services import privacy

    with app.app_context():
        encrypt, hashed = privacy.encryptor(), privacy.id_hasher()
        decrypt = privacy.decryptor()
        owners = {decrypt(o.name_enc): o for o in db.session.scalars(select(Owner))}
        if case == "label":  # 2 / 1 / 102 written with a Cyrillic А for its building's "2"
            unit = db.session.scalar(select(Unit).where(Unit.building == "2",
                                                        Unit.room == "102"))
            unit.building = "А"
        elif case == "id spelled twice":  # 李四's row gave 张三's ID with a hyphen
            owner = owners["李四"]
            owner.name_enc, owner.id_enc = encrypt("张三"), encrypt(HYPHENED)
            owner.id_hash = hashed(HYPHENED)
        else:  # 赵六's ID pasted with a Cyrillic Х
            owner = owners["赵六"]
            typed = resident_id(4)[:-1] + "Х"
            owner.id_enc, owner.id_hash = encrypt(typed), hashed(typed)
        db.session.commit()


SAID = {"label": ("А / 1 / 102", "楼栋含有“А”：房屋编号只能使用汉字、数字和拉丁字母"),
        "id spelled twice": ("1 / 1 / 102", "证件号码与房屋“1 / 1 / 101”的证件号码是同一号码的不同写法"),
        "cyrillic id": ("1 / 1 / 202", "证件号码含有“Х”：证件号码只能包含数字和拉丁字母")}


def _nothing_frozen(app, pid: int) -> None:
    from votes.extensions import db
    from votes.models import AuditEntry, FrozenUnit, FrozenVoter, Proposal, VoterAccess

    with app.app_context():
        proposal = db.session.get(Proposal, pid)
        assert proposal.state == "draft" and proposal.frozen_at is None
        for model in (FrozenUnit, FrozenVoter, VoterAccess):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
        assert not db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "proposal.publicity"))


@pytest.mark.parametrize("case", list(SAID))
def test_the_freeze_refuses_a_roll_holding_look_alikes_with_the_imports_words(
        app, runner, tmp_path, case):
    pid = make_draft(app, runner, tmp_path, extra=())
    _as_an_old_import_left_it(app, case)
    unit, words = SAID[case]

    result = runner.invoke(args=["proposal", "start-publicity", str(pid)])
    assert result.exit_code == 1, result.output
    assert f"房屋“{unit}”：{words}" in result.output, result.output
    assert "较早导入" in result.output and "重新导入名册" in result.output, result.output
    assert "Traceback" not in result.output
    _nothing_frozen(app, pid)

    page = clerk_client(app, runner).post(f"/committee/p/{pid}/move/start-publicity",
                                          data={"confirm": "1"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert f"房屋“{unit}”：{words}" in text, text
    _nothing_frozen(app, pid)

    # The committee mends the roll and imports it again: the draft opens.
    roll = make_roll_csv(tmp_path / "mended.csv")
    again = runner.invoke(args=["roll", "import", "--community", "SUN", "--replace", str(roll)])
    assert again.exit_code == 0, again.output
    opened = runner.invoke(args=["proposal", "start-publicity", str(pid)])
    assert opened.exit_code == 0, opened.output
    shown = json.loads(runner.invoke(args=["proposal", "show", str(pid), "--json"]).output)
    assert shown["state"] == "publicity"


def test_an_honest_roll_opens_with_every_look_alike_rule_asked(app, runner, tmp_path):
    """Co-owners, an owner of two flats, a developer of several, IDs ending in X: no rule
    of the freeze's takes them for look-alikes."""
    pid = make_draft(app, runner, tmp_path, extra=())
    result = runner.invoke(args=["proposal", "start-publicity", str(pid)])
    assert result.exit_code == 0, result.output
