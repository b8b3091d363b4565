"""Every step the reference verifier can report is a step of docs/verification.md, and every
step the specification defines is one the reference can report.

The code side is read from the source: the step id given to run.fail, run.skip,
run.guarded and run.signature (and to the `fail` callback and the (step, message) tuples of
the helpers the verifier calls). The specification side is the step index of §5, a table
with one row per step; every other step number the text mentions must be in it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "votes" / "core"
SPEC = ROOT / "docs" / "verification.md"

STEP = r"\d{1,2}\.\d{1,2}"
PART = rf"(?:{STEP}(?:–{STEP})?|\d{{1,2}}–\d{{1,2}})"  # 6.1, 7.1–8.1 or 2–19
ID_LIST = re.compile(rf"{PART}(?:, {PART})*")
CALLS = {"fail", "skip", "guarded", "signature"}


def _key(step: str) -> tuple[int, int]:
    family, minor = step.split(".")
    return int(family), int(minor)


def _verifier_modules() -> list[Path]:
    """verifier*.py and the votes.core modules they import (helpers that report steps)."""
    modules = sorted(CORE.glob("verifier*.py"))
    helpers = set()
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("votes.core."):
                helpers.add(CORE / (node.module.split(".")[-1] + ".py"))
            elif isinstance(node, ast.ImportFrom) and node.module == "votes.core":
                helpers.update(CORE / f"{a.name}.py" for a in node.names)
    return modules + sorted(helpers - set(modules))


def code_steps() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(ids reported as failures, ids reported as skipped), each id → where it is written."""
    failed: dict[str, set[str]] = {}
    skipped: dict[str, set[str]] = {}
    for path in _verifier_modules():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            first = None
            name = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in CALLS:
                    first = node.args[0]
            elif isinstance(node, ast.Tuple) and node.elts:
                first, name = node.elts[0], "tuple"
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            text = first.value
            if name == "tuple" and not ID_LIST.fullmatch(text):
                continue  # an ordinary tuple of strings
            assert ID_LIST.fullmatch(text), f"{path.name}:{node.lineno}: step id {text!r}"
            where = f"{path.name}:{node.lineno}"
            (skipped if name == "skip" else failed).setdefault(text, set()).add(where)
    return failed, skipped


def expand(text: str, universe: set[str]) -> set[str]:
    """'6.4, 6.5, 6.7' / '7.1–8.1' / '2–19' → the step ids of `universe` they name.
    An endpoint that is not a step of `universe` is kept, so that it shows as unknown."""
    out = set()
    for part in text.split(", "):
        if "–" not in part:
            out.add(part)
            continue
        low, high = part.split("–")
        if "." not in low:  # a range of families
            out |= {s for s in universe if int(low) <= _key(s)[0] <= int(high)}
            continue
        out |= {low, high} | {s for s in universe if _key(low) <= _key(s) <= _key(high)}
    return out


def spec_index() -> list[str]:
    """The step ids of §5's index table, in its order."""
    text = SPEC.read_text("utf-8")
    section = text[text.index("\n## 5. The steps"):text.index("\n## 6. ")]
    return re.findall(rf"^\| ({STEP}) \|", section, re.M)


def spec_index_titles() -> dict[str, str]:
    """§5's index table: step id → what it checks, as written there (code spans unmarked)."""
    text = SPEC.read_text("utf-8")
    section = text[text.index("\n## 5. The steps"):text.index("\n## 6. ")]
    return {step: checks.replace("`", "")
            for step, checks in re.findall(rf"^\| ({STEP}) \| (.+?) \| [^|]* \|$", section, re.M)}


def spec_mentions() -> dict[str, set[str]]:
    """Every step number the text mentions outside headings and code blocks (and not a
    section number: those are written with §), each → the lines it is on."""
    found: dict[str, set[str]] = {}
    pattern = re.compile(rf"(?<![§\d.\w/+`-]){ID_LIST.pattern}(?![\d\w`]|\.\d)")
    for number, line in enumerate(SPEC.read_text("utf-8").splitlines(), 1):
        if line.startswith("#") or line.startswith("    ") and not line.strip()[:1].isalnum():
            continue
        for match in pattern.finditer(line):
            if re.fullmatch(r"\d{1,2}–\d{1,2}", match.group()):
                continue  # "1–19" is a range of families, checked where it matters
            found.setdefault(match.group(), set()).add(f"line {number}")
    return found


def test_the_spec_index_lists_each_step_once_in_order():
    index = spec_index()
    assert index, "§5 has no step index"
    assert len(index) == len(set(index))
    assert index == sorted(index, key=_key)


def test_every_step_the_reference_reports_is_in_the_spec_and_back():
    failed, skipped = code_steps()
    index = set(spec_index())
    emitted = set()
    for text in failed:
        emitted |= expand(text, index)
    missing_in_spec = emitted - index
    assert not missing_in_spec, {s: sorted(w for t, ws in failed.items()
                                           if s in expand(t, index) for w in ws)
                                 for s in missing_in_spec}
    never_reported = index - emitted
    assert not never_reported, f"steps of the spec the reference never reports: " \
                               f"{sorted(never_reported, key=_key)}"
    for text, where in skipped.items():
        unknown = expand(text, index) - index
        assert not unknown, (text, sorted(where), unknown)


def test_every_step_number_in_the_text_is_a_step():
    index = set(spec_index())
    for text, lines in spec_mentions().items():
        unknown = expand(text, index) - index
        assert not unknown, (text, sorted(lines), unknown)


def test_the_checker_sees_both_sides():
    """The extraction itself: known ids from every kind of call, and ranges expanded."""
    failed, skipped = code_steps()
    assert {"1.2", "4.4", "6.5", "7.6", "7.7", "9.1", "15.1", "18.8", "19.3"} <= set(failed)
    assert "7.1–8.1" in skipped and "15–19" in skipped
    universe = {"7.6", "7.7", "8.1", "9.1", "15.1"}
    assert expand("7.6–8.1", universe) == {"7.6", "7.7", "8.1"}
    assert expand("8–15", universe) == {"8.1", "9.1", "15.1"}


def test_every_step_of_the_index_has_a_chinese_title():
    """The regulator reads which checks failed in Chinese; the details stay in English."""
    from votes.core.step_titles import STEP_TITLES

    assert list(STEP_TITLES) == spec_index()
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in STEP_TITLES.values())


def test_every_step_of_the_index_has_its_english_title_from_the_spec():
    """The regulator's page in English names the failed checks by the spec's own words:
    the table is the index's second column, so the two cannot drift apart."""
    from votes.core.step_titles import STEP_TITLES_EN, title

    assert list(spec_index_titles()) == spec_index()
    assert STEP_TITLES_EN == spec_index_titles()
    assert not [t for t in STEP_TITLES_EN.values() if re.search(r"[\u3000-\u303f\u4e00-\u9fff]", t)]
    assert title("10.2–10.4", english=True) == STEP_TITLES_EN["10.2"]
    assert title("4.3") == "记录摘要可重算" and title("99.1", english=True) == ""
