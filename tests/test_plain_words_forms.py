"""Issue 11, plain words, the leftovers: the committee picks a scope by buildings from the roll
and never sees the internal scope syntax; a staff member's chosen language survives signing
in and out; the non-voter list reads in English too (printed notices stay Chinese)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from tests.staff_world import build, sign_in
from tests.test_plain_words import visible_text

FORM = {"title": "屋面防水", "matter": "use_fund", "budget": "1000.00",
        "item_title": ["防水"], "item_amount": ["1000.00"],
        "publicity_start": "2026-12-01T12:00", "voting_start": "2026-12-08T12:00",
        "voting_end": "2026-12-15T12:00"}
SYNTAX = re.compile(r"\b(all|building|entrance|unit)\s*:")  # the internal scope form
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)  # the roll: 1-1-101…202 (4 units), 2-1-101…201 (3)


def _scope_of(app, pid):
    from votes.extensions import db
    from votes.models import Proposal

    with app.app_context():
        return db.session.get(Proposal, pid).scope


def _save(client, **extra):
    r = client.post("/committee/c/SUN/proposals/new", data={**FORM, "action": "create", **extra})
    assert r.status_code == 302, visible_text(r.get_data(as_text=True))
    return int(r.headers["Location"].rsplit("/", 1)[1])


# --- Scope in words -------------------------------------------------------------------------

def test_the_form_offers_buildings_and_words_never_the_syntax(app, world, client):
    sign_in(client, "sun_committee")
    for lang in ("zh_CN", "en"):
        page = client.get(f"/committee/c/SUN/proposals/new?lang={lang}").get_data(as_text=True)
        assert not SYNTAX.search(page), SYNTAX.search(page)  # not even in attributes
        assert 'name="scope_building" value="2"' in page
    page = client.get("/committee/c/SUN/proposals/new?lang=zh_CN").get_data(as_text=True)
    text = visible_text(page)
    assert "表决与分摊范围" in text and "即为全体业主" in text
    assert "全体业主：7 户" in text  # live figures of the whole roll before any choice


@pytest.mark.parametrize("words, scope", [
    ("2号楼", "building:2"), ("2", "building:2"), (" 二号楼 ", "building:2"),
    ("1号楼、2号楼", "building:1,2"), ("1号楼1单元", "entrance:1-1"), ("2-1", "entrance:2-1"),
    ("1号楼1单元101室、2-1-102", "unit:1-1-101,2-1-102"), ("全体业主", "all"), ("", "all"),
    ("building:2号楼", "building:2"),  # the command line's form is still read
])
def test_typed_names_are_read_against_the_roll(app, world, client, words, scope):
    sign_in(client, "sun_committee")
    assert _scope_of(app, _save(client, scope=words)) == scope


def test_a_name_not_on_the_roll_is_refused_by_name(app, world, client):
    from votes.extensions import db
    from votes.models import Proposal

    sign_in(client, "sun_committee")
    with app.app_context():
        before = db.session.scalar(select(db.func.count(Proposal.id)))
    r = client.post("/committee/c/SUN/proposals/new?lang=zh_CN",
                    data={**FORM, "scope": "1号楼、9号楼", "action": "create"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "业主名册中没有“9号楼”" in visible_text(page)
    assert 'value="1号楼、9号楼"' in page and not SYNTAX.search(page)  # kept to correct
    r = client.post("/committee/c/SUN/proposals/new?lang=en",
                    data={**FORM, "scope": "3-1-1502", "action": "preview"})
    assert "“3-1-1502” is not on the roll" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Proposal.id))) == before


def test_live_figures_follow_boxes_and_words(app, world, client):
    sign_in(client, "sun_committee")
    live = client.get("/committee/c/SUN/scope-preview?lang=zh_CN&scope=2号楼").get_json()
    assert (live["units"], live["area"]) == (3, "310.00")
    assert live["summary"] == "2号楼：3 户，2 人，面积 310.00 m²"  # the developer counts once, live["summary"]
    boxes = client.get("/committee/c/SUN/scope-preview?building=1&entrance=2-1").get_json()
    assert boxes["units"] == 7 and boxes["words"] == "1号楼1单元、2号楼1单元"
    english = client.get("/committee/c/SUN/scope-preview?lang=en&scope=2").get_json()
    assert english["summary"].startswith("building 2: 3 units") and \
        not HAN.search(english["summary"])
    wrong = client.get("/committee/c/SUN/scope-preview?lang=zh_CN&scope=7号楼").get_json()
    assert wrong["ok"] is False and wrong["summary"] == "业主名册中没有“7号楼”"


def test_editing_a_draft_shows_its_scope_as_boxes_or_words(app, world, client):
    sign_in(client, "sun_committee")
    pid = _save(client, scope_building=["2"])
    page = client.get(f"/committee/p/{pid}/edit?lang=zh_CN").get_data(as_text=True)
    assert re.search(r'name="scope_building" value="2"\s+checked', page)
    assert not re.search(r'name="scope_building" value="1"\s+checked', page)
    assert 'id="scope" name="scope" size="40" value=""' in page and not SYNTAX.search(page)
    units = _save(client, scope="1-1-101、2-1-102")
    page = client.get(f"/committee/p/{units}/edit?lang=zh_CN").get_data(as_text=True)
    assert 'value="1号楼1单元101室、2号楼1单元102室"' in page and not SYNTAX.search(page)
    # Saved as shown, the scope is unchanged: the words read back to the same units.
    form = {**FORM, "scope": "1号楼1单元101室、2号楼1单元102室", "action": "create"}
    assert client.post(f"/committee/p/{units}/edit", data=form).status_code == 302
    assert _scope_of(app, units) == "unit:1-1-101,2-1-102"


def test_scope_words_in_the_core():
    from votes.core.refusal import Refusal
    from votes.core.roll import AreaBasis, UnitRecord
    from votes.core.scope_words import parse_scope_words

    def unit(building, entrance, room):
        return UnitRecord(f"{building}{entrance}{room}", building, entrance, room, 100,
                          AreaBasis.REGISTERED, ("k",))

    roll = [unit("3号楼", "1单元", "101"), unit("3号楼", "2单元", "101"),
            unit("A座", "", "1502"), unit("5", "1", "101")]
    assert str(parse_scope_words("3", roll)) == "building:3"
    assert str(parse_scope_words("3号楼、5号楼1单元", roll)) == "entrance:3-1,3-2,5-1"
    assert str(parse_scope_words("A座1502室", roll)) == "unit:A-1502"
    assert str(parse_scope_words("a-1502", roll)) == "unit:A-1502"
    # A building with units outside any entrance, with an entrance: only a unit list says it.
    assert str(parse_scope_words("A座、5-1", roll)) == "unit:5-1-101,A-1502"
    for wrong in ("4号楼", "3-3", "3-1-102", "3--1", "1-2-3-4", "3号楼:1单元"):
        with pytest.raises(Refusal):
            parse_scope_words(wrong, roll)


# --- The language survives signing in and out -----------------------------------------------

def test_english_is_kept_across_sign_in_and_out(app, world, client):
    page = client.get("/staff/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    r = sign_in(client, "sun_committee")
    home = client.get(r.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in home
    r = client.post("/staff/logout")
    assert r.status_code == 302
    assert '<html lang="en">' in client.get("/staff/login").get_data(as_text=True)
    # And Chinese chosen stays Chinese.
    client.get("/staff/login?lang=zh_CN")
    sign_in(client, "sun_committee")
    assert '<html lang="zh-CN">' in client.get("/committee/").get_data(as_text=True)


# --- Non-voters in English ------------------------------------------------------------------

def test_non_voters_read_in_english_and_the_sheet_stays_chinese(app, world, client):
    from openpyxl import load_workbook

    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}/non-voters"
    page = client.get(url + "?lang=zh_CN").get_data(as_text=True)
    voter = re.search(r'name="voter" value="([^"]+)"', page).group(1)
    r = client.post(f"/committee/p/{world['sun']['id']}/visits",
                    data={"voter": voter, "outcome": "not_home", "note": ""})
    assert r.status_code == 302
    chinese = visible_text(client.get(url + "?lang=zh_CN").get_data(as_text=True))
    assert "不在家 ·" in chinese and "1号楼1单元101室" in chinese and "将网上表决" in chinese
    english = visible_text(client.get(url + "?lang=en").get_data(as_text=True))
    assert "Not at home ·" in english and "Will vote online" in english
    assert "building 1, entrance 1, room 101" in english and "building 2" in english
    # Only data people typed (masked names, the title, the community) and the link to
    # Chinese may be in Chinese.
    rest = re.sub(r"[\u4e00-\u9fff]\*+|阳光地产有限公司|电梯更换|阳光花园|中文", "", english)
    assert not HAN.search(rest), HAN.findall(rest)
    sheet = load_workbook(io.BytesIO(client.get(url + "?format=xlsx&lang=en").data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "楼栋" and any(r[5] == "不在家" for r in rows[1:])
