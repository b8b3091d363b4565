"""The money stage's posted documents carry every font they name: printed at a shop or read
on a phone without the app's fonts, nothing is drawn in a font substituted there."""

from __future__ import annotations

import subprocess

from tests.browser import need_tools
from tests.test_settlement_qr import _emergency_settled


def _fonts(pdf: bytes, tmp_path, name: str) -> list[list[str]]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    return [line.split() for line in out]


def test_the_posted_notices_with_a_qr_code_name_no_font_they_do_not_embed(app, runner,
                                                                          tmp_path, client):
    """The settlement notice and the emergency announcement anyone downloads named
    Helvetica, not embedded (the table beside their QR code set reportlab's default font
    before drawing its cells): pdffonts listed it "emb no", which a print shop's preflight
    refuses and a reader without it substitutes. Every font they name is embedded."""
    need_tools("pdffonts")
    pid, uid = _emergency_settled(app, runner, tmp_path, "阳光花园业主委员会", 4)
    documents = {"settlement": client.get(f"/p/{uid}/settlement.pdf"),
                 "emergency": client.get(f"/p/{uid}/emergency-notice.pdf")}
    for name, got in documents.items():
        assert got.status_code == 200, name
        fonts = _fonts(got.data, tmp_path, name)
        assert fonts and all(row[-5] == "yes" for row in fonts), (name, fonts)
