"""Choice commitments: binding, opening, hiding the choice from three tries, the spec's vector."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import ballots, choices, electorates, rules, salts
from votes.core import commitment
from votes.core.commitment import Opening, check_openings, commit, commitment_bytes, opens
from votes.core.tally import Choice, compute_tally, compute_turnout, turnout_of

DOCS = Path(__file__).resolve().parents[2] / "docs"
names = st.text(min_size=0, max_size=30)  # uids and voter keys, including quotes and CJK


@given(names, names, choices, salts)
def test_a_commitment_opens_to_its_choice_and_salt(proposal, voter, choice, salt):
    c = commit(proposal, voter, choice.value, salt)
    assert commitment.is_hex64(c)
    assert opens(c, proposal, voter, choice.value, salt)


@given(names, names, choices, choices, salts)
def test_a_wrong_choice_does_not_open(proposal, voter, choice, other, salt):
    c = commit(proposal, voter, choice.value, salt)
    assert opens(c, proposal, voter, other.value, salt) == (choice == other)


@given(names, names, choices, salts, salts)
def test_a_wrong_salt_does_not_open(proposal, voter, choice, salt, other):
    c = commit(proposal, voter, choice.value, salt)
    assert opens(c, proposal, voter, choice.value, other) == (salt == other)


@given(st.tuples(names, names, choices, salts), st.tuples(names, names, choices, salts))
def test_binding_distinct_inputs_have_distinct_bytes_and_commitments(a, b):
    """The encoding is injective, so a second opening would need a SHA-256 collision."""
    ea = commitment_bytes(a[0], a[1], a[2].value, a[3])
    eb = commitment_bytes(b[0], b[1], b[2].value, b[3])
    assert (ea == eb) == (a == b)
    assert (commit(a[0], a[1], a[2].value, a[3]) == commit(b[0], b[1], b[2].value, b[3])) \
        == (a == b)


@given(names, names, choices, salts)
def test_three_tries_without_the_salt_find_nothing(proposal, voter, choice, salt):
    """What an observer of the chain can compute without the salt never matches."""
    c = commit(proposal, voter, choice.value, salt)
    guesses = {commit(proposal, voter, x.value, guess) for x in Choice
               for guess in ("00" * 32, "ff" * 32, salt[::-1])}
    assert c not in guesses or salt in ("00" * 32, "ff" * 32, salt[::-1])


@pytest.mark.parametrize("choice,salt", [
    ("AGREE", "00" * 32), ("yes", "00" * 32), ("agree", "00" * 31), ("agree", "AB" * 32),
    ("agree", "0g" * 32), ("agree", 12345), (None, "00" * 32)])
def test_malformed_openings_are_refused(choice, salt):
    with pytest.raises(ValueError):
        commitment_bytes("p", "v", choice, salt)
    assert not opens(commit("p", "v", "agree", "00" * 32), "p", "v", choice, salt)
    assert not opens("not hex", "p", "v", "agree", "00" * 32)


def test_the_spec_test_vector():
    spec = (DOCS / "verification.md").read_text(encoding="utf-8")
    section = spec[spec.index("### 13.7 Test vector"):]
    salt = bytes(range(32)).hex()
    data = commitment_bytes("example-0001", "v-a", "agree", salt)
    assert f"these {len(data)} bytes" in section and data.decode() in section
    for choice in Choice:
        digest = re.search(rf"- {choice.value}: `([0-9a-f]{{64}})`", section).group(1)
        assert commit("example-0001", "v-a", choice.value, salt) == digest


def test_openings_are_checked_against_the_counted_ballots():
    salt = "ab" * 32
    bodies = {1: {"voter": "v-a", "commitment": commit("p", "v-a", "agree", salt)},
              2: {"voter": "v-b", "commitment": commit("p", "v-b", "disagree", salt)}}
    good = [Opening(1, "agree", salt).to_dict(), Opening(2, "disagree", salt).to_dict()]
    assert check_openings("p", bodies, [1, 2], good) == []
    assert [f[0] for f in check_openings("p", bodies, [1, 2], None)] == ["7.6"]
    assert [f[0] for f in check_openings("p", bodies, [1, 2], good[:1])] == ["7.6"]
    assert [f[0] for f in check_openings("p", bodies, [1, 2], good[::-1])] == ["7.6"]
    flipped = [dict(good[0], choice="disagree"), good[1]]
    assert check_openings("p", bodies, [1, 2], flipped) == [
        ("7.7", "开示的意见与盐值（salt）与该选票的意见承诺不符 / "
                "the revealed choice and salt do not open the ballot's commitment", 1)]
    extra = [dict(good[0], note="x"), good[1]]
    assert {f[0] for f in check_openings("p", bodies, [1, 2], extra)} == {"7.6"}
    as_bool = [dict(good[0], seq=True), good[1]]
    assert {f[0] for f in check_openings("p", bodies, [1, 2], as_bool)} == {"7.6"}


def test_a_ballot_body_carries_a_commitment_not_a_choice():
    assert commitment.ballot_problem({"commitment": "ab" * 32}) is None
    assert "clear" in commitment.ballot_problem({"commitment": "ab" * 32, "choice": "agree"})
    assert commitment.ballot_problem({"commitment": "AB" * 32}) is not None
    assert commitment.ballot_problem({}) is not None


@settings(suppress_health_check=[HealthCheck.too_slow])  # electorates are slow to draw
@given(electorates().flatmap(lambda e: st.tuples(st.just(e), ballots(e), rules)))
def test_turnout_is_the_tally_without_the_choices(case):
    e, chosen, r = case
    assert compute_turnout(e, chosen.keys(), r) == turnout_of(compute_tally(e, chosen, r))


@given(st.text(), st.text(), choices, salts)
def test_commitment_bytes_are_the_canonical_encoding_of_the_five_fields(proposal, voter,
                                                                        choice, salt):
    """commitment_bytes writes the JSON itself (no dict, no type walk): still exactly what
    canonical_bytes gives, escapes and non-ASCII included, or the same refusal."""
    from votes.core.canonical import canonical_bytes

    value = {"choice": Choice(choice).value, "domain": commitment.DOMAIN,
             "proposal": proposal, "salt": salt, "voter": voter}
    try:
        expected = canonical_bytes(value)
    except UnicodeEncodeError:  # a lone surrogate
        with pytest.raises(UnicodeEncodeError):
            commitment_bytes(proposal, voter, choice, salt)
        return
    assert commitment_bytes(proposal, voter, choice, salt) == expected
    assert commitment_bytes(proposal, voter, Choice(choice), salt) == expected
