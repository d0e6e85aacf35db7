import AssentCore
import AssentNode
import Foundation
import XCTest

final class SubmissionTests: XCTestCase {
    func testSubmittedStatementGetsAReceiptThatVerifiesOffline() async throws {
        try await InProcessNode.run { node in
            let statement = Fixtures.preference(1)
            let reply = try await node.post("/v1/statements", statement.canonicalBytes)
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertEqual(reply.json["statementHash"]?.stringValue, statement.hash.base64)
            let receipt = try reply.receipt()
            XCTAssertEqual(reply.json["index"]?.integerValue, Int64(receipt.index))
            XCTAssertTrue(receipt.text.hasPrefix("c2sp.org/tlog-proof@v1\nextra "), receipt.text)
            let verified = try receipt.verify(statement: statement, logKey: node.logKey)
            // The logged leaf is the statement, and the receipt rebuilt exactly its bytes.
            let leaf = try LogLeaf(bytes: try XCTUnwrap(try node.node.store.leafBytes(at: receipt.index)))
            XCTAssertEqual(leaf.statement, statement)
            XCTAssertEqual(leaf.bytes, verified.leaf.bytes)
            // The served checkpoint is at least as new as the receipt's.
            let served = try SignedNote(parsing: try await node.get("/checkpoint").text)
            let current = try Checkpoint.verified(served, logKey: node.logKey)
            XCTAssertGreaterThanOrEqual(current.size, verified.checkpoint.size)
        }
    }

    func testEveryTileAndEntryBundleRecomputesTheCheckpointRoot() async throws {
        try await InProcessNode.run { node in
            // Enough statements for a full level-0 tile and a partial one.
            let statements = (0..<300).map { Fixtures.preference(1000 + $0) }
            let body = "[" + statements.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
            let reply = try await node.post("/v1/statements", Array(body.utf8))
            XCTAssertEqual(reply.json["accepted"], 300)
            let note = try SignedNote(parsing: try await node.get("/checkpoint").text)
            let checkpoint = try Checkpoint.verified(note, logKey: node.logKey)
            var tiles = [String: [UInt8]]()
            var leafHashes = [Hash]()
            var chain = ChainVerifier(origin: node.config.origin)
            for tile in Tile.tiles(forTreeSize: checkpoint.size) {
                let t = try await node.get("/" + tile.path)
                XCTAssertEqual(t.status, 200, tile.path)
                XCTAssertEqual(t.body.count, tile.width * 32, tile.path)
                XCTAssertEqual(t.headers["cache-control"], "public, max-age=31536000, immutable")
                tiles["\(tile.level)/\(tile.index)"] = t.body
                if tile.level == 0 {
                    let bundle = try await node.get("/" + tile.entriesPath)
                    XCTAssertEqual(bundle.status, 200)
                    for entry in try EntryBundle.decode(bundle.body) {
                        let leaf = try LogLeaf(bytes: entry)
                        leafHashes.append(try chain.append(leaf))
                    }
                }
            }
            XCTAssertEqual(leafHashes.count, Int(checkpoint.size))
            XCTAssertEqual(MerkleTree.rootHash(leafHashes: leafHashes), checkpoint.root)
            let reader = TileHashReader { level, index in tiles["\(level)/\(index)"]! }
            XCTAssertEqual(try MerkleTree.treeHash(size: checkpoint.size, reader: reader), checkpoint.root)
        }
    }

    func testSameStatementTwiceIsLoggedOnceAndBothGetTheSameReceipt() async throws {
        try await InProcessNode.run { node in
            let statement = Fixtures.preference(7)
                    async let a = node.post("/v1/statements", statement.canonicalBytes)
            async let b = node.post("/v1/statements", statement.canonicalBytes)
            let (ra, rb) = try await (a, b)
            let receiptA = try ra.receipt(), receiptB = try rb.receipt()
            XCTAssertEqual(receiptA.index, receiptB.index)
            XCTAssertEqual(receiptA.prev, receiptB.prev)
            // Later, a third submission still points at the same leaf.
            let rc = try await node.post("/v1/statements", statement.canonicalBytes).receipt()
            XCTAssertEqual(rc.index, receiptA.index)
            try rc.verify(statement: statement, logKey: node.logKey)
            let logged = try node.node.store.leafBytes(from: 0, to: node.node.store.size)
                .compactMap { try LogLeaf(bytes: $0).statement }.filter { $0 == statement }
            XCTAssertEqual(logged.count, 1)
        }
    }

    func testBatchGivesEachStatementItsOwnVerdict() async throws {
        try await InProcessNode.run { node in
            let good = Fixtures.preference(20)
            var bad = String(decoding: Fixtures.preference(21).canonicalBytes, as: UTF8.self)
            bad = bad.replacingOccurrences(of: "\"train-ai\":\"n\"", with: "\"train-ai\":\"y\"")
            let body = "[\(String(decoding: good.canonicalBytes, as: UTF8.self)),\n \(bad)]"
            let reply = try await node.post("/v1/statements", Array(body.utf8))
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.json["accepted"], 1)
            XCTAssertEqual(reply.json["refused"], 1)
            let results = try XCTUnwrap(reply.json["results"]?.arrayValue)
            XCTAssertNotNil(results[0]["receipt"])
            XCTAssertEqual(results[1]["problem"]?["type"], "urn:assent:problem:bad-signature")
            // Written straight into bytes (APIRoutes): the whole reply, the problem's members
            // included, must be the canonical JSON (RFC 8785) of what it parses to.
            XCTAssertEqual(CanonicalJSON.encode(try CanonicalJSON.parse(reply.body)), reply.body, reply.text)
        }
    }

    func testABatchIsLoggedInTheOrderItWasSent() async throws {
        try await InProcessNode.run { node in
            let statements = (0..<50).map { Fixtures.preference(300 + $0) }
            let body = "[" + statements.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
            let reply = try await node.post("/v1/statements", Array(body.utf8))
            let results = try XCTUnwrap(reply.json["results"]?.arrayValue)
            let indexes = try results.map { try Receipt(text: XCTUnwrap($0["receipt"]?.stringValue)).index }
            XCTAssertEqual(indexes, (0..<50).map { indexes[0] + UInt64($0) })
        }
    }

    func testOperatorMayEnrollAndMandate() async throws {
        try await InProcessNode.run { node in
            let operatorKey = node.node.keys.operator.key
            let enrollment = SignedStatement.sign(.enrollment(Enrollment(by: operatorKey.publicKey, issued: .now,
                                                                         party: Fixtures.creator.publicKey, role: .creator)), with: operatorKey)
            let reply = try await node.post("/v1/statements", enrollment.canonicalBytes)
            XCTAssertEqual(reply.status, 200, reply.text)
        }
    }

    func testCheckpointIsNotCachedAndBundlesAreGzippedWhenAsked() async throws {
        try await InProcessNode.run { node in
            _ = try await node.post("/v1/statements", Fixtures.preference(30).canonicalBytes)
            let checkpoint = try await node.get("/checkpoint")
            XCTAssertEqual(checkpoint.headers["cache-control"], "no-store")
            XCTAssertEqual(checkpoint.headers["content-type"], "text/plain; charset=utf-8")
            let size = try Checkpoint(text: try SignedNote(parsing: checkpoint.text).text).size
            let path = "/" + Tile(level: 0, index: 0, width: Int(size)).entriesPath
            let plain = try await node.get(path, headers: [("Accept-Encoding", "identity")])
            XCTAssertNil(plain.headers["content-encoding"])
            let gzipped = try await node.get(path, headers: [("Accept-Encoding", "gzip")])
            XCTAssertEqual(gzipped.headers["content-encoding"], "gzip")
            XCTAssertEqual(try gunzip(gzipped.body), plain.body)
            XCTAssertEqual(try EntryBundle.decode(plain.body).count, Int(size))
        }
    }

    func testProofEndpointsServeVerifiableProofs() async throws {
        try await InProcessNode.run { node in
            for n in 0..<5 { _ = try await node.post("/v1/statements", Fixtures.preference(40 + n).canonicalBytes) }
            let store = node.node.store
            let size = store.size
            let root = try store.treeHash(size: size)
            let inc = try await node.get("/v1/proof/inclusion?index=2&size=\(size)").json
            let proof = InclusionProof(index: 2, size: size, hashes: inc["hashes"]!.arrayValue!.map { Hash(base64: $0.stringValue!)! })
            XCTAssertNoThrow(try proof.verify(leafHash: Hash(base64: inc["leafHash"]!.stringValue!)!, root: root))
            let con = try await node.get("/v1/proof/consistency?old=3&new=\(size)").json
            let cproof = ConsistencyProof(oldSize: 3, newSize: size, hashes: con["hashes"]!.arrayValue!.map { Hash(base64: $0.stringValue!)! })
            XCTAssertNoThrow(try cproof.verify(oldRoot: try store.treeHash(size: 3), newRoot: root))
            let missing = try await node.get("/v1/proof/inclusion?index=\(size)&size=\(size)")
            XCTAssertEqual(missing.status, 404)
            XCTAssertEqual(missing.headers["content-type"], "application/problem+json")
            let badQuery = try await node.get("/v1/proof/consistency?old=x&new=2")
            XCTAssertEqual(badQuery.status, 400)
        }
    }

    func testHealthAndMetrics() async throws {
        try await InProcessNode.run { node in
            _ = try await node.post("/v1/statements", Fixtures.preference(50).canonicalBytes)
            let health = try await node.get("/healthz")
            XCTAssertEqual(health.json["status"], "ok")
            let metrics = try await node.get("/metrics").text
            for name in ["assent_log_entries", "assent_batches_total", "assent_checkpoint_age_seconds", "assent_http_request_duration_seconds_bucket"] {
                XCTAssertTrue(metrics.contains(name), name)
            }
        }
    }


    func testAnIdleNodeStillWritesEpochLeaves() async throws {
        let clock = ManualClock()
        try await InProcessNode.run(clock: clock, configure: { $0.epochIntervalSeconds = 60 }) { node in
            await node.waitForSize(1)  // the new log's first epoch
            let before = node.node.store.size
            // Two epoch intervals pass with nothing submitted: two idle epochs, each under its checkpoint.
            clock.advance(by: .seconds(59))
            XCTAssertEqual(node.node.store.size, before, "no epoch before its interval")
            clock.advance(by: .seconds(1))
            await node.waitForSize(before + 1)
            clock.advance(by: .seconds(60))
            await node.waitForSize(before + 2)
            let after = node.node.store.size
            XCTAssertEqual(after, before + 2)
            let last = try LogLeaf(bytes: try XCTUnwrap(try node.node.store.leafBytes(at: after - 1)))
            XCTAssertTrue(last.isEpoch)
            XCTAssertEqual(node.node.store.latestCheckpoint?.checkpoint.size, after)
        }
    }
}
