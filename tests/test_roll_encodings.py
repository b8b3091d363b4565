"""A roll saved as Excel's and WPS's "Unicode 文本 (*.txt)": UTF-16 with its byte-order mark,
tab-separated. It is the one text format of theirs that keeps every character whatever the
computer's language, and it was refused as 无法识别文件编码 (an encoding the committee never
chose). UTF-16 without the mark is said to be UTF-16, not read as GB18030 into a header
missing every column."""

from __future__ import annotations

import io

import pytest

from tests.factories import make_roll_csv, sample_rows


def _as_unicode_text(path, encoding: str, bom: bytes = b"") -> bytes:
    text = path.read_text(encoding="utf-8").replace(",", "\t").replace("\n", "\r\n")
    return bom + text.encode(encoding)


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
@pytest.mark.parametrize("name", ["roll.txt", "roll.csv"])
def test_unicode_text_from_excel_or_wps_is_read(app, runner, tmp_path, encoding, bom, name):
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    made = make_roll_csv(tmp_path / "made.csv", sample_rows())
    path = tmp_path / name
    path.write_bytes(_as_unicode_text(made, encoding, bom))
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 0, result.output
    assert "已导入业主名册：7 户" in result.output, result.output


def test_unicode_text_is_read_in_the_browsers_preview(app, runner, client, tmp_path):
    from tests.staff_world import build, sign_in

    build(app, runner, tmp_path)  # SUN and MOON, each with the sample roll, and their staff
    made = make_roll_csv(tmp_path / "made.csv", sample_rows())
    data = _as_unicode_text(made, "utf-16-le", b"\xff\xfe")
    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/roll/preview",
                       data={"file": (io.BytesIO(data), "名册.txt")}).get_data(as_text=True)
    assert "将导入 7 户；名册登记业主 5 名" in page, page[-3000:]


def test_utf16_without_its_mark_is_named(app, runner, tmp_path):
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    made = make_roll_csv(tmp_path / "made.csv", sample_rows())
    path = tmp_path / "roll.txt"
    path.write_bytes(_as_unicode_text(made, "utf-16-le"))
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 1, result.output
    assert "缺少必填列" not in result.output, result.output
    assert "无法识别文件编码" in result.output, result.output
