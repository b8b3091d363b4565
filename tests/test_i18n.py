"""Every user-facing string has English, and the English pages use it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from votes.translations.english import EN

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("votes/**.py", "python"), ("templates/**.html", "jinja2")]


def test_every_message_has_an_english_translation():
    found = {msg for _f, _l, msg, _c, _x in extract_from_dir(
        str(ROOT), METHODS, keywords={"_": None, "gettext": None})
        if isinstance(msg, str)}
    assert len(found) > 200
    assert sorted(found - EN.keys()) == []


def test_compiled_catalog_is_current():
    from babel.messages.mofile import read_mo

    with (ROOT / "votes/translations/en/LC_MESSAGES/messages.mo").open("rb") as fh:
        catalog = read_mo(fh)
    compiled = {m.id: m.string for m in catalog if m.id}
    assert {k: v for k, v in EN.items() if v} == {k: v for k, v in compiled.items() if k in EN
                                                  and EN[k]}, \
        "run python votes/translations/english.py"


def test_pages_switch_to_english(client, app):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert "Owner e-voting for the special maintenance fund" in page
    page = client.get("/").get_data(as_text=True)  # the choice sticks for the session
    assert "Owner e-voting" in page
    assert "住宅专项维修资金业主电子表决" in app.test_client().get("/").get_data(as_text=True)
