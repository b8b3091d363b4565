"""Every user-facing string has English in the catalogue, and the English pages use it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("votes/**.py", "python"), ("templates/**.html", "jinja2")]
CATALOGUE = ROOT / "votes/translations/en/LC_MESSAGES"


def _po():
    with (CATALOGUE / "messages.po").open("rb") as fh:
        # abort_invalid: a stray line (a merge's conflict marker) fails instead of being skipped
        return read_po(fh, locale="en", abort_invalid=True)


def test_every_message_has_an_english_translation():
    found = {msg for _f, _l, msg, _c, _x in extract_from_dir(
        str(ROOT), METHODS, keywords={"_": None, "gettext": None, "lazy": None})
        if isinstance(msg, str)}
    assert len(found) > 200
    translated = {m.id for m in _po() if m.id and m.string and not m.fuzzy}
    assert sorted(found - translated) == [], \
        "add the English to messages.po (votes/translations/README.md)"


def test_compiled_catalog_is_current():
    with (CATALOGUE / "messages.mo").open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    source = {m.id: m.string for m in _po() if m.id and m.string and not m.fuzzy}
    assert compiled == source, "run pybabel compile -d votes/translations"


def test_pages_switch_to_english(client, app):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert "Owner e-voting for the special maintenance fund" in page
    page = client.get("/").get_data(as_text=True)  # the choice sticks for the session
    assert "Owner e-voting" in page
    # Once stored, the same choice is not signed and sent again with every page.
    assert "Set-Cookie" not in client.get("/").headers
    back = client.get("/?lang=zh_CN")
    assert "住宅专项维修资金业主电子表决" in back.get_data(as_text=True)
    assert "Set-Cookie" in back.headers and "Set-Cookie" not in client.get("/").headers
    assert "住宅专项维修资金业主电子表决" in app.test_client().get("/").get_data(as_text=True)


def test_page_gettext_is_the_i18n_extensions(app):
    """Pages get _/gettext/ngettext bound once per render (votes.web._page_context): the
    same text, escaping and formatting as the jinja i18n extension's own over flask-babel."""
    from flask import render_template_string

    source = ('{{ _("表决截止：%(t)s（北京时间）", t="<b>&") }}|{{ gettext("表决票") }}|'
              '{{ ngettext("%(num)d 项", "%(num)d 项", 2) }}|{{ _("100%%") }}|'
              '{% for x in [1] %}{{ _("表决票") }}{% endfor %}|'
              '{% autoescape false %}{{ _("%(t)s", t="<i>") }}{% endautoescape %}')
    for lang, words in (("zh_CN", "表决截止"), ("en", "Voting ends")):
        with app.test_request_context(f"/?lang={lang}"):
            ours = render_template_string(source)
            # Rendered without the page context: the extension's _ from the environment.
            theirs = app.jinja_env.from_string(source).render()
        assert ours == theirs
        assert words in ours and "&lt;b&gt;&amp;" in ours and "|100%|" in ours
        assert ours.endswith("|<i>")
