"""Statement builders, commitments and disclosures, and signing (docs/statements.md).

A statement is a dict; `sign` returns a `SignedStatement` holding the canonical bytes a node
logs (`{"sig": …, "statement": …}`), its hash, and the disclosures that travel beside it.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence

from .canonical import canonical_bytes, parse
from .identifiers import normal_party_id, normal_work_id
from .keys import SigningKey, b64, verify_ed25519

STATEMENT_DOMAIN = b"assent/statement/v1\n"
COMMIT_DOMAIN = b"assent/commit\n"
SALT_BYTES = 16
MAX_STATEMENT_BYTES = 64 * 1024 - 1024


def timestamp(when: Optional[_dt.datetime] = None) -> str:
    """RFC 3339 UTC with exactly three fraction digits, the one spelling a node accepts."""
    when = when or _dt.datetime.now(_dt.timezone.utc)
    when = when.astimezone(_dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


# ---- commitments (format of issue 9) ----

def commitment_digest(salt: bytes, text: str) -> bytes:
    """SHA-256("assent/commit\\n" || salt || UTF-8 text): the text byte for byte, no normalization."""
    if len(salt) != SALT_BYTES:
        raise ValueError(f"a commitment salt is exactly {SALT_BYTES} bytes, found {len(salt)}")
    return hashlib.sha256(COMMIT_DOMAIN + salt + text.encode("utf-8")).digest()


@dataclass(frozen=True)
class Disclosure:
    """The clear text of one commitment, beside the signed statement: `field` is an RFC 6901
    JSON Pointer into the statement (`/name`, `/ids/0`, `/conditions/credit`, `/note`)."""

    field: str
    salt: bytes
    text: str

    @property
    def json(self) -> dict:
        return {"field": self.field, "salt": b64(self.salt), "text": self.text}

    @property
    def commitment(self) -> dict:
        return {"commit": b64(commitment_digest(self.salt, self.text))}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "Disclosure":
        return cls(value["field"], base64.b64decode(value["salt"], validate=True), value["text"])


class Committer:
    """Makes commitments for one statement, recording a disclosure for each. A fresh salt from
    the operating system's CSPRNG per field (format.md); `salts` may supply fixed ones for tests."""

    def __init__(self, salts: Optional[Iterable[bytes]] = None):
        self._salts = iter(salts) if salts is not None else None
        self.disclosures: list[Disclosure] = []

    def commit(self, pointer: str, text: str) -> dict:
        salt = next(self._salts) if self._salts is not None else os.urandom(SALT_BYTES)
        d = Disclosure(pointer, salt, text)
        self.disclosures.append(d)
        return d.commitment


def verify_disclosure(statement: Mapping[str, Any], disclosure: Disclosure) -> bool:
    """True when the disclosure's text and salt hash to the commitment its pointer names."""
    target: Any = statement
    for token in disclosure.field.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(target, list):
            if not token.isdigit() or int(token) >= len(target):
                return False
            target = target[int(token)]
        elif isinstance(target, dict) and token in target:
            target = target[token]
        else:
            return False
    return isinstance(target, dict) and target == disclosure.commitment


# ---- builders ----

def preference(by: SigningKey | str, work: str, usage: Mapping[str, bool | str], *, audience: str = "*",
               issued: Optional[str] = None, credit: Optional[str] = None, terms: Optional[str] = None,
               purpose: Optional[str] = None, expires: Optional[str] = None, note: Optional[str] = None,
               committer: Optional[Committer] = None) -> tuple[dict, list[Disclosure]]:
    """A preference. `usage` maps category → True/False (or "y"/"n"). `credit` and `note` are
    committed (only their commitments are signed and logged); returns the statement and the
    disclosures to send beside it."""
    c = committer or Committer()
    s: dict[str, Any] = {
        "type": "preference", "by": _key_text(by), "issued": issued or timestamp(), "work": normal_work_id(work),
        "audience": audience, "usage": {k: (v if isinstance(v, str) else ("y" if v else "n")) for k, v in usage.items()},
    }
    conditions: dict[str, Any] = {}
    if credit is not None:
        conditions["credit"] = c.commit("/conditions/credit", credit)
    if terms is not None:
        conditions["terms"] = terms
    if purpose is not None:
        conditions["purpose"] = purpose
    if conditions:
        s["conditions"] = conditions
    if expires is not None:
        s["expires"] = expires
    if note is not None:
        s["note"] = c.commit("/note", note)
    return s, c.disclosures


def enrollment(by: SigningKey | str, party: SigningKey | str, role: str, *, name: Optional[str] = None,
               ids: Sequence[str] = (), community: Optional[Mapping[str, Any]] = None, active: bool = True,
               issued: Optional[str] = None, committer: Optional[Committer] = None) -> tuple[dict, list[Disclosure]]:
    """An enrollment, signed by a society's operator key. `name` and each of `ids` are committed."""
    c = committer or Committer()
    s: dict[str, Any] = {
        "type": "enrollment", "by": _key_text(by), "issued": issued or timestamp(), "party": _key_text(party),
        "role": role, "status": "active" if active else "revoked",
    }
    if name is not None:
        s["name"] = c.commit("/name", name)
    if ids:
        s["ids"] = [c.commit(f"/ids/{i}", normal_party_id(text)) for i, text in enumerate(ids)]
    if community is not None:
        s["community"] = {"name": community["name"], "projects": list(community.get("projects", []))}
    return s, c.disclosures


def mandate(by: SigningKey | str, party: SigningKey | str, works: Sequence[str], role: str, *,
            labels: Optional[Sequence[str]] = None, active: bool = True, issued: Optional[str] = None) -> dict:
    """A mandate over works, signed by a society's operator key. Carries no personal data."""
    s: dict[str, Any] = {
        "type": "mandate", "by": _key_text(by), "issued": issued or timestamp(), "party": _key_text(party),
        "works": [normal_work_id(w) for w in works], "role": role, "status": "active" if active else "revoked",
    }
    if labels is not None:
        s["labels"] = list(labels)
    return s


def erasure(by: SigningKey | str, erases: bytes, *, issued: Optional[str] = None) -> dict:
    """An erasure of a logged statement's disclosures; `erases` is its 32-byte statement hash."""
    if len(erases) != 32:
        raise ValueError("erases is a 32-byte statement hash")
    return {"type": "erasure", "by": _key_text(by), "issued": issued or timestamp(), "erases": b64(erases)}


def _key_text(key: SigningKey | str) -> str:
    return key.public_key_b64 if isinstance(key, SigningKey) else key


# ---- signing ----

@dataclass(frozen=True)
class SignedStatement:
    statement: dict
    sig: bytes
    disclosures: tuple = field(default=())

    @property
    def json(self) -> dict:
        """What is logged: `{"sig", "statement"}`; disclosures are never part of it."""
        return {"sig": b64(self.sig), "statement": self.statement}

    @property
    def canonical(self) -> bytes:
        return canonical_bytes(self.json)

    @property
    def hash(self) -> bytes:
        """SHA-256 of the canonical signed statement: its identity, independent of disclosures."""
        return hashlib.sha256(self.canonical).digest()

    @property
    def hash_hex(self) -> str:
        return self.hash.hex()

    def submission(self) -> dict:
        """The object to POST: the signed statement, with its disclosures when it has any."""
        body = self.json
        if self.disclosures:
            body = dict(body, disclosures=[d.json for d in self.disclosures])
        return body

    def submission_bytes(self) -> bytes:
        return canonical_bytes(self.submission())

    def verify_signature(self) -> bool:
        key = base64.b64decode(self.statement["by"], validate=True)
        return verify_ed25519(key, self.sig, STATEMENT_DOMAIN + canonical_bytes(self.statement))

    @classmethod
    def parse(cls, data: bytes | str) -> "SignedStatement":
        value = parse(data)
        disclosures = tuple(Disclosure.from_json(d) for d in value.get("disclosures", []))
        return cls(value["statement"], base64.b64decode(value["sig"], validate=True), disclosures)


def sign(statement: Mapping[str, Any] | tuple, key: SigningKey,
         disclosures: Sequence[Disclosure] = ()) -> SignedStatement:
    """Signs with `key` over `assent/statement/v1\\n` || canonical statement. Accepts a builder's
    (statement, disclosures) pair as it is."""
    if isinstance(statement, tuple):
        statement, disclosures = statement
    if statement.get("by") != key.public_key_b64:
        raise ValueError("the statement's `by` is not the signing key")
    body = dict(statement)
    signed = SignedStatement(body, key.sign(STATEMENT_DOMAIN + canonical_bytes(body)), tuple(disclosures))
    size = len(signed.canonical)
    if size > MAX_STATEMENT_BYTES:
        raise ValueError(f"statement is {size} bytes, the limit is {MAX_STATEMENT_BYTES}")
    return signed
