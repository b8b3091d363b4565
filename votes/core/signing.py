"""Signatures: the server's Ed25519 keys and the owners' WebCrypto ECDSA P-256 keys."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from votes.core.canonical import canonical_bytes


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """'ed25519:' + the first 16 hex characters of SHA-256 of the raw 32-byte key."""
    return "ed25519:" + hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    """Standard base64 of the raw 32-byte public key."""
    return base64.b64encode(_raw(public_key)).decode("ascii")


def load_public_key_b64(text: str) -> Ed25519PublicKey:
    """The inverse of public_key_b64 (ValueError if malformed)."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not an Ed25519 public key: {exc}") from None


def sign(private_key: Ed25519PrivateKey, data: bytes) -> str:
    """Base64 Ed25519 signature of data."""
    return base64.b64encode(private_key.sign(data)).decode("ascii")


def verify(public_key: Ed25519PublicKey, data: bytes, signature_b64: str) -> bool:
    """True if the signature is valid; False for any bad input, never an exception."""
    try:
        public_key.verify(base64.b64decode(signature_b64, validate=True), data)
        return True
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False


def encrypt_private_key(private_key: Ed25519PrivateKey, passphrase: bytes) -> bytes:
    """PEM PKCS#8, encrypted with the passphrase."""
    return private_key.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.BestAvailableEncryption(passphrase))


def decrypt_private_key(pem: bytes, passphrase: bytes) -> Ed25519PrivateKey:
    """Load an encrypted PEM key (ValueError on a wrong passphrase or another key type)."""
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except (ValueError, TypeError):
        raise ValueError("wrong passphrase or damaged key file") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


@dataclass(frozen=True)
class KeyRing:
    """The server's public keys by key id; old keys stay so old chains still verify."""

    keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)

    def get(self, kid: str) -> Ed25519PublicKey | None:
        return self.keys.get(kid)

    def to_json_obj(self) -> dict:
        return {"keys": [{"key_id": kid, "alg": "Ed25519", "public_key": public_key_b64(k)}
                         for kid, k in sorted(self.keys.items())]}

    @classmethod
    def from_json_obj(cls, data: dict) -> "KeyRing":
        """Load {"keys": [...]}; a key whose id does not match its bytes is refused."""
        keys = {}
        for item in data.get("keys", []):
            public = load_public_key_b64(item["public_key"])
            if key_id(public) != item["key_id"]:
                raise ValueError(f"key id {item['key_id']} does not match its public key")
            keys[item["key_id"]] = public
        return cls(keys)


def device_payload(proposal_uid: str, voter_key: str, commitment: str, nonce: str) -> bytes:
    """The exact bytes an owner's browser signs for a ballot: the choice's commitment (never
    the choice, which three tries against the published signature would give away)."""
    return canonical_bytes({"commitment": commitment, "nonce": nonce, "proposal": proposal_uid,
                            "voter": voter_key})


def verify_device_signature(public_key_b64: str, signature_b64: str, data: bytes) -> bool:
    """Check a WebCrypto ECDSA P-256/SHA-256 signature (raw r||s) under an SPKI key."""
    try:
        public = serialization.load_der_public_key(base64.b64decode(public_key_b64,
                                                                    validate=True))
        raw = base64.b64decode(signature_b64, validate=True)
        if not isinstance(public, ec.EllipticCurvePublicKey) or \
                public.curve.name != "secp256r1" or len(raw) != 64:
            return False
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                   int.from_bytes(raw[32:], "big"))
        public.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
