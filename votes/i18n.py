"""Translation for services and commands: one gettext catalogue for pages, errors and CLI.

msgids are the Chinese text; English lives in votes/translations/en/LC_MESSAGES/messages.po,
which is the source (votes/translations/README.md says how to extract, update and compile
it). Inside a request the visitor's language applies; outside one (the `votes` command,
background work) the configured default (zh_CN), or `VOTES_LANG=en`.

Every message a person reads is a Chinese msgid with %(name)s variables, never a
"中文 (English)" literal: services raise ``DomainError(_("…%(x)s…", x=…))``, commands
``click.ClickException(_(…))``. Only command-line messages may name a flag or setting.

The core (votes/core) stays free of Flask: a core refusal that reaches users is a
``votes.core.refusal.Refusal`` carrying its Chinese msgid and variables; importing this
module installs ``_`` as its translator, so ``str(exc)`` where a service catches it is in
the current language. Core texts that are evidence (the bundle's report and CSV, the offline
verifier's report) stay bilingual on purpose: they must read the same on every machine.
"""

from __future__ import annotations

import functools
import os

from votes.core import refusal


def _(msgid: str, **variables) -> str:
    """msgid translated into the current language, with %(name)s variables filled in: a
    Said, which also keeps the msgid and variables (for what is stored to be read later)."""
    from flask import has_app_context

    if has_app_context():
        from flask_babel import gettext

        return Said.of(gettext(msgid, **variables), msgid, variables)
    return Said.of(offline(msgid, **variables), msgid, variables)


class Said(str):
    """A translation (a str, used as one) that keeps what it says in no language: its msgid
    and variables. A refusal stored to be read later (a verification job's) is stored as
    `stored_form` and put in the reader's words by `in_words`: stored as translated, it was
    in the language of whoever's request or worker raised it. Anything made of it (joined,
    formatted) is a plain str again, and is stored as it reads."""

    msgid: str
    variables: dict

    @classmethod
    def of(cls, text: str, msgid: str, variables: dict) -> "Said":
        said = cls(text)
        said.msgid, said.variables = msgid, variables
        return said


def stored_form(text) -> dict | None:
    """What a Said (or a lazy text, a core Refusal) says, as JSON-able data in no language:
    {"msgid", "variables"}, a variable said in words itself in the same form. None for a
    text that keeps no msgid."""
    if isinstance(text, (Said, Lazy, refusal.Refusal)):
        msgid, variables = text.msgid, text.variables
    elif isinstance(text, refusal.Term):
        msgid, variables = str(text), {}
    else:
        return None
    return {"msgid": msgid,
            "variables": {k: stored_form(v) or str(v) for k, v in variables.items()}}


def in_words(form: dict) -> str:
    """A stored_form in the current language."""
    return _(form["msgid"], **{k: in_words(v) if isinstance(v, dict) else v
                               for k, v in form["variables"].items()})


def offline(msgid: str, **variables) -> str:
    """`_` without an app and without importing Flask (the witness commands, the offline
    verifier, which promises to need only the standard library and cryptography): the same
    catalogue, chosen by VOTES_LANG."""
    text = _catalogue(os.environ.get("VOTES_LANG", "")).gettext(msgid)
    return text % variables if variables else text


@functools.lru_cache(maxsize=4)
def _catalogue(language: str):
    import gettext as stdlib
    from pathlib import Path

    if language != "en":
        return stdlib.NullTranslations()
    folder = Path(__file__).resolve().parent / "translations"  # Flask-Babel's folder too
    return stdlib.translation("messages", str(folder), ["en"], fallback=True)


gettext = _


def N_(msgid: str) -> str:
    """msgid itself, marked for the catalogue (extracted as `_` is): a text translated where
    it is shown rather than where it is written. A command's, group's or option's help is
    one: click keeps it as a str, and votes.commands.help_text says it in the language
    current when the help is printed."""
    return msgid


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The singular or plural msgid for num, translated, with %(num)s and the other
    variables filled in (Chinese has one form; English says "1 row", "2 rows")."""
    from flask import has_app_context

    if has_app_context():
        from flask_babel import ngettext as babel_ngettext

        return babel_ngettext(singular, plural, num, **variables)  # sets %(num)s itself
    variables.setdefault("num", num)
    return _catalogue(os.environ.get("VOTES_LANG", "")).ngettext(singular, plural, num) % variables


def language() -> str:
    """The current language: "en" or "zh_CN"."""
    from flask import has_app_context

    if has_app_context():
        from flask_babel import get_locale

        locale = get_locale()
        return "en" if locale is not None and locale.language == "en" else "zh_CN"
    return "en" if os.environ.get("VOTES_LANG", "") == "en" else "zh_CN"


def lazy(msgid: str, **variables) -> "Lazy":
    """A translation resolved when shown (for module-level constants)."""
    return Lazy(msgid, variables)


class Lazy:
    """Becomes its translation in the language current when str() is taken; importing a
    module that defines one loads no Flask-Babel (`votes --help` stays light)."""

    def __init__(self, msgid: str, variables: dict):
        self.msgid, self.variables = msgid, variables

    def __str__(self) -> str:
        return _(self.msgid, **self.variables)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))


refusal.install(_)
