"""Two communities in two districts, an open vote in each, and one account per role."""

from __future__ import annotations

from tests import snapshots
from tests.factories import make_open_proposal, make_roll_csv

PASSWORD = "correct horse battery"


def build(app, runner, tmp_path) -> dict:
    """Kept per process and put back, as make_open_proposal's proposal is
    (tests/snapshots.py): some 50 tests' fixtures build this same world."""
    app.config["RATELIMIT_ENABLED"] = True
    for code in ("SUN", "MOON"):  # as make_draft writes them, put back or not
        make_roll_csv(tmp_path / f"roll-{code}.csv")
    return dict(snapshots.replay(app, ("staff world",), lambda: _build(app, runner, tmp_path)))


def _build(app, runner, tmp_path) -> dict:
    sun = make_open_proposal(app, runner, tmp_path, code="SUN")
    moon = make_open_proposal(app, runner, tmp_path, code="MOON")
    with app.app_context():
        from votes.services.communities import get_community
        from votes.services.tx import unit_of_work

        with unit_of_work():
            get_community("SUN").jurisdiction = "350502"
            get_community("MOON").jurisdiction = "350503"
    for args in (["admin1", "--role", "admin"],
                 ["sun_committee", "--role", "committee", "--community", "SUN"],
                 ["district", "--role", "regulator", "--jurisdiction", "350502"]):
        result = runner.invoke(args=["users", "create", "--no-must-change", *args, "--password", PASSWORD])
        assert result.exit_code == 0, result.output
    return {"sun": sun, "moon": moon, "t0": sun["t0"]}


def sign_in(client, login: str):
    r = client.post("/staff/login", data={"login": login, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)
    return r


def own_password(client, current: str = PASSWORD, new: str = "mine-alone-123"):
    """The signed-in member replaces the password an administrator set for them (which
    they must before any other staff page opens)."""
    r = client.post("/staff/password", data={"current": current, "password": new,
                                             "again": new})
    assert r.status_code == 302, r.get_data(as_text=True)
    return r


def committee_clerk(runner, code: str = "SUN", login: str = "clerk") -> None:
    """A committee member of `code`, with password PASSWORD."""
    _account(runner, login, "--role", "committee", "--community", code)


def _account(runner, login: str, *role: str) -> None:
    result = runner.invoke(args=["users", "create", "--no-must-change", login, *role, "--password", PASSWORD])
    assert result.exit_code == 0, result.output


def staff_client(app, runner, login: str, *role: str):
    """A browser signed in as a new account (`role`: the options of `votes users create`)."""
    _account(runner, login, *role)
    client = app.test_client()
    sign_in(client, login)
    return client


def clerk_client(app, runner, code: str = "SUN", login: str = "clerk"):
    """A browser signed in as a new committee member of `code`."""
    return staff_client(app, runner, login, "--role", "committee", "--community", code)


def enter_paper(client, url: str, room: str, *, choice: str = "agree", scan=(b"\xff\xd8\xff scan", "scan.jpg"),
                **fields):
    """The committee's paper entry form for building 1, entrance 1, `room`, sent with one
    scan (bytes, file name); `fields` add or replace form fields (a proxy's, say)."""
    import io

    return client.post(f"{url}/paper", data={
        "building": "1", "entrance": "1", "room": room, "choice": choice, "channel": "paper",
        "evidence": (io.BytesIO(scan[0]), scan[1]), **fields})


def preview_roll(client, tmp_path) -> str:
    """A committee member's preview of a two-flat roll for SUN; the confirm's token."""
    import io

    from tests.factories import make_row, resident_id

    roll = make_roll_csv(tmp_path / "upload.csv", [
        make_row(room="101", owner_name="张三", owner_id=resident_id(1)),
        make_row(room="909", owner_name="新户", owner_id=resident_id(9))])
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(roll.read_bytes()), "upload.csv")}).get_data(as_text=True)
    assert "将导入" in page, page
    return page.split('name="token" value="')[1].split('"')[0]
