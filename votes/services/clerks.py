"""The clerk a staff entry names: signed into its chain entry for good."""

from __future__ import annotations

from votes.core.bidi import has_bidi_control, hidden
from votes.core.roll import has_control
from votes.i18n import _
from votes.services.errors import DomainError


def blank_clerk(actor: str | None) -> bool:
    """Whether a clerk's name shows nothing: empty, or white space (U+3000 included, as the
    verifier reads it) and zero-width characters only."""
    return not actor or all(c.isspace() or hidden(c) for c in actor)


def unfit_clerk(actor: str) -> bool:
    """Whether a clerk's name (not blank) is over 64 characters or holds a control character
    (a terminal escape would go onto the chain) or a direction control (the name would show
    as another than the one signed)."""
    return len(actor) > 64 or has_control(actor) or has_bidi_control(actor)


def check_clerk(actor: str | None, refusal: str | None = None) -> None:
    """Refuse a clerk's name that is blank or unfit (above); the CLI's --by and --entered-by
    can be anything typed. `refusal`: the message, where a form asks for the name in its
    own words."""
    if blank_clerk(actor) or unfit_clerk(actor):
        raise DomainError(refusal or _("录入人为空、过长或含有控制字符"))
