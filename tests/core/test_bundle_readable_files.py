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


def _columns(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_report_txt_lines_fit_a_text_editor_and_the_values_line_up():
    """A 200-character community name and title were one line each (about 400 columns: a
    text editor without word wrap shows the first few words, the rest off to the right), a
    threshold line ran past 100 columns, and each "中文 English: value" started its value
    wherever its label ended. Lines now fit 80 columns (a CJK character is two), a long
    value continues under itself, and the labels' values start in one column."""
    story = Story(proposal=dict(base_proposal_with(
        community="阳光花园" + "东区第一期高层住宅小区" * 18, title="第一期电梯更换" + "题" * 193,
        scope="building:A-3栋 东,12号楼 东"))).genesis()
    story.paper("v-a", "agree", "2026-12-01T02:00:00Z").paper("v-b", "disagree",
                                                              "2026-12-02T02:00:00Z").close()
    report = _report(story)
    lines = report.splitlines()
    assert max(_columns(line) for line in lines) <= 80, report
    name = story.proposal["community"]["name"][:200]
    flat = "".join(line.strip() for line in lines)
    assert name in flat and story.proposal["title"] in flat
    labelled = [line for line in lines if line.startswith(("小区", "事项", "类型", "范围",
                                                            "预算", "表决时间", "专有部分总面积",
                                                            "总人数", "参与 ", "同意 ", "反对 "))]
    starts = {_columns(line[:line.index(": ") + 2]) + len(line[line.index(": ") + 2:]) -
              len(line[line.index(": ") + 2:].lstrip()) for line in labelled}
    assert len(labelled) >= 11 and len(starts) == 1, labelled
    continued = lines[lines.index(next(x for x in lines if x.startswith("小区"))) + 1]
    assert _columns(continued) - _columns(continued.lstrip()) == starts.pop()
    # Nothing a reader copies whole is broken: the chain head stays on one line.
    head = next(x for x in lines if "记录链" in x or "head" in x)
    assert any(len(w) == 64 for w in " ".join(lines[lines.index(head):]).split()), report


def base_proposal_with(*, community: str, title: str, scope: str) -> dict:
    from tests.bundles import base_proposal

    p = base_proposal()
    p["community"] = dict(p["community"], name=community[:200])
    return dict(p, title=title, scope=scope)


def _field(report: str, label: str) -> str:
    """A labelled value of report.txt, its continuation lines joined, without spaces (a
    line may break at one)."""
    lines = report.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(label))
    value = [lines[at].split(": ", 1)[1].strip()]
    for line in lines[at + 1:]:
        if not line.startswith(" ") or not line.strip():
            break
        value.append(line.strip())
    return "".join(value).replace(" ", "")


def _scoped(scope: str, roll=None, budget=None) -> str:
    from tests.bundles import base_proposal

    proposal = dict(base_proposal(), scope=scope)
    if budget is not None:
        proposal.update(budget=budget, items=[{"title": "电梯", "amount": budget}])
    story = Story(proposal=proposal, **({"roll": roll} if roll else {})).genesis()
    return _report(story.paper("v-a", "agree", "2026-12-01T02:00:00Z").close())


def test_report_txt_names_the_scope_in_words_and_keeps_its_code():
    """The scope was printed as its code (`building:1`, `unit:1-1-101,…`), which no
    committee member reads; the words the notices use come first now, the code after it
    in brackets (as the matter is) for whoever compares it with proposal.json."""
    assert _field(_scoped("building:1,2"), "范围 Scope") == "1号楼、2号楼(building:1,2)"
    assert _field(_scoped("entrance:1-1"), "范围 Scope") == "1号楼1单元(entrance:1-1)"
    assert _field(_scoped("unit:1-1-101,2-1-201"), "范围 Scope") == \
        "1号楼1单元101室、2号楼1单元201室(unit:1-1-101,2-1-201)"
    assert _field(_scoped("all"), "范围 Scope") == "全小区(all)"


def test_a_unit_scope_reads_each_flat_by_its_own_labels_from_the_roll():
    """A room may hold "-": building 3, no entrance, room 1-101 has the label 3-1-101, which
    cut at its dashes reads 3号楼1单元101室, a flat that does not exist."""
    roll = base_roll()
    roll["units"][0].update(building="3", entrance="", room="1-101")
    assert _field(_scoped("unit:3-1-101", roll=roll), "范围 Scope") == \
        "3号楼1-101室(unit:3-1-101)"


def test_report_txt_writes_the_budget_with_thousands_separators():
    """1234567.89 元 had to be counted digit by digit; every notice writes 1,234,567.89."""
    assert _field(_scoped("all", budget=123456789), "预算 Budget") == "1,234,567.89元"
    assert _field(_scoped("all", budget=5), "预算 Budget") == "0.05元"


def test_a_scope_that_is_no_scope_is_still_exported_as_it_is():
    """The exporter writes what the database holds, for the verifier to refuse (step 5.9):
    report.txt prints the code alone where it cannot be read."""
    assert _field(_scoped("building :1,2"), "范围 Scope") == "building:1,2"
