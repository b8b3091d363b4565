"""Community codes are typed by hand (votes community create, the administrator's form,
the committee's addresses /committee/c/CODE): `moon` beside `MOON` were two estates a clerk
or a regulator could not tell apart. A new code equal to an existing one but for case is
refused, naming the community that has it; nothing is created."""

from __future__ import annotations

from tests.staff_world import staff_client


def _codes(app) -> list[str]:
    with app.app_context():
        from votes.services.communities import list_communities

        return [c.code for c in list_communities()]


def test_the_cli_refuses_a_code_differing_only_in_case(app, runner):
    made = runner.invoke(args=["community", "create", "MOON", "--name", "月亮花园"])
    assert made.exit_code == 0, made.output
    result = runner.invoke(args=["community", "create", "moon", "--name", "月光小区"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "MOON" in result.output and "月亮花园" in result.output, result.output
    assert "大小写" in result.output
    assert _codes(app) == ["MOON"]
    again = runner.invoke(args=["community", "create", "MOON", "--name", "月光小区"])
    assert again.exit_code == 1 and "已存在" in again.output
    assert runner.invoke(args=["community", "create", "MOON-2", "--name", "月光小区"]) \
        .exit_code == 0


def test_the_admin_form_refuses_a_code_differing_only_in_case(app, runner):
    assert runner.invoke(args=["community", "create", "Sun", "--name", "阳光花园"]).exit_code == 0
    client = staff_client(app, runner, "admin1", "--role", "admin")
    page = client.post("/admin/", data={"action": "community", "code": "SUN", "name": "阳光二期"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Sun" in page and "阳光花园" in page and "大小写" in page
    assert "已创建小区" not in page
    assert _codes(app) == ["Sun"]
    english = client.post("/admin/?lang=en", data={"action": "community", "code": "sun",
                                                   "name": "阳光二期"},
                          follow_redirects=True).get_data(as_text=True)
    assert "differs only in case" in english and "Sun" in english
    assert _codes(app) == ["Sun"]


def test_a_code_typed_in_another_case_finds_the_one_community(app, runner):
    """`--community moon` for MOON said 没有编码为 moon 的小区; the code names one community
    whatever its case (new codes can no longer differ by case alone). Where an older
    database holds both spellings, the one typed exactly is taken."""
    from votes.services.communities import get_community

    assert runner.invoke(args=["community", "create", "MOON", "--name", "月亮花园"]).exit_code == 0
    with app.app_context():
        assert get_community("moon").code == "MOON"
        assert get_community("MOON").code == "MOON"
        from votes.services.errors import NotFound

    assert runner.invoke(args=["community", "create", "PARK", "--name", "公园小区"]).exit_code == 0
    with app.app_context():
        from votes.services.errors import NotFound

        try:  # the Kelvin sign: str.lower() makes it k, but it is no letter of a code
            get_community("PAR\u212a")
        except NotFound:
            pass
        else:
            raise AssertionError("PAR + Kelvin sign found PARK")
    shown = runner.invoke(args=["roll", "show", "--community", "moon"])
    assert "没有编码为" not in shown.output, shown.output
    with app.app_context():  # an older database's two spellings, made before the refusal
        from votes.extensions import db
        from votes.models import Community

        db.session.add(Community(code="moon", name="月光小区", rules={}))
        db.session.commit()
        assert get_community("moon").name == "月光小区"
        assert get_community("MOON").name == "月亮花园"
        from votes.services.errors import NotFound

        try:
            get_community("Moon")
        except NotFound as refused:
            assert "MOON、moon" in refused.message
        else:
            raise AssertionError("Moon fits both spellings: it must not pick one")


def test_one_community_named_twice_in_two_cases_makes_one_membership(app, runner):
    """`users create … --community moon --community MOON`: both spellings name MOON since
    codes are read whatever their case, and the account was refused with the database's
    IntegrityError (a traceback) for a membership added twice. It serves MOON once."""
    from tests.staff_world import PASSWORD

    assert runner.invoke(args=["community", "create", "MOON", "--name", "月亮花园"]).exit_code == 0
    made = runner.invoke(args=["users", "create", "--no-must-change", "moon_member", "--role",
                               "committee", "--community", "moon", "--community", "MOON",
                               "--password", PASSWORD])
    assert made.exit_code == 0 and made.exception is None, (made.output, made.exception)
    with app.app_context():
        from votes.services.staff import all_users

        from votes.services.communities import get_community

        member = next(u for u in all_users() if u.login == "moon_member")
        assert [c.community_id for c in member.communities] == [get_community("MOON").id]
