"""The owner's online ballot: the browser's device key registered on the chain (spec §14),
and the ballot cast with the device's signature."""

from __future__ import annotations

from sqlalchemy import func, select

from votes.core import commitment, signing
from votes.core.tally import Choice
from votes.i18n import _
from votes.models import Ballot, DeviceKey, Proposal
from votes.services.ballots import Accepted, BallotRequest, cast_ballot
from votes.services.device_check import UnsignedButRegistered
from votes.services.errors import DomainError
from votes.services.owner_pages import VoterView
from votes.services.tx import unit_of_work


def _is_p256_key(text: str) -> bool:
    import base64
    import binascii

    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        key = load_der_public_key(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error):
        return False
    return isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"


# Device keys one voter may register in a proposal. A phone forgets its key at the receipt
# and when its sign-in ends (device_forget.js), so every sign-in that reaches the ballot
# makes a new one: a few co-owners, each signing in on some days of the vote, in WeChat's
# browser and another. Each key is a chain entry (kept, exported, checked by every
# verifier) written under the lock ballots wait for: a session posting fresh keys in a
# loop must not grow the chain without end.
MAX_DEVICE_KEYS = 30


def register_device(proposal: Proposal, voter_key: str, public_key: str, proof: str) -> None:
    """Record the browser's key and append a device entry to the chain (spec §14), once per
    key: the chain then says, before any ballot, which keys may sign this voter's ballots.

    `proof` is how the owner passed the second factor in this session."""
    from votes.core import chain
    from votes.services import keys
    from votes.services.ballots import lock_for_voting

    if not _is_p256_key(public_key) or len(public_key) > 200:
        raise DomainError(_("设备公钥无效"))
    # The canonical base64 of the DER key, as the verifier wants it (a browser sends it so).
    import base64
    public_key = base64.b64encode(base64.b64decode(public_key)).decode("ascii")
    if proof not in chain.PROOFS:
        raise DomainError(_("请先完成身份验证"))
    body = chain.device_body(voter=voter_key, public_key=public_key, proof=proof)
    with unit_of_work() as session:
        known = session.scalar(select(DeviceKey.id).where(
            DeviceKey.proposal_id == proposal.id, DeviceKey.voter_key == voter_key,
            DeviceKey.public_key == public_key))
        if known is not None:
            return
        signer = keys.signing_key()
        _locked, appender, now = lock_for_voting(session, proposal.id, signer)
        # Under the lock: a second request with the same key waits here, then finds it.
        if session.scalar(select(DeviceKey.id).where(
                DeviceKey.proposal_id == proposal.id, DeviceKey.voter_key == voter_key,
                DeviceKey.public_key == public_key)) is not None:
            return
        if session.scalar(select(func.count()).select_from(DeviceKey).where(
                DeviceKey.proposal_id == proposal.id,
                DeviceKey.voter_key == voter_key)) >= MAX_DEVICE_KEYS:
            raise DomainError(_("本户在本次表决中已登记 %(n)d 个设备密钥，不能再登记。如果另一台"
                                "手机仍在登录中，请在那台手机上表决；否则请联系业主委员会申请纸质"
                                "表决票。", n=MAX_DEVICE_KEYS))
        appender.append("device", body, now)
        session.add(DeviceKey(proposal_id=proposal.id, voter_key=voter_key,
                              public_key=public_key, created_at=now))


def cast_online(proposal: Proposal, view: VoterView, choice_text: str, nonce: str,
                public_key: str | None, signature: str | None,
                salt: str | None = None) -> Ballot | Accepted:
    """Verify the device signature (when the browser made one), then append the ballot.

    `view` is the voter's, read with their device keys (owner_proposal_and_view with
    `devices`): each key is on the chain (§14), and the ballot needs no query of its own
    for the units and the ballots so far. The browser picks the commitment's salt and
    signs the commitment, not the choice (see docs/verification.md, "Choice
    commitments"); without a browser salt the server picks one."""
    if view.devices is None:
        raise ValueError("cast_online needs the voter's view read with their device keys")
    try:
        choice = Choice(choice_text)
    except ValueError:
        raise DomainError(_("请选择 同意、反对 或 弃权")) from None
    if salt is not None and not commitment.is_hex64(salt):
        raise DomainError(_("页面数据有误，请刷新页面后重试"))
    device = None
    voter_key = view.voter.voter_key
    registered = set(view.devices)
    if registered and not (public_key and signature):
        # The chain holds this voter's device key: an unsigned ballot would fail step 6.10.
        raise UnsignedButRegistered()
    if public_key and signature:
        committed = commitment.commit(proposal.uid, voter_key, choice.value, salt) if salt \
            else ""
        payload = signing.device_payload(proposal.uid, voter_key, committed, nonce)
        if public_key not in registered or not salt or not signing.verify_device_signature(
                public_key, signature, payload):
            raise DomainError(_("本设备的签名无法验证，请刷新页面后重试"))
        device = {"alg": "ECDSA-P256-SHA256", "public_key": public_key,
                  "signature": signature, "nonce": nonce}
    return cast_ballot(proposal.id, BallotRequest(voter_key=voter_key, choice=choice,
                                                  channel="online", device=device, salt=salt),
                       [u.unit_uid for u in view.units] or None, view.latest, proposal)
