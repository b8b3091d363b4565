"""Community codes are typed by hand (votes community create, the administrator's form,
the committee's addresses /committee/c/CODE): `moon` beside `MOON` were two estates a clerk
or a regulator could not tell apart. A new code equal to an existing one but for case is
refused, naming the community that has it; nothing is created."""

from __future__ import annotations

import pytest

from tests.races import held_race
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
    with app.app_context():  # the database itself refuses a second spelling (codes_0001)
        from sqlalchemy.exc import IntegrityError

        from votes.extensions import db
        from votes.models import Community

        db.session.add(Community(code="moon", name="月光小区", rules={}))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
        else:
            raise AssertionError("the database kept moon beside MOON")
        assert get_community("Moon").name == "月亮花园"


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


@pytest.mark.postgresql_only
def test_two_creations_at_once_make_one_community(app, monkeypatch):
    """MOON and moon created at once (two administrators): the one held after its check
    goes on, the other waits for it and is refused in words, naming it."""
    from votes.services import communities

    def create(who):
        code, name = {"A": ("MOON", "月亮花园"), "B": ("moon", "月光小区")}[who]
        return communities.create_community(code, name).code

    outcome = held_race(app, monkeypatch, communities, "_refuse_taken", create)
    assert outcome["A"] == "MOON", outcome
    assert "大小写" in outcome["B"] and "月亮花园" in outcome["B"], outcome
    assert _codes(app) == ["MOON"]


def test_a_code_taken_by_another_writer_meanwhile_is_refused_in_words(app, monkeypatch):
    """Another program (a restore, psql) inserts moon after the check found the code free
    and before the insert, without the log's lock the service takes: the database's unique
    index on lower(code) refuses the insert, and the creator is told as the check tells,
    not shown an IntegrityError; nothing of it is kept."""
    from sqlalchemy import func, select, text

    from votes.extensions import db
    from votes.models import AuditEntry
    from votes.services import communities

    real = communities._refuse_taken
    calls = []

    def meanwhile(session, code):
        real(session, code)
        calls.append(code)
        if len(calls) == 1:
            with db.engine.begin() as other:
                other.execute(text("INSERT INTO communities (code, name, rules, created_at) "
                                   "VALUES ('moon', '月光小区', '{}', CURRENT_TIMESTAMP)"))

    monkeypatch.setattr(communities, "_refuse_taken", meanwhile)
    with app.app_context():
        with pytest.raises(communities.DomainError) as refused:
            communities.create_community("MOON", "月亮花园")
        assert "大小写" in refused.value.message and "月光小区" in refused.value.message
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "community.create")) == 0
    assert _codes(app) == ["moon"]
