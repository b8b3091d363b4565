"""Bundles built by hand to slip past the reference verifier or to stall it: names the ZIP
reader rewrites, text that drives the regulator's terminal, inputs that made a step
quadratic or the reading of a file unbounded."""

from __future__ import annotations

import io
import zipfile

from tests.bundles import KEY_ID, files_of, good_story
from tests.core.tamper_tools import steps


def test_1_2_a_member_name_with_a_nul_byte_is_not_the_name_before_it():
    """Python's zipfile cuts a member's name at its first NUL byte, so a member stored as
    "report.txt\\0/.x" was read as report.txt and the bundle verified, although §2.1 asks
    for exactly these names and a verifier comparing the names as stored fails 1.2."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files_of(good_story().bundle()).items():
            z.writestr(name + ("QQQQ" if name == "report.txt" else ""), data)
    raw = out.getvalue().replace(b"report.txtQQQQ", b"report.txt\0/.x")
    assert steps(raw) == {"1.2"}
