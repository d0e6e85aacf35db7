"""HTTP access to a node (docs/openapi.yaml): submit, read the checkpoint, proofs, node info.

Standard library only (urllib). Every refusal is an RFC 9457 problem, raised as `Problem`.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .canonical import CanonicalJSONError, canonical_bytes
from .keys import VerifierKey
from .proofs import Checkpoint, Receipt, VerificationError, decode_hash, verify_consistency, verify_inclusion
from .statements import Disclosure, SignedStatement, verify_disclosure


class Problem(Exception):
    """A node's refusal: `reason` is the `<reason>` of `urn:assent:problem:<reason>`."""

    def __init__(self, status: int, body: dict, retry_after: Optional[str] = None):
        self.status = status
        self.body = body
        self.type = body.get("type", "")
        self.reason = self.type.rsplit(":", 1)[-1] if self.type.startswith("urn:assent:problem:") else self.type
        self.detail = body.get("detail", "")
        self.retry_after = retry_after
        super().__init__(f"{status} {self.reason}: {self.detail}")


@dataclass(frozen=True)
class Logged:
    """A statement the node logged, with its receipt verified against the statement sent."""

    index: int
    statement_hash: bytes
    receipt: Receipt
    checkpoint: Checkpoint


class Node:
    def __init__(self, url: str, log_key: VerifierKey | str, timeout: float = 60.0):
        """`log_key` is the log's verifier key as the federation file lists it: a receipt or
        checkpoint is believed only when signed by it, never because the node says so."""
        self.url = url.rstrip("/")
        self.log_key = VerifierKey.parse(log_key) if isinstance(log_key, str) else log_key
        self.timeout = timeout

    # ---- raw HTTP ----

    def _request(self, method: str, path: str, body: Optional[bytes] = None) -> tuple[int, dict, bytes]:
        req = urllib.request.Request(self.url + path, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            data = e.read()
            try:
                problem = json.loads(data)
            except ValueError:
                problem = {"type": "", "detail": data.decode("utf-8", "replace")}
            raise Problem(e.code, problem, e.headers.get("Retry-After")) from None

    def get_json(self, path: str) -> Any:
        return json.loads(self._request("GET", path)[2])

    # ---- reads ----

    def info(self) -> dict:
        """GET /v1/node: origin, keys, version and limits. Informational: trust comes from the
        federation file, not from this reply."""
        return self.get_json("/v1/node")

    def checkpoint(self) -> Checkpoint:
        """The latest checkpoint, verified against the log key."""
        note = self._request("GET", "/checkpoint")[2].decode("utf-8")
        return Checkpoint.verified(note, self.log_key)

    def check_consistency(self, old: Checkpoint, new: Checkpoint) -> None:
        """Checks that `new` extends `old` (RFC 9162 consistency proof from the node)."""
        if old.size == new.size:
            if old.root != new.root:
                raise VerificationError(f"two checkpoints of size {old.size} with different roots: a fork")
            return
        reply = self.get_json(f"/v1/proof/consistency?old={old.size}&new={new.size}")
        verify_consistency(old.size, new.size, old.root, new.root, [decode_hash(h) for h in reply["hashes"]])

    def check_inclusion(self, index: int, leaf_hash: bytes, checkpoint: Checkpoint) -> None:
        reply = self.get_json(f"/v1/proof/inclusion?index={index}&size={checkpoint.size}")
        if decode_hash(reply["leafHash"]) != leaf_hash:
            raise VerificationError(f"the node's leaf {index} is not the expected leaf")
        verify_inclusion(index, checkpoint.size, leaf_hash, [decode_hash(h) for h in reply["hashes"]], checkpoint.root)

    def statement(self, statement_hash: bytes | str) -> dict:
        """GET /v1/statements/{hash}: a logged statement, its receipt, its disclosures and whether
        an erasure deleted them. `statement_hash` is the 32-byte hash or its 64 hex digits.

        Nothing in the reply is taken on the node's word: the statement must hash to the hash
        asked for and carry a valid signature, its receipt must verify against it and the log
        key, and each disclosure must match the commitment it names. Any failure raises
        `VerificationError`. Returns the reply (a dict) with `checkpoint` added: the verified
        checkpoint the receipt is under."""
        if isinstance(statement_hash, str):
            try:
                raw = bytes.fromhex(statement_hash)
            except ValueError:
                raw = b""
            if len(raw) != 32 or raw.hex() != statement_hash.lower():
                raise ValueError(f"a statement hash is 64 hex digits, not {statement_hash[:80]!r}")
            statement_hash = raw
        if len(statement_hash) != 32:
            raise ValueError(f"a statement hash is 32 bytes, not {len(statement_hash)}")
        reply = self.get_json(f"/v1/statements/{statement_hash.hex()}")
        return verify_statement_reply(reply, statement_hash, self.log_key)

    # ---- submission ----

    def _logged(self, signed: SignedStatement, reply: dict) -> Logged:
        receipt = Receipt.parse(reply["receipt"])
        checkpoint = receipt.verify(signed.json, self.log_key)
        if decode_hash(reply["statementHash"]) != signed.hash or reply["index"] != receipt.index:
            raise VerificationError("the reply's statementHash or index does not match the statement and its receipt")
        return Logged(receipt.index, signed.hash, receipt, checkpoint)

    def submit(self, signed: SignedStatement) -> Logged:
        """Submits one statement; returns it logged, its receipt verified, or raises `Problem`."""
        _, _, body = self._request("POST", "/v1/statements", signed.submission_bytes())
        return self._logged(signed, json.loads(body))

    def submit_batch(self, statements: Sequence[SignedStatement]) -> list:
        """Submits up to 1,000 statements in one request. Returns, in order, a `Logged` (receipt
        verified) or a `Problem` for each: one refusal does not sink the batch."""
        body = b"[" + b",".join(canonical_bytes(s.submission()) for s in statements) + b"]"
        _, _, reply = self._request("POST", "/v1/statements", body)
        results = json.loads(reply)["results"]
        if len(results) != len(statements):
            raise VerificationError(f"{len(results)} results for {len(statements)} statements")
        out: list = []
        for signed, item in zip(statements, results):
            if "problem" in item:
                out.append(Problem(item["problem"].get("status", 0), item["problem"]))
            else:
                out.append(self._logged(signed, item))
        return out


def verify_statement_reply(reply: Any, statement_hash: bytes, log_key: VerifierKey) -> dict:
    """Checks a `GET /v1/statements/{hash}` reply as `Node.statement` does; raises `VerificationError`."""
    if not isinstance(reply, dict) or not isinstance(reply.get("statement"), dict):
        raise VerificationError("the reply has no statement object")
    logged = reply["statement"]
    if set(logged) != {"sig", "statement"}:
        raise VerificationError('the reply\'s statement is not {"sig", "statement"}')
    try:
        signed = SignedStatement(logged["statement"], base64.b64decode(logged["sig"], validate=True))
        actual = signed.hash
    except (ValueError, TypeError, CanonicalJSONError) as e:
        raise VerificationError(f"the reply's statement cannot be read: {e}") from e
    if actual != statement_hash:
        raise VerificationError(f"the node answered statement {actual.hex()} for {statement_hash.hex()}")
    if not signed.verify_signature():
        raise VerificationError("the statement's signature does not verify against its `by`")
    if not isinstance(reply.get("receipt"), str):
        raise VerificationError("the reply has no receipt")
    receipt = Receipt.parse(reply["receipt"])
    checkpoint = receipt.verify(signed.json, log_key)
    if reply.get("index") != receipt.index:
        raise VerificationError(f"the reply's index {reply.get('index')!r} is not the receipt's {receipt.index}")
    disclosures = reply.get("disclosures", [])
    if not isinstance(disclosures, list):
        raise VerificationError("disclosures is not an array")
    for i, item in enumerate(disclosures):
        try:
            d = Disclosure.from_json(item)
        except (KeyError, TypeError, ValueError) as e:
            raise VerificationError(f"disclosures[{i}] cannot be read: {e}") from e
        try:
            matches = verify_disclosure(signed.statement, d)
        except ValueError:  # a salt that is not 16 bytes commits to nothing
            matches = False
        if not matches:
            raise VerificationError(f"disclosures[{i}] ({d.field}) does not match the statement's commitment there")
    return dict(reply, checkpoint=checkpoint)
