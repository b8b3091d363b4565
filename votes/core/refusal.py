"""Refusals the pure core raises about user input, worded for the user and translatable.

The core imports no Flask or Babel. It raises ``Refusal`` with a Chinese msgid (marked with
``_`` so ``pybabel extract`` finds it) and its %(name)s variables; ``str()`` of the refusal
goes through the translator the application installed (votes.i18n installs gettext at
import), so a service that shows ``str(exc)`` shows it in the visitor's language. Without an
installed translator (the offline verifier, a bare script) the text is the Chinese msgid.
"""

from __future__ import annotations

from typing import Callable


def _(msgid: str) -> str:
    """Marks a msgid for extraction; translation happens when the refusal is shown."""
    return msgid


def _chinese(msgid: str, **variables) -> str:
    return msgid % variables if variables else msgid


translate: Callable[..., str] = _chinese


def install(translator: Callable[..., str]) -> None:
    """Called once by votes.i18n: show refusals in the current language."""
    global translate
    translate = translator


class Term(str):
    """A variable of a refusal that is itself a msgid (a threshold's name): translated too."""


class Refusal(ValueError):
    """A ValueError whose text is a msgid plus variables, translated when shown."""

    def __init__(self, msgid: str, **variables):
        super().__init__(msgid)
        self.msgid = msgid
        self.variables = variables

    def __str__(self) -> str:
        variables = {k: translate(v) if isinstance(v, Term) else v
                     for k, v in self.variables.items()}
        return translate(self.msgid, **variables)
