"""Resident ID numbers (GB 11643) and masking of personal data for screens."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from votes.core.full_width import ascii_forms

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
_PHONE = re.compile(r"1\d{10}", re.ASCII)  # what an SMS gateway takes: no full-width digit
# A mainland fixed line: the area code (010, 02x, 0xxx; never 00, the international prefix),
# in brackets or not, then a local number of 7 or 8 digits, spaces or hyphens anywhere.
_LANDLINE = re.compile(r"(?:0[1-9]\d{1,2}|\(0[1-9]\d{1,2}\))[- ]?\d(?:[- ]?\d){6,7}")


def looks_like_resident_id(text: str) -> bool:
    """True for 17 digits followed by a digit or X (either case)."""
    return bool(_SHAPE.match(text.strip().upper()))


def check_resident_id(text: str) -> bool:
    """True when an 18-character resident ID carries the right GB 11643 check character."""
    value = text.strip().upper()
    if not _SHAPE.match(value):
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], _WEIGHTS))
    return _CHECK[total % 11] == value[17]


# The identity documents a person may show in the mainland, by the code stored with a proxy
# (votes.models.ProxyRecord.id_type): its Chinese name, the other words a spreadsheet may
# use for it, and the shape of its number once folded as proxies.canonical_id folds it
# (upper case, letters and digits only). The one list: a form's choices, a file's column
# and the checks all read it.
ID_TYPES = {
    # GB 11643; the residence permits of Hong Kong, Macao and Taiwan residents (81, 82,
    # 83...) are numbered and checked the same way.
    "resident": ("居民身份证", ("身份证", "居民身份证号码", "resident_id", "resident")),
    # Since 2013 a card: H (Hong Kong) or M (Macao) and 8 digits; the booklet before had 10.
    "hk_macao": ("港澳居民来往内地通行证", ("回乡证", "港澳通行证", "hk_macao")),
    # Since 2015 a card of 8 digits; the booklets before have all expired.
    "taiwan": ("台湾居民来往大陆通行证", ("台胞证", "taiwan")),
    # ICAO Doc 9303: the document number's field holds 9 letters or digits.
    "passport": ("护照", ("passport",)),
    # 2004 and 2017 cards: 3 letters (the nationality) and 12 digits; the 2023 card: 18
    # characters beginning with 9, with the GB 11643 check character.
    "foreign_pr": ("外国人永久居留身份证", ("永久居留证", "外国人永久居留证", "foreign_pr")),
}
DEFAULT_ID_TYPE = "resident"
_ID_SHAPES = {
    "hk_macao": re.compile(r"[HM]\d{8}(?:\d{2})?", re.ASCII),
    "taiwan": re.compile(r"\d{8}", re.ASCII),
    "passport": re.compile(r"(?=.*\d)[A-Z0-9]{5,9}", re.ASCII),
    "foreign_pr": re.compile(r"[A-Z]{3}\d{12}", re.ASCII),
}


def _born(yyyymmdd: str) -> bool:
    """Whether an ID's birth date (GB 11643's characters 7 to 14) is a day of a calendar:
    the check character is public arithmetic, so "1999-13-32" with the right one was taken."""
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])).year >= 1900
    except ValueError:
        return False


def id_type_of(text: str) -> str | None:
    """The code of an ID type as a form or a spreadsheet names it (its Chinese name, another
    common word for it, its code); blank is the resident ID; None for anything else."""
    value = unicodedata.normalize("NFKC", text).strip().lower()
    if not value:
        return DEFAULT_ID_TYPE
    for code, (name, aliases) in ID_TYPES.items():
        if value == code or value == name or value in aliases:
            return code
    return None


def valid_id_of_type(id_type: str, folded: str) -> bool:
    """Whether `folded` (upper case, letters and digits only) is a number of that type."""
    if id_type == "resident":
        return len(folded) == 18 and check_resident_id(folded) and _born(folded[6:14])
    if id_type == "foreign_pr" and len(folded) == 18:
        return folded.startswith("9") and check_resident_id(folded) and _born(folded[6:14])
    shape = _ID_SHAPES.get(id_type)
    return shape is not None and shape.fullmatch(folded) is not None


def mask_id(text: str) -> str:
    """Keep at most the first 4 characters and never any of the last 6: 3505**************.

    The last 6 are an owner's second factor (votes/services/second_factor.py). Showing the last 4,
    as masks often do, left 2 birth-day digits (31 values) for whoever saw a committee's
    roll page to guess through the lobby's throttles and vote online in the owner's name."""
    value = text.strip()
    keep = min(4, max(0, len(value) - 10))
    return value[:keep] + "*" * (len(value) - keep)


def mask_phone(text: str) -> str:
    """139****5678."""
    value = text.strip()
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(text: str) -> str:
    """张** — the family name and one star per remaining character; a name of one
    character is all stars, since its first character would be all of it."""
    value = text.strip()
    if len(value) <= 1:
        return "*" * len(value)
    return value[:1] + "*" * (len(value) - 1)


def valid_phone(text: str) -> bool:
    """A mainland mobile number: 11 digits starting with 1 (the only kind an SMS reaches)."""
    return bool(_PHONE.fullmatch(text.strip()))


def valid_landline(text: str) -> bool:
    """A mainland fixed-line number with its area code: 010-12345678, 0755 1234 5678,
    (021)1234567; full-width digits and brackets read as their ASCII forms."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not _LANDLINE.fullmatch(value):
        return False
    digits = sum(c.isdigit() for c in value)
    return 10 <= digits <= 12


# Digits as a person types them: ASCII or full-width; groups split by one space or hyphen
# (ASCII or full-width), the same one throughout a number.
_D = "[0-9０-９]"
_SEP = "[ \u3000\\-－]?"
_ID_IN_TEXT = re.compile(rf"(?<![0-9０-９])({_D}{{6}}(?P<s>{_SEP}){_D}{{8}}(?P=s){_D}{{3}}"
                         r"[0-9０-９XxＸｘ])(?![0-9０-９XxＸｘ])")
_PHONE_IN_TEXT = re.compile(rf"(?<![0-9０-９])((?:[+＋]?(?:86|８６){_SEP})?)"
                            rf"([1１][3-9３-９]{_D}(?P<s>{_SEP}){_D}{{4}}(?P=s){_D}{{4}})"
                            r"(?![0-9０-９])")


def _plain(text: str) -> str:
    """The digits (and an ID number's X) of a match, in ASCII, without separators."""
    return "".join(c for c in ascii_forms(text) if c.isalnum()).upper()


def mask_in_text(text: str) -> str:
    """Free text with every resident ID number (17 digits and a digit or X) and mainland
    mobile number (1[3-9] and 9 digits, after +86 or not) masked as screens mask them
    (mask_id, mask_phone): typed with full-width digits, or in groups split by spaces or
    hyphens (138 1234 5678, 350502 19900101 1234), too. Other numbers are left alone."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id(_plain(m.group(1))), text)
    return _PHONE_IN_TEXT.sub(lambda m: m.group(1) + mask_phone(_plain(m.group(2))), text)
