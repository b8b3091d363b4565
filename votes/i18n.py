"""Translation for services and commands: one gettext catalogue for pages, errors and CLI.

msgids are the Chinese text; English lives in votes/translations/en/LC_MESSAGES/messages.po,
which is the source (votes/translations/README.md says how to extract, update and compile
it). Inside a request the visitor's language applies; outside one (the `votes` command, background work)
the configured default (zh_CN), or `VOTES_LANG=en`.

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

from votes.core import refusal


def _(msgid: str, **variables) -> str:
    """msgid translated into the current language, with %(name)s variables filled in."""
    from flask import has_app_context

    if has_app_context():
        from flask_babel import gettext

        return gettext(msgid, **variables)
    return msgid % variables if variables else msgid


gettext = _


def lazy(msgid: str, **variables):
    """A translation resolved when shown (for module-level constants)."""
    from flask_babel import lazy_gettext

    return lazy_gettext(msgid, **variables)


refusal.install(_)
