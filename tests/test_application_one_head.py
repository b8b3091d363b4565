"""The application package is one moment of the vote: the form and tables read the same
chain the bundle inside it carries, even when an entry lands while the package is made."""

from __future__ import annotations

import csv
import io
import zipfile

from tests.money_world import low_balance_rows, passed_vote, works_done


def test_a_settlement_landing_mid_package_is_in_the_bundle_too(app, runner, tmp_path,
                                                               monkeypatch):
    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    works_done(runner, tmp_path, pid)

    from votes.services.money import application
    from votes.services.money.settlement import settle

    real_rows = application.apportionment_rows
    landed = []

    def rows_after_a_settlement(proposal):
        # The treasurer settles between the bundle's export and the tables' reading.
        if not landed:
            landed.append(settle(pid, final_cost=600000))
        return real_rows(proposal)

    monkeypatch.setattr(application, "apportionment_rows", rows_after_a_settlement)
    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert landed, "the settlement did land while the package was made"
    with zipfile.ZipFile(out) as z:
        table = z.read("apportionment.csv").decode("utf-8-sig")
        bundle = z.read("bundle.zip")
    assert "settled_share_yuan" in next(csv.reader(io.StringIO(table)))  # the table is settled
    with zipfile.ZipFile(io.BytesIO(bundle)) as b:
        chain = b.read(next(n for n in b.namelist() if "chain" in n)).decode("utf-8")
    assert '"settlement"' in chain, "the bundle in the package carries the settlement too"
