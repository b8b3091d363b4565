"""A ballots file out of all proportion to the vote, and scans that share a file name: the
committee page must answer quickly and plainly, and never enter a ballot on the wrong scan."""

from __future__ import annotations

import io

from tests.factories import make_open_proposal
from tests.staff_world import clerk_client
from tests.test_procedure import _chain

HEADER = "楼栋,单元,房号,意见,方式,凭证,录入人\n"


def _post(staff, vote, csv_text, scans):
    return staff.post(f"/committee/p/{vote['id']}/paper", data={
        "csv": (io.BytesIO(csv_text.encode()), "b.csv"),
        "evidence": [(io.BytesIO(content), name) for name, content in scans]})


def _ballots(app, vote):
    return [e for e in _chain(app, vote) if e["kind"] == "ballot"]


def test_a_file_with_far_more_rows_than_voters_is_refused_before_it_is_read(app, runner,
                                                                             tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    staff = clerk_client(app, runner)
    rows = "".join(f"9,1,{n},同意,纸质,a.jpg,clerk\n" for n in range(20_000))
    # A broken row at the very end: a file read to its end would be refused for that.
    page = _post(staff, vote, HEADER + rows + '1,1,"101\n', [("a.jpg", b"\xff\xd8\xff form")])
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "行数超过" in text and "格式错误" not in text, text[:2000]
    assert len(text) < 20_000
    assert _ballots(app, vote) == []


def test_only_the_first_problems_of_a_file_are_listed_with_a_count_of_the_rest(app, runner,
                                                                               tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    staff = clerk_client(app, runner)
    # Within the cap, every row refused twice (no such flat, no such choice).
    rows = "".join(f"9,1,{n},也许,纸质,a.jpg,clerk\n" for n in range(100))
    page = _post(staff, vote, HEADER + rows, [("a.jpg", b"\xff\xd8\xff form")])
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert text.count("<tr><td>") == 101, text.count("<tr><td>")  # 100 and the rest's count
    assert "另有 100 个问题未列出" in text
    assert _ballots(app, vote) == []


def test_the_cli_refuses_a_file_with_far_more_rows_than_voters(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8\xff form")
    rows = "".join(f"9,1,{n},同意,纸质,a.jpg,clerk\n" for n in range(20_000))
    (tmp_path / "b.csv").write_text(HEADER + rows, encoding="utf-8")
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), str(tmp_path / "b.csv")])
    assert result.exit_code != 0 and "行数超过" in result.output, result.output[:2000]
    assert len(result.output) < 20_000


def test_two_scans_with_one_file_name_are_refused_not_one_kept(app, runner, tmp_path):
    """Rows name scans by file name: with two uploads of one name, the row's ballot would
    carry whichever came last, perhaps another owner's form."""
    vote = make_open_proposal(app, runner, tmp_path)
    staff = clerk_client(app, runner)
    page = _post(staff, vote, HEADER + "1,1,101,同意,纸质,scan.jpg,clerk\n",
                 [("scan.jpg", b"\xff\xd8\xff form of 1-101"), ("scan.jpg", b"\xff\xd8\xff form of 2-201")])
    assert page.status_code == 400
    assert "scan.jpg" in page.get_data(as_text=True) and "同名" in page.get_data(as_text=True)
    assert _ballots(app, vote) == []
    # The same file chosen twice is one scan, and enters.
    again = _post(staff, vote, HEADER + "1,1,101,同意,纸质,scan.jpg,clerk\n",
                  [("scan.jpg", b"\xff\xd8\xff form of 1-101"), ("scan.jpg", b"\xff\xd8\xff form of 1-101")])
    assert again.status_code == 302, again.get_data(as_text=True)
    assert len(_ballots(app, vote)) == 1
