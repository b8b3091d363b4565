"""Step 6.9's key check runs in the signature batch (other processes with --jobs): the
findings are the ones the step always gave, in one process or several."""

from __future__ import annotations

import base64

import pytest

from tests.bundles import DEVICE_SPKI, good_story
from tests.core.tamper_tools import verify
from votes.core import sigbatch

NOT_P256 = ("public_key 不是以规范 base64 表示的 P-256 公钥（SPKI） / "
            "public_key is not a P-256 key (SPKI) in canonical base64")
TWICE = "此设备公钥已为该投票人登记过 / this device key was already registered for this voter"


def _off_curve() -> str:
    """91 bytes of canonical base64, an SPKI in shape, whose point is not on P-256."""
    der = bytearray(base64.b64decode(DEVICE_SPKI))
    der[-1] ^= 0x01
    return base64.b64encode(bytes(der)).decode()


def _registered_twice(story):
    story.entries.insert(2, dict(story.entries[2]))
    story.entries.pop()
    story.close()
    return story


def _findings(bundle, jobs):
    return [(f.step, f.entry, f.message) for f in verify(bundle, jobs=jobs).failures]


@pytest.fixture(params=[1, 2])
def jobs(request, monkeypatch):
    monkeypatch.setattr(sigbatch.Batch, "MIN_PARALLEL", 1)  # the pool, even for a few
    return request.param


def test_a_key_off_the_curve_is_not_a_p256_key(jobs):
    story = good_story()
    story.entries[2]["body"]["public_key"] = _off_curve()
    found = _findings(story.bundle(), jobs)
    assert ("6.9", 2, NOT_P256) in found
    assert not [f for f in found if f[2] == TWICE]


def test_a_valid_key_registered_twice_is_named_as_such(jobs):
    found = _findings(_registered_twice(good_story()).bundle(), jobs)
    assert [f for f in found if f[0] == "6.9"] == [("6.9", 3, TWICE)]


def test_an_invalid_key_registered_twice_is_only_not_a_p256_key(jobs):
    story = good_story()
    story.entries[2]["body"]["public_key"] = _off_curve()
    found = _findings(_registered_twice(story).bundle(), jobs)
    assert [f for f in found if f[0] == "6.9"] == [("6.9", 2, NOT_P256), ("6.9", 3, NOT_P256)]


def test_not_canonical_base64_fails_at_once(jobs):
    story = good_story()
    story.entries[2]["body"]["public_key"] = DEVICE_SPKI + "="
    assert ("6.9", 2, NOT_P256) in _findings(story.bundle(), jobs)
