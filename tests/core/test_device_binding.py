"""Step 6.9/6.10 (docs/verification.md §14): a device signature is bound to the device key
the chain registered for the voter before the ballot, so an insider who rewrites only the
ballot entry — and re-seals the chain with the server key — is caught."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.bundles import DEVICE_SPKI, Story, good_story, verify_json
from tests.core.tamper_tools import steps, verify
from votes.core import chain, signing

INSIDER = ec.derive_private_key(987654321, ec.SECP256R1())
INSIDER_SPKI = base64.b64encode(INSIDER.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
BALLOT = 3  # good_story: genesis, paper v-a, device v-b, online v-b (here), …


def _insider_sign(story: Story, body: dict) -> None:
    payload = signing.device_payload(story.proposal["uid"], body["voter"], body["commitment"],
                                     body["device"]["nonce"])
    r, s = decode_dss_signature(INSIDER.sign(payload, ec.ECDSA(hashes.SHA256())))
    body["device"] = dict(body["device"], public_key=INSIDER_SPKI, signature=base64.b64encode(
        r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode())


def test_the_story_registers_before_it_signs_and_verifies():
    story = good_story()
    assert [e["kind"] for e in story.entries[2:4]] == ["device", "ballot"]
    assert verify(story.bundle()).ok


def test_6_10_a_device_key_never_registered():
    story = good_story()
    del story.entries[2]  # the device entry; the close is rewritten to match
    story.entries.pop()
    story.close()
    assert steps(story.bundle()) == {"6.10"}


def test_6_10_a_device_key_registered_only_after_the_ballot():
    story = good_story()
    device = story.entries.pop(2)
    device["time"] = story.entries[2]["time"]
    story.entries.insert(3, device)
    story.entries.pop()
    story.close()
    assert steps(story.bundle()) == {"6.10"}


def test_6_10_insider_drops_the_device_signature_from_the_ballot():
    story = good_story()
    story.entries[BALLOT]["body"]["device"] = None  # re-sealed with the server key
    assert steps(story.bundle()) == {"6.10"}


def test_6_10_insider_swaps_in_a_key_of_his_own_that_signs_correctly():
    story = good_story()
    _insider_sign(story, story.entries[BALLOT]["body"])
    assert steps(story.bundle()) == {"6.10"}  # 6.5 passes: the signature itself is valid


def test_6_10_insider_who_also_rewrites_the_registration_is_caught_by_a_noted_head():
    story = good_story()
    noted = story.seal()[2].digest  # a witness or a receipt holds a head after registration
    forged = story.copy()
    forged.entries[2]["body"]["public_key"] = INSIDER_SPKI
    _insider_sign(forged, forged.entries[BALLOT]["body"])
    assert verify(forged.bundle()).ok  # consistent, if nothing was noted …
    assert steps(forged.bundle(), head=noted) == {"9.1"}  # … but not with the noted head


def test_6_10_a_key_registered_for_another_voter():
    story = good_story()
    story.entries[2]["body"]["voter"] = "v-a"
    assert steps(story.bundle()) == {"6.10"}


def test_a_voter_may_register_a_second_device_and_vote_again_with_it():
    story = Story()
    story.proposal["max_changes"] = 1
    story.genesis().device("v-a", "2026-12-01T02:00:00Z") \
        .online("v-a", "agree", "2026-12-01T02:00:00Z") \
        .device("v-a", "2026-12-02T02:00:00Z", public_key=INSIDER_SPKI, proof="sms")
    committed, secret = story.commit("v-a", "disagree", "2026-12-02T03:00:00Z")
    body = chain.ballot_body(voter="v-a", units=story.units_of("v-a"), commitment=committed,
                             channel="online", device={"alg": chain.DEVICE_ALG,
                                                       "public_key": "", "signature": "",
                                                       "nonce": "n2"})
    _insider_sign(story, body)  # here the "insider" key is the owner's new phone
    story.entries.append({"kind": "ballot", "time": "2026-12-02T03:00:00Z", "body": body,
                          "secret": secret})
    assert verify(story.close().bundle()).ok


def test_6_9_malformed_registrations():
    for field, value in (("alg", "ecdsa-p256-sha256"), ("proof", "password"),
                         ("public_key", DEVICE_SPKI + "=")):
        story = good_story()
        story.entries[2]["body"][field] = value
        assert "6.9" in steps(story.bundle()), field
    story = good_story()
    story.entries[2]["body"]["voter"] = "v-stranger"
    assert "6.9" in steps(story.bundle())
    story = good_story()
    story.entries.insert(2, dict(story.entries[2]))  # the same key registered twice
    story.entries.pop()
    story.close()
    assert steps(story.bundle()) == {"6.9"}
    story = good_story()
    story.entries[2]["body"]["name"] = "张三"  # no personal data: no other field at all
    assert "1.5" in steps(story.bundle())


def _changed_twice_then_replayed() -> tuple[Story, int]:
    """v-b may change twice: agree, then disagree (both device-signed), then the insider
    appends the agree ballot again — the entry exactly as the owner's device signed it."""
    story = Story()
    story.proposal["max_changes"] = 2
    story.genesis().device("v-b", "2026-12-01T02:00:00Z") \
        .online("v-b", "agree", "2026-12-01T03:00:00Z", nonce="n1") \
        .online("v-b", "disagree", "2026-12-02T03:00:00Z", nonce="n2")
    first = story.entries[2]
    story.entries.append(dict(first, time="2026-12-03T03:00:00Z"))
    return story, len(story.entries) - 1


def test_6_11_an_owner_s_earlier_signed_ballot_appended_again_is_refused(tmp_path, capsys):
    story, replay = _changed_twice_then_replayed()
    code, report = verify_json(story.close().bundle(), tmp_path, capsys)
    assert code == 1 and report["outcome"] == "failed"
    # Only the nonce gives it away: the signature verifies (6.5), the key was registered
    # (6.10), and a third ballot is within max_changes 2 (6.7).
    assert [(f["step"], f["entry"]) for f in report["failures"]] == [("6.11", replay)]
    assert "entry 2" in report["failures"][0]["message"]
    assert report["tally"]["agree_headcount"] == 1  # what the replay would have counted

    honest, _ = _changed_twice_then_replayed()
    honest.entries.pop()
    # Another voter's ballot may carry the same nonce: it is the voter's own that must differ.
    honest.device("v-d", "2026-12-04T01:00:00Z").online("v-d", "agree", "2026-12-04T02:00:00Z",
                                                       nonce="n1")
    code, report = verify_json(honest.close().bundle(), tmp_path, capsys)
    assert code == 0 and report["outcome"] == "verified", report["failures"]
