"""The core and the verifier load without Flask or SQLAlchemy (the offline verifier's promise)."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

CHECK = """
import sys, pkgutil, importlib, votes.core
for m in pkgutil.iter_modules(votes.core.__path__):
    importlib.import_module("votes.core." + m.name)
import votes.verify
import contextlib, io, os
os.environ["VOTES_LANG"] = "en"  # its command-line mistakes, said from the catalogue
with contextlib.redirect_stderr(io.StringIO()), contextlib.suppress(SystemExit):
    votes.verify.main(["--nope"])
bad = [n for n in ("flask", "sqlalchemy", "flask_sqlalchemy") if n in sys.modules]
print(",".join(bad) or "clean")
"""


def test_core_and_verifier_import_neither_flask_nor_sqlalchemy():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "clean"


def test_python_m_votes_verify_exit_codes(tmp_path):
    from tests.bundles import KEY_ID, good_story

    good = tmp_path / "good.zip"
    good.write_bytes(good_story().bundle())
    story = good_story()
    story.entries[-1]["body"]["tally"]["passed"] = True
    bad = tmp_path / "bad.zip"
    bad.write_bytes(story.bundle())

    def run(*args):
        return subprocess.run([sys.executable, "-m", "votes.verify", *args, "--key-id", KEY_ID],
                              capture_output=True, text=True)

    ok = run(str(good))
    assert ok.returncode == 0 and "VERIFIED" in ok.stdout
    failed = run(str(bad))
    assert failed.returncode == 1 and "[7.4]" in failed.stdout
    missing = run(str(tmp_path / "nope.zip"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    as_json = run(str(good), "--json")
    assert '"ok": true' in as_json.stdout


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children), max_leaves=20)


@given(json_values)
def test_canonical_bytes_round_trip(value):
    import json

    from votes.core.canonical import canonical_bytes

    data = canonical_bytes(value)
    assert json.loads(data) == value
    if isinstance(value, dict):
        assert canonical_bytes(dict(reversed(list(value.items())))) == data


def test_floats_are_refused():
    import pytest

    from votes.core.canonical import canonical_bytes

    with pytest.raises(TypeError):
        canonical_bytes({"area": 89.5})
    assert canonical_bytes({"b": 1, "a": "楼"}) == '{"a":"楼","b":1}'.encode()
