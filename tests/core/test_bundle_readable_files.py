"""The bundle's human-readable members as the people who open them read them: report.txt
in a text editor (a committee member, a regulator) and ballots.csv in a spreadsheet. Both are
informative (docs/verification.md §2.1): no verifier step reads them."""

from __future__ import annotations

from types import SimpleNamespace

from tests.bundles import Story, base_roll, files_of, good_story
from votes.core.procedure_report import after_close_report


def _report(story=None) -> str:
    return files_of((story or good_story()).bundle())["report.txt"].decode("utf-8")


def test_report_txt_gives_the_voting_window_in_beijing_time_and_says_so():
    """The window was printed as the chain's UTC text labelled "(UTC)": a committee member
    read 2026-12-01T01:00:00Z as one o'clock, eight hours off the notices' 09:00."""
    report = _report()
    assert "2026-12-01 09:00" in report and "2026-12-08 09:00" in report, report
    assert "北京时间" in report
    # The chain's own UTC text stays beside it, for whoever compares it with chain.jsonl.
    assert "2026-12-01T01:00:00Z" in report


def test_objections_and_the_final_result_are_dated_in_beijing_time():
    def entry(seq, kind, time, body):
        return SimpleNamespace(seq=seq, entry={"kind": kind, "time": time, "body": body})

    text = after_close_report([
        entry(9, "objection", "2026-12-08T16:30:00Z", {"channel": "paper", "text": "ab" * 32}),
        entry(11, "result", "2026-12-15T02:00:00Z",
              {"passed": True, "preliminary_passed": True, "objections": [9]})])
    assert "2026-12-09 00:30 北京时间" in text and "2026-12-15 10:00 北京时间" in text, text
    assert "T16:30:00Z" not in text


def _sheet(story=None) -> list[dict]:
    import csv
    import io

    data = files_of((story or good_story()).bundle())["ballots.csv"]
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _labelled(labels: dict) -> Story:
    """good_story with the roll's units relabelled: unit id -> (building, entrance, room)."""
    roll = base_roll()
    for u in roll["units"]:
        u["building"], u["entrance"], u["room"] = labels.get(u["unit_id"], (
            u["building"], u["entrance"], u["room"]))
    story = Story(roll=roll).genesis()
    return (story.paper("v-a", "agree", "2026-12-01T02:00:00Z")
            .paper("v-b", "agree", "2026-12-02T02:00:00Z")
            .paper("v-c", "disagree", "2026-12-03T02:00:00Z").close())


def test_ballots_csv_names_each_unit_by_building_entrance_and_room_unambiguously():
    """A ballot's units were written `building-entrance-room`, several joined by spaces,
    but labels are free text: A-3 / (none) / 1-101 and A / 3-1 / 101 both read A-3-1-101,
    and a two-unit ballot of 12号楼 东 … read as more units. Each part has its own column,
    and a ballot of several units has one row per unit with its area, under one seq."""
    long = ("A-3栋 东 " + "阳光花园东区第一期高层住宅" * 5)[:64]
    rows = _sheet(_labelled({"u1": ("12号楼 东", "1", "101"), "u3": ("12号楼", "东-1", "101"),
                             "u2": ("A-3", "", "1-101"), "u4": (long, "单元 1", "室-1")}))
    assert "房屋 units" not in rows[0]
    units = [(r["序号 seq"], r["楼栋 building"], r["单元 entrance"], r["房号 room"],
              r["面积 area (m²)"], r["意见 choice"]) for r in rows]
    assert units == [("1", "12号楼 东", "1", "101", "89.50", "同意 agree"),
                     ("1", "12号楼", "东-1", "101", "75.25", "同意 agree"),
                     ("2", "A-3", "", "1-101", "120.00", "同意 agree"),
                     ("3", long, "单元 1", "室-1", "60.00", "反对 disagree")]


def test_ballots_csv_gives_each_ballot_s_time_in_beijing_time_beside_utc():
    """The sheet had only the chain's UTC time: a ballot cast at 10:00 in Beijing read
    02:00. A column in Beijing time now comes beside it; the UTC column stays as it was."""
    rows = _sheet()
    assert rows[0]["时间 time (UTC)"] == "2026-12-01T02:00:00Z"
    assert rows[0]["时间 time (北京时间 Beijing time)"] == "2026-12-01 10:00"
