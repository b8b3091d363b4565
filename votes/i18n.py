"""Translation for services and commands: one gettext catalogue for pages, errors and CLI.

msgids are the Chinese text; English lives in votes/translations/en/LC_MESSAGES/messages.po,
which is the source (votes/translations/README.md says how to extract, update and compile it). Inside a
request the visitor's language applies; outside one (the `votes` command, background work)
the configured default (zh_CN), or `VOTES_LANG=en`.
"""

from __future__ import annotations


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
