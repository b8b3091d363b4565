"""SQL statements per owner page: a budget each, so a page cannot quietly grow round trips
(every one of them is paid by every owner, and the cast's are paid under the lock)."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from tests.factories import make_open_proposal, resident_id, voter_token

# link: 1 = the access by its token's hash, with its proposal; a redirect to the form,
# never the form at the token's URL.
# verify: 2 = the pending access locked (with whether lobby failures are counted against
# it: the owner's own link clears them, a DELETE only when there are some; the voter's
# owners, whose ID numbers the answer is checked against; and its proposal's uid, state and
# window: the proposal is read on its own only when voting is not plainly open), the update.
# cast: the proposal with the voter's units, device keys and ballots so far, then on SQLite
# the active key id, the lock, for an unsigned ballot whether a device key was registered
# meanwhile (spec §14.3, votes/services/device_check.py) and three writes; on PostgreSQL
# the lock (which reads the active key id and that device check too) and one statement
# (votes/services/pg_append).
# verify_page, ballot, receipt: the proposal with its community and the voter's units,
# share and ballots, in one statement; for the verify page the session's pending access
# too, and the voter is its voter (owner_pages.pending_page, owner_proposal_and_view).
BUDGET = {"link": 1, "verify_page": 1, "verify": 2, "ballot": 1, "confirm": 1, "cast": 7,
          "receipt": 1}
PG_BUDGET = {**BUDGET, "cast": 3}


class Counted(list):
    """The statements a page ran; on PostgreSQL also whether each ran in a transaction."""

    transactional: list[bool]


# Pages that only read run their statements without BEGIN/ROLLBACK on PostgreSQL.
READ_ONLY = ("link", "verify_page", "ballot", "confirm", "receipt")


@contextmanager
def counting(app):
    from votes.extensions import db

    with app.app_context():
        engine = db.engine
    statements = Counted()
    statements.transactional = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def after(conn, cursor, statement, parameters, context, executemany):
        # psycopg has sent BEGIN before this statement unless the connection autocommits.
        if conn.dialect.name == "postgresql":
            status = conn.connection.driver_connection.info.transaction_status
            statements.transactional.append(status.name != "IDLE")

    # PostgreSQL's online ballots' append goes to psycopg directly (one statement and the
    # COMMIT in one pipeline): counted here as the one statement it is.
    from votes.services import pg_append

    real_append = pg_append.append_ballots

    def append_ballots(*args, **kwargs):
        statements.append("pg_append")
        return real_append(*args, **kwargs)

    # The owner pages' reads run on the driver's cursor (votes/services/rows.py): counted
    # here, each with whether it ran in a transaction, as the engine's events count the rest.
    from votes.services import rows

    real_fetch = rows.fetch

    def fetch(statement, params, session=None):
        statements.append("rows.fetch")
        result = real_fetch(statement, params, session)
        if engine.dialect.name == "postgresql":
            info = rows.driver_connection().info
            statements.transactional.append(info.transaction_status.name != "IDLE")
        return result

    # A last write sent with its COMMIT (rows.write_and_commit): on PostgreSQL on the
    # driver's cursor, counted here; elsewhere through the session, which the events count.
    real_write = rows.write_and_commit

    def write_and_commit(statement, params, session):
        if engine.dialect.name == "postgresql":
            statements.append("rows.write_and_commit")
        return real_write(statement, params, session)

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "after_cursor_execute", after)
    pg_append.append_ballots = append_ballots
    rows.fetch = fetch
    rows.write_and_commit = write_and_commit
    try:
        yield statements
    finally:
        rows.write_and_commit = real_write
        rows.fetch = real_fetch
        pg_append.append_ballots = real_append
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "after_cursor_execute", after)


def test_each_owner_page_keeps_to_its_sql_budget(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    uid = vote["uid"]
    client = app.test_client()
    used: dict[str, int] = {}
    transactional: dict[str, list[bool]] = {}

    def measure(name, send):
        with counting(app) as statements:
            response = send()
        used[name] = len(statements)
        transactional[name] = statements.transactional
        assert response.status_code in (200, 302), (name, response.status_code)
        return response

    # The first page to read the proposal after it left its draft also reads its items and
    # document names, once per process (votes/services/proposal_read.py): another owner's
    # link here, and the budgets below are every later page's.
    other = app.test_client()
    other_link = f"/v/{voter_token(app, vote, room='102')}"
    measure("first_read", lambda: other.get(other_link))
    assert used.pop("first_read") == BUDGET["link"] + 2
    transactional.pop("first_read")
    token = voter_token(app, vote)
    measure("link", lambda: client.get(f"/v/{token}"))
    measure("verify_page", lambda: client.get(f"/p/{uid}/verify"))
    r = measure("verify", lambda: client.post(f"/p/{uid}/verify", data={
        "method": "id", "answer": resident_id(1)[-6:]}))
    assert r.headers["Location"].endswith("/ballot")
    measure("ballot", lambda: client.get(f"/p/{uid}/ballot"))
    page = measure("confirm", lambda: client.post(f"/p/{uid}/confirm", data={"choice": "agree"}))
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    r = measure("cast", lambda: client.post(f"/p/{uid}/cast", data={"choice": "agree",
                                                                     "nonce": nonce}))
    assert "/receipt/" in r.headers["Location"]
    receipt = measure("receipt", lambda: client.get(r.headers["Location"]))
    assert "<svg" in receipt.get_data(as_text=True)
    with app.app_context():
        from votes.extensions import db

        postgresql = db.engine.dialect.name == "postgresql"
    budget = PG_BUDGET if postgresql else BUDGET
    over = {name: (used[name], budget[name]) for name in budget if used[name] > budget[name]}
    assert not over, f"pages over their SQL budget (used, budget): {over}; all: {used}"
    if postgresql:
        in_tx = {name: any(flags) for name, flags in transactional.items()}
        assert in_tx == {name: name not in READ_ONLY for name in BUDGET}, in_tx


def test_the_public_board_reads_the_frozen_roll_once(app, runner, tmp_path):
    """Every owner's receipt links to the public board, and the board shows the turnout:
    it built the frozen electorate from all its units on every view (about 25 µs a unit, a
    second of CPU a view for tens of thousands of units). Once per process now, and the
    turnout still follows the ballots."""
    vote = make_open_proposal(app, runner, tmp_path)
    client = app.test_client()
    assert client.get(f"/p/{vote['uid']}").status_code == 200  # the first view builds it
    with counting(app) as statements:
        before = client.get(f"/p/{vote['uid']}").get_data(as_text=True)
    assert not [s for s in statements if "frozen_units.unit_uid" in s], statements
    phone = app.test_client()
    phone.get(f"/v/{voter_token(app, vote)}")
    phone.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": resident_id(1)[-6:]})
    page = phone.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"})
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    assert phone.post(f"/p/{vote['uid']}/cast",
                      data={"choice": "agree", "nonce": nonce}).status_code == 302
    after = client.get(f"/p/{vote['uid']}").get_data(as_text=True)
    # 张三's two flats (89.50 + 75.25 m²) are in the turnout; they were not before.
    assert "参与表决面积：164.75 / 654.75\u00a0m²" in after
    assert "参与表决面积：164.75" not in before
