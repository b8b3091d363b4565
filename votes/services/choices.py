"""Ballot secrecy until the close: sealed choices at rest, and who may see them when.

While voting is open nobody — committee, regulator, public, the bundle — learns how a voter
voted, only whether they did. The chain carries a commitment to each choice
(votes.core.commitment); the Ballot row keeps the choice and the commitment's salt
encrypted with the data key, so the server can reveal and count them at the close.
"""

from __future__ import annotations

import json
import secrets
from typing import Callable

from votes.core import commitment
from votes.core.tally import Choice, as_choice
from votes.models import Proposal
from votes.services import privacy

# Every sealed plaintext is padded to this length: AES-GCM keeps the length, and "agree"
# (5 letters) against "disagree" (8) must not show through the ciphertext's size.
_SEALED_LENGTH = 128
REVEALED_STATES = ("closed", "published")


def new_salt() -> str:
    """32 random bytes as 64 lowercase hex: the salt of one ballot's commitment."""
    return secrets.token_hex(commitment.SALT_BYTES)


def seal(choice: Choice | str, salt: str | None) -> bytes:
    """The encrypted (choice, salt) stored in the Ballot row, always the same size."""
    text = json.dumps({"choice": Choice(choice).value, "salt": salt}, sort_keys=True)
    return privacy.encrypt(text.ljust(_SEALED_LENGTH))


def unseal(blob: bytes) -> tuple[Choice, str | None]:
    """The (choice, salt) of a sealed Ballot row (salt None for ballots made before)."""
    data = json.loads(privacy.decrypt(blob))
    return Choice(data["choice"]), data["salt"]


def unsealer() -> Callable[[bytes], tuple[Choice, str | None]]:
    """unseal() for many rows (a close reveals 100,000): the cipher is set up once."""
    decrypt = privacy.decryptor()

    def unseal_one(blob: bytes) -> tuple[Choice, str | None]:
        data = json.loads(decrypt(blob))
        return as_choice(data["choice"]), data["salt"]

    return unseal_one


def revealed(proposal: Proposal) -> bool:
    """Whether choices and choice-derived figures may be shown: only after the close."""
    return proposal.state in REVEALED_STATES
