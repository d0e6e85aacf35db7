"""The client and the CLI agree byte for byte: key files, canonical statements, signatures.

Needs the `assent` binary (`swift build`; ASSENT_BIN names another)."""

import json
import os
import subprocess

import pytest

import assent_client as ac

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.environ.get("ASSENT_BIN", os.path.join(REPO, ".build", "debug", "assent"))
ISSUED = "2026-11-21T10:00:00.000Z"


def cli(*args):
    assert os.path.exists(BIN), f"{BIN} is missing: run `swift build` first"
    return subprocess.run([BIN, *args], check=True, capture_output=True, text=True).stdout


@pytest.mark.live
def test_a_key_made_by_assent_keygen_loads_and_signs_as_the_cli_does(tmp_path):
    path = str(tmp_path / "alice.key")
    made = json.loads(cli("keygen", "--name", "alice", "--out", path, "--json"))
    key = ac.SigningKey.load(path)
    assert key.public_key_b64 == made["publicKey"]
    assert str(key.verifier_key) == open(str(tmp_path / "alice.pub")).read().strip()
    # Ed25519 is deterministic: the same statement signed by both gives the same bytes.
    line = cli("sign", "preference", "--key", path, "--issued", ISSUED, "--work", "ISWC:T-034.524.680-1",
               "--usage", "train-ai=n", "--usage", "search=y", "--audience", "licensee:example-ai.com",
               "--terms", "https://gema.example/licences/1", "--purpose", "research").strip()
    statement, _ = ac.preference(key, "iswc:T0345246801", {"train-ai": False, "search": True}, audience="licensee:example-ai.com",
                                 terms="https://gema.example/licences/1", purpose="research", issued=ISSUED)
    assert ac.sign(statement, key).canonical == line.encode("utf-8")


@pytest.mark.live
def test_a_mandate_signed_by_the_cli_is_the_one_the_client_builds(tmp_path):
    op_path, party_path = str(tmp_path / "op.key"), str(tmp_path / "p.key")
    cli("keygen", "--name", "op", "--out", op_path)
    cli("keygen", "--name", "p", "--out", party_path)
    op, party = ac.SigningKey.load(op_path), ac.SigningKey.load(party_path)
    line = cli("sign", "mandate", "--key", op_path, "--issued", ISSUED, "--party", party.public_key_b64, "--role", "steward",
               "--work", "local:apra.example/song-lines-7", "--work", "isbn:0-306-40615-2", "--label", "TK-SS").strip()
    built = ac.mandate(op, party, ["local:apra.example/song-lines-7", "isbn:9780306406157"], "steward", labels=["TK-SS"], issued=ISSUED)
    assert ac.sign(built, op).canonical == line.encode("utf-8")
    assert ac.SignedStatement.parse(line).verify_signature()
