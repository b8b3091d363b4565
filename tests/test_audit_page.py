"""The audit page as an administrator or a regulator reads it: what an entry was done to,
and every entry reachable, not just the latest few hundred."""

from __future__ import annotations

import re

import pytest

from tests.staff_world import build, sign_in

LONG = "一号楼二号楼三号楼电梯更换及井道防水与机房空调整体改造工程"


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _rows(page: str) -> dict[int, str]:
    return {int(seq): row for seq, row in re.findall(r"<tr><td>(\d+)</td>(.*?)</tr>", page, re.S)}


def test_an_entry_names_the_vote_it_was_done_to(app, world, client, runner):
    """A vote's entries showed only its database number in 对象: a reader could not tell
    which vote was opened, exported or closed without guessing URLs."""
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", LONG, "--matter", "use_fund",
        "--scope", "all", "--budget", "100", "--item", "修缮:100",
        "--publicity-start", "2026-12-20T09:00", "--voting-start", "2027-01-01T09:00",
        "--voting-end", "2027-01-08T09:00"])
    assert result.exit_code == 0, result.output
    long_id = int(result.output.strip())
    for login in ("admin1", "district"):
        sign_in(client, login)
        page = client.get("/admin/audit").get_data(as_text=True)
        opened = [r for r in _rows(page).values() if "开始表决" in r]
        sun = world["sun"]["id"]
        assert any(f'href="/regulator/p/{sun}" title="电梯更换">电梯更换</a>' in r
                   for r in opened), opened
        created = [r for r in _rows(page).values() if f'/regulator/p/{long_id}"' in r]
        assert created, login
        assert LONG not in created[0].split(f'title="{LONG}"')[-1]  # shortened on screen
        assert f'title="{LONG}"' in created[0]  # whole on hover
        assert "…" in created[0]


def test_the_audit_page_says_it_shows_the_latest_entries_and_pages_to_older_ones(
        app, world, client, monkeypatch):
    """The page stopped at the latest 500 entries without a word: a reader looking for an
    older entry concluded it did not exist. It now says how many it shows and pages back."""
    from votes.web import admin

    monkeypatch.setattr(admin, "AUDIT_PAGE", 3)
    sign_in(client, "admin1")
    page = client.get("/admin/audit").get_data(as_text=True)
    with app.app_context():
        from votes.services.audit import entries

        total = len(entries())
    assert total > 6
    seen = list(_rows(page))
    assert seen == list(range(total - 1, total - 4, -1))
    assert 'id="audit-partial"' in page and "3" in page.split('id="audit-partial"')[1][:200]
    while 'id="audit-older"' in page:
        link = re.search(r'id="audit-older" href="([^"]+)"', page).group(1).replace("&amp;", "&")
        page = client.get(link).get_data(as_text=True)
        assert 'id="audit-latest"' in page
        seen += list(_rows(page))
    assert seen == list(range(total - 1, -1, -1))
    assert 'id="audit-partial"' in page  # the last page still says it is a part
    english = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "older" in english.lower()
    everything = client.get("/admin/audit?before=abc")  # a hand-typed bound: the latest
    assert everything.status_code == 200 and list(_rows(everything.get_data(as_text=True))) == \
        seen[:3]
    for odd in ("²", "9" * 5000):  # digits to str.isdigit(), which int() refuses
        assert client.get(f"/admin/audit?before={odd}").status_code == 200


def test_the_audit_csv_lets_a_reader_recompute_every_digest(app, world, client):
    """The CSV's details were a Python dict printout ({'units': 6, ...}): no program could
    read them, nor recompute an entry's digest from its row; its times were UTC without
    saying so, and a community was a bare database number."""
    import csv
    import hashlib
    import io
    import json

    sign_in(client, "admin1")
    text = client.get("/admin/audit?format=csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:6] == ["seq", "time_utc", "actor", "action", "community",
                                 "community_code"]
    prev = "0" * 64
    for row in rows:
        details = json.loads(row["details"])
        assert isinstance(details, dict)
        assert row["time_utc"].endswith("Z")
        fields = {"seq": int(row["seq"]), "prev": row["prev"], "time": row["time_utc"],
                  "actor": row["actor"], "action": row["action"],
                  "community": int(row["community"]) if row["community"] else None,
                  "target": row["target"], "details": details}
        body = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert hashlib.sha256(body.encode("utf-8")).hexdigest() == row["digest"], row
        assert row["prev"] == prev
        prev = row["digest"]
        # What witnesses were served for it (/api/audit/digests), to compare with their
        # records: keyed, never the digest itself.
        served = client.get(f"/api/audit/digests/{row['seq']}").get_json()["digest"]
        assert row["published"] == served != row["digest"]
    imported = [r for r in rows if r["action"] == "roll.import"]
    assert {r["community_code"] for r in imported} == {"SUN", "MOON"}
    assert all(r["community_code"] == "" for r in rows if not r["community"])
