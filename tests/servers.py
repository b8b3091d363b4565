"""Real servers for deployment tests: gunicorn with config/gunicorn.conf.py on a free
loopback port, and a small cookie-keeping HTTP client that carries CSRF tokens like a
browser does."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("VOTES_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_or_skip(pytest) -> str:
    """The test Redis URL, or skip saying why (CI starts Redis, so there it never skips)."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as err:  # noqa: BLE001
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({err}); start redis-server "
                    "or set VOTES_TEST_REDIS_URL")
    return REDIS_URL


def gunicorn_or_skip(pytest) -> None:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        pytest.skip("gunicorn is not installed (pip install -e .)")


@dataclass
class Gunicorn:
    port: int
    proc: subprocess.Popen
    out: Path
    err: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> tuple[str, str]:
        return (self.out.read_text(errors="replace"), self.err.read_text(errors="replace"))

    def stop(self) -> None:
        stop_all([self])


def stop_all(servers: list[Gunicorn]) -> None:
    """Signal every server first, then wait: each takes seconds to reap its workers."""
    for server in servers:
        if server.proc.poll() is None:
            # QUIT: gunicorn's quick shutdown (TERM waits out the graceful timeout).
            server.proc.send_signal(signal.SIGQUIT)
    for server in servers:
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


def start_gunicorn(env: dict[str, str], logdir: Path, *, workers: int = 1, threads: int = 4,
                   args: tuple[str, ...] = ()) -> Gunicorn:
    """Start gunicorn on a free port with the project's config; wait until it answers."""
    return start_many([env], logdir, workers=workers, threads=threads, args=args)[0]


def start_many(envs: list[dict[str, str]], logdir: Path, *, workers: int = 1,
               threads: int = 4, args: tuple[str, ...] = ()) -> list[Gunicorn]:
    """Start one gunicorn per environment, all at once, and wait until each answers."""
    logdir.mkdir(parents=True, exist_ok=True)
    servers = [_spawn(env, logdir, workers, threads, args) for env in envs]
    for i, env in enumerate(envs):
        for _attempt in range(3):
            if _wait_ready(servers[i]):
                break
            servers[i].stop()
            failed = servers[i].logs()[1]
            if "Address already in use" not in failed:  # only a lost port race is retried
                break
            servers[i] = _spawn(env, logdir, workers, threads, args)
        else:
            failed = "no free port after 3 attempts"
        if servers[i].proc.poll() is not None:
            stop_all(servers)
            raise AssertionError("gunicorn did not start:\n" + failed[-3000:])
    return servers


def _spawn(env: dict[str, str], logdir: Path, workers: int, threads: int,
           args: tuple[str, ...]) -> Gunicorn:
    port = free_port()
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith("VOTES_") or k == "VOTES_REQUIRE_ALL"}
    full_env.update(env)
    full_env.update(VOTES_GUNICORN_BIND=f"127.0.0.1:{port}",
                    VOTES_GUNICORN_WORKERS=str(workers), VOTES_GUNICORN_THREADS=str(threads))
    out, err = logdir / f"{port}.out", logdir / f"{port}.err"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
         *args, "wsgi:app"], cwd=ROOT, env=full_env,
        stdout=out.open("wb"), stderr=err.open("wb"))
    return Gunicorn(port, proc, out, err)


def _wait_ready(server: Gunicorn, limit: float = 30.0) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
                pass
            # Connected: the master listens; one real request proves a worker serves.
            urllib.request.urlopen(server.base + "/static/votes.css", timeout=10).read()
            return True
        except OSError:
            time.sleep(0.05)  # bounded poll for the process to come up, not a timing guess
    return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    headers: dict
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Browser:
    """One person's browser: cookies kept across requests (and across servers on the same
    host, as behind a load balancer), the last page's CSRF token sent with every form."""

    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    csrf: str = ""

    def __post_init__(self):
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, url: str, data: dict | None = None,
                headers: dict | None = None) -> Response:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrf_token": self.csrf, **data}).encode()
        req = urllib.request.Request(url, data=body, headers=headers or {})
        try:
            with self._opener.open(req, timeout=30) as r:
                resp = Response(r.status, dict(r.headers), r.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as err:
            resp = Response(err.code, dict(err.headers), err.read().decode("utf-8", "replace"))
        token = re.search(r'name="csrf_token" value="([^"]+)"', resp.text)
        if token:
            self.csrf = token.group(1)
        return resp

    def get(self, url: str, **kw) -> Response:
        return self.request(url, None, **kw)

    def post(self, url: str, data: dict, **kw) -> Response:
        return self.request(url, data, **kw)
