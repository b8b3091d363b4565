"""Every field of a staff form has a name a screen reader reads out (a label around it or
for it, or an aria-label): axe-core's "Form elements must have labels", checked here
through the test client on the pages where a field had none."""

from __future__ import annotations

from html.parser import HTMLParser


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels_for: set[str] = set()
        self.in_label = 0
        self.fields: list[tuple[dict, bool]] = []  # (attributes, inside a label)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.labels_for.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") not in (
                "hidden", "submit", "button"):
            self.fields.append((a, self.in_label > 0))

    def handle_endtag(self, tag):
        if tag == "label" and self.in_label:
            self.in_label -= 1


def unnamed_fields(html: str) -> list[str]:
    """The fields of the page without a label or aria-label, by name."""
    parser = _Fields()
    parser.feed(html)
    return [f"{a.get('name')}" for a, wrapped in parser.fields
            if not wrapped and not (a.get("aria-label") or "").strip()
            and not (a.get("aria-labelledby"))
            and a.get("id") not in parser.labels_for]


def test_the_roll_upload_field_is_named(app, runner, tmp_path):
    """The community page's roll file field had no label: a screen reader said "file,
    required" with nothing of what file."""
    from tests.factories import make_draft
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    make_draft(app, runner, tmp_path)
    staff_accounts(app, runner)
    client = app.test_client()
    sign_in(client, "sun_committee")
    for lang in ("zh_CN", "en"):
        page = client.get(f"/committee/c/SUN?lang={lang}").get_data(as_text=True)
        assert unnamed_fields(page) == []


def test_the_visit_record_fields_are_named(app, runner, tmp_path):
    """Each non-voter's visit form had a choice of outcome with no name at all (and its
    note only a placeholder): a screen reader said "combo box, not at home"."""
    from tests.factories import make_open_proposal
    from tests.staff_world import clerk_client

    proposal = make_open_proposal(app, runner, tmp_path)
    client = clerk_client(app, runner)
    for lang in ("zh_CN", "en"):
        page = client.get(f"/committee/p/{proposal['id']}/non-voters?lang={lang}") \
            .get_data(as_text=True)
        assert 'name="outcome"' in page and unnamed_fields(page) == []


def test_the_accounts_page_names_every_field(app, runner, tmp_path):
    """The administrator's page had each community's district code field without any
    name, and each account's new-password field named by its placeholder alone."""
    from tests.factories import make_draft
    from tests.staff_world import staff_client

    make_draft(app, runner, tmp_path)
    client = staff_client(app, runner, "admin1", "--role", "admin")
    for lang in ("zh_CN", "en"):
        page = client.get(f"/admin/?lang={lang}").get_data(as_text=True)
        assert 'value="jurisdiction"' in page and unnamed_fields(page) == []
