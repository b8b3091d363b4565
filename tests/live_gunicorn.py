"""A real gunicorn (config/gunicorn.conf.py, 4 gthread workers × 8 threads) on PostgreSQL,
and owners that walk the phone flow over HTTP like a browser: cookies, CSRF tokens,
one request at a time, redirects read from the Location header."""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {"SECRET_KEY": "live-test-secret", "DATA_KEY": base64.b64encode(b"L" * 32).decode(),
           "KEY_PASSPHRASE": "live-test-passphrase"}


def app_config(database_url: str, instance: Path) -> dict:
    """The in-process app that prepares and inspects what the server serves."""
    return {**SECRETS, "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance),
            "BASE_URL": "http://127.0.0.1"}


@contextlib.contextmanager
def empty_app(database_url: str, instance: Path):
    """The in-process app on the test's PostgreSQL schema, every table emptied first (the
    schema is the worker's, shared by the tests before), its engine disposed after."""
    from sqlalchemy import create_engine, text

    from votes import create_app
    from votes.extensions import db
    from votes.models import Base

    engine = create_engine(database_url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    app = create_app(app_config(database_url, instance))
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def kill_all(self) -> None:
        """kill -9 of the master and every worker (one process group)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)


@contextmanager
def gunicorn(database_url: str, instance: Path, log: Path, *, workers: int = 4,
             threads: int = 8, extra_env: dict | None = None, wsgi: str = "wsgi:app"):
    """Start gunicorn as production does; stop it (and its workers) on the way out."""
    config = instance / "live-config.py"
    # One client address for every owner here: per-IP limits would measure themselves.
    config.write_text("RATELIMIT_ENABLED = False\n")
    port = free_port()
    env = {**os.environ, **{f"VOTES_{k}": v for k, v in SECRETS.items()},
           "VOTES_DATABASE_URL": database_url, "VOTES_INSTANCE_PATH": str(instance),
           "VOTES_CONFIG": str(config), "VOTES_BASE_URL": f"http://127.0.0.1:{port}",
           "VOTES_GUNICORN_BIND": f"127.0.0.1:{port}", "VOTES_GUNICORN_WORKERS": str(workers),
           "VOTES_GUNICORN_THREADS": str(threads),
           # The app is imported once and forked: four workers start in the time of one.
           # No control socket: its default path is shared by every gunicorn of the user.
           "GUNICORN_CMD_ARGS": "--preload --no-control-socket", **(extra_env or {})}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", wsgi],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(port, process, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGQUIT)  # gunicorn's quick shutdown
            try:
                process.wait(2)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def _wait_ready(server: Server, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + server.log.read_text(errors="replace"))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.05)  # bounded poll for the port to open
    raise RuntimeError("gunicorn did not answer in time:\n"
                       + server.log.read_text(errors="replace"))


@dataclass
class Response:
    status: int
    location: str
    text: str
    seconds: float


def set_cookie(header: str) -> tuple[str, str, bool]:
    """(name, value, whether the header removes the cookie) of one Set-Cookie header.

    A removal is told by its attributes (an expiry in the past, Max-Age=0) or an empty
    value, never by the value's text: a signed session cookie's value is random base64,
    which now and then contains "1970", and a client that read that as a removal sent the
    next request without its session (a cast refused as an expired form, about one run of
    the load bench in ten)."""
    first, *attributes = header.split(";")
    name, _, value = first.partition("=")
    removed = not value
    for attribute in attributes:
        key, _, given = attribute.strip().partition("=")
        key = key.lower()
        if key == "max-age":
            removed = removed or given.strip().lstrip("-").isdigit() and int(given) <= 0
        elif key == "expires":
            try:
                expires = parsedate_to_datetime(given)
            except (TypeError, ValueError):
                continue
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=timezone.utc)
            removed = removed or expires < datetime.now(timezone.utc)
    return name.strip(), value.strip(), removed


@dataclass
class Owner:
    """One phone: its own cookie jar and keep-alive connection."""

    port: int
    cookies: dict = field(default_factory=dict)
    timings: list = field(default_factory=list)  # (step, seconds)
    conn: http.client.HTTPConnection | None = None

    def request(self, step: str, method: str, path: str, form: dict | None = None) -> Response:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            # Connected before the clock starts: a request's time is the server's answer,
            # as for the baseline's requests on their kept-alive connection.
            self.conn.connect()
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        seconds = time.perf_counter() - started
        self.timings.append((step, seconds))
        for cookie in resp.headers.get_all("Set-Cookie") or []:
            name, value, removed = set_cookie(cookie)
            if removed:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        location = urlsplit(resp.headers.get("Location", "")).path
        return Response(resp.status, location, data.decode("utf-8", "replace"), seconds)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class FlowError(AssertionError):
    pass


def expect(cond: bool, what: str, r: Response) -> None:
    if not cond:
        raise FlowError(f"{what}: HTTP {r.status} {r.location} {r.text[:300]!r}")


def sign_in(owner: Owner, uid: str, token: str, suffix: str) -> str:
    """Link, second factor; returns the ballot page's CSRF token."""
    r = owner.request("link", "GET", f"/v/{token}")
    expect(r.status == 302 and r.location == f"/p/{uid}/verify", "link", r)
    r = owner.request("verify_page", "GET", r.location)
    expect(r.status == 200, "verify page", r)
    r = owner.request("verify", "POST", f"/p/{uid}/verify",
                      {"csrf_token": csrf(r.text), "method": "id", "answer": suffix})
    expect(r.status == 302 and r.location == f"/p/{uid}/ballot", "second factor", r)
    r = owner.request("ballot", "GET", r.location)
    expect(r.status == 200 and 'name="choice"' in r.text, "ballot page", r)
    return csrf(r.text)


def confirm(owner: Owner, uid: str, token: str, choice: str) -> dict:
    r = owner.request("confirm", "POST", f"/p/{uid}/confirm",
                      {"csrf_token": token, "choice": choice})
    expect(r.status == 200, "confirm", r)
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', r.text).group(1)
    return {"csrf_token": csrf(r.text), "choice": choice, "nonce": nonce}


def cast(owner: Owner, uid: str, form: dict) -> tuple[str, Response]:
    """Cast, then open the receipt page the server redirects to; (receipt digest, page)."""
    r = owner.request("cast", "POST", f"/p/{uid}/cast", form)
    expect(r.status == 302 and "/receipt/" in r.location, "cast", r)
    digest = r.location.rsplit("/", 1)[1]
    page = owner.request("receipt", "GET", r.location)
    expect(page.status == 200 and digest[:8] in page.text, "receipt", page)
    return digest, page


def owner_flow(owner: Owner, uid: str, token: str, suffix: str, choice: str) -> str:
    """The whole phone flow: 7 requests; returns the receipt digest the owner was shown."""
    form = confirm(owner, uid, sign_in(owner, uid, token, suffix), choice)
    return cast(owner, uid, form)[0]
