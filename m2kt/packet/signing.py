"""Ed25519 keys, DSSE pre-authentication encoding, signing and verification of packets.

The signed payload is canonical JSON ``{"format", "members": {name: {sha256, size}}}`` listing
every member except ``signature.json``; the signature is Ed25519 over
``PAE(payloadType, payload)`` (DSSE v1), so neither the type nor the payload can be swapped or
re-encoded without breaking it.  Key ids are the first 16 hex digits of SHA-256 of the raw
public key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from m2kt.errors import SignatureError, UsageError

PEM_PRIVATE = "teacher.key"
PEM_PUBLIC = "teacher.pub"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class SigningKey:
    """A private key with its public half and key id."""

    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def keyid(self) -> str:
        return key_id(self.public)

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode()


def keygen(out_dir: Path) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair: ``teacher.key`` (PKCS8 PEM, mode 0600) and ``teacher.pub``.

    Refuses to overwrite an existing private key."""
    out_dir.mkdir(parents=True, exist_ok=True)
    priv_path, pub_path = out_dir / PEM_PRIVATE, out_dir / PEM_PUBLIC
    if priv_path.exists():
        raise UsageError(f"{priv_path} exists; refusing to overwrite a private key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(priv_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    pub_path.write_bytes(public_pem(key.public_key()))
    return priv_path, pub_path


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)


def load_signing_key(path: Path) -> SigningKey:
    """Read a PEM private key written by :func:`keygen`; a UsageError names the problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read key file {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path} is not an Ed25519 key")
    return SigningKey(key)


def load_public_key(data: bytes, where: str) -> Ed25519PublicKey:
    """Parse a PEM Ed25519 public key; a SignatureError names ``where`` on failure."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"{where} is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError(f"{where} is not an Ed25519 public key")
    return key


def verify_signature(public: Ed25519PublicKey, message: bytes, sig_b64: str) -> None:
    """Raise SignatureError unless ``sig_b64`` is a valid signature of ``message``."""
    try:
        sig = base64.b64decode(sig_b64, validate=True)
    except (ValueError, base64.binascii.Error) as exc:
        raise SignatureError("signature is not valid base64") from exc
    try:
        public.verify(sig, message)
    except InvalidSignature as exc:
        raise SignatureError("signature does not verify: the packet was altered or signed "
                             "by another key") from exc
