"""Reading a bundle ZIP without trusting it: names, sizes and memory bounded before reading.

Steps 1.1–1.3 of docs/verification.md. The central directory can lie about sizes, so the
limits are checked there first and enforced again on the bytes actually inflated.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import zipfile
from typing import Callable

MEMBERS = ("manifest.json", "manifest.sig", "proposal.json", "roll.json", "chain.jsonl",
           "tally.json", "ballots.csv", "report.txt")
# Present only when witnesses cosigned the chain (docs/verification.md §10).
OPTIONAL = ("witness.jsonl",)
MAX_BUNDLE = 512 * 2**20   # bytes of the ZIP file itself
MAX_MEMBER = 256 * 2**20   # bytes of one member, uncompressed
MAX_TOTAL = 512 * 2**20    # bytes of all members, uncompressed
# A JSON text is parsed whole, its text, value and re-encoding held at once (4 bytes a
# character where one is outside the BMP): a JSON file, or one line of chain.jsonl or
# witness.jsonl, is at most 64 MiB. The longest of a bundle of 100,000 units and ballots
# are roll.json (12 MB) and the genesis line holding the roll (11 MB).
JSON_FILES = ("manifest.json", "proposal.json", "roll.json", "tally.json")
MAX_JSON = 64 * 2**20
# Parsed, each `{`, `[` and `,` is a Python object of 60-200 bytes, however short its JSON
# (256 MiB of `[{},{},…]`: 90 million dicts, 7 GB). Counted in the JSON members before
# anything is parsed, strings included (an upper bound, cheap to count): 4.2 million in a
# bundle of 100,000 units and ballots, half of them online (1.2 GB to verify).
# Above MAX_JSON_ITEMS they may be one in ITEM_BYTES bytes of that JSON: a bundle's fields
# fix how dense they are (one in 14 to 25 bytes in a real bundle, one in 14 in its tally),
# so an honest vote of any size passes, while `{},` (one in 1.5) is refused. What a hostile
# bundle then costs is what an honest one of its size costs, not 30 times as much.
JSON_MEMBERS = JSON_FILES + ("chain.jsonl", "witness.jsonl")
MAX_JSON_ITEMS = 10_000_000
ITEM_BYTES = 8
MAX_MEMBERS = len(MEMBERS) + len(OPTIONAL)
# The most a central directory of that many members can hold: each entry's fixed 46 bytes
# and a name, extra field and comment of at most 65,535 bytes each (the ZIP's own limits).
MAX_DIRECTORY = MAX_MEMBERS * (46 + 3 * 0xFFFF)
_CHUNK = 2**20

Fail = Callable[[str, str], None]


def read_members(source, fail: Fail) -> dict[str, bytes] | None:
    """The eight members' bytes (and the optional ones present), or None after reporting
    why not (steps 1.1–1.3)."""
    opened = _open(source, fail)
    if opened is None:
        return None
    try:
        if not _directory_ok(opened, fail):
            return None
        with zipfile.ZipFile(opened) as z:
            infos = z.infolist()
            if len(infos) > MAX_MEMBERS:  # the end record understated them
                fail("1.2", _too_many(len(infos)))
                return None
            names_ok = _names_ok(infos, fail)
            if not _sizes_ok(infos, fail) or not names_ok:
                return None
            files = {}
            for info in infos:
                data = _read(z, info, fail)
                if data is None:
                    return None
                files[info.filename] = data
            return files if _items_ok(files, fail) else None
    except Exception as exc:  # noqa: BLE001 - any damage to the ZIP is a numbered failure
        fail("1.1", f"not a readable ZIP file: {_why(exc)}")
        return None
    finally:
        if opened is not source:
            opened.close()


def _open(source, fail: Fail):
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) > MAX_BUNDLE:
            fail("1.3", f"the bundle is {len(source)} bytes, over the limit of {MAX_BUNDLE}")
            return None
        return io.BytesIO(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        try:
            fh = open_regular(source)
        except NotRegular:
            fail("1.1", "not a regular file (a device, a FIFO or a socket, or a link to one)")
            return None
        except OSError as exc:
            fail("1.1", f"cannot read the file: {exc.strerror or exc}")
            return None
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_BUNDLE:
            fh.close()
            fail("1.3", f"the bundle is {size} bytes, over the limit of {MAX_BUNDLE}")
            return None
        return fh
    return source


class NotRegular(OSError):
    """A path that names no regular file."""


def open_regular(path):
    """The file at `path` opened for reading in binary; NotRegular if it is no regular file.
    A file handed over may be unpacked (tar, Info-ZIP's unzip) as a link to /dev/zero,
    whose end zipfile then looked for by reading it for ever, or as a FIFO, whose plain
    open waits for a writer that never comes: opened without waiting, looked at, refused."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):  # said as open() says it
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise NotRegular(path)
        if flags & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _directory_ok(fh, fail: Fail) -> bool:
    """Step 1.2 from the ZIP's end record, before zipfile reads the central directory: a
    ZIP of 200,000 empty members is 17 MB, and zipfile kept an object for each (200 MB),
    then 1.2 failed once per member. The record is zipfile's own (the one it then reads
    the directory by), so the two cannot disagree about which it is."""
    end = zipfile._EndRecData(fh)
    if not end:
        return True  # not a ZIP: zipfile says why, at 1.1
    if not _whole_file(fh, end, fail):
        return False
    count, size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if count > MAX_MEMBERS:
        fail("1.2", _too_many(count))
        return False
    if size > MAX_DIRECTORY:
        fail("1.2", f"the ZIP's central directory is {size} bytes: more than "
                    f"{MAX_MEMBERS} members can fill")
        return False
    return True


def _whole_file(fh, end, fail: Fail) -> bool:
    """Step 1.1: the ZIP is the whole file. zipfile reads one with bytes before it (every
    offset shifted by them, as it finds the directory short of where the end record says)
    or after its end record and comment: one file could then be a bundle to the verifier
    and another document to a program reading it from its other end."""
    location = end[zipfile._ECD_LOCATION]
    directory_end = end[zipfile._ECD_OFFSET] + end[zipfile._ECD_SIZE]
    if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
        directory_end += zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
    if location > directory_end:
        fail("1.1", f"{location - directory_end} bytes before the ZIP (its central directory "
                    "is not where its end record says)")
        return False
    if location < directory_end:
        fail("1.1", "the ZIP's central directory runs into its end record")
        return False
    fh.seek(0, os.SEEK_END)
    after = fh.tell() - (location + zipfile.sizeEndCentDir + end[zipfile._ECD_COMMENT_SIZE])
    if after:
        fail("1.1", f"{after} bytes after the ZIP's end record and comment")
        return False
    return True


def _too_many(count: int) -> str:
    return f"the ZIP holds {count} members; a bundle has at most {MAX_MEMBERS}"


def _names_ok(infos, fail: Fail) -> bool:
    seen: set[str] = set()
    ok = True
    for info in infos:
        # The name as stored: zipfile's `filename` stops at a NUL byte, so "roll.json\0x"
        # would pass for roll.json, which it is not (and other readers do not say it is).
        name = info.orig_filename
        if name in seen:
            fail("1.2", f"member {name!r} appears more than once")
            ok = False
        elif name not in MEMBERS and name not in OPTIONAL:
            fail("1.2", f"member {name[:80]!r} is not one of the bundle's files")
            ok = False
        if _special(info):
            # Unzipped by hand, such a member becomes a link to anything on the reader's
            # machine (or a device node): only the bytes of a regular file are a bundle's.
            fail("1.2", f"member {name[:80]!r} is stored as a symbolic link or other "
                        "special file, not a regular file")
            ok = False
        seen.add(name)
    for name in MEMBERS:
        if name not in seen:
            fail("1.2", f"required file {name} is missing")
            ok = False
    return ok


def _special(info: zipfile.ZipInfo) -> bool:
    # A member's file type is in the high 16 bits of its external attributes (0 there: none
    # given, a plain file); anything but a regular file is refused. Read whatever system
    # the entry says made it: Info-ZIP's unzip makes a symbolic link of such a member made
    # by other systems too (create_system 2, 5, 16, 30 at least).
    kind = stat.S_IFMT(info.external_attr >> 16)
    return kind not in (0, stat.S_IFREG)


def _sizes_ok(infos, fail: Fail) -> bool:
    ok = True
    for info in infos:
        limit = MAX_JSON if info.filename in JSON_FILES else MAX_MEMBER
        if info.file_size > limit:
            fail("1.3", f"{info.filename} declares {info.file_size} bytes, over the limit "
                        f"of {limit}")
            ok = False
        if info.flag_bits & 0x1:
            fail("1.1", f"{info.filename} is encrypted")
            ok = False
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            fail("1.1", f"{info.filename} uses compression method {info.compress_type}; "
                        "only stored (0) and deflated (8) are allowed")
            ok = False
    total = sum(info.file_size for info in infos)
    if ok and total > MAX_TOTAL:
        fail("1.3", f"members declare {total} bytes together, over the limit of {MAX_TOTAL}")
        ok = False
    return ok


def _items_ok(files: dict[str, bytes], fail: Fail) -> bool:
    problem = too_many_items([data for name, data in files.items() if name in JSON_MEMBERS])
    if problem:
        fail("1.3", f"the JSON files hold {problem}")
        return False
    return True


def too_many_items(texts: list[bytes]) -> str | None:
    """What is wrong when JSON texts hold more `{`, `[` and `,` than MAX_JSON_ITEMS or one
    in ITEM_BYTES of their bytes, whichever is more; None when they do not. Counted in the
    bytes, so that a text is refused before it is parsed. Any JSON a verifier is given
    (the bundle's, a witness's cosignatures) is bounded by this one rule."""
    return items_over_limit(sum(map(json_items, texts)), sum(map(len, texts)))


def json_items(data: bytes) -> int:
    """The `{`, `[` and `,` of a JSON text, which too_many_items bounds."""
    # Counted in place: data.translate made a copy as long as the text (256 MiB at most).
    return sum(data.count(char) for char in (b"{", b"[", b","))


def items_over_limit(items: int, size: int) -> str | None:
    """too_many_items's rule for `items` counted (json_items) in `size` bytes of JSON: for
    texts read one after another and held together (a witness's pages of heads)."""
    limit = max(MAX_JSON_ITEMS, size // ITEM_BYTES)
    if items > limit:
        return (f"{items:,} of the characters {{ [ and , together, over the limit of "
                f"{limit:,}: too many values to read")
    return None


def _read(z: zipfile.ZipFile, info: zipfile.ZipInfo, fail: Fail) -> bytes | None:
    # One buffer, its bytes returned as they are: chunks joined at the end were held
    # twice for a moment (512 MiB for a member at its limit).
    out, size = io.BytesIO(), 0
    with z.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > info.file_size or size > MAX_MEMBER:
                fail("1.3", f"{info.filename} inflates to more than its declared "
                            f"{info.file_size} bytes")
                return None
            out.write(chunk)
    if size != info.file_size:
        fail("1.1", f"{info.filename} holds {size} bytes, not the declared {info.file_size}")
        return None
    return out.getvalue()


def _why(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "…"
