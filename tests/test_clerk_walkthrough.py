"""Defects a clerk met walking through the committee pages (entry forms, the proposal
wizard, the roll and the draft's progress bars)."""

from __future__ import annotations

import io
import re

import pytest

from tests.staff_world import build, enter_paper, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _alert(page: str) -> str:
    block = page.split('id="entry-refused"', 1)[1].split("</div>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block)).strip()


def test_a_refused_paper_form_says_what_is_wrong_once(app, world, client):
    """One paper form refused said 未录入任何选票：有 1 行被拒绝，未录入任何选票: the same
    words twice and "rows" for a form the clerk typed. It now says the fault, once."""
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    one = client.post(f"{url}/paper", data={"building": "1", "entrance": "1", "room": "999",
                                            "choice": "agree", "channel": "paper",
                                            "evidence": (io.BytesIO(b"scan"), "scan.jpg")})
    alert = _alert(one.get_data(as_text=True))
    assert one.status_code == 400
    assert "名册中没有该房屋" in alert, alert
    assert "行" not in alert and alert.count("未录入") == 1, alert
    assert alert.count("名册中没有该房屋") == 1, alert
    two = client.post(f"{url}/paper", data={"building": "1", "entrance": "1", "room": "101",
                                            "choice": "agree", "channel": "proxy",
                                            "proxy_name": "陈明",
                                            "evidence": (io.BytesIO(b"scan"), "scan.jpg")})
    alert = _alert(two.get_data(as_text=True))
    assert "委托表决须填写受托人证件号码" in alert and "委托表决须附书面授权委托书" in alert
    assert "行" not in alert and alert.count("未录入") == 1, alert
    # The CSV import still counts its rows.
    csv_text = "楼栋,单元,房号,意见,方式,凭证\n1,1,999,同意,纸质,b.jpg\n"
    batch = client.post(f"{url}/paper", data={
        "csv": (io.BytesIO(csv_text.encode()), "b.csv"),
        "evidence": [(io.BytesIO(b"b"), "b.jpg")]})
    assert "有 1 行被拒绝" in batch.get_data(as_text=True)

