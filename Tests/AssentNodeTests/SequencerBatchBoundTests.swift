import AssentCore
@testable import AssentNode
import AssentStore
import Foundation
import Logging
import XCTest

/// A batch is cut before the statement that could take it past the sequencer's bound on record
/// versions (`MapUpdate.batchRecordBound`), so that a queue of large mandates is written in
/// several batches, each with its own epoch leaf, and what a batch holds until its commit stays
/// bounded; the statements are logged in their order and the map is the map of all of them.
final class SequencerBatchBoundTests: XCTestCase {
    func testMandatesBeyondTheRecordBoundAreWrittenInSeveralBatches() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assent-bound-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let origin = "bound.assent.example/log"
        let signer = try NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: 3, count: 32)))
        let store = try AssentDatabase(path: dir.appendingPathComponent("node.sqlite").path)
            .openLog(origin: origin, verifierKey: signer.verifierKey, role: .own)
        var logger = Logger(label: "bound")
        logger.logLevel = .warning
        let sequencer = Sequencer(
            store: store, signer: signer,
            settings: .init(batchSize: 1000, batchInterval: .milliseconds(5), epochInterval: .seconds(3600), maxQueued: 1000,
                            batchRecordBound: 2500),
            clock: SystemClock(), metrics: NodeMetrics(), logger: logger)
        let running = Task { try await sequencer.run() }

        let op = try SigningKey(seed: [UInt8](repeating: 4, count: 32))
        let mandates = (0..<5).map { m in
            SignedStatement.sign(.mandate(Mandate(by: op.publicKey, issued: .now, party: Fixtures.creator.publicKey,
                                                  works: (0..<1000).map { try! WorkID(parsing: "local:gema.de/M\(m)-\($0)") },
                                                  role: .author)), with: op)
        }
        // 1,000 records a mandate, 2,500 a batch: mandates 1–2, 3–4, then 5 with the preference.
        let results = await sequencer.submit(mandates + [Fixtures.preference(1)])
        running.cancel()
        _ = try? await running.value

        let indexes = try results.map { try $0.get().index }
        XCTAssertEqual(indexes, [1, 2, 4, 5, 7, 8], "each statement logged in its order, an epoch leaf after each batch")
        let epochs = try (0..<store.size).filter { try LogLeaf(bytes: XCTUnwrap(store.leafBytes(at: $0))).isEpoch }
        XCTAssertEqual(epochs, [0, 3, 6, 9])
        // The last epoch commits to the map of every statement: 5,000 work records and one declaration.
        let last = try LogLeaf(bytes: XCTUnwrap(store.leafBytes(at: 9)))
        guard case let .epoch(root, _) = last.content else { return XCTFail("leaf 9 is not an epoch leaf") }
        XCTAssertEqual(store.mapSize.keys, 5001)
        // Replayed from the leaves alone (as `assent audit` does), each epoch carries its map's root.
        var replay = MapReplay()
        for i in 0..<store.size { try replay.append(LogLeaf(bytes: XCTUnwrap(store.leafBytes(at: i)))) }
        XCTAssertEqual(replay.epochs, 4)
        XCTAssertEqual(replay.tree.root, root)
    }
}
