"""Live tests: a real node (`.build/debug/assent serve`, or ASSENT_BIN) on a free port."""

import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest

import assent_client as ac

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.environ.get("ASSENT_BIN", os.path.join(REPO, ".build", "debug", "assent"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    assert os.path.exists(BIN), f"{BIN} is missing: run `swift build` first"
    d = tmp_path_factory.mktemp("node")
    port = free_port()
    cfg = d / "node.json"
    cfg.write_text(json.dumps({"origin": "py.assent.example/log", "listen": f"127.0.0.1:{port}", "dataDirectory": str(d / "data"),
                               "batchIntervalMilliseconds": 5,
                               # Serve every disclosed field, so that the tests read back what they sent
                               # (a node serves only the credit line by default: docs/node.md).
                               "publicDisclosures": ["/name", "/ids", "/conditions/credit", "/note"]}))
    proc = subprocess.Popen([BIN, "serve", "--config", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/checkpoint", timeout=1)
            break
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode())
            time.sleep(0.1)
    log_key = open(d / "data" / "log.pub").read().strip()
    operator = ac.SigningKey.load(str(d / "data" / "operator.key"))
    yield ac.Node(url, log_key), operator
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.live
def test_enroll_then_submit_with_verified_receipts(node):
    n, operator = node
    alice = ac.SigningKey.generate("alice")
    logged = n.submit(ac.sign(ac.enrollment(operator, alice, "creator"), operator))
    assert logged.checkpoint.size > logged.index
    pref = ac.sign(ac.preference(alice, "iswc:T0345246801", {"train-ai": False, "search": True}), alice)
    first = n.submit(pref)
    again = n.submit(pref)  # the same statement is logged once
    assert again.index == first.index
    later = n.checkpoint()
    n.check_consistency(logged.checkpoint, later)
    n.check_inclusion(first.index, ac.leaf_hash(first.receipt.leaf_bytes(pref.json, later.origin)), later)


@pytest.mark.live
def test_batch_gives_a_verdict_per_statement(node):
    n, operator = node
    bob = ac.SigningKey.generate("bob")
    n.submit(ac.sign(ac.enrollment(operator, bob, "creator"), operator))
    good = ac.sign(ac.preference(bob, "isbn:9780306406157", {"tdm": False}), bob)
    stale = ac.sign(ac.preference(bob, "isbn:9780306406157", {"tdm": True}, issued="2020-01-01T00:00:00.000Z"), bob)
    results = n.submit_batch([good, stale])
    assert isinstance(results[0], ac.Logged)
    assert isinstance(results[1], ac.Problem) and results[1].reason == "stale"


@pytest.mark.live
def test_refusals_are_problems(node):
    n, _ = node
    mallory = ac.SigningKey.generate("mallory")
    with pytest.raises(ac.Problem) as e:
        n.submit(ac.sign(ac.preference(mallory, "iswc:T0345246801", {"train-ai": True}), mallory))
    assert e.value.reason == "not-enrolled" and e.value.status == 403


@pytest.mark.live
def test_node_info(node):
    n, operator = node
    info = n.info()
    assert info["logKey"] == str(n.log_key)
    assert info["operatorKeys"] == [operator.public_key_b64]
    assert info["witnessKey"] is None and info["limits"]["maxBatch"] == 1000


@pytest.mark.live
def test_enrollment_with_committed_name_and_ids(node):
    n, operator = node
    carol = ac.SigningKey.generate("carol")
    signed = ac.sign(ac.enrollment(operator, carol, "creator", name="Carol Example", ids=["ipi:00052210040"]), operator)
    logged = n.submit(signed)
    stored = n.statement(logged.statement_hash)
    assert [d["text"] for d in stored["disclosures"]] == ["Carol Example", "ipi:00052210040"]
    assert stored["withheld"] == [] and "erased" not in stored
    n.submit(ac.sign(ac.erasure(carol, logged.statement_hash), carol))
    erased = n.statement(logged.statement_hash)
    assert erased["disclosures"] == [] and erased["withheld"] == []
    assert set(erased["erased"]) == {"at", "by"}


@pytest.mark.live
def test_statement_read_back_is_verified(node):
    n, operator = node
    dave = ac.SigningKey.generate("dave")
    # Typed identifiers: the builders put them in normal form, so the node accepts them.
    signed = ac.sign(ac.enrollment(operator, dave, "creator", name="Dave Example", ids=["IPI:522-100-40", "isni:0000 0001 2103 2683"]), operator)
    logged = n.submit(signed)
    for asked in (logged.statement_hash, logged.statement_hash.hex()):
        stored = n.statement(asked)
        assert stored["statement"] == signed.json
        assert [d["text"] for d in stored["disclosures"]] == ["Dave Example", "ipi:00052210040", "isni:0000000121032683"]
        assert stored["checkpoint"].size > stored["index"]
    with pytest.raises(ac.Problem) as refused:
        n.statement(bytes(32))
    assert refused.value.status == 404
    # The same node answering for a log key it does not hold is not believed.
    stranger = ac.Node(n.url, ac.SigningKey.generate(n.log_key.name).verifier_key)
    with pytest.raises(ac.VerificationError):
        stranger.statement(logged.statement_hash)
