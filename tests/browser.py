"""Helpers for browser tests: a live server in a thread and headless Debian Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE_UA = ("Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile "
            "Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 NetType/WIFI")


def need_tools(*tools: str) -> None:
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian: chromium, poppler-utils, zbar-tools)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("needs the playwright Python package (pip install -e '.[test]')")


def page_html(page) -> str:
    """The page's HTML once its document has loaded. Right after a click that navigates,
    content() can catch the new document before it has any (seen as '' on a loaded
    machine, with another test process beside it)."""
    page.wait_for_load_state()
    return page.content()


def pdf_text(pdf: Path | bytes, *pages: int, layout: bool = True) -> str:
    """The text of a PDF (a file or its bytes): laid out as a reader sees it, or with
    layout=False in the order it was drawn (a table cell's lines together). Never
    pdftotext's default mode: it joins a line ending in "-" to the next one and drops the
    "-", which is a character of a printed link or token, not a hyphenation."""
    span = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    source, data = (["-"], pdf) if isinstance(pdf, bytes) else ([str(pdf)], None)
    mode = "-layout" if layout else "-raw"
    return subprocess.run(["pdftotext", mode, *span, *source, "-"], input=data,
                          capture_output=True, check=True).stdout.decode("utf-8")


def qr_codes_per_page(pdf: bytes, folder: Path, name: str,
                      dpi: int = 80) -> list[tuple[Path, list[str]]]:
    """Each page of a PDF rendered at `dpi` (its PNG) and what zbarimg reads on it: a
    printed notice's QR codes as a phone would read the paper, [] where it finds none."""
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(folder / name)],
                   check=True)
    return [(page, subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True,
                                  text=True).stdout.split())
            for page in sorted(folder.glob(f"{name}-*.png"))]


@contextmanager
def live_server(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    app.config["BASE_URL"] = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


_shared: dict = {}  # the module's Chromium: {"playwright": ..., "browser": ...}


def _browser():
    """The headless Chromium (the machine's, no downloads) shared by the current test
    module: launching one (and Playwright's driver) costs about a second of CPU, paid once
    per module rather than once per page. Closed by close_browser() at the module's end
    (tests/conftest.py), so Playwright's event loop, which marks itself running in the main
    thread while the driver is up, does not outlive the module's browser tests."""
    browser = _shared.get("browser")
    if browser is None or not browser.is_connected():
        close_browser()
        from playwright.sync_api import sync_playwright

        _shared["playwright"] = sync_playwright().start()
        _shared["browser"] = _shared["playwright"].chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"])
    return _shared["browser"]


def close_browser() -> None:
    browser, playwright = _shared.pop("browser", None), _shared.pop("playwright", None)
    try:
        if browser is not None and browser.is_connected():
            browser.close()
    finally:
        if playwright is not None:
            playwright.stop()


@contextmanager
def _browser_page(**context_options):
    """A page in a context of its own (its own cookies, storage, IndexedDB and cache, as a
    fresh browser has) with these context options, closed after."""
    context = _browser().new_context(locale="zh-CN", **context_options)
    try:
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def phone_browser(javascript: bool = True, bypass_csp: bool = False):
    with _browser_page(viewport={"width": 360, "height": 640}, user_agent=PHONE_UA,
                       is_mobile=True, has_touch=True, device_scale_factor=2,
                       java_script_enabled=javascript, bypass_csp=bypass_csp) as page:
        yield page


def sign_in_to_the_ballot(page, base: str, app, vote) -> None:
    """张三 (flat 101) signs in on the phone with his ID digits and reaches the ballot page,
    whose device key the server has registered."""
    from tests.factories import resident_id, voter_token

    page.goto(f"{base}/v/{voter_token(app, vote)}")
    page.fill("#answer", resident_id(1)[-6:])
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith("/device")) as registered:
        page.click("#verify-submit")
    assert registered.value.ok
    page.wait_for_url(re.compile(r".*/ballot$"))


@contextmanager
def desk_browser(bypass_csp: bool = False):
    """A page at a staff member's desk: 1280×900, downloads accepted."""
    with _browser_page(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                       bypass_csp=bypass_csp) as page:
        yield page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
