"""Issue 9 items 4 and 16: rate limits count the real client behind a configured number of
proxies (and a client cannot choose its own bucket), Secure cookies and HSTS under https."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_CONFIG, _sqlite_copy


def _app(sqlite_template, tmp_path, name, **config):
    from votes import create_app

    (tmp_path / name).mkdir()
    url = _sqlite_copy(sqlite_template, tmp_path / name)
    return create_app({**TEST_CONFIG, "DATABASE_URL": url, "RATELIMIT_ENABLED": True,
                       "INSTANCE_PATH": str(tmp_path / name), **config})


def _login_statuses(app, forwarded_for: list[str], peer="203.0.113.7") -> list[int]:
    """Second-factor answers (10 a minute per client); without a pending link each is
    refused with 404, and each counts."""
    client = app.test_client()
    return [client.post("/p/no-such-vote/verify", data={"method": "id", "answer": "000000"},
                        headers={"X-Forwarded-For": xff},
                        environ_base={"REMOTE_ADDR": peer}).status_code
            for xff in forwarded_for]


def test_forwarded_for_is_ignored_without_trusted_proxies(sqlite_template, tmp_path):
    app = _app(sqlite_template, tmp_path, "direct")
    # A stranger rotating X-Forwarded-For still hits one bucket: its own socket address.
    codes = _login_statuses(app, [f"198.51.100.{i}" for i in range(12)])
    assert codes[:10] == [404] * 10 and codes[10:] == [429, 429]


def test_forwarded_for_is_honoured_behind_one_trusted_proxy(sqlite_template, tmp_path):
    app = _app(sqlite_template, tmp_path, "proxied", TRUSTED_PROXIES=1)
    # Twelve real clients behind the one proxy each get their own limit...
    assert _login_statuses(app, [f"198.51.100.{i}" for i in range(12)]) == [404] * 12
    # ...and one client cannot escape its limit by prepending addresses of its choice:
    # nginx appends the real peer, and only that last hop is believed.
    codes = _login_statuses(app, [f"10.0.0.{i}, 192.0.2.50" for i in range(12)])
    assert codes[:10] == [404] * 10 and codes[10:] == [429, 429]


def test_environment_value_for_trusted_proxies(sqlite_template, tmp_path, monkeypatch):
    monkeypatch.setenv("VOTES_TRUSTED_PROXIES", "1")
    app = _app(sqlite_template, tmp_path, "env")
    assert app.config["TRUSTED_PROXIES"] == 1
    assert _login_statuses(app, [f"198.51.100.{i}" for i in range(11)]) == [404] * 11


def _cookie_and_headers(app):
    r = app.test_client().get("/?lang=en")
    assert r.status_code == 200
    cookie = r.headers.get("Set-Cookie", "")
    assert cookie.startswith("session=")
    return cookie, r.headers


def test_https_base_url_means_secure_cookies_and_hsts(sqlite_template, tmp_path):
    app = _app(sqlite_template, tmp_path, "https", BASE_URL="https://votes.example.cn")
    cookie, headers = _cookie_and_headers(app)
    assert "; Secure" in cookie and "HttpOnly" in cookie
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_plain_http_base_url_sends_neither(sqlite_template, tmp_path):
    app = _app(sqlite_template, tmp_path, "http")
    cookie, headers = _cookie_and_headers(app)
    assert "Secure" not in cookie and "Strict-Transport-Security" not in headers


def test_secure_cookies_and_hsts_are_configurable(sqlite_template, tmp_path, monkeypatch):
    monkeypatch.setenv("VOTES_SECURE_COOKIES", "0")
    monkeypatch.setenv("VOTES_HSTS", "off")
    app = _app(sqlite_template, tmp_path, "off", BASE_URL="https://votes.example.cn")
    cookie, headers = _cookie_and_headers(app)
    assert "Secure" not in cookie and "Strict-Transport-Security" not in headers
    monkeypatch.setenv("VOTES_SECURE_COOKIES", "1")
    monkeypatch.setenv("VOTES_HSTS", "1")
    app = _app(sqlite_template, tmp_path, "on")  # http base URL, forced on
    cookie, headers = _cookie_and_headers(app)
    assert "; Secure" in cookie and "Strict-Transport-Security" in headers


def test_a_nonsense_flag_is_refused(sqlite_template, tmp_path, monkeypatch):
    monkeypatch.setenv("VOTES_HSTS", "maybe")
    with pytest.raises(ValueError, match="yes/no"):
        _app(sqlite_template, tmp_path, "bad")


def test_forms_work_over_https_behind_the_proxy(sqlite_template, tmp_path):
    # Behind nginx with TRUSTED_PROXIES=1 the app knows the request came over https. The
    # app sends Referrer-Policy: no-referrer, so a browser's POST carries no Referer: the
    # CSRF token (with SameSite cookies) must be what protects forms, not the Referer.
    import re

    app = _app(sqlite_template, tmp_path, "tls", BASE_URL="https://votes.example.cn",
               TRUSTED_PROXIES=1, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.1"}
    page = client.get("/staff/login", headers=https, base_url="http://votes.example.cn")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    r = client.post("/staff/login", headers=https, base_url="http://votes.example.cn",
                    data={"csrf_token": token, "login": "nobody", "password": "wrong"})
    assert r.status_code == 200 and "登录名或密码错误" in r.get_data(as_text=True)
    forged = client.post("/staff/login", headers=https, base_url="http://votes.example.cn",
                         data={"login": "nobody", "password": "wrong"})
    assert forged.status_code == 400


def test_each_host_gets_its_own_policy_however_many_a_client_invents(client):
    """The CSP names the request's own host for scripts, and is kept per host: a client
    choosing a new Host header on every request (200 of them, more than are kept) never
    gets another host's policy (a document's own sandbox policy: test_documents.py)."""
    for n in list(range(200)) + [3, 150, 7]:
        host = f"h{n}.example"
        r = client.get("/favicon.ico", headers={"Host": host})
        assert f"script-src http://{host}/static/;" in r.headers["Content-Security-Policy"]
        assert r.headers.getlist("Content-Security-Policy") == [
            r.headers["Content-Security-Policy"]]
    r = client.get("/favicon.ico", base_url="https://secure.example")
    assert "script-src https://secure.example/static/;" in r.headers["Content-Security-Policy"]


def test_number_settings_from_the_environment_are_numbers(sqlite_template, tmp_path,
                                                           monkeypatch):
    """The environment gives text: a VOTES_MAX_CONTENT_LENGTH made every POST with a body a
    server error (Flask compared the request's length with a string), and a
    VOTES_PERMANENT_SESSION_LIFETIME every staff sign-in."""
    monkeypatch.setenv("VOTES_MAX_CONTENT_LENGTH", "1000")
    monkeypatch.setenv("VOTES_PERMANENT_SESSION_LIFETIME", "3600")
    app = _app(sqlite_template, tmp_path, "numbers")
    client = app.test_client()
    big = client.post("/staff/login", data={"login": "x" * 2000, "password": "y"})
    assert big.status_code == 413 and "文件太大" in big.get_data(as_text=True)
    small = client.post("/staff/login", data={"login": "nobody", "password": "y"})
    assert small.status_code == 200  # refused as a wrong password, not a server error
    assert app.config["PERMANENT_SESSION_LIFETIME"] == 3600
    monkeypatch.setenv("VOTES_MAX_CONTENT_LENGTH", "")  # empty: the default
    assert _app(sqlite_template, tmp_path, "default")\
        .config["MAX_CONTENT_LENGTH"] == 32 * 1024 * 1024
    monkeypatch.setenv("VOTES_MAX_CONTENT_LENGTH", "32m")
    with pytest.raises(ValueError, match="VOTES_MAX_CONTENT_LENGTH must be a whole number"):
        _app(sqlite_template, tmp_path, "bad")


def test_a_wrong_ballot_import_limit_stops_the_start(sqlite_template, tmp_path, monkeypatch):
    monkeypatch.setenv("VOTES_BALLOT_IMPORT_MAX_BYTES", "lots")
    with pytest.raises(ValueError):
        _app(sqlite_template, tmp_path, "limit")


def test_yes_no_settings_from_the_environment_are_true_or_false(sqlite_template, tmp_path,
                                                                monkeypatch):
    """Any text is true to Flask and its extensions: VOTES_RATELIMIT_IN_MEMORY_FALLBACK_ENABLED
    =false or VOTES_WTF_CSRF_SSL_STRICT=false turned on what the operator meant to keep
    off, and VOTES_SESSION_COOKIE_HTTPONLY=0 left it on."""
    monkeypatch.setenv("VOTES_RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", "false")
    monkeypatch.setenv("VOTES_WTF_CSRF_SSL_STRICT", "FALSE")
    monkeypatch.setenv("VOTES_SESSION_COOKIE_HTTPONLY", "0")
    monkeypatch.setenv("VOTES_PROPAGATE_EXCEPTIONS", "no")  # Flask's default: None
    app = _app(sqlite_template, tmp_path, "flags")
    assert app.config["PROPAGATE_EXCEPTIONS"] is False
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is False
    assert app.config["WTF_CSRF_SSL_STRICT"] is False
    assert app.config["SESSION_COOKIE_HTTPONLY"] is False
    cookie = app.test_client().get("/?lang=en").headers.get("Set-Cookie", "")
    assert "session=" in cookie and "HttpOnly" not in cookie, cookie
    monkeypatch.setenv("VOTES_WTF_CSRF_SSL_STRICT", "yes")
    monkeypatch.setenv("VOTES_SESSION_COOKIE_HTTPONLY", "")  # empty: the default
    app = _app(sqlite_template, tmp_path, "flags-on")
    assert app.config["WTF_CSRF_SSL_STRICT"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    monkeypatch.setenv("VOTES_WTF_CSRF_SSL_STRICT", "nein")
    with pytest.raises(ValueError, match="VOTES_WTF_CSRF_SSL_STRICT must be true or false"):
        _app(sqlite_template, tmp_path, "flags-bad")


@pytest.mark.parametrize("name, value", [("DATABASE_POOL_SIZE", "eight"),
                                         ("GUNICORN_THREADS", "eight"),
                                         ("HSTS", "maybe"), ("SECURE_COOKIES", "maybe")])
def test_a_wrong_setting_stops_the_start_naming_it(sqlite_template, tmp_path, monkeypatch,
                                                   name, value):
    """docs/deploy.md: a wrong value stops the start with the setting's name. These four
    stopped it with int()'s "invalid literal" or a bare "not a yes/no setting", naming
    nothing an operator could look for in votes.env."""
    monkeypatch.setenv(f"VOTES_{name}", value)
    with pytest.raises(ValueError, match=f"VOTES_{name} must be"):
        _app(sqlite_template, tmp_path, "bad",
             DATABASE_URL="postgresql://votes@127.0.0.1:1/votes")
