"""Step 5.4: one flat, one unit of the roll. The import refuses two spellings of one flat
(`1/1/102` and `1号楼/1单元/102`), so a roll listing a flat twice is an operator's: a second
voter key with its own area, whose ballot counts. Checked for votes-bundle/2 only: rolls
imported before the import refused it could hold such a flat (docs/verification.md 5.4)."""

from __future__ import annotations


from tests.bundles import KEY_ID, Story, verify_json
from votes.core.bundle import FORMAT_V2
from votes.core.verifier import verify_bundle


def _story(extra: list[dict], *, older: bool = False) -> Story:
    story = Story()
    roll = story.roll
    roll["units"] += extra
    roll["total_area"] = sum(u["area"] for u in roll["units"])
    roll["total_headcount"] = len({u["voter"] for u in roll["units"]})
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z") \
        .paper("v-b", "disagree", "2026-12-02T02:00:00Z")
    for u in extra:
        story.paper(u["voter"], "agree", "2026-12-03T02:00:00Z")
    story.close()
    return story.as_version_2() if older else story


def _unit(unit_id: str, building: str, entrance: str, room: str, voter: str) -> dict:
    return {"unit_id": unit_id, "building": building, "entrance": entrance, "room": room,
            "area": 12000, "area_basis": "registered", "voter": voter}


FAKE = _unit("u8", "1号楼", "1单元", "102", "v-fake")  # u2 is 1/1/102


def test_a_flat_listed_twice_fails_5_4(tmp_path, capsys):
    code, report = verify_json(_story([FAKE]).bundle(), tmp_path, capsys)
    assert code == 1 and report["outcome"] == "failed"
    failures = report["failures"]
    assert [f["step"] for f in failures] == ["5.4"], failures
    message = failures[0]["message"]
    assert "u2" in message and "u8" in message and "1-1-102" in message, message


def test_other_spellings_of_the_same_flat_fail_5_4():
    """The canonical form of §5.9 for building and entrance, and the room's (室 dropped,
    full-width digits and leading zeros folded), as the import compares them."""
    twin = _unit("u9", "第一栋", "01", "０102室", "v-twin")
    report = verify_bundle(_story([twin]).bundle(), key_ids=[KEY_ID])
    assert {f.step for f in report.failures} == {"5.4"}, report.render()
    assert "u2" in report.render() and "u9" in report.render()


def test_neighbouring_flats_still_verify(tmp_path, capsys):
    others = [_unit("u8", "1号楼", "2单元", "102", "v-e"), _unit("u9", "1", "1", "1020", "v-f"),
              _unit("u10", "3", "", "102", "v-g")]
    code, report = verify_json(_story(others).bundle(), tmp_path, capsys)
    assert code == 0 and report["outcome"] == "verified", report


def test_an_older_format_roll_may_list_a_flat_twice(tmp_path, capsys):
    """Version 2's import kept '1/1/102' and '1号楼/1单元/102' as two units: a bundle of
    votes-bundle/1 is not failed for it."""
    data = _story([FAKE], older=True).bundle()
    code, report = verify_json(data, tmp_path, capsys, "--allow-format", FORMAT_V2)
    assert code == 0 and report["outcome"] == "verified", report
