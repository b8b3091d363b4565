"""Issue 12, rules of procedure: proxies (委托), parking spaces and storerooms, ownership
transfers during the vote — through the CLI, the committee's pages and the bundle."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

from sqlalchemy import select

from tests.factories import make_open_proposal, make_row, resident_id, sample_rows, voter_token
from tests.staff_world import clerk_client
from tests.test_owner_http import cast, verified

PROXY_ID = "110101199003070011"  # 钱七, who holds proxies


def _verify(runner, vote, tmp_path):
    from votes.core.verifier import verify_bundle

    bundle = tmp_path / "bundle.zip"
    result = runner.invoke(args=["export", str(vote["id"]), "-o", str(bundle)])
    assert result.exit_code == 0, result.output
    return verify_bundle(bundle.read_bytes(), trust_bundle_keys=True)


def _ballots_file(tmp_path, rows, name="ballots.csv") -> str:
    """Each form a row names is its own file; the proxy's one letter serves every principal."""
    for row in rows:
        (tmp_path / row[5]).write_bytes(b"%PDF-1.4 signed ballot " + row[5].encode())
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4 written authorisation")
    lines = ["楼栋,单元,房号,意见,方式,凭证,录入人,受托人,受托人证件号码,授权委托书,受托人为物业员工"]
    lines += [",".join(r) for r in rows]
    (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(tmp_path / name)


def _proxy_row(building, room, staff="否", proxy_id=PROXY_ID):
    return (building, "1", room, "同意", "委托", f"form-{building}-{room}.pdf", "clerk", "钱七",
            proxy_id, "letter.pdf", staff)


def _chain(app, vote):
    from votes.extensions import db
    from votes.models import Proposal
    from votes.services.records import chain_entries

    with app.app_context():
        return [s.entry for s in chain_entries(db.session.get(Proposal, vote["id"]))]


# -- community settings ---------------------------------------------------------------------

def test_rules_of_procedure_default_to_the_civil_code_and_refuse_bad_values(app, runner):
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    shown = runner.invoke(args=["community", "rules", "SUN"])
    assert "受托人代理户数不限" in shown.output and "车位、储藏室计入" in shown.output
    for bad in ("proxy_limit=0.5", "proxy_limit=-3", "proxy_staff_barred=maybe",
                "excluded_kinds=dwelling", "excluded_kinds=车位,住宅"):
        result = runner.invoke(args=["community", "rules", "SUN", "--set", bad])
        assert result.exit_code != 0 and "Traceback" not in result.output, bad
        assert "无效" in result.output, result.output
    result = runner.invoke(args=["community", "rules", "SUN", "--set", "proxy_limit=3",
                                 "--set", "proxy_staff_barred=on",
                                 "--set", "excluded_kinds=车位,储藏室"])
    assert result.exit_code == 0, result.output
    assert "最多代理 3 户" in result.output and "不得作为受托人" in result.output
    assert "不计入表决面积和人数：车位、储藏室" in result.output
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry, Community

        community = db.session.scalar(select(Community).where(Community.code == "SUN"))
        assert community.rules["proxy_limit"] == 3
        assert community.rules["excluded_kinds"] == ["parking", "storeroom"]
        audits = [e.details for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "community.rules"))]
        assert audits == [{"matter": "use_fund", "proxy_limit": "3", "proxy_staff_barred": "on",
                           "excluded_kinds": "车位,储藏室"}]  # the refused ones left no trace
    result = runner.invoke(args=["community", "rules", "SUN", "--set", "proxy_limit=none"])
    assert "受托人代理户数不限" in result.output


def test_full_width_digits_are_read_in_objection_days_and_proxy_limit(app, runner):
    """A Chinese keyboard in full-width mode types １５ for 15: publicity_days folded it
    (NFKC), objection_days and proxy_limit refused it as no number."""
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    wide = runner.invoke(args=["community", "rules", "SUN", "--set", "objection_days= １５ ",
                               "--set", "proxy_limit=１５"])
    assert wide.exit_code == 0, wide.output
    assert "异议期 15 天" in wide.output and "最多代理 15 户" in wide.output
    for bad in ("objection_days=３１", "objection_days=１５天", "proxy_limit=１５户"):
        refused = runner.invoke(args=["community", "rules", "SUN", "--set", bad])
        assert refused.exit_code == 1 and "Traceback" not in refused.output, bad


# -- proxies --------------------------------------------------------------------------------

def test_a_proxy_holds_at_most_three_principals_the_fourth_is_refused(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=3"])
    four = [_proxy_row("1", "101"), _proxy_row("1", "102"), _proxy_row("1", "202"),
            _proxy_row("2", "201")]
    result = runner.invoke(args=["ballots", "import", str(vote["id"]),
                                 _ballots_file(tmp_path, four)])
    assert result.exit_code != 0
    assert "第 5 行" in result.output and "达到议事规则规定的上限" in result.output
    assert "第 4 行" not in result.output  # the first three rows were fine
    assert "1101**************" in result.output and PROXY_ID not in result.output
    assert len(_chain(app, vote)) == 1  # nothing entered

    result = runner.invoke(args=["ballots", "import", str(vote["id"]),
                                 _ballots_file(tmp_path, four[:3])])
    assert result.exit_code == 0, result.output
    # The limit holds across the whole vote: a later file with a fourth principal fails,
    # and the ID is matched however it is spelled (lower-case x, spaces).
    spelled = _proxy_row("2", "201", proxy_id=" " + PROXY_ID[:6] + " " + PROXY_ID[6:])
    result = runner.invoke(args=["ballots", "import", str(vote["id"]),
                                 _ballots_file(tmp_path, [spelled], "late.csv")])
    assert result.exit_code != 0 and "上限" in result.output
    # Another proxy may hold the fourth, on a letter of their own (a letter names one proxy).
    (tmp_path / "letter-77.pdf").write_bytes(b"%PDF-1.4 written authorisation of 77")
    other = _proxy_row("2", "201", proxy_id=resident_id(77))[:9] + ("letter-77.pdf", "否")
    result = runner.invoke(args=["ballots", "import", str(vote["id"]),
                                 _ballots_file(tmp_path, [other], "other.csv")])
    assert result.exit_code == 0, result.output

    entries = [e for e in _chain(app, vote) if e["kind"] == "ballot"]
    holders = [e["body"]["proxy"]["holder"] for e in entries]
    assert len(set(holders[:3])) == 1 and holders[3] != holders[0]
    assert PROXY_ID not in json.dumps(entries)
    with app.app_context():
        from votes.extensions import db
        from votes.models import ProxyRecord
        from votes.services.privacy import decrypt

        records = list(db.session.scalars(select(ProxyRecord).order_by(ProxyRecord.seq)))
        assert [decrypt(r.id_enc) for r in records] == [PROXY_ID] * 3 + [resident_id(77)]
        assert PROXY_ID.encode() not in records[0].id_enc and decrypt(records[0].name_enc) == "钱七"
    report = _verify(runner, vote, tmp_path)
    assert not report.failures, report.render()


def test_the_limit_holds_on_the_committee_form_too(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=1"])
    staff = clerk_client(app, runner)

    def enter(room, letter=True):
        data = {"building": "1", "entrance": "1", "room": room, "choice": "agree",
                "channel": "proxy", "proxy_name": "钱七", "proxy_id": PROXY_ID,
                "company_staff": "否", "evidence": (io.BytesIO(b"\xff\xd8\xff form " + room.encode()), "f.jpg")}
        if letter:
            data["authorisation"] = (io.BytesIO(b"\xff\xd8\xff letter"), "letter.jpg")
        return staff.post(f"/committee/p/{vote['id']}/paper", data=data)

    missing = enter("101", letter=False)
    assert missing.status_code == 400 and "授权委托书" in missing.get_data(as_text=True)
    assert enter("101").status_code == 302
    second = enter("102")
    assert second.status_code == 400 and "上限" in second.get_data(as_text=True)
    page = staff.get(f"/committee/p/{vote['id']}").get_data(as_text=True)
    assert "受托人" in page and "授权委托书" in page  # the form asks for them


def test_company_staff_may_not_hold_a_proxy_where_the_rules_bar_it(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_staff_barred=on"])
    pid = str(vote["id"])
    result = runner.invoke(args=["ballots", "import", pid, _ballots_file(
        tmp_path, [_proxy_row("1", "101", staff="是")])])
    assert result.exit_code != 0 and "禁止物业服务企业工作人员" in result.output
    undeclared = _proxy_row("1", "101", staff="")
    result = runner.invoke(args=["ballots", "import", pid, _ballots_file(tmp_path, [undeclared])])
    assert result.exit_code != 0 and "须声明" in result.output
    result = runner.invoke(args=["ballots", "import", pid, _ballots_file(
        tmp_path, [_proxy_row("1", "101", staff="否")])])
    assert result.exit_code == 0, result.output
    genesis, ballot = _chain(app, vote)[0], _chain(app, vote)[-1]
    assert genesis["body"]["rules"]["proxy_staff_barred"] is True
    assert ballot["body"]["proxy"]["company_staff"] is False
    assert not _verify(runner, vote, tmp_path).failures


# -- parking spaces and storerooms ----------------------------------------------------------

def test_an_owner_cannot_be_their_own_proxy(app, runner, tmp_path):
    """A proxy ballot whose proxy's ID number is the owner's own was accepted: the owner's
    vote recorded as a proxy's, counted against the "proxy"'s limit, with a letter in which
    the owner authorised themself. The owner signs their own form: it is a paper ballot.
    A co-owner signs for the unit as an owner too; a buyer of a flat sold during the vote
    likewise is no proxy of themself."""
    vote = make_open_proposal(app, runner, tmp_path)
    spelled = resident_id(4)[:6] + " " + resident_id(4)[6:].lower()  # 赵六 owns 1-202
    rows = [_proxy_row("1", "202", proxy_id=spelled),
            _proxy_row("1", "102", proxy_id=resident_id(3))]  # 王五, with 李四
    result = runner.invoke(args=["ballots", "import", str(vote["id"]),
                                 _ballots_file(tmp_path, rows)])
    assert result.exit_code != 0
    assert "第 2 行" in result.output and "第 3 行" in result.output
    assert result.output.count("受托人就是该户业主本人") == 2, result.output
    staff = clerk_client(app, runner)
    form = staff.post(f"/committee/p/{vote['id']}/paper", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree",
        "channel": "proxy", "proxy_name": "赵六", "proxy_id": resident_id(4),
        "company_staff": "否", "evidence": (io.BytesIO(b"\xff\xd8\xff form"), "f.jpg"),
        "authorisation": (io.BytesIO(b"\xff\xd8\xff letter"), "letter.jpg")})
    page = form.get_data(as_text=True)
    assert form.status_code == 400 and "受托人就是该户业主本人" in page and "纸质" in page
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 new certificate")
    (tmp_path / "buyer.pdf").write_bytes(b"%PDF-1.4 buyer's ballot")
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4 written authorisation")
    sold = runner.invoke(args=[
        "ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
        "--room", "202", "--choice", "agree", "--buyer-name", "周九",
        "--buyer-id", resident_id(10), "--transfer-evidence", str(tmp_path / "deed.pdf"),
        "--form", str(tmp_path / "buyer.pdf"), "--entered-by", "clerk",
        "--proxy-name", "周九", "--proxy-id", resident_id(10),
        "--authorisation", str(tmp_path / "letter.pdf"), "--proxy-company-staff", "no"])
    assert sold.exit_code != 0 and "受托人就是新业主本人" in sold.output, sold.output
    assert len(_chain(app, vote)) == 1  # nothing entered


def parking_rows():
    """The sample roll plus 张三's parking space and 孙八, who owns only a storeroom."""
    rows = [dict(r, unit_kind="住宅") for r in sample_rows()]
    rows.append(make_row(building="P", entrance="", room="001", area="12.50",
                         owner_name="张三", owner_id=resident_id(1), unit_kind="车位"))
    rows.append(make_row(building="P", entrance="", room="002", area="8.00",
                         owner_name="孙八", owner_id=resident_id(9), unit_kind="储藏室"))
    return rows


def test_the_scope_preview_counts_as_the_vote_will(app, runner, tmp_path):
    """While drafting, the committee's live line under the scope ("全体业主：N 户，H 人，
    面积 A m²") counted the parking space and 孙八's storeroom that the community's rules
    leave out: 6 heads and 675.25 m², where the saved draft and the vote count 5 and
    654.75 m². The heads and area are now the counted ones; the units and each unit's share
    of the cost still cover the whole scope."""
    from tests.factories import make_draft
    from tests.staff_world import clerk_client

    pid = make_draft(app, runner, tmp_path, rows=parking_rows(),
                     rules=["excluded_kinds=parking,storeroom"])
    client = clerk_client(app, runner)
    live = client.get("/committee/c/SUN/scope-preview",
                      query_string={"scope": "", "budget": "6547.50"}).get_json()
    assert (live["units"], live["headcount"], live["area"]) == (9, 5, "654.75"), live
    shown = json.loads(runner.invoke(args=["proposal", "show", str(pid), "--json"]).output)
    assert (shown["total_area"], shown["total_headcount"]) == (65475, 5)
    page = client.post("/committee/c/SUN/proposals/new", data={
        "title": "t", "scope": "", "budget": "6547.50", "action": "preview"})
    text = page.get_data(as_text=True)
    assert "9 户，5 人，面积 654.75 m²" in text  # the shares: every unit
    # A unit without an entrance is P座001室, as the notices print it (it read P--001 here);
    # the community's roll page lists the roll's own labels (P-001).
    assert "<td>P座001室</td>" in text and "<td>P座002室</td>" in text and "P--" not in text
    roll = client.get("/committee/c/SUN", query_string={"sort": "area"}).get_data(as_text=True)
    # The roll's cells carry their column's name (stacked on a phone): <td data-label=…>.
    assert re.search(r"<td[^>]*>P-001</td>", roll) and "P--" not in roll
    assert re.search(r"<td[^>]*>1-1-101</td>", roll)


def test_the_non_voters_to_chase_are_those_who_have_a_vote(app, runner, tmp_path):
    """孙八 owns only a storeroom, which the rules leave out: he has no vote (a paper ballot
    for him is refused), yet the door-to-door list of non-voters and its Excel named him
    to chase, and the list never said 所有业主都已表决 while he was on it."""
    import io

    from openpyxl import load_workbook

    from tests.factories import make_open_proposal
    from tests.staff_world import clerk_client

    vote = make_open_proposal(app, runner, tmp_path, rows=parking_rows(),
                              rules=["excluded_kinds=parking,storeroom"])
    client = clerk_client(app, runner)
    url = f"/committee/p/{vote['id']}/non-voters"
    page = client.get(url).get_data(as_text=True)
    assert "1号楼1单元101室" in page and "P座002室" not in page and "孙*" not in page
    sheet = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").data)).active
    assert not any("P座002室" in str(c.value) for row in sheet.iter_rows() for c in row)
    rows = [("1", "1", "101"), ("1", "1", "102"), ("1", "1", "202"), ("2", "1", "101"),
            ("2", "1", "201")]
    lines = ["building,entrance,room,choice,channel,evidence,entered_by"]
    for i, (b, e, r) in enumerate(rows):
        (tmp_path / f"f{i}.pdf").write_bytes(f"%PDF-1.4 form {b}-{e}-{r}".encode())
        lines.append(f"{b},{e},{r},agree,paper,f{i}.pdf,clerk")
    (tmp_path / "all.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = runner.invoke(args=["ballots", "import", str(vote["id"]), str(tmp_path / "all.csv")])
    assert done.exit_code == 0, done.output
    assert "所有业主都已表决" in client.get(url).get_data(as_text=True)


def test_parking_left_out_of_the_thresholds_but_charged(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path, rows=parking_rows(),
                              rules=["excluded_kinds=parking,storeroom"])
    pid = str(vote["id"])
    shown = json.loads(runner.invoke(args=["proposal", "show", pid, "--json"]).output)
    # The sample's 654.75 m² and 5 voters: neither the parking space nor 孙八 count.
    assert (shown["total_area"], shown["total_headcount"]) == (65475, 5)
    with app.app_context():
        from votes.extensions import db
        from votes.models import FrozenUnit

        units = {u.building + "-" + u.room: u for u in db.session.scalars(
            select(FrozenUnit).where(FrozenUnit.proposal_id == vote["id"]))}
        # ... yet everyone pays by area over all 674.75 m² (budget 6547.50 yuan).
        assert sum(u.share for u in units.values()) == 654750
        total = 65475 + 1250 + 800
        assert units["P-001"].kind == "parking"
        assert abs(units["P-001"].share * total - 654750 * 1250) < total  # by area, to the fen
        assert abs(units["P-002"].share * total - 654750 * 800) < total
    # 孙八 holds only a storeroom: no vote, whatever the channel.
    form = (tmp_path / "form.pdf")
    form.write_bytes(b"scan")
    (tmp_path / "p.csv").write_text("楼栋,单元,房号,意见,方式,凭证,录入人\nP,,002,同意,纸质,form.pdf,"
                                    "clerk\n", encoding="utf-8")
    result = runner.invoke(args=["ballots", "import", pid, str(tmp_path / "p.csv")])
    assert result.exit_code != 0 and "不参加本次表决" in result.output
    owner = app.test_client()
    owner.get(f"/v/{voter_token(app, vote, room='002', building='P')}")
    owner.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": resident_id(9)[-6:]})
    page = owner.get(f"/p/{vote['uid']}/ballot").get_data(as_text=True)
    assert "不参加本次表决" in page and 'id="next"' not in page and "元" in page
    # 张三 votes: his parking space adds nothing to the participating area.
    (tmp_path / "z.csv").write_text("楼栋,单元,房号,意见,方式,凭证,录入人\n1,1,101,同意,纸质,form.pdf,"
                                    "clerk\n", encoding="utf-8")
    assert runner.invoke(args=["ballots", "import", pid, str(tmp_path / "z.csv")]).exit_code == 0
    shown = json.loads(runner.invoke(args=["proposal", "show", pid, "--json"]).output)
    assert shown["participating_area"] == 8950 + 7525 and shown["participating_headcount"] == 1
    report = _verify(runner, vote, tmp_path)
    assert not report.failures, report.render()
    roll_kinds = _chain(app, vote)[0]["body"]["rules"]["excluded_kinds"]
    assert roll_kinds == ["parking", "storeroom"]
    text = runner.invoke(args=["proposal", "show", pid]).output
    assert "议事规则：" in text and "不计入表决面积和人数：车位、储藏室" in text


def test_a_unit_kind_the_roll_cannot_read_is_refused(app, runner, tmp_path):
    from tests.factories import make_roll_csv

    runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"])
    roll = make_roll_csv(tmp_path / "r.csv", [make_row(unit_kind="别墅")])
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)])
    assert result.exit_code != 0 and "房屋类型" in result.output and "别墅" in result.output


# -- ownership transfers --------------------------------------------------------------------

def _transfer(runner, vote, tmp_path, room="202", choice="agree"):
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 new certificate")
    (tmp_path / "buyer.pdf").write_bytes(b"%PDF-1.4 buyer's ballot " + room.encode())
    return runner.invoke(args=[
        "ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
        "--room", room, "--choice", choice, "--buyer-name", "周九", "--buyer-id", resident_id(10),
        "--transfer-evidence", str(tmp_path / "deed.pdf"), "--form", str(tmp_path / "buyer.pdf"),
        "--entered-by", "clerk"])


def test_the_transfer_supersedes_the_sellers_online_ballot(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    seller = app.test_client()
    verified(seller, app, vote, room="202", suffix=resident_id(4)[-6:])  # 赵六 owns 1-202
    r, _ = cast(seller, vote, "disagree")
    assert "/receipt/" in r.headers["Location"]
    result = _transfer(runner, vote, tmp_path)
    assert result.exit_code == 0, result.output
    entries = _chain(app, vote)
    seller_ballot, buyer_ballot = [e for e in entries if e["kind"] == "ballot"][-2:]
    assert buyer_ballot["body"]["voter"] == seller_ballot["body"]["voter"]
    assert buyer_ballot["body"]["transfer"] and buyer_ballot["body"]["channel"] == "paper"
    assert "周九" not in json.dumps(entries) and resident_id(10) not in json.dumps(entries)
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry, Transfer
        from votes.services.privacy import decrypt

        t = db.session.scalar(select(Transfer))
        assert decrypt(t.buyer_name_enc) == "周九" and t.superseded_seq == seller_ballot["seq"]
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ballots.enter"))
        assert audit.details["transfers"] == [{"entry": buyer_ballot["seq"],
                                               "supersedes": seller_ballot["seq"]}]
    # At the close the buyer's agree counts, not the seller's disagree.
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", str(vote["id"])]).exit_code == 0
    shown = json.loads(runner.invoke(args=["proposal", "show", str(vote["id"]), "--json"]).output)
    assert shown["agree_headcount"] == 1 and shown["disagree_headcount"] == 0
    report = _verify(runner, vote, tmp_path)
    assert not report.failures, report.render()


def test_after_the_transfer_the_seller_is_refused_and_plain_entries_still_cannot_override(
        app, runner, tmp_path):
    from votes.core.tally import Choice
    from votes.services.ballots import BallotRequest, cast_ballot

    vote = make_open_proposal(app, runner, tmp_path, extra=["--allow-change"])
    assert _transfer(runner, vote, tmp_path).exit_code == 0  # no seller's ballot: fine too
    with app.app_context():
        from votes.extensions import db
        from votes.models import Ballot
        from votes.services.errors import DomainError

        voter = db.session.scalar(select(Ballot.voter_key))
        try:
            cast_ballot(vote["id"], BallotRequest(voter_key=voter, choice=Choice.DISAGREE,
                                                  channel="online"))
        except DomainError as err:
            assert "已在表决期间过户" in err.message
        else:
            raise AssertionError("the seller voted after the transfer")
    # A multi-unit voter (张三: 1-101 and 1-201) cannot be split on a frozen roll.
    result = _transfer(runner, vote, tmp_path, room="101")
    assert result.exit_code != 0 and "2 户" in result.output
    # Outside the frozen roll, or with a bad ID: clear refusals.
    result = _transfer(runner, vote, tmp_path, room="909")
    assert result.exit_code != 0 and "冻结的名册" in result.output


def test_the_committee_page_enters_a_transfer(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    staff = clerk_client(app, runner)
    page = staff.get(f"/committee/p/{vote['id']}").get_data(as_text=True)
    assert "过户" in page
    data = {"building": "1", "entrance": "1", "room": "202", "choice": "agree",
            "buyer_name": "周九", "buyer_id": resident_id(10),
            "transfer_evidence": (io.BytesIO(b"\xff\xd8\xff deed"), "deed.jpg"),
            "ballot_form": (io.BytesIO(b"\xff\xd8\xff form"), "form.jpg"), "confirm": "1"}
    missing = staff.post(f"/committee/p/{vote['id']}/transfer",
                         data={k: v for k, v in data.items() if k != "transfer_evidence"})
    assert missing.status_code == 400 and "过户证明" in missing.get_data(as_text=True)
    data["ballot_form"] = (io.BytesIO(b"\xff\xd8\xff form"), "form.jpg")
    done = staff.post(f"/committee/p/{vote['id']}/transfer", data=data)
    assert done.status_code == 302, done.get_data(as_text=True)
    assert _chain(app, vote)[-1]["body"].get("transfer")


def test_the_committee_page_enters_a_transfer_through_a_proxy(app, runner, tmp_path):
    """A buyer who voted through a proxy could be entered only from the command line, which
    a committee clerk does not have: from the page the clerk entered such a ballot as the
    buyer's own, with no proxy on the chain and the proxy limit never counting it."""
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=1"])
    staff = clerk_client(app, runner)
    url = f"/committee/p/{vote['id']}"
    page = staff.get(url).get_data(as_text=True)
    assert 'id="t-proxy-name"' in page and 'id="t-authorisation"' in page

    def sold(room, **proxy):
        return staff.post(f"{url}/transfer", data={
            "building": "1", "entrance": "1", "room": room, "choice": "agree",
            "buyer_name": "周九", "buyer_id": resident_id(10 + int(room)), "confirm": "1",
            "transfer_evidence": (io.BytesIO(b"\xff\xd8\xff deed " + room.encode()), "deed.jpg"),
            "ballot_form": (io.BytesIO(b"\xff\xd8\xff form " + room.encode()), "form.jpg"), **proxy})

    half = sold("202", proxy_name="钱七")
    text = half.get_data(as_text=True)
    assert half.status_code == 400 and "受托人证件号码" in text and "授权委托书" in text
    assert 'id="t-proxy-name" name="proxy_name" value="钱七"' in text
    letter = {"proxy_name": "钱七", "proxy_id": PROXY_ID, "company_staff": "否"}
    done = sold("202", **letter, authorisation=(io.BytesIO(b"\xff\xd8\xff letter"), "letter.jpg"))
    assert done.status_code == 302, done.get_data(as_text=True)
    last = _chain(app, vote)[-1]["body"]
    assert last["channel"] == "proxy" and "transfer" in last and "proxy" in last
    assert PROXY_ID not in json.dumps(last)
    with app.app_context():
        from votes.extensions import db
        from votes.models import ProxyRecord
        from votes.services.privacy import decrypt

        record = db.session.scalar(select(ProxyRecord))
        assert decrypt(record.id_enc) == PROXY_ID and record.entered_by == "clerk"
    report = _verify(runner, vote, tmp_path)
    assert not report.failures, report.render()


def test_one_file_cannot_be_both_the_transfer_certificate_and_the_buyers_form(
        app, runner, tmp_path):
    """The same scan chosen twice (the certificate uploaded as the signed form, or the
    reverse) was accepted: a ballot with no signature of the buyer's behind it."""
    vote = make_open_proposal(app, runner, tmp_path)
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 new certificate")
    (tmp_path / "copy.pdf").write_bytes(b"%PDF-1.4 new certificate")  # the same file, renamed
    twice = runner.invoke(args=[
        "ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
        "--room", "202", "--choice", "agree", "--buyer-name", "周九", "--buyer-id",
        resident_id(10), "--transfer-evidence", str(tmp_path / "deed.pdf"), "--form",
        str(tmp_path / "copy.pdf"), "--entered-by", "clerk"])
    assert twice.exit_code != 0 and "同一个文件" in twice.output, twice.output
    staff = clerk_client(app, runner)
    page = staff.post(f"/committee/p/{vote['id']}/transfer", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree",
        "buyer_name": "周九", "buyer_id": resident_id(10), "confirm": "1",
        "transfer_evidence": (io.BytesIO(b"\xff\xd8\xff one scan"), "deed.jpg"),
        "ballot_form": (io.BytesIO(b"\xff\xd8\xff one scan"), "form.jpg")})
    assert page.status_code == 400 and "同一个文件" in page.get_data(as_text=True)
    assert len(_chain(app, vote)) == 1  # nothing entered


def test_a_transfer_sent_twice_is_entered_once(app, runner, tmp_path):
    """The transfer form sent again (a double click, the back button) was a second transfer
    to the same buyer, superseding the first: the buyer's ballot on the chain twice. The same
    buyer, form and choice again changes nothing and is refused; with another choice it puts
    a mistyped entry right, as a buyer's entry is corrected (it cannot be corrected as such)."""
    vote = make_open_proposal(app, runner, tmp_path)
    staff = clerk_client(app, runner)
    url = f"/committee/p/{vote['id']}"

    def sold(choice="agree", form=b"\xff\xd8\xff buyer form"):
        return staff.post(f"{url}/transfer", data={
            "building": "1", "entrance": "1", "room": "202", "choice": choice,
            "buyer_name": "周九", "buyer_id": resident_id(10), "confirm": "1",
            "transfer_evidence": (io.BytesIO(b"\xff\xd8\xff deed"), "deed.jpg"),
            "ballot_form": (io.BytesIO(form), "form.jpg")})

    assert sold().status_code == 302
    again = sold()
    assert again.status_code == 400 and "已录入" in again.get_data(as_text=True)
    assert [e["kind"] for e in _chain(app, vote)] == ["genesis", "ballot"]
    # Entered again to put a mistyped choice right: the way a buyer's entry is corrected.
    fixed = sold("disagree")
    assert fixed.status_code == 302, fixed.get_data(as_text=True)
    assert [e["kind"] for e in _chain(app, vote)] == ["genesis", "ballot", "ballot"]


def test_a_transfer_entered_again_with_another_proxy_is_not_a_repeat(app, runner, tmp_path):
    """The repeat check compared the buyer, form, channel and choice only: a buyer's proxy
    ballot entered again to put the proxy right (a mistyped name, the wrong person, another
    written authorisation) was refused as already entered, and could not be fixed. A
    repeat is the same in the proxy's details too."""
    vote = make_open_proposal(app, runner, tmp_path)
    staff = clerk_client(app, runner)

    def sold(name="钱七", letter=b"\xff\xd8\xff letter", buyer="周九"):
        return staff.post(f"/committee/p/{vote['id']}/transfer", data={
            "building": "1", "entrance": "1", "room": "202", "choice": "agree",
            "buyer_name": buyer, "buyer_id": resident_id(10), "confirm": "1",
            "proxy_name": name, "proxy_id": PROXY_ID, "company_staff": "否",
            "authorisation": (io.BytesIO(letter), "letter.jpg"),
            "transfer_evidence": (io.BytesIO(b"\xff\xd8\xff deed"), "deed.jpg"),
            "ballot_form": (io.BytesIO(b"\xff\xd8\xff buyer form"), "form.jpg")})

    assert sold().status_code == 302
    again = sold()
    assert again.status_code == 400 and "已录入" in again.get_data(as_text=True)
    for fixed in (sold(name="钱七七"), sold(name="钱七七", letter=b"\xff\xd8\xff another letter"),
                  sold(name="钱七七", letter=b"\xff\xd8\xff another letter", buyer="周玖")):
        assert fixed.status_code == 302, fixed.get_data(as_text=True)
    assert [e["kind"] for e in _chain(app, vote)] == ["genesis"] + ["ballot"] * 4


def test_the_committee_sets_the_rules_of_procedure_on_the_community_page(app, runner):
    runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"])
    staff = clerk_client(app, runner)
    page = staff.get("/committee/c/SUN").get_data(as_text=True)
    assert "受托人代理户数不限" in page and 'name="excluded_kinds"' in page
    bad = staff.post("/committee/c/SUN/procedure", data={"proxy_limit": "three"},
                     follow_redirects=True)
    assert "无效" in bad.get_data(as_text=True)
    done = staff.post("/committee/c/SUN/procedure", data={
        "proxy_limit": "3", "proxy_staff_barred": "on", "excluded_kinds": ["parking"]},
        follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "每位受托人最多代理 3 户" in text and "不计入表决面积和人数：车位" in text
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry

        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "community.rules"))
        assert entry.actor == "clerk" and entry.details["proxy_limit"] == "3"


def test_a_corrected_proxy_ballot_keeps_its_proxy_and_a_paper_one_cannot_become_proxy(
        app, runner, tmp_path):
    """Corrections (§15) meet proxies (§16): the correction of a proxy ballot carries the
    same proxy and authorisation, and the bundle verifies; turning a paper ballot into a
    proxy one by a correction is refused, since the proxy was never entered."""
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=1"])
    paper = ("1", "1", "102", "同意", "纸质", "form.pdf", "clerk", "", "", "", "")
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), _ballots_file(
        tmp_path, [_proxy_row("1", "101"), paper])])
    assert result.exit_code == 0, result.output
    proxy_seq, paper_seq = [e["seq"] for e in _chain(app, vote) if e["kind"] == "ballot"]
    fixed = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry",
                                str(proxy_seq), "--choice", "disagree", "--reason",
                                "勾选错误", "--entered-by", "clerk"])
    assert fixed.exit_code == 0, fixed.output  # the same principal: still within the limit
    refused = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry",
                                  str(paper_seq), "--choice", "agree", "--channel", "proxy",
                                  "--reason", "实为委托", "--entered-by", "clerk"])
    assert refused.exit_code != 0 and "受托人信息" in refused.output
    assert "Traceback" not in refused.output
    ballots = [e for e in _chain(app, vote) if e["kind"] == "ballot"]
    assert len(ballots) == 3
    assert ballots[-1]["body"]["proxy"] == ballots[0]["body"]["proxy"]
    assert ballots[-1]["body"]["correction"]["corrects"] == proxy_seq
    report = _verify(runner, vote, tmp_path)
    assert not report.failures, report.render()


def test_a_transfer_through_a_proxy_from_the_command_line(app, runner, tmp_path):
    """The buyer may vote through a proxy: the proxy's details and written authorisation go
    with the transfer, the proxy limit counts that principal, and the bundle verifies."""
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=1"])
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4 written authorisation")
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), _ballots_file(
        tmp_path, [_proxy_row("1", "101")])])
    assert result.exit_code == 0, result.output
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 new certificate")
    (tmp_path / "buyer.pdf").write_bytes(b"%PDF-1.4 buyer's ballot")
    base = ["ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
            "--room", "202", "--choice", "agree", "--buyer-name", "周九", "--buyer-id",
            resident_id(10), "--transfer-evidence", str(tmp_path / "deed.pdf"), "--form",
            str(tmp_path / "buyer.pdf"), "--entered-by", "clerk"]
    half = runner.invoke(args=base + ["--proxy-name", "钱七"])
    assert half.exit_code != 0 and "受托人证件号码" in half.output
    over = runner.invoke(args=base + ["--proxy-name", "钱七", "--proxy-id", PROXY_ID,
                                      "--authorisation", str(tmp_path / "letter.pdf"),
                                      "--proxy-company-staff", "no"])
    assert over.exit_code != 0 and "上限" in over.output  # 钱七 already holds one
    other = resident_id(77)
    (tmp_path / "letter-77.pdf").write_bytes(b"%PDF-1.4 the buyer's written authorisation")
    done = runner.invoke(args=base + ["--proxy-name", "孙十", "--proxy-id", other,
                                      "--authorisation", str(tmp_path / "letter-77.pdf"),
                                      "--proxy-company-staff", "no"])
    assert done.exit_code == 0, done.output
    last = [e for e in _chain(app, vote) if e["kind"] == "ballot"][-1]["body"]
    assert last["channel"] == "proxy" and "transfer" in last and "proxy" in last
    assert other not in json.dumps(last)
    report = _verify(runner, vote, tmp_path)
    assert not report.failures, report.render()


def test_a_ballots_file_names_the_row_the_rules_refuse(app, runner, tmp_path):
    """A voter who has used their change, whose flat was sold, or who holds only a storeroom
    the rules leave out: the refusal names the row, as every other problem of the file,
    rather than a bare sentence about "该业主" somewhere in a file of hundreds of rows."""
    vote = make_open_proposal(app, runner, tmp_path, extra=["--allow-change"],
                              rows=parking_rows(), rules=["excluded_kinds=parking,storeroom"])
    head = "楼栋,单元,房号,意见,方式,凭证,录入人\n"

    def enter(rows: str, name: str):
        for row in rows.splitlines():
            form = row.split(",")[5]
            (tmp_path / form).write_bytes(b"%PDF-1.4 signed form " + form.encode())
        (tmp_path / name).write_text(head + rows, encoding="utf-8")
        return runner.invoke(args=["ballots", "import", str(vote["id"]), str(tmp_path / name)])

    assert enter("1,1,101,同意,纸质,a.pdf,clerk\n", "a.csv").exit_code == 0
    assert enter("1,1,101,反对,纸质,b.pdf,clerk\n", "b.csv").exit_code == 0  # the one change
    assert _transfer(runner, vote, tmp_path).exit_code == 0  # 1-202 sold
    result = enter("1,1,102,同意,纸质,c.pdf,clerk\n1,1,101,同意,纸质,d.pdf,clerk\n"
                   "1,1,202,同意,纸质,e.pdf,clerk\nP,,002,同意,纸质,f.pdf,clerk\n", "c.csv")
    assert result.exit_code != 0 and "未录入任何选票" in result.output, result.output
    assert "第 3 行：该业主已修改过一次表决意见" in result.output, result.output
    assert "第 4 行：该房屋已在表决期间过户" in result.output, result.output
    assert "第 5 行：本小区议事规则规定车位、储藏室不计入表决" in result.output, result.output
    assert "第 2 行" not in result.output
    assert len([e for e in _chain(app, vote) if e["kind"] == "ballot"]) == 3


def test_proxy_and_transfer_records_are_dated_by_the_app_clock_as_their_ballots(
        app, runner, tmp_path):
    """They took the host's clock (the model's default), not the ballot entry's time."""
    vote = make_open_proposal(app, runner, tmp_path)
    app.config["VOTES_NOW"] += timedelta(days=2, minutes=7)
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), _ballots_file(
        tmp_path, [_proxy_row("1", "101")])])
    assert result.exit_code == 0, result.output
    app.config["VOTES_NOW"] += timedelta(hours=3)
    result = _transfer(runner, vote, tmp_path)
    assert result.exit_code == 0, result.output
    times = {e["seq"]: e["time"] for e in _chain(app, vote)}
    with app.app_context():
        from votes.core.canonical import format_time
        from votes.extensions import db
        from votes.models import ProxyRecord, Transfer

        for model in (ProxyRecord, Transfer):
            row = db.session.scalar(select(model))
            assert format_time(row.created_at) == times[row.seq], model
