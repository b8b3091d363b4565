"""The roll's preview and confirm take seconds to tens of seconds with a city's roll. The
forms say so before the click (how long, roughly, and not to click again), without a script;
with one (roll_busy.js, served from /static/ as the policy asks) the click shows at once that
the work has started and the buttons cannot send it twice."""

from __future__ import annotations

import io
import re

import pytest

from tests.factories import make_roll_csv
from tests.staff_world import build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _script(html: str) -> re.Match:
    return re.search(r'<script src="([^"]*roll_busy\.js)" defer></script>', html)


def _no_inline_script(page) -> None:
    html = page.get_data(as_text=True)
    assert "<script>" not in html and " onsubmit=" not in html and " onclick=" not in html
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_the_upload_form_says_how_long_the_check_takes(app, world, client):
    sign_in(client, "sun_committee")
    page = client.get("/committee/c/SUN")
    html = page.get_data(as_text=True)
    form = re.search(r'<form[^>]*roll/preview[^>]*>(.*?)</form>', html, re.S)
    assert form and "data-busy" in form.group(0), html
    # Shown without a script, before the click.
    note = re.search(r'<p class="muted" id="roll-preview-wait">([^<]*)</p>', form.group(1))
    assert note and "10 万户" in note.group(1) and "不要" in note.group(1), form.group(1)
    status = re.search(r'<p[^>]*data-busy-status[^>]*>', form.group(1))
    assert status and "hidden" in status.group(0) and 'role="status"' in status.group(0)
    assert "正在上传并检查名册" in form.group(1)
    assert _script(html)
    _no_inline_script(page)
    english = client.get("/committee/c/SUN?lang=en").get_data(as_text=True)
    assert "100,000 units" in english, english


def test_the_confirm_form_says_how_long_this_roll_takes(app, world, client, tmp_path):
    sign_in(client, "sun_committee")
    rows = "\n".join(f"{i // 100 + 1},1,{i % 100 + 101},80.25,登记,业主{i},ID{i:08d}X,个人,"
                     f"139{i:08d},5000.00" for i in range(30000))
    data = ("building,entrance,room,area,area_basis,owner_name,owner_id,owner_kind,phone,"
            "fund_balance\n" + rows + "\n").encode()
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(data), "big.csv")})
    html = page.get_data(as_text=True)
    form = re.search(r'<form[^>]*roll/confirm[^>]*>(.*?)</form>', html, re.S)
    assert form and "data-busy" in form.group(0), html
    note = re.search(r'<p class="muted" id="roll-confirm-wait">([^<]*)</p>', form.group(1))
    assert note and "30000 户" in note.group(1) and "秒" in note.group(1), form.group(1)
    assert "不要" in note.group(1)
    assert "正在导入名册" in form.group(1)
    assert _script(html)
    _no_inline_script(page)


def test_the_script_is_served_and_holds_a_form_to_one_submit(app, world, client, tmp_path):
    sign_in(client, "sun_committee")
    roll = make_roll_csv(tmp_path / "upload.csv")
    html = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(roll.read_bytes()), "upload.csv")}).get_data(as_text=True)
    served = client.get(_script(html).group(1))
    assert served.status_code == 200
    assert b"preventDefault" in served.data and b"disabled" in served.data
    assert b"pageshow" in served.data  # the back button gives the form back usable
    served.close()
