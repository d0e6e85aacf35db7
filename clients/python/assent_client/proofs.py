"""Offline checks: RFC 9162 Merkle proofs, C2SP signed notes and checkpoints, and tlog-proof
receipts bound to the statement they prove (docs/protocol.md §4, §8)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Sequence

from .canonical import CanonicalJSONError, canonical_bytes, parse
from .keys import KeyError_, VerifierKey, b64, b64decode_strict, verify_ed25519

RECEIPT_HEADER = "c2sp.org/tlog-proof@v1"


class VerificationError(ValueError):
    """A proof, note, checkpoint or receipt that does not verify; says which check failed."""


# ---- RFC 9162 §2.1 ----

def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root an inclusion proof leads to."""
    if not 0 <= index < size:
        raise VerificationError(f"leaf index {index} is not in a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("inclusion proof is longer than the tree needs")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof is shorter than the tree needs")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise VerificationError(f"inclusion proof of leaf {index} in a tree of {size} does not lead to the root")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2."""
    if not 0 < old_size <= new_size:
        raise VerificationError(f"no consistency proof from {old_size} to {new_size}")
    if old_size == new_size:
        if proof:
            raise VerificationError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise VerificationError("equal sizes with different roots")
        return
    if not proof:
        raise VerificationError("empty consistency proof")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof is longer than the trees need")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("consistency proof is shorter than the trees need")
    if fr != old_root:
        raise VerificationError(f"consistency proof does not lead to the root of size {old_size}")
    if sr != new_root:
        raise VerificationError(f"consistency proof does not lead to the root of size {new_size}")


# ---- C2SP signed-note and tlog-checkpoint ----

@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes


@dataclass(frozen=True)
class SignedNote:
    text: str
    signatures: tuple

    @classmethod
    def parse(cls, note: str) -> "SignedNote":
        if not note.endswith("\n"):
            raise VerificationError("signed note does not end in a newline")
        if any(ord(c) < 0x20 and c != "\n" for c in note):
            raise VerificationError("control character in signed note")
        cut = note.rfind("\n\n", 0, len(note) - 1)
        if cut < 0:
            raise VerificationError("signed note has no blank line before its signatures")
        text, block = note[: cut + 1], note[cut + 2:]
        sigs = []
        for line in block.split("\n")[:-1]:
            if not line.startswith("— "):
                raise VerificationError(f"signature line does not start with an em dash and a space: {line!r}")
            name, _, sig_b64 = line[2:].rpartition(" ")
            try:
                raw = b64decode_strict(sig_b64, "signature")
            except KeyError_ as e:
                raise VerificationError(str(e)) from e
            if len(raw) <= 4:
                raise VerificationError(f"signature line too short: {line!r}")
            sigs.append(NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:]))
        if not sigs:
            raise VerificationError("signed note has no signatures")
        return cls(text, tuple(sigs))

    def verify(self, keys: Sequence[VerifierKey]) -> list[VerifierKey]:
        """signed-note §Signatures: unknown keys are ignored, a known key whose signature fails
        rejects the note, and at least one known key must have signed."""
        verified = []
        for s in self.signatures:
            for k in keys:
                if k.name == s.name and k.key_id == s.key_id and k.key_type == 0x01:
                    if not verify_ed25519(k.public_key, s.signature, self.text.encode("utf-8")):
                        raise VerificationError(f"signature by {k.name} does not verify")
                    if k not in verified:
                        verified.append(k)
        if not verified:
            raise VerificationError(f"no signature by a known key (signed by: {', '.join(s.name for s in self.signatures)})")
        return verified


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    @classmethod
    def parse_text(cls, text: str) -> "Checkpoint":
        lines = text.split("\n")
        if not text.endswith("\n") or len(lines) != 4:
            raise VerificationError("checkpoint must be exactly origin, size and root lines (no extension lines)")
        origin, size_text, root_text = lines[:3]
        if not origin:
            raise VerificationError("checkpoint has an empty origin")
        if not size_text.isdigit() or str(int(size_text)) != size_text:
            raise VerificationError(f"checkpoint size {size_text!r} is not a decimal without leading zeros")
        try:
            root = b64decode_strict(root_text, "checkpoint root")
        except KeyError_ as e:
            raise VerificationError(str(e)) from e
        if len(root) != 32:
            raise VerificationError("checkpoint root is not 32 bytes")
        return cls(origin, int(size_text), root)

    @classmethod
    def verified(cls, note: str, log_key: VerifierKey | str) -> "Checkpoint":
        """Parses a signed checkpoint and checks it is signed by `log_key`, whose name must be its origin."""
        key = VerifierKey.parse(log_key) if isinstance(log_key, str) else log_key
        signed = SignedNote.parse(note)
        checkpoint = cls.parse_text(signed.text)
        if checkpoint.origin != key.name:
            raise VerificationError(f"checkpoint origin {checkpoint.origin!r} is not the log {key.name!r}")
        signed.verify([key])
        return checkpoint


# ---- receipts ----

@dataclass(frozen=True)
class Receipt:
    """A C2SP tlog-proof@v1 text whose `extra` carries the leaf's prev and time."""

    index: int
    prev: bytes
    time: str
    proof: tuple
    checkpoint: str

    @classmethod
    def parse(cls, text: str) -> "Receipt":
        blank = text.find("\n\n")
        if blank < 0:
            raise VerificationError("receipt: no empty line before the checkpoint")
        head, checkpoint = text[:blank].split("\n"), text[blank + 2:]
        if head[0] != RECEIPT_HEADER:
            raise VerificationError(f"receipt line 1 must be {RECEIPT_HEADER}")
        if len(head) < 3 or not head[1].startswith("extra ") or not head[2].startswith("index "):
            raise VerificationError("receipt lines 2 and 3 must be `extra <base64>` and `index <N>`")
        try:
            extra = parse(b64decode_strict(head[1][6:], "receipt extra"), require_canonical=True)
        except (KeyError_, CanonicalJSONError) as e:
            raise VerificationError(f"receipt line 2: {e}") from e
        if not isinstance(extra, dict) or set(extra) != {"prev", "time"}:
            raise VerificationError('receipt line 2: extra must be {"prev", "time"}')
        index_text = head[2][6:]
        if not index_text.isdigit() or str(int(index_text)) != index_text:
            raise VerificationError(f"receipt line 3: index {index_text!r} is not a decimal without leading zeros")
        try:
            prev = b64decode_strict(extra["prev"], "receipt prev")
            proof = tuple(b64decode_strict(h, f"receipt line {n + 4}") for n, h in enumerate(head[3:]))
        except KeyError_ as e:
            raise VerificationError(str(e)) from e
        if len(prev) != 32 or any(len(h) != 32 for h in proof):
            raise VerificationError("receipt hashes must be 32 bytes")
        return cls(int(index_text), prev, extra["time"], proof, checkpoint)

    def leaf_bytes(self, signed_statement: dict, origin: str) -> bytes:
        """The log leaf rebuilt around the statement (PROTOCOL §4)."""
        return canonical_bytes({"entry": signed_statement, "index": self.index, "log": origin,
                                "prev": b64(self.prev), "time": self.time, "v": 1})

    def verify(self, signed_statement: dict, log_key: VerifierKey | str) -> Checkpoint:
        """Checks that `signed_statement` ({"sig", "statement"}) is logged: the checkpoint is signed
        by the log key, and the leaf rebuilt around the statement is included under its root."""
        checkpoint = Checkpoint.verified(self.checkpoint, log_key)
        if self.index >= checkpoint.size:
            raise VerificationError(f"receipt index {self.index} is not in the checkpoint's tree of {checkpoint.size}")
        leaf = leaf_hash(self.leaf_bytes(signed_statement, checkpoint.origin))
        try:
            verify_inclusion(self.index, checkpoint.size, leaf, self.proof, checkpoint.root)
        except VerificationError as e:
            raise VerificationError(f"receipt does not prove this statement: {e}") from e
        return checkpoint


def decode_hash(text: str) -> bytes:
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise VerificationError("hash is not 32 bytes")
    return raw
