"""SQL statements per owner page: a budget each, so a page cannot quietly grow round trips
(every one of them is paid by every owner, and the cast's are paid under the lock)."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from tests.factories import make_open_proposal, resident_id, voter_token

# verify: 6 = proposal, pending access, locked access, owners, the update, clearing the
# lobby throttle (the owner's own link lifts failures strangers caused by building and room).
# cast: 9, one of them under the lock for an unsigned ballot: no device key registered for
# the voter meanwhile (spec §14.3; votes/services/device_check.py).
BUDGET = {"link": 2, "verify_page": 4, "verify": 6, "ballot": 3, "confirm": 1, "cast": 9,
          "receipt": 3}


@contextmanager
def counting(app):
    from votes.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
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
    over = {name: (used[name], BUDGET[name]) for name in BUDGET if used[name] > BUDGET[name]}
    assert not over, f"pages over their SQL budget (used, budget): {over}; all: {used}"
