"""Ed25519 keys: generation, the CLI's key files, and C2SP signed-note verifier keys.

Key files (Sources/AssentStore/KeyFile.swift) hold the Go `note` private key text
`PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || 32-byte seed)>`, mode 0600, with the verifier
key `<name>+<hex key id>+<base64(0x01 || public key)>` beside it in `<name>.pub`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ED25519_NOTE_TYPE = 0x01


class KeyError_(ValueError):
    """A key, key file or verifier key that cannot be used; says what and where."""


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard base64 with padding, no white space, unused bits zero: the one spelling a node accepts."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as e:
        raise KeyError_(f"{what}: not standard base64: {e}") from e
    if base64.b64encode(raw).decode("ascii") != text:
        raise KeyError_(f"{what}: not the canonical base64 spelling (padding, unused bits)")
    return raw


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def note_key_id(name: str, public_key: bytes, key_type: int = ED25519_NOTE_TYPE) -> int:
    """signed-note key ID: SHA-256(name || 0x0A || type || public key)[:4], big-endian."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _check_note_name(name: str, where: str) -> None:
    if not name or any(c == "+" or c.isspace() or ord(c) < 0x20 for c in name):
        raise KeyError_(f"{where}: bad key name {name!r}: must be non-empty with no spaces or '+'")


def verify_ed25519(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


@dataclass(frozen=True)
class VerifierKey:
    """A signed-note verifier key, e.g. a log key: `<name>+<hex key id>+<base64(type || key)>`."""

    name: str
    key_type: int
    public_key: bytes

    @property
    def key_id(self) -> int:
        return note_key_id(self.name, self.public_key, self.key_type)

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{b64(bytes([self.key_type]) + self.public_key)}"

    @classmethod
    def parse(cls, text: str) -> "VerifierKey":
        text = text.strip()
        # The base64 part may itself contain '+': split off only the name and the key ID.
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise KeyError_(f"verifier key {text!r}: expected name+keyid+key")
        name, hex_id, material_b64 = parts
        _check_note_name(name, f"verifier key {text!r}")
        if len(hex_id) != 8 or hex_id != hex_id.lower() or any(c not in "0123456789abcdef" for c in hex_id):
            raise KeyError_(f"verifier key {text!r}: key ID must be 8 lower-case hex digits")
        material = b64decode_strict(material_b64, f"verifier key {text!r}")
        if len(material) != 33:
            raise KeyError_(f"verifier key {text!r}: key must be a type byte and 32 bytes")
        key = cls(name=name, key_type=material[0], public_key=material[1:])
        if key.key_id != int(hex_id, 16):
            raise KeyError_(f"verifier key {text!r}: key ID {hex_id} does not match the key (expected {key.key_id:08x})")
        return key


class SigningKey:
    """An Ed25519 signing key (RFC 8032), with an optional name for its key file."""

    def __init__(self, seed: bytes, name: str = "key"):
        if len(seed) != 32:
            raise KeyError_(f"an Ed25519 seed is 32 bytes, found {len(seed)}")
        self._key = Ed25519PrivateKey.from_private_bytes(bytes(seed))
        self.seed = bytes(seed)
        self.name = name
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @classmethod
    def generate(cls, name: str = "key") -> "SigningKey":
        key = Ed25519PrivateKey.generate()
        return cls(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()), name)

    @property
    def public_key_b64(self) -> str:
        """The key as statements name it (`by`, `party`): standard base64 of 32 bytes."""
        return b64(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    @property
    def verifier_key(self) -> VerifierKey:
        return VerifierKey(self.name, ED25519_NOTE_TYPE, self.public_key)

    def private_key_text(self) -> str:
        key_id = note_key_id(self.name, self.public_key)
        return f"PRIVATE+KEY+{self.name}+{key_id:08x}+{b64(bytes([ED25519_NOTE_TYPE]) + self.seed)}"

    @classmethod
    def parse(cls, text: str) -> "SigningKey":
        parts = text.rstrip("\r\n").split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise KeyError_("private key: expected PRIVATE+KEY+name+keyid+key")
        _, _, name, hex_id, material_b64 = parts
        _check_note_name(name, "private key")
        material = b64decode_strict(material_b64, "private key")
        if len(material) != 33 or material[0] != ED25519_NOTE_TYPE:
            raise KeyError_("private key: key material must be base64 of 0x01 and a 32-byte Ed25519 seed")
        key = cls(material[1:], name)
        expected = f"{note_key_id(name, key.public_key):08x}"
        if hex_id != expected:
            raise KeyError_(f"private key: key ID {hex_id} does not match the key (expected {expected})")
        return key

    @classmethod
    def load(cls, path: str) -> "SigningKey":
        """Reads a key file written by `assent keygen` (or a node's log.key / operator.key),
        refusing one that others can read, as the CLI does."""
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError as e:
            raise KeyError_(f"cannot read key {path}: {e.strerror}") from e
        if mode & 0o077:
            raise KeyError_(f"key file {path} has mode {mode:o}; private keys must be 0600 (chmod 600 {path})")
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
        try:
            return cls.parse(text)
        except KeyError_ as e:
            raise KeyError_(f"{path}: {e}") from e

    def save(self, path: str) -> None:
        """Writes the key file (mode 0600, never overwriting) and its `.pub` verifier key."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self.private_key_text() + "\n")
        pub = path[:-4] + ".pub" if path.endswith(".key") else path + ".pub"
        with open(pub, "w", encoding="utf-8") as f:
            f.write(str(self.verifier_key) + "\n")
