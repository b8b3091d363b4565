"""Works on a vote whose chain was started by a release before version 3 of the spec.

Such a vote is exported as votes-bundle/1 (docs/verification.md §9.1), whose chain holds
only genesis, device, ballot and close entries. Works recorded on it were appended to the
chain all the same: the bundle then failed step 1.5 on every works entry, with or without
`--allow-format votes-bundle/1`, and so did the fund application package — a vote that
verified stopped verifying, for good (the chain cannot take an entry back). The works are
now refused on such a vote, on the CLI and on the web, and nothing is written."""

from __future__ import annotations

import io

from tests.money_world import evidence, passed_vote_before_version_3, staff_accounts
from tests.older_format import verdict
from tests.staff_world import sign_in

WHY = "旧格式"


def _evidence_count(app) -> int:
    with app.app_context():
        from votes.extensions import db
        from votes.models import Evidence

        return db.session.query(Evidence).count()


def test_works_are_refused_on_the_cli_and_the_bundle_still_verifies(app, runner, tmp_path,
                                                                     monkeypatch):
    pid = passed_vote_before_version_3(app, runner, tmp_path, monkeypatch)["pid"]
    steps = (["contract", "--contractor", "福州电梯工程有限公司", "--amount", "6000.00",
              "--evidence", evidence(tmp_path)],
             ["payment", "--amount", "1000.00", "--evidence", evidence(tmp_path, "v.pdf", b"v")],
             ["acceptance", "--date", "2026-12-30", "--participant", "业委会", "--evidence",
              evidence(tmp_path, "photo.jpg", b"\xff\xd8 photo")],
             ["settle", "--final-cost", "6000.00"])
    before = _evidence_count(app)
    for stage, *rest in steps:
        result = runner.invoke(args=["works", stage, pid, *rest])
        assert result.exit_code == 1, (stage, result.output)
        assert WHY in result.output and "votes-bundle/1" in result.output, result.output
        assert "Traceback" not in result.output
    shown = runner.invoke(args=["works", "show", pid])
    assert shown.exit_code == 0 and "阶段：-" in shown.output, shown.output
    assert _evidence_count(app) == before  # no upload kept for a refused step

    kinds, status, _out = verdict(app, runner, tmp_path, pid)
    assert kinds == ["genesis", "ballot", "ballot", "ballot", "ballot", "close"]
    assert status == 0
    out = tmp_path / "application.zip"  # the package is still made, its bundle verified
    result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output


def test_the_works_page_says_so_and_a_posted_step_is_refused(app, runner, tmp_path,
                                                             monkeypatch, client):
    pid = passed_vote_before_version_3(app, runner, tmp_path, monkeypatch)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}/works").get_data(as_text=True)
    assert WHY in page and 'id="record-contract"' not in page, page

    posted = client.post(f"/committee/p/{pid}/works/contract", data={
        "contractor": "甲公司", "amount": "6000",
        "evidence": [(io.BytesIO(b"%PDF-1.4 c"), "contract.pdf")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert posted.status_code == 400  # refused, on the works page with what was typed
    body = posted.get_data(as_text=True)
    assert WHY in body and "合同已登记" not in body, body
    kinds, status, _out = verdict(app, runner, tmp_path, pid)
    assert "works" not in kinds and status == 0
