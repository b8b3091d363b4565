"""A whole vote whose owners, proxy and buyer carry marker names, ID numbers and phones,
from the roll to the settlement and an emergency use: every page, download, PDF, bundle
file and log line each audience gets is gathered, and the public's, the regulator's and
the logs' must hold none of the markers (DESIGN: personal data kept out of logs, public
pages and exports). SWEEP_OUT=DIR keeps what was gathered, for reading."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path

from tests.factories import make_roll_csv, make_row, resident_id, voter_token
from tests.money_world import evidence, works_done
from tests.procedure_world import END, T0, at, show
from tests.staff_world import PASSWORD, sign_in

OUT = Path(os.environ.get("SWEEP_OUT") or "")  # set per test below
IDS = {k: resident_id(n, birth="19770707") for k, n in
       (("A", 771), ("B1", 772), ("B2", 773), ("C", 774), ("E", 776), ("F", 777), ("PROXY", 778),
        ("BUYER", 779))}
CO = "91350500MA2MRK775Q"


def rows():
    return [
        make_row(room="101", owner_name="欧阳甲标", owner_id=IDS["A"], phone="13755500771"),
        make_row(room="102", owner_name="司马乙标", owner_id=IDS["B1"], phone="13755500772"),
        make_row(room="102", owner_name="诸葛丙标", owner_id=IDS["B2"], phone="13755500773"),
        make_row(room="201", owner_name="上官丁标", owner_id=IDS["C"], phone="13755500774"),
        make_row(room="202", owner_name="标记科技有限公司", owner_id=CO, owner_kind="单位",
                 phone="13755500775"),
        make_row(building="2", room="101", owner_name="皇甫戊标", owner_id=IDS["E"],
                 phone="13755500776"),
        make_row(building="2", room="102", owner_name="宇文己标", owner_id=IDS["F"],
                 phone="13755500777"),
    ]


def dump(name, data):
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    if name.endswith(".pdf"):
        txt = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True)
        (OUT / (name + ".txt")).write_bytes(txt.stdout)
    if name.endswith(".zip") or name.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if not info.is_dir():
                    dump(name + ".d/" + info.filename, z.read(info.filename))


def get(client, audience, url, **kw):
    r = client.get(url, **kw)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", url)[:120]
    head = "\n".join(f"{k}: {v}" for k, v in r.headers.items())
    dump(f"{audience}/{safe}.headers", f"{r.status_code}\n{head}\n")
    ext = {"application/pdf": ".pdf", "application/zip": ".zip"}.get(r.mimetype, "")
    if "spreadsheet" in (r.mimetype or ""):
        ext = ".xlsx"
    dump(f"{audience}/{safe}{ext}", r.get_data())
    return r


def post(client, audience, url, **kw):
    r = client.post(url, **kw)
    safe = "POST" + re.sub(r"[^A-Za-z0-9._-]+", "_", url)[:120]
    head = "\n".join(f"{k}: {v}" for k, v in r.headers.items())
    dump(f"{audience}/{safe}.headers", f"{r.status_code}\n{head}\n")
    dump(f"{audience}/{safe}", r.get_data())
    return r


def public_sweep(app, uid, tag, extra=()):
    c = app.test_client()
    for url in (f"/p/{uid}", f"/p/{uid}/audit", f"/p/{uid}/units", f"/p/{uid}/share",
                f"/api/proposals/{uid}/chain", "/api/heads", "/api/audit/head",
                "/api/audit/digests/1", "/api/audit/digests/5", "/.well-known/votes-keys.json",
                "/", f"/p/{uid}/pick", f"/p/{uid}/verify", f"/p/{uid}/doc/0",
                f"/p/{uid}/emergency-notice.pdf", f"/p/{uid}/settlement.pdf",
                f"/p/{uid}/nonexistent", "/p/nosuch", "/robots.txt", *extra):
        get(c, f"public-{tag}", url)
    for q in ("?lang=en", "?receipt=0000", "?building=1&room=101"):
        get(c, f"public-{tag}", f"/p/{uid}{q}")
        get(c, f"public-{tag}", f"/p/{uid}/units{q}")


def owner_in(app, uid, token, answer, tag):
    c = app.test_client()
    get(c, f"owner-{tag}", f"/v/{token}")
    post(c, f"owner-{tag}", f"/p/{uid}/verify", data={"method": "id", "answer": answer})
    return c


def test_no_audience_but_staff_gets_a_name_id_or_phone(app, runner, tmp_path, caplog):
    global OUT
    OUT = Path(os.environ.get("SWEEP_OUT") or tmp_path / "gathered")
    caplog.set_level(logging.DEBUG)
    app.config["SMS_SENDER"] = "log"
    at(app, T0 - timedelta(days=12))
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    assert runner.invoke(args=["community", "rules", "SUN", "--set", "objection_days=3",
                               "--set", "follow_majority=quorum"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv", rows())
    r = runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)])
    assert r.exit_code == 0, r.output
    dump("cli/roll-import.txt", r.output)
    dump("cli/roll-show.txt", runner.invoke(args=["roll", "show", "--community", "SUN", "--units"]).output)
    r = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "电梯更换", "--matter", "use_fund",
        "--scope", "all", "--budget", "6547.50", "--publicity-start", "2026-11-20T09:00",
        "--voting-start", "2026-12-01T09:00", "--voting-end", "2026-12-08T09:00", "--schedule"])
    pid = r.output.strip()
    at(app, T0 + timedelta(hours=1))
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    uid = show(runner, pid)["uid"]
    vote = {"id": int(pid)}
    for args in (["admin1", "--role", "admin"],
                 ["sun_committee", "--role", "committee", "--community", "SUN"],
                 ["district", "--role", "regulator", "--jurisdiction", "350502"]):
        assert runner.invoke(args=["users", "create", "--no-must-change", *args,
                                   "--password", PASSWORD]).exit_code == 0
    with app.app_context():
        from votes.services.communities import get_community
        from votes.services.tx import unit_of_work
        with unit_of_work():
            get_community("SUN").jurisdiction = "350502"

    # Owner A online, with an SMS code asked first
    a = app.test_client()
    get(a, "owner-A", f"/v/{voter_token(app, vote, '101')}")
    post(a, "owner-A", f"/p/{uid}/code")
    post(a, "owner-A", f"/p/{uid}/verify", data={"method": "id", "answer": "000000"})
    post(a, "owner-A", f"/p/{uid}/verify", data={"method": "id", "answer": IDS["A"][-6:]})
    get(a, "owner-A", f"/p/{uid}/ballot")
    page = post(a, "owner-A", f"/p/{uid}/confirm", data={"choice": "agree"}).get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    r = post(a, "owner-A", f"/p/{uid}/cast", data={"choice": "agree", "nonce": nonce})
    receipt_url = r.headers["Location"]
    get(a, "owner-A", receipt_url)
    get(a, "owner-A", receipt_url + "/signed.json")
    get(a, "owner-A", receipt_url + "/card.svg")
    get(a, "owner-A", f"/p/{uid}/mine")
    get(a, "owner-A", f"/p/{uid}/fund")
    # Co-owner B2 of 102 signs in
    b = owner_in(app, uid, voter_token(app, vote, "102"), IDS["B2"][-6:], "B2")
    get(b, "owner-B2", f"/p/{uid}/ballot")
    # lobby pick for C
    lob = app.test_client()
    post(lob, "owner-lobby", f"/p/{uid}/pick", data={"building": "1", "entrance": "1", "room": "201"})
    get(lob, "owner-lobby", f"/p/{uid}/verify")
    post(lob, "owner-lobby", f"/p/{uid}/code")
    # company
    co = app.test_client()
    get(co, "owner-CO", f"/v/{voter_token(app, vote, '202')}")
    get(co, "owner-CO", f"/p/{uid}/verify")

    public_sweep(app, uid, "open", extra=(receipt_url, receipt_url + "/signed.json"))

    # committee: proxy for C (1/201), paper for 102 disagree
    cm = app.test_client()
    sign_in(cm, "sun_committee")
    base = f"/committee/p/{pid}"
    post(cm, "committee", f"{base}/paper", data={
        "building": "1", "entrance": "1", "room": "201", "choice": "disagree", "channel": "proxy",
        "proxy_name": "令狐代标", "proxy_id": IDS["PROXY"], "company_staff": "否",
        "evidence": (io.BytesIO(b"%PDF-1.4 form C"), "formC.pdf"),
        "authorisation": (io.BytesIO(b"%PDF-1.4 letter C"), "letterC.pdf")})
    post(cm, "committee", f"{base}/paper", data={
        "building": "1", "entrance": "1", "room": "102", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"%PDF-1.4 form B"), "formB.pdf")})
    post(cm, "committee", f"{base}/paper", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"%PDF-1.4 form CO"), "formCO.pdf")})
    # transfer transfer of 2/102 (E holds 2 units)
    ev = evidence(tmp_path, "transfer.pdf", b"%PDF-1.4 transfer"); fm = evidence(tmp_path, "tform.pdf", b"%PDF-1.4 tform")
    r = runner.invoke(args=["ballots", "transfer", pid, "--building", "2", "--entrance", "1",
                            "--room", "102", "--choice", "agree", "--buyer-name", "东方买标",
                            "--buyer-id", IDS["BUYER"], "--transfer-evidence", ev, "--form", fm,
                            "--entered-by", "sun_committee"])
    dump("cli/transfer.txt", r.output)
    r = runner.invoke(args=["proposal", "delivery", pid, "--building", "2", "--entrance", "1", "--room", "101",
                            "--method", "hand", "--at", "2026-12-01T09:30", "--evidence",
                            evidence(tmp_path, "deliv.pdf", b"%PDF-1.4 deliv")])
    dump("cli/delivery.txt", r.output)
    for url in (base, f"{base}/non-voters", f"{base}/non-voters?format=csv",
                f"{base}/non-voters?format=xlsx", f"{base}/paper-ballots", f"{base}/notices",
                f"{base}/notice.pdf?building=1&entrance=1&room=101", f"{base}/notices.pdf",
                f"{base}/poster.pdf", f"{base}/bundle.zip", f"{base}/scans", "/committee/",
                "/committee/c/SUN"):
        get(cm, "committee-open", url)
    public_sweep(app, uid, "open2")
    dump("cli/ballots-list.txt", runner.invoke(args=["ballots", "list", pid]).output)
    dump("cli/show-open.txt", runner.invoke(args=["proposal", "show", pid, "--json"]).output)

    at(app, END)
    assert runner.invoke(args=["tick"]).exit_code == 0
    # objection by A through link
    a2 = app.test_client()
    get(a2, "owner-A2", f"/v/{voter_token(app, vote, '101')}/objection")
    post(a2, "owner-A2", f"/p/{uid}/verify", data={"method": "id", "answer": IDS["A"][-6:]})
    post(a2, "owner-A2", f"/p/{uid}/objection", data={"text": "报价偏高，请公开比价记录"})
    public_sweep(app, uid, "objection")
    for url in (base, f"{base}/non-voters", f"{base}/non-voters?format=xlsx",
                f"{base}/result-notice.pdf", f"{base}/bundle.zip", f"{base}/paper-ballots"):
        get(cm, "committee-closed", url)
    at(app, END + timedelta(days=3, hours=1))
    listing = runner.invoke(args=["proposal", "objections", pid]).output
    dump("cli/objections.txt", listing)
    for seq in sorted(set(re.findall(r"第 (\d+) 条", listing))):
        runner.invoke(args=["proposal", "answer", pid, seq, "--decision", "rejected",
                            "--text", "已比价"])
    runner.invoke(args=["tick"])
    dump("cli/show-published.txt", runner.invoke(args=["proposal", "show", pid, "--json"]).output)
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"])
    for url in (base, f"{base}/result-notice.pdf", f"{base}/bundle.zip", f"{base}/works",
                f"{base}/settlement.pdf", f"{base}/application.zip", f"{base}/non-voters?format=xlsx"):
        get(cm, "committee-final", url)
    public_sweep(app, uid, "final")
    a3 = owner_in(app, uid, voter_token(app, vote, "101"), IDS["A"][-6:], "A3")
    get(a3, "owner-A3", f"/p/{uid}/mine")
    get(a3, "owner-A3", f"/p/{uid}/fund")
    b3 = owner_in(app, uid, voter_token(app, vote, "102"), IDS["B1"][-6:], "B3")
    get(b3, "owner-B3", f"/p/{uid}/mine")
    get(b3, "owner-B3", f"/p/{uid}/fund")
    rg = app.test_client()
    sign_in(rg, "district")
    for url in ("/regulator/", f"/regulator/p/{pid}", f"/regulator/p/{pid}/scans",
                f"/regulator/p/{pid}/verification.txt", f"/regulator/p/{pid}/verify",
                f"/committee/p/{pid}/bundle.zip"):
        get(rg, "regulator", url)
    post(rg, "regulator", f"/regulator/p/{pid}/verify", follow_redirects=True)
    ad = app.test_client()
    sign_in(ad, "admin1")
    get(ad, "admin", "/admin/")
    get(ad, "admin", "/admin/audit")
    get(ad, "admin", "/admin/audit?format=csv")
    out = tmp_path / "b.zip"
    runner.invoke(args=["export", pid, "-o", str(out)])
    dump("regulator/cli-bundle.zip", out.read_bytes())
    out = tmp_path / "app.zip"
    runner.invoke(args=["works", "application", pid, "-o", str(out)])
    dump("regulator/cli-application.zip", out.read_bytes())
    r = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "1号楼电梯抢修",
        "--scope", "building:1", "--budget", "18000.00", "--category", "elevator",
        "--applicant", "property_company", "--reason", "电梯故障",
        "--evidence", evidence(tmp_path, "inspection.pdf", b"%PDF-1.4 report")])
    dump("cli/emergency.txt", r.output)
    euid = show(runner, r.output.strip())["uid"]
    epid = r.output.strip()
    public_sweep(app, euid, "emergency")
    for url in (f"/committee/p/{epid}", f"/committee/p/{epid}/emergency-letters.pdf",
                f"/committee/p/{epid}/emergency-notice.pdf"):
        get(cm, "committee-emergency", url)
    dump("logs/caplog.txt", "\n".join(f"{r.levelname} {r.name} {r.getMessage()}"
                                      + (f" EXC {r.exc_text}" if r.exc_text else "")
                                      for r in caplog.records))
    inst = Path(app.instance_path)
    for f in inst.rglob("*.log"):
        dump(f"logs/instance-{f.name}", f.read_bytes())

    markers = ["欧阳甲标", "司马乙标", "诸葛丙标", "上官丁标", "皇甫戊标", "宇文己标", "令狐代标",
               "东方买标", "19770707", "5550077"]
    leaks = []
    for path in sorted(OUT.rglob("*")):
        audience = path.relative_to(OUT).parts[0]
        if path.is_dir() or not (audience.startswith(("public", "regulator", "logs"))
                                 or ".zip.d" in str(path)):
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        leaks += [(str(path.relative_to(OUT)), m) for m in markers if m in text]
    assert not leaks, leaks
