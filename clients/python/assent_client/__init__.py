"""assent_client: a client for Assent nodes (docs/clients.md).

Keys, statement builders with commitments and disclosures, RFC 8785 canonical JSON, signing
with the `assent/statement/v1\\n` domain, submission, and offline verification of receipts
(C2SP tlog-proof bound to the statement), checkpoints (C2SP signed notes) and RFC 9162 proofs.
"""

from .canonical import CanonicalJSONError, canonical_bytes, parse
from .identifiers import IdentifierError, normal_party_id, normal_work_id
from .keys import KeyError_, SigningKey, VerifierKey
from .node import Logged, Node, Problem
from .proofs import (Checkpoint, Receipt, SignedNote, VerificationError, leaf_hash, node_hash, root_from_inclusion,
                     verify_consistency, verify_inclusion)
from .statements import (Committer, Disclosure, SignedStatement, commitment_digest, enrollment, erasure, mandate,
                         preference, sign, timestamp, verify_disclosure)

__all__ = [
    "CanonicalJSONError", "canonical_bytes", "parse", "IdentifierError", "normal_party_id", "normal_work_id", "KeyError_", "SigningKey", "VerifierKey", "Logged", "Node",
    "Problem", "Checkpoint", "Receipt", "SignedNote", "VerificationError", "leaf_hash", "node_hash",
    "root_from_inclusion", "verify_consistency", "verify_inclusion", "Committer", "Disclosure", "SignedStatement",
    "commitment_digest", "enrollment", "erasure", "mandate", "preference", "sign", "timestamp", "verify_disclosure",
]
