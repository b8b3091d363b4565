"""A fast path for the receipt page's QR code: byte-mode text drawn at a version already known
to fit, the same symbol the ``qrcode`` library draws, in a tenth of its time.

The library spends its time on Reed-Solomon arithmetic term by term, on placing the symbol bit
by bit and on its bit buffer. Here each (version, error correction, mask, border) gets tables
once: the error-correction remainder is a byte-at-a-time table lookup, and the placement of the
codeword bits (with the mask) and of the function patterns is a single permutation of a string,
learnt from the library's own placement (so the spec's zigzag and reserved areas are not
re-derived here). Anything unusual — another data mode, a version that does not hold the text —
is left to the library: the caller gets None.
"""

from __future__ import annotations

import functools
from itertools import accumulate, repeat
from operator import add, itemgetter, sub
from typing import Callable, NamedTuple, Optional

from qrcode import base, util
from qrcode.LUT import rsPoly_LUT
from qrcode.main import QRCode

OPTIMIZE = 20  # QRCode.add_data's default: runs this long of digits/capitals get their own mode
_FLIP = str.maketrans("01", "10")


class _Block(NamedTuple):
    data_count: int
    ec_count: int
    table: tuple[int, ...]  # feedback byte -> that multiple of the generator, as an integer
    top_shift: int  # where the remainder's leading byte sits
    keep: int  # the remainder's ec_count bytes


class _Symbol(NamedTuple):
    size: int  # modules a side, the border included
    bit_limit: int  # data bits the version holds
    length_bits: int  # bits of the byte-mode character count at this version
    pad: bytes  # the alternating pad codewords, more than ever needed
    blocks: tuple[_Block, ...]
    total_bits: int  # data and error-correction codewords, in bits
    place: Callable[[str], tuple[str, ...]]


def _gf_mul(a: int, b: int) -> int:
    if not a or not b:
        return 0
    return base.gexp(base.glog(a) + base.glog(b))


@functools.lru_cache(maxsize=None)
def _remainder_table(ec_count: int) -> tuple[int, ...]:
    """For each feedback byte, the generator polynomial's lower terms times it, packed
    big-endian into one integer: one XOR then updates the whole remainder."""
    if ec_count in rsPoly_LUT:
        generator = list(rsPoly_LUT[ec_count])
    else:  # the library builds the rarer ones the same way
        poly = base.Polynomial([1], 0)
        for i in range(ec_count):
            poly = poly * base.Polynomial([1, base.gexp(i)], 0)
        generator = list(poly)
    lower = generator[1:]
    return tuple(int.from_bytes(bytes(_gf_mul(f, g) for g in lower), "big") for f in range(256))


def _interleaving(blocks: list[base.RSBlock]) -> list[int]:
    """For each codeword in transmission order, its index in the blocks laid end to end
    (all data codewords first, then all error-correction codewords)."""
    order = []
    for counts in ([b.data_count for b in blocks],
                   [b.total_count - b.data_count for b in blocks]):
        starts = list(accumulate(counts, initial=len(order)))
        for i in range(max(counts)):
            order += [starts[b] + i for b, count in enumerate(counts) if i < count]
    return order


def _placement(version: int, error_correction: int, mask: int, total: int):
    """Each module's light/dark value with all-zero data, and for a data module the
    1-based index of the codeword-stream bit it carries (0 for the rest). Learnt from the
    library by drawing the version with probe codewords: in probe k every stream bit holds
    bit k of its own index, so each module spells out which stream bit it shows."""
    code = QRCode(version=version, error_correction=error_correction, border=0,
                  mask_pattern=mask)
    bits = total * 8

    def draw(stream: int) -> list[bool]:
        code.data_cache = list(stream.to_bytes(total, "big"))
        code.makeImpl(False, mask)
        return [bool(cell) for row in code.modules for cell in row]

    blank = draw(0)
    labels = [0] * len(blank)
    for k in range(bits.bit_length()):
        probe = int("".join("1" if (i + 1) >> k & 1 else "0" for i in range(bits)), 2)
        for at, (cell, zero) in enumerate(zip(draw(probe), blank)):
            if cell != zero:
                labels[at] |= 1 << k
    return blank, labels


@functools.lru_cache(maxsize=None)
def _symbol(version: int, error_correction: int, mask: int, border: int) -> Optional[_Symbol]:
    """The tables for one kind of symbol, built on first use (7 ms for version 7, 120 ms for
    version 40) and kept for the process; None if the library's drawing cannot be learnt."""
    rs_blocks = base.rs_blocks(version, error_correction)
    total = sum(b.total_count for b in rs_blocks)
    total_bits = total * 8
    blank, labels = _placement(version, error_correction, mask, total)
    if sorted(filter(None, labels)) != list(range(1, total_bits + 1)):
        return None  # the library no longer draws as learnt: leave every text to it
    order = _interleaving(rs_blocks)
    width = version * 4 + 17
    size = width + 2 * border
    light, dark = 2 * total_bits, 2 * total_bits + 1
    # Indexes into the string "stream bits + the same bits inverted + '01'": a masked data
    # module takes its bit inverted, the others a constant.
    indexes = []
    for y in range(-border, width + border):
        for x in range(-border, width + border):
            if not (0 <= x < width and 0 <= y < width):
                indexes.append(light)
                continue
            at = y * width + x
            label, zero = labels[at], blank[at]
            if not label:
                indexes.append(dark if zero else light)
                continue
            sent = label - 1
            stored = order[sent >> 3] * 8 + (sent & 7)
            indexes.append(stored + total_bits if zero else stored)
    blocks = []
    for b in rs_blocks:
        ec_count = b.total_count - b.data_count
        blocks.append(_Block(b.data_count, ec_count, _remainder_table(ec_count),
                             8 * (ec_count - 1), (1 << 8 * ec_count) - 1))
    bit_limit = sum(b.data_count for b in rs_blocks) * 8
    return _Symbol(size, bit_limit, util.length_in_bits(util.MODE_8BIT_BYTE, version),
                   bytes([util.PAD0, util.PAD1]) * (bit_limit // 16 + 1), tuple(blocks),
                   total_bits, itemgetter(*indexes))


def byte_mode_cells(text: str, version: int, error_correction: int, mask: int,
                    border: int) -> Optional[str]:
    """The symbol ``qrcode`` draws for ``text`` at this version, error correction, mask
    pattern and border, as one string of '0' (light) and '1' (dark) modules, row after row,
    the border included. None when the library would not encode the text as a single
    byte-mode segment, or the version cannot hold it: ask the library then."""
    chunks = list(util.optimal_data_chunks(text, minimum=OPTIMIZE))
    if len(chunks) != 1 or chunks[0].mode != util.MODE_8BIT_BYTE:
        return None
    data = chunks[0].data
    symbol = _symbol(version, error_correction, mask, border)
    if symbol is None:
        return None
    count = len(data)
    used = 4 + symbol.length_bits + 8 * count
    if used > symbol.bit_limit:
        return None
    # Mode, count and text, then up to four terminator bits, zeros to a whole byte and the
    # pad codewords, as the library's create_data writes them.
    whole = -(-(used + min(symbol.bit_limit - used, 4)) // 8)
    header = util.MODE_8BIT_BYTE << symbol.length_bits | count
    value = (header << 8 * count | int.from_bytes(data, "big")) << (8 * whole - used)
    stream = value.to_bytes(whole, "big") + symbol.pad[:symbol.bit_limit // 8 - whole]
    parts = [stream]
    start = 0
    for block in symbol.blocks:
        words = stream[start:start + block.data_count]
        start += block.data_count
        if not any(words):
            return None  # the library's polynomial division refuses an all-zero block
        rem, table, shift, keep = 0, block.table, block.top_shift, block.keep
        for word in words:
            rem = (rem << 8 & keep) ^ table[rem >> shift ^ word]
        parts.append(rem.to_bytes(block.ec_count, "big"))
    bits = format(int.from_bytes(b"".join(parts), "big"), f"0{symbol.total_bits}b")
    return "".join(symbol.place(bits + bits.translate(_FLIP) + "01"))


@functools.lru_cache(maxsize=None)
def _run_pieces(size: int) -> tuple[list[str], list[str]]:
    # By a run's first module's position + 1, and by its length - 1 (how svg_path finds them).
    starts = [""] + [f"M{at % size} {at // size}h" for at in range(size * size)]
    lengths = [f"{n}v1h-{n}z" for n in range(1, size + 1)]
    return starts, lengths


def _after_each_one(bits: str) -> list[int]:
    """1 + the position of every '1' in ``bits``, in order."""
    found = list(accumulate(map(add, map(len, bits.split("1")), repeat(1))))
    del found[-1]  # the end of the string, not a '1'
    return found


def svg_path(cells: str, size: int) -> str:
    """The SVG path data of a symbol's dark modules given as ``cells`` ('0'/'1', row after
    row, ``size`` a side): "M{x} {y}h{n}v1h-{n}z", one rectangle per run of dark modules in a
    row, left to right, top to bottom. ``cells`` must start and end each row light (a
    border): runs are found in the string as a whole."""
    starts, lengths = _run_pieces(size)
    # A run's first module is dark after a light one, its last dark before a light one:
    # both sets found at once on the cells as one integer, then listed in C-level passes
    # (a Python step per module or per run was most of the drawing's time).
    dark = int(cells, 2)
    width = len(cells)
    firsts = _after_each_one(format(dark & ~(dark >> 1), f"0{width}b"))
    lasts = _after_each_one(format(dark & ~(dark << 1), f"0{width}b"))
    return "".join(map(add, map(starts.__getitem__, firsts),
                       map(lengths.__getitem__, map(sub, lasts, firsts))))
