import AssentCore
import AssentStore
@testable import AssentNode
import Foundation
import Logging
import Synchronization
import XCTest

/// The replicator with real nodes on loopback: node B follows node A's log into a mirror,
/// directly or through a proxy that counts requests and alters bytes.
final class ReplicatorTests: XCTestCase {
    var a: TestNode!
    var b: TestNode!
    var proxy: TamperingProxy!

    override func setUp() async throws {
        a = TestNode { $0.origin = "a.assent.example/log" }
        try await a.start()
        proxy = TamperingProxy(target: a.base)
        try await proxy.start()
        b = TestNode { $0.origin = "b.assent.example/log" }
        b.peers = [Replicator.Peer(origin: a.config.origin, key: a.logKey, url: proxy.base + "/")]
        b.peerOperators = [a.node.keys.operator.key.publicKey]
    }

    override func tearDown() async throws {
        try? await b.stop()
        try await proxy.stop()
        try await a.stop()
        a.remove()
        b.remove()
    }

    var origin: String { a.config.origin }
    var mirrorPath: String { "/logs/" + SHA256.hash(Array(origin.utf8)).hex }
    var status: PeerStatus? { b.node.replicator?.status().first }

    /// Submits `count` preferences to A as one batch and returns A's size once they are logged.
    @discardableResult
    func write(_ count: Int, from n: Int) async throws -> UInt64 {
        let body = "[" + (0..<count).map { String(decoding: Fixtures.preference(n + $0).canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
        let reply = try await a.post("/v1/statements", Array(body.utf8))
        XCTAssertEqual(reply.json["accepted"], .integer(Int64(count)), reply.text)
        return a.node.store.size
    }

    /// Waits until `condition` holds, for at most 30 s.
    func eventually(_ what: String, _ condition: () throws -> Bool) async throws {
        do { try await waitUntil(what, condition) } catch let failure as TestFailure {
            XCTFail("\(failure); B's peer status: \(String(describing: status))")
            throw failure
        }
    }

    func mirroredSize() -> UInt64 { b.node.replicator?.mirrored(origin: origin)?.size ?? 0 }

    func testAStatementSubmittedToAIsMirroredByBAndServedUnderLogs() async throws {
        let statement = Fixtures.preference(1)
        let reply = try await a.post("/v1/statements", statement.canonicalBytes)
        XCTAssertEqual(reply.status, 200, reply.text)
        let size = a.node.store.size
        try await b.start()
        try await eventually("B mirrors A's \(size) leaves") { self.mirroredSize() == size }

        let mirrored = try XCTUnwrap(b.node.replicator?.mirrored(origin: origin))
        XCTAssertEqual(mirrored.root, try a.node.store.treeHash(size: size))
        // The mirror serves A's note and A's bytes, under /logs/<hex SHA-256 of origin>/.
        let note = try await b.get(mirrorPath + "/checkpoint")
        XCTAssertEqual(note.text, a.node.store.latestCheckpoint?.note)
        let bundle = try await b.get(mirrorPath + "/tile/entries/000.p/\(size)")
        XCTAssertEqual(bundle.status, 200)
        XCTAssertEqual(bundle.body, try XCTUnwrap(a.node.store.entryBundle(Tile(level: 0, index: 0, width: Int(size)))))
        XCTAssertTrue(bundle.text.contains(String(decoding: statement.canonicalBytes, as: UTF8.self)))
        let tile = try await b.get(mirrorPath + "/tile/0/000.p/\(size)")
        XCTAssertEqual(tile.body, try XCTUnwrap(a.node.store.tile(Tile(level: 0, index: 0, width: Int(size)))))
        let unknown = try await b.get("/logs/" + String(repeating: "0", count: 64) + "/checkpoint")
        XCTAssertEqual(unknown.status, 404)

        // GET /v1/peers and the metrics say so.
        let peers = try await b.get("/v1/peers")
        let peer = try XCTUnwrap(peers.json["peers"]?.arrayValue?.first)
        XCTAssertEqual(peer["origin"], .string(origin))
        XCTAssertEqual(peer["mirroredSize"], .integer(Int64(size)))
        XCTAssertEqual(peer["verifiedSize"], .integer(Int64(size)))
        XCTAssertEqual(peer["peerSize"], .integer(Int64(size)))
        XCTAssertEqual(peer["state"], .string("following"))
        XCTAssertEqual(peer["mirror"], .string(mirrorPath + "/"))
        let validator = try SchemaValidator(yaml: String(contentsOfFile: OpenAPITests.path, encoding: .utf8))
        let schema = try validator.responseSchema(path: "/v1/peers", method: "get", status: 200)
        XCTAssertEqual(try validator.errors(try XCTUnwrap(Instance(json: peers.body)), schema), [], peers.text)
        let metrics = try await b.get("/metrics").text
        XCTAssertTrue(metrics.contains("assent_mirror_entries{origin=\"\(origin)\"} \(size)"), metrics)

        // `assent peers`: a table line for A, and --json the reply itself.
        let cli = AssentCLI()
        defer { cli.remove() }
        let table = try cli.run(["peers", "--node", b.base])
        XCTAssertEqual(table.status, 0, table.output)
        let line = try XCTUnwrap(table.output.split(separator: "\n").first { $0.hasPrefix(origin) }, table.output)
        XCTAssertEqual(line.split(separator: " ", omittingEmptySubsequences: true).prefix(4).map(String.init), [origin, "\(size)", "\(size)", "following"])
        let json = try cli.run(["peers", "--node", b.base, "--json"])
        XCTAssertEqual(try CanonicalJSON.parse(Array(json.output.utf8))["peers"]?.arrayValue?.first?["origin"], .string(origin))
    }

    /// A society whose node is down is still readable and provable from its peers (issue 8,
    /// item 4): with A stopped, an audit that knows only A's keys (log and operator) reads B's mirror of A's log
    /// (`assent audit --node <B>/logs/<hex>`): A's signed checkpoint, every tile, every statement
    /// signature, every epoch's map root, and each receipt A gave, proved against the mirror.
    func testAMirrorIsReadableAndProvableWhileItsLogsNodeIsDown() async throws {
        let statements = (0..<40).map { Fixtures.preference(700 + $0) }
        let body = "[" + statements.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
        let reply = try await a.post("/v1/statements", Array(body.utf8))
        XCTAssertEqual(reply.json["accepted"], .integer(40), reply.text)
        let receipts = try zip(statements, XCTUnwrap(reply.json["results"]?.arrayValue)).map { statement, item in
            Substring(JSONValue.object(["receipt": try XCTUnwrap(item["receipt"]), "statement": statement.json]).canonicalString)
        }
        let size = a.node.store.size
        let note = try XCTUnwrap(a.node.store.latestCheckpoint?.note)
        try await b.start()
        try await eventually("B mirrors A's \(size) leaves") { self.mirroredSize() == size }

        // The proxy first: its keep-alive connections to A would hold A's graceful shutdown.
        try await proxy.stop()
        try await a.stop()
        let client = LogAudit.makeHTTPClient()
        let result: Result<LogAudit.Summary, Error>
        do {
            let audit = LogAudit(logKey: a.logKey, operators: [a.node.keys.operator.key.publicKey],
                                 fetch: LogAudit.httpFetch(base: b.base + mirrorPath, client: client))
            result = .success(try await audit.run(receipts: receipts))
        } catch { result = .failure(error) }
        try await client.shutdown()
        let summary = try result.get()
        XCTAssertEqual(summary.checkpoint.size, size)
        XCTAssertEqual(summary.statements, 40)
        XCTAssertEqual(summary.receipts, 40)
        XCTAssertGreaterThanOrEqual(summary.epochs, 1)
        XCTAssertGreaterThanOrEqual(summary.mapKeys, 40)
        // The mirror's own checkpoint is A's note, byte for byte: signed by A, checkable with A's key alone.
        let served = try await b.get(mirrorPath + "/checkpoint")
        XCTAssertEqual(served.text, note)
    }

    /// Equivocation found by a running node (issue 8, item 5), end to end: B follows A through
    /// the proxy; A2, holding A's keys, signs a tree of the same size with another root. Once the
    /// proxy serves A2, B's own replicator keeps both notes as evidence, served at
    /// `GET /v1/evidence` and counted by `assent_evidence_found_total`, stops following A
    /// (`/v1/peers`: `stopped`, and why), keeps its honest mirror, and goes on serving.
    func testAForkFoundByARunningNodeIsServedAsEvidenceAndStopsTheFollowing() async throws {
        let a2 = TestNode { $0.origin = "a.assent.example/log" }
        try FileManager.default.createDirectory(atPath: a2.config.dataDirectory, withIntermediateDirectories: true)
        for key in ["log.key", "operator.key"] {
            try FileManager.default.copyItem(atPath: a.config.dataDirectory + "/" + key, toPath: a2.config.dataDirectory + "/" + key)
        }
        try await a2.start()
        do {
            _ = try await a.post("/v1/statements", Fixtures.preference(8000).canonicalBytes)
            _ = try await a2.post("/v1/statements", Fixtures.preference(8001).canonicalBytes)
            let (honest, honestNote) = try XCTUnwrap(a.node.store.latestCheckpoint)
            let (forked, forkedNote) = try XCTUnwrap(a2.node.store.latestCheckpoint)
            XCTAssertEqual(forked.size, honest.size)
            XCTAssertNotEqual(forked.root, honest.root)
            try await b.start()
            try await eventually("B mirrors A's \(honest.size) leaves") { self.mirroredSize() == honest.size }
            let none = try await b.get("/v1/evidence")
            XCTAssertEqual(none.text, #"{"evidence":[]}"#)

            proxy.target.withLock { $0 = a2.base }
            try await eventually("B stops following A") {
                if case .stopped = self.status?.state { return true }
                return false
            }
            let reply = try await b.get("/v1/evidence")
            let items = try XCTUnwrap(reply.json["evidence"]?.arrayValue, reply.text)
            XCTAssertEqual(items.count, 1, reply.text)
            let evidence = try Evidence(json: try XCTUnwrap(items.first?["evidence"]))
            XCTAssertEqual(evidence.kind, .sameSizeDifferentRoot)
            XCTAssertEqual(Set(evidence.notes), [honestNote, forkedNote])
            XCTAssertNoThrow(try evidence.verify(logKey: a.logKey))
            let metrics = try await b.get("/metrics").text
            XCTAssertTrue(metrics.contains("assent_evidence_found_total{origin=\"\(origin)\"} 1"), metrics)
            XCTAssertTrue(metrics.contains("assent_evidence_stored 1"), metrics)
            let peers = try await b.get("/v1/peers")
            let peer = try XCTUnwrap(peers.json["peers"]?.arrayValue?.first, peers.text)
            XCTAssertEqual(peer["state"], .string("stopped"))
            XCTAssertNotNil(peer["stoppedBecause"]?.stringValue, "\(peer)")
            // The honest mirror is kept, and served as it was.
            XCTAssertEqual(b.node.replicator?.mirrored(origin: origin)?.root, honest.root)
            let served = try await b.get(mirrorPath + "/checkpoint")
            XCTAssertEqual(served.text, honestNote)
            // B goes on as a node: its only peer stopped, it still takes statements and serves
            // its own log (the replicator's service used to end, and the node with it).
            let own = try await b.post("/v1/statements", Fixtures.preference(8002).canonicalBytes)
            XCTAssertEqual(own.status, 200, own.text)
            let health = try await b.get("/healthz")
            XCTAssertEqual(health.status, 200)
        } catch {
            try? await a2.stop()
            a2.remove()
            throw error
        }
        try await a2.stop()
        a2.remove()
    }

    /// B stopped misses A's writes; restarted, it resumes from what it stored and fetches only
    /// the bundles it lacks (counted at the proxy).
    func testBRestartedCatchesUpWithoutDownloadingAgain() async throws {
        try await write(300, from: 100)
        try await b.start()
        let first = a.node.store.size
        try await eventually("B mirrors A's first \(first) leaves") { self.mirroredSize() == first }
        try await b.stop()

        try await write(300, from: 1000)
        try await write(300, from: 2000)
        let size = a.node.store.size
        proxy.resetCounts()
        try await b.start()
        try await eventually("B catches up to \(size)") { self.mirroredSize() == size }

        let mirrored = try XCTUnwrap(b.node.replicator?.mirrored(origin: origin))
        XCTAssertEqual(mirrored.root, try a.node.store.treeHash(size: size))
        let bundles = proxy.requests.filter { $0.key.hasPrefix("tile/entries/") }
        // Only the bundles from the one B held partly (first / 256) on, each once.
        let expected = Set(((first / 256)...((size - 1) / 256)).map { Tile.at(level: 0, index: $0, treeSize: size)!.entriesPath })
        XCTAssertEqual(Set(bundles.keys), expected, "\(proxy.requests)")
        XCTAssertTrue(bundles.values.allSatisfy { $0 == 1 }, "\(bundles)")
        XCTAssertNil(bundles["tile/entries/000"], "a bundle B held whole was fetched again")
        // B's store check agrees with what it mirrored.
        try await b.stop()
        let report = try StoreCheck.run(path: b.config.dataDirectory)
        XCTAssertTrue(report.failures.isEmpty, report.text)
    }

    /// Mirrors honestly, then the peer starts serving bad bytes: the failure names what is wrong,
    /// nothing more is stored, the mirror keeps its honest tree; once the peer is honest again
    /// the mirror catches up.
    func checkTampering(_ tamper: @escaping @Sendable (String, [UInt8]) -> [UInt8], failsWith expected: String) async throws {
        try await write(10, from: 1)
        try await b.start()
        let honest = a.node.store.size
        try await eventually("B mirrors A") { self.mirroredSize() == honest }
        let honestRoot = try XCTUnwrap(b.node.replicator?.mirrored(origin: origin)?.root)

        proxy.tamper.withLock { $0 = tamper }
        try await write(300, from: 500)
        // Between retries (a retry shows `syncing` while it runs).
        try await eventually("B reports the tampering") { self.status?.state == .failing && self.status?.lastError?.contains(expected) == true }
        XCTAssertEqual(b.node.replicator?.mirrored(origin: origin)?.size, honest)
        XCTAssertEqual(b.node.replicator?.mirrored(origin: origin)?.root, honestRoot)
        let served = try await b.get(mirrorPath + "/checkpoint")
        XCTAssertEqual(try Checkpoint(text: try SignedNote(parsing: served.text).text).size, honest)

        proxy.tamper.withLock { $0 = nil }
        let size = a.node.store.size
        try await eventually("B catches up once A is served honestly") { self.mirroredSize() == size }
        // Between polls (a poll shows `syncing` while it runs).
        try await eventually("B following again") { self.status?.state == .following && self.status?.failures == 0 }
    }

    func testATamperedEntryBundleIsDetectedAndNotStored() async throws {
        // One byte of a leaf's statement changed, the bundle's framing intact.
        try await checkTampering({ path, body in
            guard path.hasPrefix("tile/entries/"), let at = body.lastIndex(of: UInt8(ascii: "9")) else { return body }
            var changed = body
            changed[at] = UInt8(ascii: "8")
            return changed
        }, failsWith: "is not the leaf the signed tree of size")
    }

    /// One bundle a batch and small chunks: many batches go through the pipeline (batch k + 1
    /// parsed while batch k is replayed, chunks stored while later batches are parsed), and the
    /// mirror ends with A's tree, each bundle and level-0 hash tile fetched once, its store check clean.
    func testManyBatchesAndChunksAreMirroredInOrder() async throws {
        b.replication.batchBundles = 1
        b.replication.chunkLeaves = 200
        b.replication.verifyTasks = 3
        for round in 0..<5 { try await write(300, from: 10_000 * (round + 1)) }
        let size = a.node.store.size
        XCTAssertGreaterThan(size, 5 * 256, "more bundles than one batch")
        try await b.start()
        try await eventually("B mirrors A's \(size) leaves") { self.mirroredSize() == size }
        XCTAssertEqual(b.node.replicator?.mirrored(origin: origin)?.root, try a.node.store.treeHash(size: size))
        let bundles = proxy.requests.filter { $0.key.hasPrefix("tile/entries/") }
        XCTAssertEqual(bundles.count, Int((size + 255) / 256), "\(bundles)")
        XCTAssertTrue(bundles.values.allSatisfy { $0 == 1 }, "\(bundles)")
        // Each batch's level-0 hash tiles are read ahead with its bundles, and fetched once.
        let hashTiles = proxy.requests.filter { $0.key.hasPrefix("tile/0/") }
        XCTAssertEqual(hashTiles.count, bundles.count, "\(hashTiles)")
        XCTAssertTrue(hashTiles.values.allSatisfy { $0 == 1 }, "\(hashTiles)")
        try await b.stop()
        let report = try StoreCheck.run(path: b.config.dataDirectory)
        XCTAssertTrue(report.failures.isEmpty, report.text)
    }

    /// Leaves without an epoch leaf are bounded in bytes, not only in number: a peer whose
    /// leaves pass `maxBytesWithoutEpoch` before an epoch leaf comes is refused (here 20,000
    /// bytes against one batch of 600 statements, about 280,000 bytes), and nothing after the
    /// last epoch leaf is stored. Before, only the count was bounded, and 65,536 leaves of
    /// 64 KiB each were a peer's to make a mirror hold, parsed.
    func testLeavesWithoutAnEpochAreBoundedInBytes() async throws {
        b.replication.batchBundles = 1
        b.replication.chunkBytes = 1
        b.replication.maxBytesWithoutEpoch = 20_000
        try await write(600, from: 70_000)
        try await b.start()
        // Leaf 0 is A's first epoch leaf; leaves 1… are the batch, whose epoch leaf is 601.
        try await eventually("B refuses A's second bundle, the batch's leaves still without their epoch leaf") {
            self.status?.state == .failing && self.status?.lastError?.contains("no epoch leaf among leaves 1…511") == true
        }
        XCTAssertLessThanOrEqual(mirroredSize(), 1)
    }

    /// A catch-up from zero in two batches, the second one the partial tile of the tree's right
    /// edge: the read-ahead of the second batch starts before the first batch's tile is checked,
    /// and that check fetches the edge itself. Each level-0 hash tile is still fetched once
    /// (until review 8 the partial one was fetched by both).
    func testTheEdgeTileIsFetchedOnceInATwoBatchCatchUp() async throws {
        b.replication.batchBundles = 1
        let size = try await write(300, from: 30_000)
        XCTAssertTrue(size > 256 && size < 512 && size % 256 != 0, "two bundles, the second partial: \(size)")
        try await b.start()
        try await eventually("B mirrors A's \(size) leaves") { self.mirroredSize() == size }
        XCTAssertEqual(b.node.replicator?.mirrored(origin: origin)?.root, try a.node.store.treeHash(size: size))
        let hashTiles = proxy.requests.filter { $0.key.hasPrefix("tile/0/") }
        XCTAssertEqual(Set(hashTiles.keys), ["tile/0/000", "tile/0/001.p/\(size - 256)"])
        XCTAssertTrue(hashTiles.values.allSatisfy { $0 == 1 }, "\(hashTiles)")
    }

    /// A bundle in the middle of a many-batch catch-up is tampered with: the batches before it
    /// may be stored, but only whole, up to an epoch leaf, as A has them; nothing at or after
    /// the tampered bundle; once A is served honestly, B catches up.
    func testATamperedBundleMidwayStopsTheCatchUpAtAnHonestPrefix() async throws {
        b.replication.batchBundles = 1
        b.replication.chunkLeaves = 200
        for round in 0..<5 { try await write(300, from: 20_000 * (round + 1)) }
        let size = a.node.store.size
        proxy.tamper.withLock {
            $0 = { path, body in
                guard path == "tile/entries/003", let at = body.lastIndex(of: UInt8(ascii: "9")) else { return body }
                var changed = body
                changed[at] = UInt8(ascii: "8")
                return changed
            }
        }
        try await b.start()
        try await eventually("B reports the tampered bundle") {
            self.status?.state == .failing && self.status?.lastError?.contains("is not the leaf the signed tree of size") == true
        }
        let mirrored = b.node.replicator?.mirrored(origin: origin)
        let held = mirrored?.size ?? 0
        XCTAssertLessThanOrEqual(held, 3 * 256, "leaves at or after the tampered bundle were stored")
        // Batch 1 (leaves 256…511, A's first epoch leaf about 301) is replayed and its chunk
        // stored before batch 3 is authenticated, so the checks below are never vacuous (302
        // when written, on every run).
        XCTAssertGreaterThan(held, 0, "the honest prefix before the tampered bundle was stored")
        if let mirrored, held > 0 {
            XCTAssertEqual(mirrored.root, try a.node.store.treeHash(size: held))
            // The mirror's last leaf, read through its read path: an epoch leaf.
            let tile = try XCTUnwrap(Tile.at(level: 0, index: (held - 1) / 256, treeSize: held))
            let bundle = try await b.get(mirrorPath + "/" + tile.entriesPath)
            let last = try XCTUnwrap(try EntryBundle.decode(bundle.body).last)
            XCTAssertTrue(try LogLeaf(storedBytes: last).isEpoch, "a stored chunk ends at an epoch leaf")
        }
        proxy.tamper.withLock { $0 = nil }
        try await eventually("B catches up once A is served honestly") { self.mirroredSize() == size }
        XCTAssertEqual(b.node.replicator?.mirrored(origin: origin)?.root, try a.node.store.treeHash(size: size))
    }

    func testATamperedHashTileIsDetectedAndNotStored() async throws {
        try await checkTampering({ path, body in
            guard path.hasPrefix("tile/0/"), !body.isEmpty else { return body }
            var changed = body
            changed[changed.count - 1] ^= 1
            return changed
        }, failsWith: "tree of size")  // "hash tiles of the tree of size N: …" or "tile/0/… is not part of the signed tree of size N", never a transport error
    }

    /// A hash tile longer than 256 hashes is refused as it is read, before the reader holds it
    /// (a peer could otherwise make a mirror hold 16 MiB for every tile it reads ahead).
    func testAnOversizedHashTileIsRefusedAsItIsRead() async throws {
        try await checkTampering({ path, body in
            guard path.hasPrefix("tile/0/") else { return body }
            return body + [UInt8](repeating: 0, count: 256 * 32)
        }, failsWith: "a reply of more than 8192 bytes")
    }

    func testACheckpointWithABadSignatureIsRefused() async throws {
        try await checkTampering({ path, body in
            guard path == "checkpoint" else { return body }
            // The root line changed, the signature kept: it no longer verifies.
            var lines = String(decoding: body, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines[2] = SHA256.hash(Array(lines[2].utf8)).base64
            return Array(lines.joined(separator: "\n").utf8)
        }, failsWith: "checkpoint rejected")
    }

    /// `catchUp` brings the mirror to exactly the checkpoint given (a replicator whose background
    /// loop does not run, so only `catchUp` moves it), refuses an unknown origin and a note that
    /// is not the checkpoint's.
    /// A replicator of A's log outside node B (its background loop not started), over a store of
    /// its own in B's directory, reading A at `url`.
    func standaloneReplicator(_ name: String, following url: String, settings: Replicator.Settings) throws -> Replicator {
        let directory = b.directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try Replicator(
            database: AssentDatabase(path: directory.appendingPathComponent("node.sqlite").path),
            peers: [.init(origin: origin, key: a.logKey, url: url)], operators: [a.node.keys.operator.key.publicKey],
            settings: settings, clock: SystemClock(), metrics: NodeMetrics(), logger: Logger(label: "\(name)-test"), recordEvidence: { _, _ in })
    }

    /// A peer that stops answering with its connection open (a cut link) fails the poll within
    /// `checkpointTimeout`, shows as failing, and is followed again once it answers: the
    /// partition drill saw `following` for a peer cut off 30 s, and a catch-up that waited on
    /// the silent request's TCP retransmissions after the heal.
    func testAPeerThatFallsSilentFailsThePollWithinTheCheckpointTimeout() async throws {
        try await write(5, from: 1)
        var settings = Replicator.Settings()
        settings.checkpointTimeout = .milliseconds(300)
        let replicator = try standaloneReplicator("silent", following: proxy.base + "/", settings: settings)
        let follower = try XCTUnwrap(replicator.followers[origin])
        let result: Result<Void, Error>
        do {
            try await follower.poll()
            proxy.silent.withLock { $0 = true }
            let started = ContinuousClock.now
            // The test's own bound, so that a poll that waits for the read timeout fails rather than hangs.
            let outcome = try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    do { try await follower.poll() } catch { return "\(error)" }
                    return "the poll of a silent peer succeeded"
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(5))
                    return "the poll of a silent peer was still waiting after 5 s"
                }
                defer { group.cancelAll() }
                return try await group.next() ?? ""
            }
            XCTAssertTrue(outcome.contains("no reply within"), outcome)
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
            XCTAssertEqual(replicator.status().first?.state.name, "failing")
            proxy.silent.withLock { $0 = false }
            try await write(5, from: 100)
            try await follower.poll()
            XCTAssertEqual(replicator.mirrored(origin: origin)?.size, a.node.store.size)
            XCTAssertEqual(replicator.status().first?.state.name, "following")
            result = .success(())
        } catch { result = .failure(error) }
        proxy.silent.withLock { $0 = false }
        try await replicator.shutdown()
        try result.get()
    }

    func testCatchUpBringsTheMirrorToTheCheckpointGiven() async throws {
        try await write(20, from: 1)
        let (checkpoint, note) = try XCTUnwrap(a.node.store.latestCheckpoint)
        try await write(20, from: 100)
        let latest = try XCTUnwrap(a.node.store.latestCheckpoint)
        let directory = b.directory.appendingPathComponent("direct")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let replicator = try Replicator(
            database: AssentDatabase(path: directory.appendingPathComponent("node.sqlite").path),
            peers: [.init(origin: origin, key: a.logKey, url: a.base + "/")], operators: [a.node.keys.operator.key.publicKey],
            clock: SystemClock(), metrics: NodeMetrics(), logger: Logger(label: "catch-up-test"), recordEvidence: { _, _ in })
        let result: Result<Void, Error>
        do {
            try await replicator.catchUp(to: checkpoint, note: note, deadline: .seconds(30))
            XCTAssertEqual(replicator.mirrored(origin: origin)?.size, checkpoint.size)
            XCTAssertEqual(replicator.mirrored(origin: origin)?.root, checkpoint.root)
            try await replicator.catchUp(to: latest.checkpoint, note: latest.note, deadline: .seconds(30))
            XCTAssertEqual(replicator.mirrored(origin: origin)?.size, latest.checkpoint.size)
            XCTAssertEqual(replicator.mirrored(origin: origin)?.root, latest.checkpoint.root)
            // An older checkpoint the mirror holds: done at once.
            try await replicator.catchUp(to: checkpoint, note: note, deadline: .seconds(30))
            do {
                try await replicator.catchUp(to: Checkpoint(origin: "x.example/log", size: 1, root: .zero), note: note, deadline: .seconds(1))
                XCTFail("an unknown origin was caught up")
            } catch ReplicationError.unknownOrigin {}
            do {
                try await replicator.catchUp(to: latest.checkpoint, note: note, deadline: .seconds(1))
                XCTFail("a note of another checkpoint was taken")
            } catch ReplicationError.badCheckpoint {}
            result = .success(())
        } catch { result = .failure(error) }
        try await replicator.shutdown()
        try result.get()
    }

    /// The first batch's hash tile cannot be fetched while its bundle is still being fetched
    /// (a peer that answers tiles with an error at once and trickles bundles): the replication
    /// fails `unreachable`, and the bundle's fetch is cancelled, not left running past the
    /// follower's lock with the bytes it reads (until review 8 only the next batch's fetches
    /// were cancelled; the failed batch's ran on, one batch of bundles a failed attempt).
    func testAFailedTileFetchCancelsTheBundlesOfItsBatch() async throws {
        let size = try await write(300, from: 40_000)
        XCTAssertGreaterThan(size, 256, "two batches of one bundle")
        let (checkpoint, note) = try XCTUnwrap(a.node.store.latestCheckpoint)
        var settings = Replicator.Settings()
        settings.batchBundles = 1
        let replicator = try standaloneReplicator("cancel", following: a.base + "/", settings: settings)
        let real = try XCTUnwrap(replicator.followers[origin]).fetch
        let bundleCancelled = Mutex(false)
        struct Refused: Error {}
        let follower = PeerFollower(
            peer: .init(origin: origin, key: a.logKey, url: a.base + "/"), store: try XCTUnwrap(replicator.mirrors[origin]), settings: settings,
            operators: [a.node.keys.operator.key.publicKey],
            fetch: { path in
                if path == "tile/0/000" { throw Refused() }
                if path == "tile/entries/000" {
                    do { try await Task.sleep(for: .seconds(15)) } catch {
                        bundleCancelled.withLock { $0 = true }
                        throw error
                    }
                }
                return try await real(path)
            },
            recordEvidence: { _, _ in }, clock: SystemClock(), metrics: NodeMetrics(), logger: Logger(label: "cancel-test"))
        let result: Result<Void, Error>
        do {
            do {
                try await follower.sync(to: checkpoint, note: note)
                XCTFail("replicated without the first hash tile")
            } catch let ReplicationError.unreachable(origin: failed, why) {
                XCTAssertEqual(failed, origin)
                XCTAssertTrue(why.contains("Refused"), why)
            }
            XCTAssertEqual(follower.store.size, 0)
            // Within 5 s, not the 15 s the fetch sleeps uncancelled.
            for _ in 0..<100 where !bundleCancelled.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
            XCTAssertTrue(bundleCancelled.withLock { $0 }, "the first batch's bundle fetch was left running")
            result = .success(())
        } catch { result = .failure(error) }
        try await replicator.shutdown()
        try result.get()
    }
}

/// A peer whose log key signs two histories: node A, then node A2 with A's keys and a log of
/// its own, behind the same URL. The follower keeps the pair of notes as evidence, stops
/// following, and keeps its mirror.
final class ReplicatorConflictTests: XCTestCase {
    func testAForkSignedByThePeersKeyIsKeptAsEvidenceAndTheMirrorKept() async throws {
        let a = TestNode { $0.origin = "a.assent.example/log" }
        try await a.start()
        let a2 = TestNode { $0.origin = "a.assent.example/log" }
        try FileManager.default.createDirectory(atPath: a2.config.dataDirectory, withIntermediateDirectories: true)
        for key in ["log.key", "operator.key"] {
            try FileManager.default.copyItem(atPath: a.config.dataDirectory + "/" + key, toPath: a2.config.dataDirectory + "/" + key)
        }
        try await a2.start()
        let proxy = TamperingProxy(target: a.base)
        try await proxy.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-conflict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let kept = Mutex<[Evidence]>([])
        let replicator = try Replicator(
            database: AssentDatabase(path: directory.appendingPathComponent("node.sqlite").path),
            peers: [.init(origin: a.config.origin, key: a.logKey, url: proxy.base + "/")], operators: [],
            clock: SystemClock(), metrics: NodeMetrics(), logger: Logger(label: "conflict-test"),
            recordEvidence: { evidence, _ in kept.withLock { $0.append(evidence) } })
        func finish() async throws {
            try await replicator.shutdown()
            try await proxy.stop()
            try await a.stop()
            try await a2.stop()
            a.remove()
            a2.remove()
            try? FileManager.default.removeItem(at: directory)
        }
        do {
            // A2 writes more than A: its tree is larger and does not extend A's.
            _ = try await a.post("/v1/statements", Fixtures.preference(6000).canonicalBytes)
            for n in 0..<3 { _ = try await a2.post("/v1/statements", Fixtures.preference(7000 + n).canonicalBytes) }
            let (honest, honestNote) = try XCTUnwrap(a.node.store.latestCheckpoint)
            try await replicator.catchUp(to: honest, note: honestNote, deadline: .seconds(30))

            proxy.target.withLock { $0 = a2.base }
            let (forked, forkedNote) = try XCTUnwrap(a2.node.store.latestCheckpoint)
            XCTAssertGreaterThan(forked.size, honest.size)
            do {
                try await replicator.catchUp(to: forked, note: forkedNote, deadline: .seconds(30))
                XCTFail("a fork was mirrored")
            } catch let ReplicationError.inconsistent(evidence) {
                XCTAssertEqual(evidence.kind, .inconsistent)
                XCTAssertEqual(evidence.notes, [honestNote, forkedNote])
                // Evidence anyone can check offline with the log's key alone.
                XCTAssertNoThrow(try evidence.verify(logKey: a.logKey))
                XCTAssertEqual(kept.withLock { $0 }, [evidence])
            }
            XCTAssertEqual(replicator.mirrored(origin: a.config.origin)?.size, honest.size)
            XCTAssertEqual(replicator.mirrored(origin: a.config.origin)?.root, honest.root)
            if case .stopped = replicator.status().first?.state {} else { XCTFail("still followed: \(String(describing: replicator.status().first))") }
            // No longer followed, even for the honest checkpoint.
            do {
                try await replicator.catchUp(to: honest, note: honestNote, deadline: .seconds(5))
                XCTFail("a stopped peer was replicated")
            } catch ReplicationError.stopped {}
        } catch {
            try await finish()
            throw error
        }
        try await finish()
    }
}

/// The replicator as a federation file starts it: each node follows the file's other logs.
final class ReplicatorFederationTests: XCTestCase {
    func testNodesOfOneFederationMirrorEachOther() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-fed-repl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("federation.json").path
        let (portA, portB) = (try FederationFixtures.freePort(), try FederationFixtures.freePort())
        let a = TestNode { $0.origin = "a.assent.example/log"; $0.listen = "127.0.0.1:\(portA)"; $0.federation = path }
        let b = TestNode { $0.origin = "b.assent.example/log"; $0.listen = "127.0.0.1:\(portB)"; $0.federation = path }
        try FederationFixtures.write(path, logs: [FederationFixtures.log(a.config, keys: FederationFixtures.keys(for: a.config)),
                                                  FederationFixtures.log(b.config, keys: FederationFixtures.keys(for: b.config))],
                                     witnesses: [], quorum: 0)
        try await a.start()
        try await b.start()
        do {
            _ = try await a.post("/v1/statements", Fixtures.preference(1).canonicalBytes)
            _ = try await b.post("/v1/statements", Fixtures.preference(2).canonicalBytes)
            try await waitUntil("A and B mirror each other") {
                b.node.replicator?.mirrored(origin: a.config.origin)?.size == a.node.store.size
                    && a.node.replicator?.mirrored(origin: b.config.origin)?.size == b.node.store.size
            }
            XCTAssertEqual(b.node.replicator?.mirrored(origin: a.config.origin)?.root, try a.node.store.treeHash(size: a.node.store.size))
            XCTAssertEqual(a.node.replicator?.mirrored(origin: b.config.origin)?.root, try b.node.store.treeHash(size: b.node.store.size))
            XCTAssertEqual(b.node.replicator?.status().map(\.origin), [a.config.origin])
        } catch {
            XCTFail("\(error)")
        }
        try await b.stop()
        try await a.stop()
        a.remove()
        b.remove()
        try? FileManager.default.removeItem(at: directory)
    }
}
