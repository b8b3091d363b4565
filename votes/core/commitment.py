"""Choice commitments: a ballot entry binds its choice without showing it until the close.

A ballot's choice is one of three values, so anything computed from the choice alone (a
digest, a signature a verifier can check) would give it away to whoever tries all three.
The chain therefore carries only

    commitment = SHA-256(canonical JSON of {"choice", "domain", "proposal", "salt", "voter"})

with a fresh 256-bit random salt per ballot. Without the salt the commitment says nothing
about the choice (hiding); no second (choice, salt) gives the same commitment (binding,
from SHA-256's collision resistance; the encoding is injective). The close entry reveals
each counted ballot's opening (seq, choice, salt) and a verifier checks that every
commitment opens to the revealed choice before it recomputes the tally from those choices.

docs/verification.md, "Choice commitments", is the specification; this module is its
reference. Pure: salts are passed in, never drawn here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from votes.core.canonical import canonical_bytes
from votes.core.tally import Choice, as_choice

DOMAIN = "votes/ballot-commitment/v1"
SALT_BYTES = 32
_HEX64 = re.compile(r"[0-9a-f]{64}")
OPENING_KEYS = frozenset({"seq", "choice", "salt"})


def is_hex64(value) -> bool:
    """True for exactly 64 lowercase hexadecimal characters (a salt or a commitment)."""
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def commitment_bytes(proposal: str, voter: str, choice: str, salt: str) -> bytes:
    """The exact bytes hashed: canonical JSON of the five fields (ValueError if malformed).

    `choice` must be agree/disagree/abstain and `salt` 64 lowercase hex characters (the
    32 random bytes); fixing both forms keeps one opening per commitment."""
    if type(choice) is not str or choice not in _CHOICES:
        try:
            choice = Choice(choice).value
        except (ValueError, TypeError):
            raise ValueError(f"choice {choice!r} is not agree/disagree/abstain") from None
    if not is_hex64(salt):
        raise ValueError("salt must be 64 lowercase hex characters (32 bytes)")
    if not isinstance(proposal, str) or not isinstance(voter, str):
        raise ValueError("proposal and voter must be strings")
    if type(proposal) is str and type(voter) is str:
        # What canonical_bytes writes for these five keys (sorted), without building a
        # dict and walking its types: choice and salt are plain ASCII, checked above.
        try:
            return (f'{{"choice":"{choice}","domain":"{DOMAIN}","proposal":'
                    f'{_string(proposal)},"salt":"{salt}","voter":{_string(voter)}}}'
                    ).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: canonical_bytes raises as it always did
    return canonical_bytes({"choice": choice, "domain": DOMAIN, "proposal": proposal,
                            "salt": salt, "voter": voter})


_CHOICES = frozenset(c.value for c in Choice)
# The JSON string encoder canonical_bytes uses (ensure_ascii=False).
_string = json.encoder.encode_basestring


def commit(proposal: str, voter: str, choice: str, salt: str) -> str:
    """The commitment to a voter's choice in one proposal: SHA-256 hex of commitment_bytes."""
    return hashlib.sha256(commitment_bytes(proposal, voter, choice, salt)).hexdigest()


def opens(commitment: str, proposal: str, voter: str, choice: str, salt: str) -> bool:
    """True when (choice, salt) opens the commitment; False for any malformed input."""
    if not is_hex64(commitment):
        return False
    try:
        expected = commit(proposal, voter, choice, salt)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, commitment)


@dataclass(frozen=True)
class Opening:
    """What the close entry reveals of one counted ballot."""

    seq: int
    choice: str
    salt: str

    def to_dict(self) -> dict:
        return {"seq": self.seq, "choice": self.choice, "salt": self.salt}


def openings_list(openings: Iterable[Opening]) -> list[dict]:
    """The close body's `openings`: one object per counted ballot, in increasing seq."""
    return [o.to_dict() for o in sorted(openings, key=lambda o: o.seq)]


def ballot_problem(body: Mapping) -> str | None:
    """Why a ballot body does not carry a well-formed commitment (and no clear choice)."""
    if "choice" in body:
        return ("选票以明文显示了意见，只应带有意见承诺 / ballot shows its choice in the clear; "
                "it must carry only a commitment")
    if not is_hex64(body.get("commitment")):
        return "意见承诺不是 64 位小写十六进制字符 / commitment is not 64 lowercase hex characters"
    return None


def check_openings(proposal: str, ballots: Mapping[int, Mapping], counted: Sequence[int],
                   openings) -> list[tuple[str, str, int | None]]:
    """Failures (step, message, seq) of a close body's openings against the chain.

    `ballots` maps seq to ballot entry body; `counted` is the sorted seqs of the counted
    ballots by the chain's rule. 7.6: `openings` is a list with exactly one well-formed
    object per counted ballot, sorted by seq (superseded ballots stay sealed).
    7.7: each opening's (choice, salt) opens that ballot's commitment."""
    if not isinstance(openings, list):
        return [("7.6", "结束记录没有开示列表 / the close entry has no list of openings", None)]
    failures: list[tuple[str, str, int | None]] = []
    seqs = []
    for item in openings:
        if not isinstance(item, dict) or set(item) != OPENING_KEYS or \
                type(item["seq"]) is not int:
            # The opening, which may be long, once: after the English.
            failures.append(("7.6", f"开示格式不正确 / malformed opening {item!r}", None))
            continue
        seqs.append(item["seq"])
        body = ballots.get(item["seq"])
        if not (type(body) is dict or isinstance(body, Mapping)):
            continue
        if not opens(body.get("commitment", ""), proposal, body.get("voter", ""),
                     item["choice"], item["salt"]):
            failures.append(("7.7", "开示的意见与盐值（salt）与该选票的意见承诺不符 / the "
                                    "revealed choice and salt do not open the ballot's "
                                    "commitment", item["seq"]))
    if seqs != list(counted):
        failures.append(("7.6", f"开示所对应的选票为 {seqs[:10]}，而计入的选票为 "
                                f"{list(counted)[:10]} / openings are given for ballots "
                                f"{seqs[:10]}; the counted ballots are {list(counted)[:10]}",
                         None))
    return failures


def revealed_choices(ballots: Mapping[int, Mapping], openings) -> dict[str, Choice]:
    """Each voter's revealed choice, from the openings that name a ballot of the chain.

    Malformed openings are skipped here (check_openings reports them), so a tally
    recomputed from a damaged list differs from the close entry's and fails as well."""
    choices: dict[str, Choice] = {}
    for item in openings if isinstance(openings, list) else []:
        if not isinstance(item, dict) or type(item.get("seq")) is not int:
            continue
        body = ballots.get(item["seq"])
        try:
            choice = as_choice(item.get("choice"))
        except ValueError:
            continue
        if (type(body) is dict or isinstance(body, Mapping)) and isinstance(body.get("voter"), str):
            choices[body["voter"]] = choice
    return choices
