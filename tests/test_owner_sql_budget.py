"""SQL statements per owner page: a budget each, so a page cannot quietly grow round trips
(every one of them is paid by every owner, and the cast's are paid under the lock)."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from tests.factories import make_open_proposal, resident_id, voter_token

# verify: 6 = proposal, pending access, locked access, owners, the update, clearing the
# lobby throttle (the owner's own link lifts failures strangers caused by building and room).
BUDGET = {"link": 2, "verify_page": 4, "verify": 6, "ballot": 3, "confirm": 1, "cast": 8,
          "receipt": 3}


@contextmanager
def counting(app):
    from votes.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # PostgreSQL's one-ballot append goes to psycopg directly (one statement and the
    # COMMIT in one pipeline): counted here as the one statement it is.
    from votes.services import pg_append

    real_append = pg_append.append_ballot

    def append_ballot(*args, **kwargs):
        statements.append("pg_append")
        return real_append(*args, **kwargs)

    event.listen(engine, "before_cursor_execute", count)
    pg_append.append_ballot = append_ballot
    try:
        yield statements
    finally:
        pg_append.append_ballot = real_append
        event.remove(engine, "before_cursor_execute", count)


def test_each_owner_page_keeps_to_its_sql_budget(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    uid = vote["uid"]
    client = app.test_client()
    used: dict[str, int] = {}

    def measure(name, send):
        with counting(app) as statements:
            response = send()
        used[name] = len(statements)
        assert response.status_code in (200, 302), (name, response.status_code)
        return response

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
    print(app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0], used)
    over = {name: (used[name], BUDGET[name]) for name in BUDGET if used[name] > BUDGET[name]}
    assert not over, f"pages over their SQL budget (used, budget): {over}; all: {used}"
