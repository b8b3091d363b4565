"""The committee's pages on a roll of thousands of units read it as plain rows: a unit as an
ORM object (with its owners) only for the rows a page shows. 5,000 units took 1.3-1.7 s for
the community page and 3.5 s for each live scope preview while drafting."""

from __future__ import annotations

import re

from sqlalchemy import event

from tests.factories import make_roll_csv, make_row, resident_id
from tests.staff_world import committee_clerk, sign_in
from votes.web.tables import PER_PAGE

UNITS = 2 * PER_PAGE + 20


def test_pages_load_only_the_units_they_show(app, runner, tmp_path):
    from votes.models import Unit

    rows = [make_row(building=str(1 + n // 60), room=f"{1 + n % 60 // 4}0{1 + n % 4}",
                     owner_name=f"业主{n}", owner_id=resident_id(n), area=f"{50 + n}.00")
            for n in range(UNITS)]
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv", rows)
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    committee_clerk(runner)
    client = app.test_client()
    sign_in(client, "clerk")

    loaded = []
    listener = lambda target, context: loaded.append(target.id)  # noqa: E731
    event.listen(Unit, "load", listener)
    try:
        page = client.get("/committee/c/SUN?sort=area&page=2").get_data(as_text=True)
        assert 0 < len(loaded) <= PER_PAGE
        # The largest first: the second page starts at the 51st largest area.
        areas = re.findall(r'<td class="num"[^>]*>([\d,]+\.\d\d)</td>', page)[::2]  # area, fund
        assert areas[0] == f"{50 + UNITS - 1 - PER_PAGE:,}.00" and len(areas) == PER_PAGE
        assert "业*" in page and "业主1" not in page  # owners masked, as before

        loaded.clear()
        preview = client.get("/committee/c/SUN/scope-preview?scope=building:2&budget=1000")
        assert preview.status_code == 200 and loaded == []
        assert "60" in preview.get_data(as_text=True)
        assert client.get("/committee/c/SUN/proposals/new").status_code == 200
        assert loaded == []
    finally:
        event.remove(Unit, "load", listener)
