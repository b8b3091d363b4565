"""The clerk a staff entry names: signed into its chain entry for good."""

from __future__ import annotations

from votes.core.roll import has_control
from votes.i18n import _
from votes.services.errors import DomainError


def check_clerk(actor: str | None, refusal: str | None = None) -> None:
    """Refuse a clerk's name that is blank (as str.isspace has it, U+3000 included, as
    the verifier reads it), over 64 characters or with control characters (a terminal
    escape would go onto the chain); the CLI's --by and --entered-by can be anything typed.
    `refusal`: the message, where a form asks for the name in its own words."""
    if not actor or not actor.strip() or len(actor) > 64 or has_control(actor):
        raise DomainError(refusal or _("录入人为空、过长或含有控制字符"))
