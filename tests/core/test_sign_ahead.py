"""With --jobs, step 4.4's signature checks go to the pool while the chain is still read,
on a guess of the keys step 3 will trust: a wrong guess costs time, never a finding."""

from __future__ import annotations

import base64
import json
import multiprocessing.pool

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.bundles import KEY_ID, SERVER, files_of, good_story, rezip
from tests.core.tamper_tools import resign, verify
from votes.core import sigbatch, signing
from votes.core.canonical import canonical_bytes
from votes.core.chain import SealedEntry


@pytest.fixture
def sent(monkeypatch):
    """The pool even for a few entries, groups of two sent ahead; the sizes of the groups
    of tasks the pool was given, in order."""
    monkeypatch.setattr(sigbatch.Batch, "MIN_PARALLEL", 1)
    monkeypatch.setattr(sigbatch.Batch, "AHEAD_GROUP", 2)
    sizes = []
    real = multiprocessing.pool.Pool.map_async

    def counting(self, fn, chunks, *args, **kwargs):
        sizes.append(sum(len(c) for c in chunks))
        return real(self, fn, chunks, *args, **kwargs)

    monkeypatch.setattr(multiprocessing.pool.Pool, "map_async", counting)
    return sizes


def _findings(bundle, **kwargs):
    report = verify(bundle, **kwargs)
    return report.outcome, [(f.step, f.entry, f.message) for f in report.failures]


def test_the_chain_is_checked_by_the_pool_while_it_is_read(sent):
    story = good_story()  # 7 entries: genesis, 4 ballots, a device key, the close
    assert verify(story.bundle(), jobs=2).ok
    # Three groups of the chain's signatures ahead of step 4, then the device signature.
    assert sent[:4] == [2, 2, 2, 1] and sum(sent) == 7 + 1 + 1


def test_a_task_sent_ahead_answers_only_for_an_equal_task(sent):
    key = SERVER.public_key()
    raw = base64.b64decode(signing.public_key_b64(key))
    good = ("ed25519", raw, base64.b64decode(signing.sign(SERVER, b"x")), b"x")
    batch = sigbatch.Batch(2)
    batch.expect(10)
    batch.ahead(0, good)
    batch.ahead(1, good)
    batch.add("same", good, ahead=0)
    batch.add("changed", good[:3] + (b"y",), ahead=1)  # the guess was wrong
    batch.add("not sent", good, ahead=2)
    assert batch.results() == [("same", True), ("changed", False), ("not sent", True)]


def _one_bad_signature() -> bytes:
    story = good_story()
    sealed = story.seal()
    sealed[2] = SealedEntry(sealed[2].entry, sealed[2].digest, sealed[1].sig)
    return story.bundle(sealed)


def _another_key_under_the_same_id() -> tuple[bytes, signing.KeyRing]:
    other = Ed25519PrivateKey.generate().public_key()
    return good_story().bundle(), signing.KeyRing({KEY_ID: other})


def _key_id_of_another_key() -> bytes:
    """The manifest lists the server key under its id, and under that id's public key
    another key's: step 3.1 keeps neither spelling, the guess takes the bytes it reads."""
    files = files_of(good_story().bundle())
    manifest = json.loads(files["manifest.json"])
    other = Ed25519PrivateKey.generate().public_key()
    manifest["keys"][0]["public_key"] = signing.public_key_b64(other)
    files["manifest.json"] = canonical_bytes(manifest)
    files["manifest.sig"] = signing.sign(SERVER, files["manifest.json"]).encode()
    return rezip(resign(files))


@pytest.mark.parametrize("case", ["bad signature", "untrusted key", "key id of another key"])
def test_the_findings_are_those_of_one_process(case, sent):
    kwargs = {}
    if case == "bad signature":
        bundle = _one_bad_signature()
    elif case == "untrusted key":
        bundle, kwargs["trusted_keys"] = _another_key_under_the_same_id()
    else:
        bundle = _key_id_of_another_key()
    one = _findings(bundle, jobs=1, **kwargs)
    assert sent == []
    several = _findings(bundle, jobs=2, **kwargs)
    assert sent  # the pool was used
    assert one == several and one[0] == "failed"
    steps = {step for step, _, _ in one[1]}
    assert "4.4" in steps and ({"3.3"} if case == "untrusted key" else set()) <= steps


def test_each_signature_is_decoded_once_where_it_is_checked(sent, monkeypatch):
    """Checked for canonical base64 and then decoded again, each chain signature was
    decoded twice when sent ahead and twice more in step 4: once in each now. A device's
    signature (6.5) was decoded twice too: once now."""
    story = good_story()
    lines = [json.loads(line) for line in files_of(story.bundle())["chain.jsonl"].splitlines()]
    sigs = {line["sig"] for line in lines}
    devices = [line["entry"]["body"]["device"]["signature"] for line in lines
               if (line["entry"]["body"].get("device") or {}).get("signature")]
    assert devices
    decoded = []
    real = base64.b64decode

    def counting(text, *args, **kwargs):
        decoded.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(base64, "b64decode", counting)
    assert verify(story.bundle(), jobs=2).ok
    assert {sig: decoded.count(sig) for sig in sigs} == {sig: 2 for sig in sigs}
    assert [decoded.count(sig) for sig in devices] == [1] * len(devices)
