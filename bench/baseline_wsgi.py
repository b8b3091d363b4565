"""The load bench's baseline: the app's own stack (gunicorn gthread, Flask, SQLAlchemy,
psycopg, the app's pool settings) doing one bare INSERT + COMMIT per request. Started only
by bench/load.py; it is not part of the application and no production configuration
serves it."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text

from votes import connections
from votes.settings import normalise_database_url

# The app's own pool settings and connection check (votes/connections.py), so that the
# baseline pays exactly the connection overhead a page of the app pays.
url = normalise_database_url(os.environ["VOTES_DATABASE_URL"])
engine = create_engine(url, **connections.engine_options({"SQLALCHEMY_DATABASE_URI": url}))
connections.install(engine)
with engine.begin() as conn:
    conn.execute(text("CREATE TABLE IF NOT EXISTS bench_baseline "
                      "(id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ DEFAULT now(), note TEXT)"))
engine.dispose()  # gunicorn --preload forks after this: no connection may cross the fork

app = Flask(__name__)


@app.post("/insert")
def insert():
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bench_baseline (note) VALUES (:note)"), {"note": "x"})
    return "ok"
