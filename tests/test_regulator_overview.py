"""The regulator's overview of a district with years of votes: the page shown is computed,
not every proposal the district ever held (each costs several queries)."""

from __future__ import annotations

import csv
import io
import re

from tests.factories import make_roll_csv
from tests.staff_world import sign_in, staff_client
from votes.web.tables import PER_PAGE

VOTES = PER_PAGE + 7


def district(app, runner, tmp_path):
    from datetime import datetime, timezone

    app.config["VOTES_NOW"] = datetime(2026, 11, 19, 1, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    with app.app_context():
        from votes.services.communities import get_community
        from votes.services.tx import unit_of_work

        with unit_of_work():
            get_community("SUN").jurisdiction = "350502"
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    for n in range(VOTES):  # one a week: the latest voting end is the last one made
        day = 1 + n % 28
        month = 1 + n // 28
        result = runner.invoke(args=[
            "proposal", "create", "--community", "SUN", "--title", f"事项{n:02d}",
            "--matter", "use_fund", "--scope", "all", "--budget", "100", "--item", "修缮:100",
            "--voting-start", f"2027-{month:02d}-{day:02d}T09:00",
            "--voting-end", f"2027-{month:02d}-{day:02d}T18:00"])
        assert result.exit_code == 0, result.output
    return staff_client(app, runner, "district", "--role", "regulator",
                        "--jurisdiction", "350502")


def titles(html: str) -> list[str]:
    return re.findall(r"事项\d\d", html)


def test_the_overview_computes_only_the_page_it_shows(app, runner, tmp_path, monkeypatch):
    from votes.services import oversight

    client = district(app, runner, tmp_path)
    computed = []
    real = oversight.figures_or_damage
    monkeypatch.setattr(oversight, "figures_or_damage",
                        lambda ref: computed.append(ref) or real(ref))

    first = client.get("/regulator/").get_data(as_text=True)
    assert len(computed) == PER_PAGE
    shown = titles(first)
    assert shown[0] == f"事项{VOTES - 1:02d}" and len(set(shown)) == PER_PAGE

    computed.clear()
    second = titles(client.get("/regulator/?page=2").get_data(as_text=True))
    assert len(computed) == VOTES - PER_PAGE
    assert sorted(second + shown) == sorted(f"事项{n:02d}" for n in range(VOTES))
    assert second[-1] == "事项00"  # the earliest voting end last

    computed.clear()
    by_end = titles(client.get("/regulator/?sort=end").get_data(as_text=True))
    assert len(computed) == PER_PAGE and by_end[0] == "事项00"

    # A sort by a figure needs every proposal's; so does the CSV, which lists them all.
    computed.clear()
    assert client.get("/regulator/?sort=turnout").status_code == 200
    assert len(computed) == VOTES
    computed.clear()
    table = client.get("/regulator/?format=csv").get_data(as_text=True).lstrip("\ufeff")
    assert len(computed) == VOTES and len(list(csv.reader(io.StringIO(table)))) == VOTES + 1


def test_the_regulators_start_filter_keeps_votes_opening_that_day(app, runner, tmp_path):
    """The overview's "开始不晚于" field is a date (what <input type=date> sends); it was read
    as the first second of that day, so a vote opening at 09:00 on it was left out of the
    page and of the CSV a regulator files as "every vote begun by then"."""
    from tests.money_world import passed_vote, staff_accounts

    passed_vote(app, runner, tmp_path)  # voting 2026-12-01 09:00 to 12-08 09:00 (Beijing)
    staff_accounts(app, runner)
    regulator = app.test_client()
    sign_in(regulator, "district")

    def rows(query: str) -> int:
        r = regulator.get(f"/regulator/?{query}&format=csv")
        assert r.status_code == 200
        return len(list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))) - 1

    assert rows("until=2026-12-01") == 1
    assert rows("until=2026-11-30") == 0
    assert rows("until=2026-12-01T08:59") == 0  # a time given is taken as given
    assert rows("since=2026-12-08") == 1 and rows("since=2026-12-09") == 0


def test_a_date_filter_that_is_no_date_is_said_and_no_unfiltered_csv_is_given(app, runner,
                                                                              tmp_path):
    """An invalid "截止不早于" or "开始不晚于" silently turned both filters off while the page
    still showed what was typed: a regulator exporting "every vote begun by then" got every
    vote. The page now says which filter is not a date, keeps the other, and gives no CSV."""
    from tests.money_world import passed_vote, staff_accounts

    passed_vote(app, runner, tmp_path)  # voting 2026-12-01 09:00 to 12-08 09:00 (Beijing)
    staff_accounts(app, runner)
    regulator = app.test_client()
    sign_in(regulator, "district")
    r = regulator.get("/regulator/?since=2026-12-09&until=2026-13-45")
    page = r.get_data(as_text=True)
    assert "开始不晚于“2026-13-45”不是有效时间" in page
    assert "/regulator/p/" not in page  # the valid filter still applies: no vote ends after
    # Emergency uses (no vote) are a state of their own, as ?state=emergency always read.
    assert '<option value="emergency" >应急使用（未经表决）</option>' in page
    r = regulator.get("/regulator/?until=soon&format=csv")
    assert r.mimetype == "text/html" and "开始不晚于“soon”不是有效时间" in r.get_data(as_text=True)
