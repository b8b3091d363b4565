"""What the pages do to text they show. The `kept` filter: a text an owner or member typed,
its lines as typed, in no more lines than the filing rule allows (votes.core.kept_lines): a
text stored before that rule shows its first lines and folds the rest away behind a summary
to tap. The `units` filter (keep_units): a figure and its unit are one word."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from votes.core.kept_lines import Piece, fold
from votes.i18n import _


def _pieces(pieces: list[Piece]) -> Markup:
    return Markup("").join(Markup('<span class="blank-run" hidden>%s</span>') % p.text
                           if p.hidden else escape(p.text) for p in pieces)


def kept_text(text) -> Markup:
    from votes.web import zh_text

    text = "" if text is None else str(text)
    # zh_text's rule (Chinese text read with a Chinese voice on an English page) on the
    # whole text, carried by each span the text is split into.
    lang = Markup(' lang="zh-CN"') if zh_text(text) is not text else Markup("")
    folded = fold(text)
    shown = Markup('<span class="kept-lines"%s>%s</span>') % (lang, _pieces(folded.shown))
    if not folded.folded:
        return shown
    return shown + Markup(
        '<details class="more-lines"><summary>%s</summary>'
        '<span class="kept-lines"%s>%s</span></details>') % (
        _("展开其余 %(n)d 行", n=folded.folded_lines), lang, _pieces(folded.folded))


# The space between a figure and the unit after it ("654.75 m²", "1,200.00 元", "18,000.00
# yuan"): a line broken there on a phone leaves the unit alone at the next line's start.
_UNIT_SPACE = re.compile(r"(?<=\d) (?=m²|元|yuan\b)")


def keep_units(value):
    """A translated sentence's figures kept with their units, whatever the language: the
    space between them a no-break space."""
    if not isinstance(value, str) or " " not in value:
        return value
    kept = _UNIT_SPACE.sub("\u00a0", value)
    return Markup(kept) if isinstance(value, Markup) else kept
