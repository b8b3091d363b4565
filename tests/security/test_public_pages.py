"""The public board's pages attacked by a stranger: no link, no sign-in, only the board's
address, and as many requests as they care to send."""

from __future__ import annotations

from tests.factories import assert_limited_per_address
from tests.money_world import passed_vote


def test_the_per_unit_list_is_limited_per_address(app, runner, tmp_path, client):
    """/p/<uid>/units reads the whole frozen roll and every chain line (the close's openings
    of every choice among them) and renders a row per flat on every request: about a second
    of a worker's core for 20,000 flats, against 50 ms for the board. Open to anyone, one
    address looping on it kept workers busy; it is limited like the share look-up."""
    vote = passed_vote(app, runner, tmp_path)
    assert_limited_per_address(app, client, f"/p/{vote['uid']}/units", 30)
    assert client.get(f"/p/{vote['uid']}").status_code == 200  # the board itself is not


def _with_document(app, runner, tmp_path) -> tuple[dict, str, bytes]:
    import hashlib

    from tests.factories import make_open_proposal

    vote = make_open_proposal(app, runner, tmp_path)
    content = b"%PDF-1.4\n" + b"0" * 100_000 + b"\n%%EOF\n"
    digest = hashlib.sha256(content).hexdigest()
    with app.app_context():
        from votes.extensions import db
        from votes.models import Proposal, ProposalDocument

        proposal = db.session.get(Proposal, vote["id"])
        proposal.documents.append(ProposalDocument(
            position=0, name="quote.pdf", sha256=digest, size=len(content),
            media_type="application/pdf", content=content))
        db.session.commit()
    return vote, digest, content


def test_a_public_document_is_limited_per_address(app, runner, tmp_path, client):
    """A document (up to 32 MB) is read from the database and sent whole to anyone who asks:
    one address looping on it kept a worker streaming and the database reading."""
    vote, _digest, _content = _with_document(app, runner, tmp_path)
    assert_limited_per_address(app, client, f"/p/{vote['uid']}/doc/0", 30)


def test_a_public_document_is_cached_and_revalidated_by_its_digest(app, runner, tmp_path,
                                                                   client):
    """A stored document never changes (a draft's are not public): its digest is its ETag,
    a browser or proxy may keep it, and one asking again with it gets 304 and no bytes,
    which does not count against the address's limit (nor do the bytes stream again)."""
    vote, digest, content = _with_document(app, runner, tmp_path)
    url = f"/p/{vote['uid']}/doc/0"
    r = client.get(url)
    assert r.status_code == 200 and r.data == content
    assert r.headers["ETag"] == f'"{digest}"'
    assert r.cache_control.public and r.cache_control.no_cache and not r.cache_control.no_store
    app.config["RATELIMIT_ENABLED"] = True
    for _ in range(40):  # more than the limit
        again = client.get(url, headers={"If-None-Match": f'"{digest}"'})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == f'"{digest}"'
    assert client.get(url).status_code == 200
    other = client.get(url, headers={"If-None-Match": '"' + "0" * 64 + '"'})
    assert other.status_code == 200 and other.data == content


RLO = "\u202e"  # right-to-left override


def test_a_roll_label_with_a_direction_control_never_reaches_the_public_board(app, runner,
                                                                              tmp_path):
    """A flat's building, entrance and room are shown to anyone: the share look-up's answer
    ("1号楼1单元101室：专有面积 89.50 m²，分摊 … 元。", one paragraph) and the per-unit list,
    as well as the notices and the frozen roll. A room typed "101" + U+202E reversed the
    rest of that paragraph, the area and the share with it: owners read other figures than
    those computed. Like a title or a contractor's name, the roll refuses such a label."""
    from sqlalchemy import func, select

    from tests.factories import make_roll_csv, make_row, sample_rows
    from votes.extensions import db
    from votes.models import Unit

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    for column in ("building", "entrance", "room"):
        rows = sample_rows()
        rows[0] = make_row(**{**rows[0], column: rows[0][column] + RLO})
        path = make_roll_csv(tmp_path / f"roll-{column}.csv", rows)
        result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
        assert result.exit_code != 0, (column, result.output)
        assert "控制字符" in result.output, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_a_community_name_with_a_direction_control_is_refused(app, runner, client):
    """The community's name heads every board ("阳光花园 · 表决中 · 表决时间 … 至 …", one
    line), the start page's list and the notices: U+202E in it reversed the voting times
    printed after it. The name refuses it, as a committee's name on the notices does."""
    result = runner.invoke(args=["community", "create", "SUN", "--name", f"阳光花园{RLO}"])
    assert result.exit_code != 0 and "显示方向" in result.output, result.output
    from tests.staff_world import PASSWORD

    assert runner.invoke(args=["users", "create", "--no-must-change", "root", "--role", "admin",
                               "--password", PASSWORD]).exit_code == 0
    assert client.post("/staff/login", data={"login": "root", "password": PASSWORD}
                       ).status_code == 302
    page = client.post("/admin/", data={"action": "community", "code": "MOON",
                                       "name": f"明月{RLO}小区"},
                       follow_redirects=True)
    assert "显示方向" in page.get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import Community

        assert db.session.scalar(select(func.count()).select_from(Community)) == 0


def test_no_public_page_is_offered_to_search_engines(app, runner, tmp_path, client):
    """The board, its per-unit list (whether 3号楼1单元502 voted, and how), the objections'
    texts and the documents are open to anyone who has the address, for the owners; a
    crawler that found the start page followed every link and a search for a flat's
    address or an owner's words found them for anyone, for as long as the vote is kept.
    Every response says noindex, documents and error pages included."""
    from datetime import timedelta

    vote, _digest, _content = _with_document(app, runner, tmp_path)
    uid = vote["uid"]
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=7, hours=1)
    assert runner.invoke(args=["proposal", "close", str(vote["id"])]).exit_code == 0
    for path in ("/", f"/p/{uid}", f"/p/{uid}/units", f"/p/{uid}/audit", f"/p/{uid}/doc/0",
                 f"/p/{uid}/share?building=1&room=101", f"/api/proposals/{uid}/chain",
                 "/.well-known/votes-keys.json", "/p/nope", "/staff/login"):
        r = client.get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
        assert "noindex" in r.headers.get("X-Robots-Tag", ""), (path, r.status_code)
