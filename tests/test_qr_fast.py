"""The receipt QR fast path draws exactly the symbol the qrcode library draws: same version,
same modules, same SVG, for receipt URLs and for whatever else reaches it."""

from __future__ import annotations

import random
import string

import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.exceptions import DataOverflowError

from votes.services import notices_pdf, qr_fast
from votes.services.notices_pdf import receipt_qr_svg

M = qrcode.constants.ERROR_CORRECT_M
UID = string.ascii_letters + string.digits


def _library_cells(text: str, version: int, error_correction: int = M, mask: int = 2,
                   border: int = 2) -> str:
    code = qrcode.QRCode(version=version, error_correction=error_correction, border=border,
                         mask_pattern=mask)
    code.add_data(text)
    code.make(fit=False)
    return "".join("1" if cell else "0" for row in code.get_matrix() for cell in row)


class OldReceiptQr:
    """receipt_qr_svg as it was before the fast path (commit 0254fb3), with its own memory of
    versions: the reference every new drawing is compared with."""

    def __init__(self) -> None:
        self.versions: dict[int, int] = {}

    def __call__(self, text: str) -> str:
        version = self.versions.get(len(text))
        code = qrcode.QRCode(version=version, error_correction=M, border=2, mask_pattern=2)
        code.add_data(text)
        try:
            code.make(fit=version is None)
        except DataOverflowError:
            code = qrcode.QRCode(error_correction=M, border=2, mask_pattern=2)
            code.add_data(text)
            code.make(fit=True)
        self.versions[len(text)] = max(code.version, self.versions.get(len(text), 0))
        matrix = code.get_matrix()
        size = len(matrix)
        path = []
        for y, row in enumerate(matrix):
            x = 0
            while x < size:
                if row[x]:
                    start = x
                    while x < size and row[x]:
                        x += 1
                    path.append(f"M{start} {y}h{x - start}v1h{start - x}z")
                else:
                    x += 1
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
                f'width="{size}mm" height="{size}mm" '
                f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" '
                f'fill="#fff"/><path d="{"".join(path)}" fill="#000"/></svg>')


@pytest.fixture
def fresh_receipt_qr():
    """receipt_qr_svg with nothing remembered, undecorated (its cache would hide redraws)."""
    notices_pdf._QR_VERSIONS.clear()
    yield receipt_qr_svg.__wrapped__
    notices_pdf._QR_VERSIONS.clear()
    receipt_qr_svg.cache_clear()


def _receipt_url(rng: random.Random, host: str = "votes.example.cn") -> str:
    uid = "".join(rng.choice(UID) for _ in range(14))
    return f"https://{host}/p/{uid}?receipt={rng.getrandbits(256):064x}"


def _same_as_before(texts, draw) -> int:
    """Draws the texts in order with both implementations; returns how many the fast path
    drew (to show the comparison is not vacuous)."""
    old = OldReceiptQr()
    fast = 0
    for text in texts:
        known = notices_pdf._QR_VERSIONS.get(len(text))
        if known is not None and qr_fast.byte_mode_cells(text, known, M, 2, 2) is not None:
            fast += 1
        assert draw(text) == old(text), text
        assert notices_pdf._QR_VERSIONS == old.versions
    return fast


def test_receipt_urls_draw_as_before(fresh_receipt_qr):
    rng = random.Random(8)
    hosts = ["votes.example.cn", "v.cn", "vote.a-very-long-residential-community-name.example.cn",
             "192.168.1.20:8080", "xn--fiqs8s.example.cn"]
    texts = [_receipt_url(rng, hosts[i % len(hosts)]) for i in range(300)]
    # All but each host's first URL, and the IP address's (its "://192.168.1.20:8080/" is a
    # run of 21 alphanumeric-mode characters: a segment of its own, left to the library).
    assert _same_as_before(texts, fresh_receipt_qr) >= 230


def test_a_remembered_version_too_small_is_refitted_as_before(fresh_receipt_qr):
    """Texts of one length needing different versions (capitals are alphanumeric mode, lower
    case byte mode, long digit runs numeric mode, Chinese three bytes a character), in an
    order where the remembered version overflows and grows."""
    rng = random.Random(3)
    texts = []
    for length in (20, 21, 40, 77, 106, 107, 114, 122, 123, 200, 500):
        for kind in ("upper", "lower", "digits", "chinese", "lower", "upper", "mixed"):
            if kind == "upper":
                text = "".join(rng.choice(string.ascii_uppercase + "/:.") for _ in range(length))
            elif kind == "lower":
                text = "".join(rng.choice(string.ascii_lowercase + "/:.?=") for _ in range(length))
            elif kind == "digits":
                text = "".join(rng.choice(string.digits) for _ in range(length))
            elif kind == "chinese":
                text = "".join(rng.choice("阳光花园维修资金票") for _ in range(length))
            else:
                text = "".join(rng.choice(UID + "?/=") for _ in range(length))
            texts.append(text)
    assert _same_as_before(texts, fresh_receipt_qr) > 0


@settings(max_examples=150)
@given(st.lists(st.text(st.characters(codec="utf-8"), min_size=1,
                        max_size=160), min_size=1, max_size=6))
def test_any_text_draws_as_before(texts):
    notices_pdf._QR_VERSIONS.clear()
    try:
        _same_as_before(texts, receipt_qr_svg.__wrapped__)
    finally:
        notices_pdf._QR_VERSIONS.clear()


@pytest.mark.parametrize("version", range(1, 41))
def test_every_version_matches_the_library(version):
    """The tables learnt for each version (mask 2, level M, border 2) give the library's
    symbol, for a text filling the version and for a short one."""
    rng = random.Random(version)
    capacity = (qr_fast._symbol(version, M, 2, 2).bit_limit - 4
                - qrcode.util.length_in_bits(qrcode.util.MODE_8BIT_BYTE, version)) // 8
    for length in (capacity, rng.randint(1, capacity), max(1, capacity - 1)):
        text = "".join(rng.choice(string.ascii_lowercase + "/?=.") for _ in range(length))
        assert qr_fast.byte_mode_cells(text, version, M, 2, 2) == _library_cells(text, version)
    assert qr_fast.byte_mode_cells("a" * (capacity + 1), version, M, 2, 2) is None


@pytest.mark.parametrize("error_correction, mask, border", [
    (qrcode.constants.ERROR_CORRECT_L, 0, 4), (qrcode.constants.ERROR_CORRECT_Q, 5, 1),
    (qrcode.constants.ERROR_CORRECT_H, 7, 3)])
def test_other_levels_masks_and_borders_match_the_library(error_correction, mask, border):
    rng = random.Random(mask)
    for version in (1, 2, 7, 10, 23):
        capacity = (qr_fast._symbol(version, error_correction, mask, border).bit_limit - 4
                    - qrcode.util.length_in_bits(qrcode.util.MODE_8BIT_BYTE, version)) // 8
        text = _receipt_url(rng)[:rng.randint(1, min(capacity, 100))].lower()
        expected = _library_cells(text, version, error_correction, mask, border)
        assert qr_fast.byte_mode_cells(text, version, error_correction, mask,
                                       border) == expected


def test_what_the_fast_path_leaves_to_the_library():
    assert qr_fast.byte_mode_cells("0" * 30 + "?receipt=ab", 7, M, 2, 2) is None  # numeric run
    assert qr_fast.byte_mode_cells("HTTPS://VOTES.EXAMPLE.CN/P/AB", 7, M, 2, 2) is None  # capitals
    assert qr_fast.byte_mode_cells("12345", 1, M, 2, 2) is None  # numeric, short
    assert qr_fast.byte_mode_cells("", 1, M, 2, 2) is None  # no segment at all
    assert qr_fast.byte_mode_cells("x" * 123, 7, M, 2, 2) is None  # v7-M holds 122 bytes
    assert qr_fast.byte_mode_cells("x" * 122, 7, M, 2, 2) is not None


def test_an_all_zero_block_fails_as_before(fresh_receipt_qr):
    """The library's division refuses a block of zero bytes (only NUL characters make one);
    the fast path leaves such a text to it, so it fails the same way, drawn again or not."""
    old = OldReceiptQr()
    for _ in range(2):
        with pytest.raises(ValueError, match="glog"):
            old("\x00" * 100)
        with pytest.raises(ValueError, match="glog"):
            fresh_receipt_qr("\x00" * 100)


def _old_path(cells: str, size: int) -> str:
    path = []
    for y in range(size):
        row = cells[y * size:(y + 1) * size]
        x = 0
        while x < size:
            if row[x] == "1":
                start = x
                while x < size and row[x] == "1":
                    x += 1
                path.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return "".join(path)


@given(st.integers(3, 40).flatmap(
    lambda inner: st.tuples(st.just(inner), st.lists(st.booleans(), min_size=inner * inner,
                                                      max_size=inner * inner))))
def test_svg_path_is_one_rect_per_run(grid):
    inner, cells = grid
    size = inner + 2
    rows = ["0" + "".join("1" if c else "0" for c in cells[y * inner:(y + 1) * inner]) + "0"
            for y in range(inner)]
    text = "0" * size + "".join(rows) + "0" * size
    assert qr_fast.svg_path(text, size) == _old_path(text, size)


def test_svg_path_of_extremes():
    assert qr_fast.svg_path("0" * 25, 5) == ""
    full = "00000" + "01110" * 3 + "00000"
    assert qr_fast.svg_path(full, 5) == "M1 1h3v1h-3zM1 2h3v1h-3zM1 3h3v1h-3z"
