"""Every user-facing string has English in the catalogue, and the English pages use it."""

from __future__ import annotations

import html
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
        str(ROOT), METHODS, keywords={"_": None, "gettext": None, "lazy": None, "N_": None})
        if isinstance(msg, str)}
    assert len(found) > 200
    translated = {m.id for m in _po() if m.id and m.string and not m.fuzzy}
    assert sorted(found - translated) == [], \
        "add the English to messages.po (votes/translations/README.md)"


def test_compiled_catalog_is_current():
    def hashable(value):  # a plural message's id and strings are lists
        return tuple(value) if isinstance(value, (list, tuple)) else value

    with (CATALOGUE / "messages.mo").open("rb") as fh:
        compiled = {hashable(m.id): hashable(m.string) for m in read_mo(fh) if m.id}
    source = {hashable(m.id): hashable(m.string) for m in _po()
              if m.id and m.string and not m.fuzzy}
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


def test_labels_of_stored_values_are_english_on_english_pages(app, runner, tmp_path):
    """Words for values kept in code (a works stage, a delivery's method, an emergency's
    category and applicant, a unit kind) are translated where they are shown, not looked up
    in a Chinese table: an English page or CSV showed 验收, 当面签收, 消防设施失效 …"""
    from tests import procedure_world as pw
    from tests.money_world import fire_pump_emergency, passed_vote, staff_accounts, works_done
    from tests.staff_world import PASSWORD, sign_in

    vote = passed_vote(app, runner, tmp_path)
    works_done(runner, tmp_path, vote["pid"])
    emergency = fire_pump_emergency(runner, tmp_path)
    staff_accounts(app, runner)
    star = pw.open_vote(app, runner, tmp_path, "follow_majority=full",
                        "excluded_kinds=parking,storeroom", code="STAR")
    result = runner.invoke(args=["users", "create", "--no-must-change", "star_committee", "--role", "committee",
                                 "--community", "STAR", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["proposal", "delivery", star, *pw.unit_args("B"), "--method",
                                 "hand", "--at", "2026-12-01T10:00", "--evidence",
                                 pw.scan(tmp_path, "delivery.pdf")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        board = f"/p/{get_proposal(emergency).uid}"
    chinese = ("验收", "当面签收", "挂号邮寄", "电子送达", "消防设施失效", "电梯故障危及人身安全",
               "业主委员会", "物业服务企业", "车位", "储藏室")

    def english(client, url, *words):
        page = client.get(url + ("&" if "?" in url else "?") + "lang=en")
        assert page.status_code == 200, url
        text = html.unescape(page.get_data(as_text=True)) if page.mimetype != "text/csv" \
            else page.data.decode("utf-8-sig")
        assert [w for w in chinese if w in text] == [], url
        for word in words:
            assert word in text, (url, word)

    english(app.test_client(), board, "Fire-fighting", "Owners' committee")
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    english(committee, "/committee/c/SUN/emergency", "Property management company")
    star_committee = app.test_client()
    sign_in(star_committee, "star_committee")
    english(star_committee, f"/committee/p/{star}", "Registered mail")
    english(star_committee, "/committee/c/STAR", "Parking space")
    regulator = app.test_client()
    sign_in(regulator, "district")
    english(regulator, f"/regulator/p/{vote['pid']}", "Acceptance")
    english(regulator, "/regulator/", "Acceptance")
    english(regulator, "/regulator/?format=csv", "Acceptance")


def test_every_plural_message_has_its_english_forms():
    """ngettext's messages (Python and templates) are pairs: the catalogue holds each with
    its two English forms."""
    found = {msg for _f, _l, msg, _c, _x in extract_from_dir(
        str(ROOT), METHODS, keywords={"ngettext": (1, 2)}) if isinstance(msg, tuple)}
    assert found, "no ngettext message found: the extraction is broken"
    plurals = {tuple(m.id): m.string for m in _po() if isinstance(m.id, (list, tuple))}
    missing = [ids for ids in found if ids not in plurals or not all(plurals[ids])]
    assert missing == [], "add msgid_plural and msgstr[0]/[1] to messages.po"


def test_the_catalogue_keeps_no_retired_wording_of_the_roll_lookalike_refusals():
    """The same-ID-two-ways refusal once named a row (证件号码与第 %(row)s 行…), then a place
    (证件号码与%(place)s…): the row wording stayed in messages.po, translated, said by no
    code, to be mended by the next translator for nothing. Each wording of this refusal
    the catalogue holds is one the code says."""
    found = {msg for _f, _l, msg, _c, _x in extract_from_dir(
        str(ROOT), METHODS, keywords={"_": None, "gettext": None, "lazy": None, "N_": None})
        if isinstance(msg, str)}
    kept = {m.id for m in _po() if isinstance(m.id, str) and "同一号码的不同写法" in m.id}
    assert kept and sorted(kept - found) == []
