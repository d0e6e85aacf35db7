"""Offline tests of assent_client against published vectors and the repository's fixtures."""

import base64
import glob
import hashlib
import json
import os
import re
import stat

import pytest

import assent_client as ac
from assent_client.proofs import VerificationError

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FIXTURES = os.path.join(REPO, "Tests", "AssentCoreTests", "Fixtures")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ---- canonical JSON (RFC 8785) ----

def test_canonical_sorts_members_by_utf16_code_units():
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB01 (one unit, FB01) in
    # UTF-16 although its code point is larger: sorting by code points would get this wrong.
    value = {"\ufb01": 1, "\U0001F600": 2, "a": 3, "B": 4}
    assert ac.canonical_bytes(value) == '{"B":4,"a":3,"\U0001F600":2,"\ufb01":1}'.encode("utf-8")


def test_canonical_escapes_as_rfc8785():
    assert ac.canonical_bytes("\u0001\b\t\n\f\r\"\\/\u007f€") == b'"\\u0001\\b\\t\\n\\f\\r\\"\\\\/\x7f\xe2\x82\xac"'


def test_canonical_refuses_what_a_node_refuses():
    for bad in (None, 1.5, 2**53, {"a": [None]}):
        with pytest.raises(ac.CanonicalJSONError):
            ac.canonical_bytes(bad)
    with pytest.raises(ac.CanonicalJSONError):
        ac.parse(b'{"a":1,"a":2}')
    with pytest.raises(ac.CanonicalJSONError):
        ac.parse(b'{"b":1, "a":2}', require_canonical=True)
    assert ac.parse(b'{"a":2,"b":1}', require_canonical=True) == {"a": 2, "b": 1}


# ---- commitments (format of issue 9: its vectors) ----

def test_commitment_vectors():
    salt = bytes(range(16))
    assert base64.b64encode(salt).decode() == "AAECAwQFBgcICQoLDA0ODw=="
    assert ac.Disclosure("/name", salt, "Alice Example").commitment == {"commit": "rpRfAADKRSpUlm1G05zYwWPRipa2L1zEUYYUdOZtZeU="}
    # The text is hashed as its UTF-8 bytes with no normalization: Zoë is 5a 6f c3 ab.
    assert "Zoë".encode() == bytes.fromhex("5a6fc3ab")
    assert ac.Disclosure("/name", salt, "Zoë").commitment == {"commit": "Oi2IBKJcFDSKigno/8IF7pis0Fy4Z8lUpwrV/sIDHaI="}
    # "Zoe" + U+0308 is canonically equivalent but not the same bytes, so not the same commitment.
    assert ac.Disclosure("/name", salt, "Zoe\u0308").commitment != ac.Disclosure("/name", salt, "Zoë").commitment


def test_enrollment_builder_commits_name_and_each_id_with_fresh_salts():
    op, member = ac.SigningKey.generate("op"), ac.SigningKey.generate("alice")
    statement, disclosures = ac.enrollment(op, member, "creator", name="Alice Example",
                                           ids=["ipi:00052210040", "isni:0000000121032683"], issued="2026-11-21T10:00:00.000Z")
    assert [d.field for d in disclosures] == ["/name", "/ids/0", "/ids/1"]
    assert set(statement["name"]) == {"commit"} and len(statement["ids"]) == 2
    assert len({d.salt for d in disclosures}) == 3
    assert all(ac.verify_disclosure(statement, d) for d in disclosures)
    signed = ac.sign((statement, disclosures), op)
    # Disclosures travel beside the statement and never change its hash.
    assert signed.hash == hashlib.sha256(ac.canonical_bytes({"sig": signed.json["sig"], "statement": statement})).digest()
    assert json.loads(signed.submission_bytes())["disclosures"][0]["text"] == "Alice Example"
    tampered = ac.Disclosure("/name", disclosures[0].salt, "Mallory")
    assert not ac.verify_disclosure(statement, tampered)
    assert not ac.verify_disclosure(statement, ac.Disclosure("/ids/7", disclosures[0].salt, "Alice Example"))


def test_fixed_salts_give_the_documented_commitment():
    key = ac.SigningKey(bytes(32), "k")
    statement, disclosures = ac.preference(key, "iswc:T0345246801", {"train-ai": False}, credit="Alice Example",
                                           committer=ac.Committer([bytes(range(16))]), issued="2026-11-21T10:00:00.000Z")
    assert statement["conditions"]["credit"] == {"commit": "rpRfAADKRSpUlm1G05zYwWPRipa2L1zEUYYUdOZtZeU="}
    assert disclosures[0].json == {"field": "/conditions/credit", "salt": "AAECAwQFBgcICQoLDA0ODw==", "text": "Alice Example"}


# ---- signing ----

def test_signature_is_over_the_domain_and_canonical_statement():
    key = ac.SigningKey(bytes([42] * 32), "creator")
    statement, _ = ac.preference(key, "local:gema.de/1", {"train-ai": False, "search": True}, issued="2026-11-21T10:00:00.000Z")
    signed = ac.sign(statement, key)
    message = b"assent/statement/v1\n" + ac.canonical_bytes(statement)
    assert ac.keys.verify_ed25519(key.public_key, signed.sig, message)
    assert signed.verify_signature()
    assert signed.canonical.startswith(b'{"sig":"') and b'"statement":{"audience":"*","by":' in signed.canonical
    # Signing with a key other than `by` is refused before anything is sent.
    with pytest.raises(ValueError):
        ac.sign(statement, ac.SigningKey.generate())


def test_timestamp_has_one_spelling():
    import datetime as dt
    assert ac.timestamp(dt.datetime(2026, 11, 21, 10, 0, 0, 123999, tzinfo=dt.timezone.utc)) == "2026-11-21T10:00:00.123Z"


# ---- keys ----

def test_key_file_of_the_go_note_vectors_loads(tmp_path):
    vectors = load(os.path.join(FIXTURES, "notes", "checkpoints-go.json"))["log"]
    key = ac.SigningKey.parse(vectors["privateKey"])
    assert key.seed.hex() == vectors["seedHex"]
    assert str(key.verifier_key) == vectors["vkey"]
    assert key.private_key_text() == vectors["privateKey"]
    path = str(tmp_path / "log.key")
    key.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ac.SigningKey.load(path).seed == key.seed
    assert open(str(tmp_path / "log.pub")).read().strip() == vectors["vkey"]
    os.chmod(path, 0o644)
    with pytest.raises(ac.KeyError_, match="0600"):
        ac.SigningKey.load(path)


def test_key_text_with_a_wrong_key_id_is_refused():
    text = load(os.path.join(FIXTURES, "notes", "checkpoints-go.json"))["log"]["privateKey"]
    parts = text.split("+")
    parts[3] = "00000000"
    with pytest.raises(ac.KeyError_, match="does not match"):
        ac.SigningKey.parse("+".join(parts))
    vkey = load(os.path.join(FIXTURES, "notes", "checkpoints-go.json"))["log"]["vkey"]
    with pytest.raises(ac.KeyError_):
        ac.VerifierKey.parse(vkey.replace("+f289d35b+", "+f289d35c+"))


# ---- checkpoints (notes signed by Go's note package) ----

def test_go_signed_checkpoints_verify_and_altered_ones_do_not():
    vectors = load(os.path.join(FIXTURES, "notes", "checkpoints-go.json"))
    for case in vectors["checkpoints"]:
        cp = ac.Checkpoint.verified(case["note"], vectors["log"]["vkey"])
        assert cp.size == case["size"] and cp.origin == "example.com/consent-log"
        altered = case["note"].replace(f"\n{case['size']}\n", f"\n{case['size'] + 1}\n", 1)
        with pytest.raises(VerificationError):
            ac.Checkpoint.verified(altered, vectors["log"]["vkey"])
    other = ac.SigningKey.generate("example.com/consent-log").verifier_key
    with pytest.raises(VerificationError, match="no signature by a known key"):
        ac.Checkpoint.verified(vectors["checkpoints"][0]["note"], other)


# ---- RFC 9162 proofs (transparency-dev vectors) ----

def _b(x):
    return base64.b64decode(x) if x is not None else None


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(FIXTURES, "merkle", "inclusion", "**", "*.json"), recursive=True)))
def test_inclusion_vectors(path):
    c = load(path)
    leaf = _b(c["leafHash"])

    def check():
        if leaf is None or len(leaf) != 32:
            raise VerificationError("leaf hash must be 32 bytes")
        ac.verify_inclusion(c["leafIdx"], c["treeSize"], leaf, [_b(h) for h in c["proof"] or []], _b(c["root"]))

    if c["wantErr"]:
        with pytest.raises(VerificationError):
            check()
    else:
        check()


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(FIXTURES, "merkle", "consistency", "**", "*.json"), recursive=True)))
def test_consistency_vectors(path):
    c = load(path)

    def check():
        ac.verify_consistency(c["size1"], c["size2"], _b(c["root1"]), _b(c["root2"]), [_b(h) for h in c["proof"] or []])

    if c["wantErr"]:
        with pytest.raises(VerificationError):
            check()
    else:
        check()


def test_fixture_vectors_were_found():
    assert len(glob.glob(os.path.join(FIXTURES, "merkle", "**", "*.json"), recursive=True)) > 100


# ---- receipts, offline: a tree built here ----

def _mth(leaves):
    if len(leaves) == 1:
        return ac.leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return ac.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _path(m, leaves):
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return _path(m, leaves[:k]) + [_mth(leaves[k:])]
    return _path(m - k, leaves[k:]) + [_mth(leaves[:k])]


def _receipt_for(signed, index, leaves_before, leaves_after, log):
    prev = ac.leaf_hash(leaves_before[-1]) if leaves_before else bytes(32)
    receipt = ac.Receipt(index, prev, "2026-11-21T10:00:00.005Z", (), "")
    leaf = receipt.leaf_bytes(signed.json, log.name)
    leaves = leaves_before + [leaf] + leaves_after
    root = _mth(leaves)
    body = f"{log.name}\n{len(leaves)}\n{base64.b64encode(root).decode()}\n"
    sig = log.sign(body.encode())
    note = body + "\n" + f"— {log.name} " + base64.b64encode(log.verifier_key.key_id.to_bytes(4, "big") + sig).decode() + "\n"
    proof = "\n".join(base64.b64encode(h).decode() for h in _path(index, leaves))
    text = (f"c2sp.org/tlog-proof@v1\nextra "
            + base64.b64encode(ac.canonical_bytes({"prev": base64.b64encode(prev).decode(), "time": receipt.time})).decode()
            + f"\nindex {index}\n" + (proof + "\n" if proof else "") + "\n" + note)
    return text


def test_receipt_proves_this_statement_and_no_other():
    log = ac.SigningKey.generate("test.assent.example/log")
    key = ac.SigningKey.generate("alice")
    signed = ac.sign(ac.preference(key, "iswc:T0345246801", {"train-ai": False}), key)
    other = ac.sign(ac.preference(key, "iswc:T0345246801", {"train-ai": True}), key)
    text = _receipt_for(signed, 3, [b"leaf0", b"leaf1", b"leaf2"], [b"leaf4"], log)
    receipt = ac.Receipt.parse(text)
    cp = receipt.verify(signed.json, log.verifier_key)
    assert cp.size == 5 and receipt.index == 3
    with pytest.raises(VerificationError, match="does not prove this statement"):
        receipt.verify(other.json, log.verifier_key)
    # Any change to the unauthenticated extra data breaks the rebuilt leaf.
    shifted = ac.Receipt(receipt.index, receipt.prev, "2026-11-21T10:00:00.006Z", receipt.proof, receipt.checkpoint)
    with pytest.raises(VerificationError):
        shifted.verify(signed.json, log.verifier_key)
    with pytest.raises(VerificationError, match="no signature by a known key"):
        receipt.verify(signed.json, ac.SigningKey.generate("test.assent.example/log").verifier_key)
    with pytest.raises(VerificationError):
        ac.Receipt.parse(text.replace("index 3", "index 03"))


# ---- Node.statement: nothing taken on the node's word (review of issue 10, finding 7) ----

from assent_client.node import verify_statement_reply  # noqa: E402


class _Replying(ac.Node):
    """A Node whose GET answers a canned reply, recording the path asked for."""

    def __init__(self, log_key, reply):
        super().__init__("http://node.invalid", log_key)
        self.reply, self.paths = reply, []

    def get_json(self, path):
        self.paths.append(path)
        return json.loads(json.dumps(self.reply))


def _stored(log):
    """A committed enrollment, a receipt for it in a tree built here, and the node's reply."""
    operator = ac.SigningKey.generate("operator")
    bob = ac.SigningKey.generate("bob")
    signed = ac.sign(ac.enrollment(operator, bob, "creator", name="Bob Example", ids=["IPI:522-100-40"]), operator)
    text = _receipt_for(signed, 2, [b"leaf0", b"leaf1"], [b"leaf3"], log)
    reply = {"disclosures": [d.json for d in signed.disclosures], "index": 2, "receipt": text, "statement": signed.json}
    return signed, reply


def test_statement_accepts_hex_or_bytes_and_verifies_everything():
    log = ac.SigningKey.generate("test.assent.example/log")
    signed, reply = _stored(log)
    for asked in (signed.hash, signed.hash_hex, signed.hash_hex.upper()):
        node = _Replying(log.verifier_key, reply)
        got = node.statement(asked)
        assert node.paths == [f"/v1/statements/{signed.hash_hex}"]
        assert [d["text"] for d in got["disclosures"]] == ["Bob Example", "ipi:00052210040"]
        assert got["checkpoint"].size == 4
    for bad in ("00" * 31, "zz" * 32, signed.hash[:31]):
        with pytest.raises(ValueError):
            _Replying(log.verifier_key, reply).statement(bad)


def test_statement_refuses_a_reply_for_another_statement():
    log = ac.SigningKey.generate("test.assent.example/log")
    signed, reply = _stored(log)
    other, other_reply = _stored(log)
    with pytest.raises(VerificationError, match="answered statement"):
        _Replying(log.verifier_key, other_reply).statement(signed.hash)
    # The statement doctored in the reply no longer hashes to what was asked for.
    doctored = json.loads(json.dumps(reply))
    doctored["statement"]["statement"]["role"] = "publisher"
    with pytest.raises(VerificationError, match="answered statement"):
        verify_statement_reply(doctored, signed.hash, log.verifier_key)


def test_statement_refuses_a_receipt_that_does_not_prove_it():
    log = ac.SigningKey.generate("test.assent.example/log")
    signed, reply = _stored(log)
    other, other_reply = _stored(log)
    swapped = dict(reply, receipt=other_reply["receipt"])
    with pytest.raises(VerificationError, match="does not prove this statement"):
        verify_statement_reply(swapped, signed.hash, log.verifier_key)
    with pytest.raises(VerificationError, match="no signature by a known key"):
        verify_statement_reply(reply, signed.hash, ac.SigningKey.generate("test.assent.example/log").verifier_key)
    with pytest.raises(VerificationError, match="index"):
        verify_statement_reply(dict(reply, index=3), signed.hash, log.verifier_key)
    with pytest.raises(VerificationError, match="no receipt"):
        verify_statement_reply({k: v for k, v in reply.items() if k != "receipt"}, signed.hash, log.verifier_key)


def test_statement_refuses_a_disclosure_that_does_not_match_its_commitment():
    log = ac.SigningKey.generate("test.assent.example/log")
    signed, reply = _stored(log)
    for change in ({"text": "Rob Example"}, {"salt": base64.b64encode(bytes(16)).decode()}, {"field": "/ids/0"},
                   {"field": "/nowhere"}, {"salt": base64.b64encode(bytes(15)).decode()}):
        doctored = json.loads(json.dumps(reply))
        doctored["disclosures"][0].update(change)
        with pytest.raises(VerificationError, match=r"disclosures\[0\]"):
            verify_statement_reply(doctored, signed.hash, log.verifier_key)
    # Erased: no disclosures, and the rest still verifies.
    assert verify_statement_reply(dict(reply, disclosures=[], erased={"at": "x", "by": "y"}), signed.hash, log.verifier_key)["disclosures"] == []


def test_the_worked_receipt_example_of_the_statement_reference():
    """docs/statements.md "Receipts": the leaf and hash as the page gives them, from its statement and receipt."""
    text = open(os.path.join(REPO, "docs", "statements.md"), encoding="utf-8").read()
    blocks = dict(re.findall(r"```text receipt:([a-z-]+)\n(.*?)\n```", text, re.S))
    signed = ac.SignedStatement.parse(blocks["statement"])
    receipt = ac.Receipt.parse(blocks["receipt"] + "\n")
    checkpoint = receipt.verify(signed.json, blocks["log-key"])
    leaf = receipt.leaf_bytes(signed.json, checkpoint.origin)
    assert leaf.decode() == blocks["leaf"]
    assert hashlib.sha256(b"\x00" + leaf).hexdigest() == blocks["leaf-hash"] == ac.leaf_hash(leaf).hex()
    reply = {"disclosures": [], "index": receipt.index, "receipt": blocks["receipt"] + "\n", "statement": signed.json}
    assert verify_statement_reply(reply, signed.hash, ac.VerifierKey.parse(blocks["log-key"]))["index"] == 1


# ---- identifiers: the normal forms of typed ids (docs/statements.md) ----

def test_typed_identifiers_are_put_in_normal_form():
    from assent_client.identifiers import IdentifierError, normal_party_id, normal_work_id
    assert normal_party_id("IPI:522-100-40") == "ipi:00052210040"
    assert normal_party_id("isni:0000 0001 2103 2683") == "isni:0000000121032683"
    assert normal_party_id("isni:000000012281955x") == "isni:000000012281955X"
    assert normal_work_id("ISWC:T-034.524.680-1") == "iswc:T0345246801"
    assert normal_work_id("isrc:de-a12-26-00001") == "isrc:DEA122600001"
    assert normal_work_id("isbn:0-306-40615-2") == "isbn:9780306406157"
    assert normal_work_id("isbn:978-0-306-40615-7") == "isbn:9780306406157"
    # Schemes whose normal form needs NFC and percent-encoding are left as given.
    assert normal_work_id("local:GEMA.de/123") == "local:GEMA.de/123"
    for bad in ("ipi:00052210041", "isni:0000000121032684", "ipi:123456789012", "orcid:0000-0002-1825-0097", "522-100-40"):
        with pytest.raises(IdentifierError):
            normal_party_id(bad)
    for bad in ("iswc:T0345246802", "isbn:0-306-40615-3", "isrc:DE-A12-26-0001"):
        with pytest.raises(IdentifierError):
            normal_work_id(bad)
    # The builders use them: what is signed is the normal form.
    key = ac.SigningKey.generate("alice")
    statement, _ = ac.preference(key, "ISWC:T-034.524.680-1", {"train-ai": False})
    assert statement["work"] == "iswc:T0345246801"
    assert ac.mandate(key, key, ["isbn:0-306-40615-2"], "author")["works"] == ["isbn:9780306406157"]
