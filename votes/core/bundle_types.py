"""The type of every field of every bundle file (docs/verification.md §2.5, step 1.5).

A type is one of the names below, a dict (an object with exactly these keys, those typed
Absent(...) optional), a one-item list (an array of that type), Enum(...) or Nullable(...).
Booleans are never integers and integers never booleans, as JSON itself distinguishes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from votes.core.canonical import parse_time

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Enum:
    values: tuple[str, ...]


@dataclass(frozen=True)
class Nullable:
    inner: object


@dataclass(frozen=True)
class Absent:
    """An object's key that may be left out; when present its value has type `inner`."""

    inner: object


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _time_ok(v) -> bool:
    try:
        parse_time(v)
        return True
    except ValueError:
        return False


# type(v) is int excludes booleans (bool is a subclass of int in Python, not in JSON).
SIMPLE = {
    "str": lambda v: type(v) is str,
    "uint": lambda v: type(v) is int and v >= 0,
    "int": lambda v: type(v) is int,
    "bool": lambda v: type(v) is bool,
    "time": lambda v: type(v) is str and _time_ok(v),
    "hex64": lambda v: type(v) is str and _HEX64.fullmatch(v) is not None,
}
SIMPLE_NAMES = {"str": "a string", "uint": "an integer ≥ 0", "int": "an integer",
                "bool": "true or false", "time": "a time YYYY-MM-DDTHH:MM:SSZ",
                "hex64": "64 lowercase hex digits"}

THRESHOLD = {"num": "uint", "den": "uint", "inclusive": "bool"}
MATTERS = Enum(("use_fund", "raise_fund", "rebuild", "change_use", "other"))
UNIT_KINDS = Enum(("dwelling", "commercial", "parking", "storeroom", "other"))
# Rules of procedure (§16): each key present only when it departs from the default.
RULES = {"matter": MATTERS, "approval_base": Enum(("participating", "total")),
         "quorum_area": THRESHOLD, "quorum_headcount": THRESHOLD,
         "approval_area": THRESHOLD, "approval_headcount": THRESHOLD,
         "proxy_limit": Absent("uint"), "proxy_staff_barred": Absent("bool"),
         "excluded_kinds": Absent([UNIT_KINDS]),
         # §18: the community's tolerance over the budget, frozen with the rules (absent: 0)
         "budget_tolerance_bp": Absent("uint")}
# Objection period (§17) and 从多 (§19), frozen with the thresholds.
RULES |= {"objection_days": "uint", "follow_majority": Enum(("off", "quorum", "full"))}
CHECK = {"name": Enum(("quorum_area", "quorum_headcount", "approval_area",
                       "approval_headcount")),
         "threshold": THRESHOLD, "part": "uint", "whole": "uint", "needed": "uint",
         "margin": "int", "met": "bool"}
TALLY = {**{f"{w}_{m}": "uint" for w in ("total", "participating", "agree", "disagree",
                                          "abstain") for m in ("area", "headcount")},
         "quorum_met": "bool", "passed": "bool", "checks": [CHECK]}
TALLY_FILE = {**TALLY, "final": "bool"}
# While voting is open tally.json says only who took part: the choices are sealed.
TURNOUT = {**{f"{w}_{m}": "uint" for w in ("total", "participating")
              for m in ("area", "headcount")}, "quorum_met": "bool", "checks": [CHECK]}
TURNOUT_FILE = {**TURNOUT, "final": "bool"}
KEY = {"key_id": "str", "alg": "str", "public_key": "str"}
KEYS_FILE = {"keys": [KEY]}
DATA_FILES = ("proposal.json", "roll.json", "chain.jsonl", "tally.json", "ballots.csv",
              "report.txt")
MANIFEST = {"format": "str", "proposal": "str", "created_at": "time",
            "files": {name: "hex64" for name in DATA_FILES},
            "chain_head": "hex64", "chain_length": "uint", "keys": [KEY], "key_id": "str"}
# A bundle with witness.jsonl (§10) lists it among the files its manifest covers.
MANIFEST_WITNESSED = {**MANIFEST, "files": {name: "hex64" for name in
                                            DATA_FILES + ("witness.jsonl",)}}
PROPOSAL = {"uid": "str", "community": {"code": "str", "name": "str", "jurisdiction": "str"},
            "title": "str", "description": "str", "matter": MATTERS, "scope": "str",
            "items": [{"title": "str", "amount": "uint"}], "budget": "uint",
            "documents": [{"name": "str", "sha256": "hex64", "size": "uint"}],
            "emergency": "bool", "max_changes": "uint", "publicity_start": "time",
            "voting_start": "time", "voting_end": "time"}
ROLL = {"units": [{"unit_id": "str", "building": "str", "entrance": "str", "room": "str",
                   "area": "uint", "area_basis": Enum(("registered", "surveyed", "contract")),
                   "voter": "str", "kind": Absent(UNIT_KINDS)}],
        "total_area": "uint", "total_headcount": "uint"}
GENESIS = {"proposal_digest": "hex64", "roll_digest": "hex64", "rules": RULES,
           "total_area": "uint", "total_headcount": "uint", "voting_start": "time",
           "voting_end": "time", "scope": "str", "max_changes": "uint"}
DEVICE = {"alg": "str", "public_key": "str", "signature": "str", "nonce": "str"}
# A ballot carries the commitment to its choice, never the choice (docs "Choice commitments").
BALLOT = {"voter": "str", "units": ["str"], "commitment": "str", "channel": "str",
          "device": Nullable(DEVICE), "entered_by": Nullable("str"),
          "evidence": Nullable("str"),
          # §16: who held the proxy and their authorisation; a transfer's evidence.
          "proxy": Absent({"holder": "hex64", "authorisation": "hex64",
                           "company_staff": "bool"}),
          "transfer": Absent("hex64")}
# A staff-entered ballot that corrects an earlier one (docs §15) has one more field.
BALLOT_CORRECTION = {**BALLOT, "correction": {"corrects": "uint", "reason": "str"}}
# A device key registered before the ballots it signs (docs §14); alg and proof checked in 6.9.
DEVICE_ENTRY = {"voter": "str", "alg": "str", "public_key": "str", "proof": "str"}
OPENING = {"seq": "uint", "choice": "str", "salt": "str"}
# 从多 figures, reported apart from the ballots' tally (§19); null where not adopted.
FOLLOW = {"mode": Enum(("quorum", "full")), "voters": ["str"], "area": "uint",
          "headcount": "uint", "majority": Nullable(Enum(("agree", "disagree", "abstain"))),
          "participating_area": "uint", "participating_headcount": "uint",
          "agree_area": "uint", "agree_headcount": "uint", "quorum_met": "bool",
          "passed": "bool", "checks": [CHECK]}
CLOSE = {"tally": TALLY, "counted": ["uint"], "openings": [OPENING], "follow": Nullable(FOLLOW)}
BODIES = {"genesis": GENESIS, "device": DEVICE_ENTRY, "ballot": BALLOT, "close": CLOSE}
# After a passed vote (§18): a works entry's data is typed by its stage in step 18.1.
WORKS = {"stage": Enum(("contract", "payment", "acceptance", "settlement")), "data": dict}
WORKS_DATA = {
    "contract": {"contractor": "str", "amount": "uint", "tolerance_bp": "uint",
                 "evidence": ["hex64"]},
    "payment": {"amount": "uint", "note": "str", "evidence": ["hex64"]},
    "acceptance": {"date": "str", "participants": ["str"], "evidence": ["hex64"]},
    "settlement": {"final_cost": "uint", "paid": "uint", "units": "uint",
                   "shares_digest": "hex64"},
}
EMERGENCY = {"category": Enum(("elevator", "fire", "leak", "facade")),
             "applicant": Enum(("committee", "property_company")), "reason": "str",
             "evidence": ["hex64"]}
BODIES.update({"works": WORKS, "emergency": EMERGENCY})

# A proved delivery of the notice (§19), an objection, its answer, the final result (§17).
BODIES |= {
    "delivery": {"voter": "str", "method": Enum(("hand", "registered_mail", "electronic")),
                 "delivered_at": "time", "evidence": "hex64", "entered_by": "str"},
    # The text bound by a salted commitment, or (entries written before it) its plain
    # digest: exactly one of the two, checked in 17.1 and 17.2.
    "objection": {"voter": "str", "text": Absent("hex64"), "text_commitment": Absent("hex64"),
                  "channel": Enum(("online", "staff")),
                  "entered_by": Nullable("str"), "evidence": Nullable("hex64")},
    "answer": {"objection": "uint", "decision": Enum(("rejected", "noted", "upheld")),
               "text": Absent("hex64"), "text_commitment": Absent("hex64"),
               "answered_by": "str"},
    "result": {"close": "uint", "preliminary_passed": "bool", "passed": "bool",
               "objections": ["uint"], "answers": ["uint"]}}
# A staff ballot entered for the wrong unit, taken back before the close (§15.4).
BODIES["withdrawal"] = {"voter": "str", "withdraws": "uint", "reason": "str",
                        "entered_by": "str", "evidence": "hex64"}
ENTRY = {"v": "uint", "proposal": "str", "seq": "uint", "prev": "hex64",
         "kind": Enum(tuple(BODIES)), "time": "time", "key_id": "str", "body": dict}
SEALED = {"digest": "hex64", "entry": ENTRY, "sig": "str"}


def tally_file_spec(value) -> dict:
    """tally.json's type: turnout only when it says "final": false, else the full tally."""
    if isinstance(value, dict) and value.get("final") is False:
        return TURNOUT_FILE
    return TALLY_FILE


def type_errors(value, spec, path: str = "$", limit: int = 5) -> list[str]:
    """Sentences naming each field (up to limit) whose value does not have its type."""
    if _checker(spec)(value):
        return []
    errors: list[str] = []
    _walk(value, spec, path, errors, limit)
    return errors


def _ok(value, spec) -> bool:
    """The fast check, without sentences: most data is well-typed."""
    kind = type(spec)
    if kind is str:
        return SIMPLE[spec](value)
    if kind is dict:
        if type(value) is not dict:
            return False
        present = 0
        for key, inner in spec.items():
            if key not in value:
                if type(inner) is Absent:
                    continue
                return False
            present += 1
            item = value[key]
            if type(inner) is str:
                if not SIMPLE[inner](item):
                    return False
            elif not _ok(item, inner):
                return False
        return present == len(value)
    if kind is list:
        inner = spec[0]
        if type(value) is not list:
            return False
        if type(inner) is str:
            check = SIMPLE[inner]
            return all(check(item) for item in value)
        return all(_ok(item, inner) for item in value)
    if isinstance(spec, Enum):
        return isinstance(value, str) and value in spec.values
    if isinstance(spec, Nullable):
        return value is None or _ok(value, spec.inner)
    if isinstance(spec, Absent):
        return _ok(value, spec.inner)
    return isinstance(value, dict)  # spec is dict: an entry's body, typed by its kind


# -- the fast check, compiled ------------------------------------------------------------
# _ok walks the spec for every value; a chain has 100,000 lines of a handful of types, so
# each type is turned once into a Python function doing exactly _ok's tests in a row
# (tests/core/test_bundle_types_fast.py holds the two to the same answers).

_COMPILED: dict[int, tuple[object, object]] = {}
_SIMPLE_TESTS = {"str": "type({v}) is not str",
                 "uint": "type({v}) is not int or {v} < 0",
                 "int": "type({v}) is not int",
                 "bool": "type({v}) is not bool",
                 "time": "type({v}) is not str or not _time_ok({v})",
                 "hex64": "type({v}) is not str or _hex64({v}) is None"}


def _checker(spec):
    """The compiled _ok for this spec (built on first use, kept for the process)."""
    found = _COMPILED.get(id(spec))
    if found is not None and found[0] is spec:
        return found[1]
    lines: list[str] = ["def check(v0):"]
    consts: dict[str, object] = {"_time_ok": _time_ok, "_hex64": _HEX64.fullmatch}
    _emit(spec, "v0", lines, 1, [0], consts)
    lines.append("    return True")
    namespace = dict(consts)
    exec("\n".join(lines), namespace)  # noqa: S102 - code built above from our own types
    _COMPILED[id(spec)] = (spec, namespace["check"])
    return namespace["check"]


def _emit(spec, v: str, lines: list[str], depth: int, counter: list[int],
          consts: dict) -> None:
    pad = "    " * depth
    if type(spec) is str:
        lines.append(pad + "if " + _SIMPLE_TESTS[spec].format(v=v) + ": return False")
    elif type(spec) is dict and not any(type(i) is Absent for i in spec.values()):
        lines.append(f"{pad}if type({v}) is not dict or len({v}) != {len(spec)}: return False")
        for key, inner in spec.items():
            counter[0] += 1
            item = f"v{counter[0]}"
            lines.append(f"{pad}if {key!r} not in {v}: return False")
            lines.append(f"{pad}{item} = {v}[{key!r}]")
            _emit(inner, item, lines, depth, counter, consts)
    elif type(spec) is dict:  # some keys may be absent: count the ones present
        counter[0] += 1
        present = f"n{counter[0]}"
        lines.append(f"{pad}if type({v}) is not dict: return False")
        lines.append(f"{pad}{present} = 0")
        for key, inner in spec.items():
            counter[0] += 1
            item = f"v{counter[0]}"
            if type(inner) is Absent:
                lines.append(f"{pad}if {key!r} in {v}:")
                lines.append(f"{pad}    {present} += 1")
                lines.append(f"{pad}    {item} = {v}[{key!r}]")
                _emit(inner.inner, item, lines, depth + 1, counter, consts)
            else:
                lines.append(f"{pad}if {key!r} not in {v}: return False")
                lines.append(f"{pad}{present} += 1")
                lines.append(f"{pad}{item} = {v}[{key!r}]")
                _emit(inner, item, lines, depth, counter, consts)
        lines.append(f"{pad}if {present} != len({v}): return False")
    elif type(spec) is list:
        counter[0] += 1
        item = f"v{counter[0]}"
        lines.append(f"{pad}if type({v}) is not list: return False")
        lines.append(f"{pad}for {item} in {v}:")
        _emit(spec[0], item, lines, depth + 1, counter, consts)
    elif isinstance(spec, Enum):
        name = f"enum{len(consts)}"
        consts[name] = spec.values
        lines.append(f"{pad}if not isinstance({v}, str) or {v} not in {name}: return False")
    elif isinstance(spec, Nullable):
        lines.append(f"{pad}if {v} is not None:")
        _emit(spec.inner, v, lines, depth + 1, counter, consts)
    elif spec is dict:  # an entry's body, typed by its kind
        lines.append(f"{pad}if not isinstance({v}, dict): return False")
    else:
        raise TypeError(f"not a type: {spec!r}")


def _walk(value, spec, path: str, errors: list[str], limit: int) -> None:
    if len(errors) >= limit:
        return
    if isinstance(spec, Nullable):
        if value is not None:
            _walk(value, spec.inner, path, errors, limit)
        return
    if isinstance(spec, Absent):
        _walk(value, spec.inner, path, errors, limit)
        return
    if isinstance(spec, Enum):
        if not isinstance(value, str) or value not in spec.values:
            errors.append(f"{path} must be one of {', '.join(spec.values)}")
        return
    if isinstance(spec, str):
        if not SIMPLE[spec](value):
            errors.append(f"{path} must be {SIMPLE_NAMES[spec]}, not {_show(value)}")
        return
    if isinstance(spec, list):
        if not isinstance(value, list):
            errors.append(f"{path} must be an array")
            return
        for i, item in enumerate(value):
            _walk(item, spec[0], f"{path}[{i}]", errors, limit)
        return
    if spec is dict:  # an entry's body: typed by its kind, below
        if not isinstance(value, dict):
            errors.append(f"{path} must be an object")
        return
    if not isinstance(value, dict):
        errors.append(f"{path} must be an object")
        return
    missing = [k for k, inner in spec.items()
               if k not in value and not isinstance(inner, Absent)]
    extra = [k for k in value if k not in spec]
    if missing:
        errors.append(f"{path} lacks {', '.join(missing)}")
    if extra:
        # Named as _show names a value: a field name may be megabytes long.
        names = ", ".join(_show(k) for k in sorted(extra)[:5])
        errors.append(f"{path} has unknown fields {names}")
    for key, inner in spec.items():
        if key in value:
            _walk(value[key], inner, f"{path}.{key}", errors, limit)


def entry_type_errors(sealed) -> list[str]:
    """A sealed chain line's type errors, the body typed by the entry's kind."""
    return type_errors(sealed, SEALED) or body_type_errors(sealed["entry"])


def body_type_errors(entry: dict) -> list[str]:
    """The type errors of an entry's body, typed by its kind (a kind of BODIES)."""
    return type_errors(entry["body"], body_spec(entry), "$.entry.body")


def body_spec(entry: dict):
    """The type of an entry's body: by its kind, a correcting ballot's with "correction"."""
    body = entry["body"]
    if entry["kind"] == "ballot" and isinstance(body, dict) and "correction" in body:
        return BALLOT_CORRECTION
    return BODIES[entry["kind"]]


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, str)):
        text = repr(value) if isinstance(value, str) else str(value)
        return text if len(text) <= 40 else text[:37] + "…"
    return "an array" if isinstance(value, list) else "an object"
