"""Ed25519 signatures of the published lists, detached, naming the key that made them.

A list `NAME` is served with `NAME.sig`, a few lines of text:

    antifraud-signature: 1
    algorithm: ed25519
    key-id: 3f2a9c0d41b7e655
    signature: <base64 of the 64-byte Ed25519 signature over the exact bytes of NAME>

The key id is the first 16 hex digits of the SHA-256 of the raw 32-byte public key, so a consumer
holding several trusted keys (during a rotation) knows which one to check with. The signature is plain
Ed25519 (RFC 8032) over the file's bytes: `openssl pkeyutl -verify -rawin` checks it as well as
`antifraud verify` does (docs/signing.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from blocklists.errors import BlocklistError

SIGNATURE_SUFFIX = ".sig"
FORMAT_VERSION = "1"
ALGORITHM = "ed25519"
PRIVATE_MODE = 0o600


class SigningError(BlocklistError):
    """A key that cannot be read or written; the message names the file and why."""

    code = "signing"


class BadSignature(BlocklistError):  # noqa: N818 - names the condition
    """A signature that does not vouch for the file: malformed, by an untrusted key, or not matching."""

    code = "bad_signature"


@dataclass(frozen=True, slots=True)
class Signature:
    key_id: str
    value: bytes  # 64 bytes

    def to_text(self) -> str:
        return (
            f"antifraud-signature: {FORMAT_VERSION}\n"
            f"algorithm: {ALGORITHM}\n"
            f"key-id: {self.key_id}\n"
            f"signature: {base64.b64encode(self.value).decode('ascii')}\n"
        )

    def to_bytes(self) -> bytes:
        return self.to_text().encode("ascii")


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(data: bytes, private_key: Ed25519PrivateKey) -> Signature:
    return Signature(key_id(private_key.public_key()), private_key.sign(data))


def parse_signature(text: str | bytes) -> Signature:
    try:
        lines = (text.decode("ascii") if isinstance(text, bytes) else text).splitlines()
    except UnicodeDecodeError as exc:
        raise BadSignature("the signature file is not ASCII text") from exc
    fields: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise BadSignature(f"signature line {number} is not `name: value`")
        fields[name.strip()] = value.strip()
    if fields.get("antifraud-signature") != FORMAT_VERSION:
        raise BadSignature(f"not an antifraud signature of format {FORMAT_VERSION} (no `antifraud-signature: 1` line)")
    if fields.get("algorithm") != ALGORITHM:
        raise BadSignature(f"signature algorithm {fields.get('algorithm')!r} is not {ALGORITHM}")
    kid = fields.get("key-id", "")
    if len(kid) != 16 or any(c not in "0123456789abcdef" for c in kid):
        raise BadSignature(f"signature key-id {kid[:40]!r} is not 16 lower-case hex digits")
    try:
        raw = base64.b64decode(fields.get("signature", ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadSignature("the signature is not base64") from exc
    if len(raw) != 64:
        raise BadSignature(f"the signature has {len(raw)} bytes; Ed25519 signatures have 64")
    return Signature(kid, raw)


def verify(data: bytes, signature: Signature, trusted: Iterable[Ed25519PublicKey]) -> str:
    """The id of the trusted key that made `signature` over `data`; BadSignature otherwise."""
    keys = {key_id(k): k for k in trusted}
    key = keys.get(signature.key_id)
    if key is None:
        known = ", ".join(sorted(keys)) or "none"
        raise BadSignature(f"signed by key {signature.key_id}, which is not trusted (trusted: {known})")
    try:
        key.verify(signature.value, data)
    except InvalidSignature:
        raise BadSignature(f"the signature by key {signature.key_id} does not match the file's contents") from None
    return signature.key_id


# keys on disk ------------------------------------------------------------------------------------
def create_key_pair(directory: Path) -> tuple[Path, Path, str]:
    """A new key: `antifraud-signing-<id>.pem` (private, mode 0600) and `.pub.pem` beside it."""
    private = Ed25519PrivateKey.generate()
    kid = key_id(private.public_key())
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / f"antifraud-signing-{kid}.pem"
    public_path = directory / f"antifraud-signing-{kid}.pub.pem"
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        # O_EXCL: never overwrite a key; the mode is set at creation, so the secret is never readable by others
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        public_path.write_bytes(
            private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    except OSError as exc:
        raise SigningError(f"cannot write the key pair into {directory}: {exc.strerror}") from exc
    return private_path, public_path, kid


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read the signing key {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read the public key {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{path} is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path} holds a {type(key).__name__}, not an Ed25519 public key")
    return key


def verify_file(path: Path, signature_path: Path | None, public_keys: Iterable[Path]) -> str:
    """`antifraud verify`: the key id that vouches for the file; SigningError or BadSignature otherwise."""
    signature_path = signature_path or path.with_name(path.name + SIGNATURE_SUFFIX)
    trusted = [load_public_key(p) for p in public_keys]
    if not trusted:
        raise SigningError("no trusted public key given (--public-key FILE, once per trusted key)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        signature_text = signature_path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read the signature {signature_path}: {exc.strerror}") from exc
    return verify(data, parse_signature(signature_text), trusted)
