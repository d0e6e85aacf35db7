import AssentCore
import AssentStore
import Dispatch
import Foundation
import XCTest

/// Reads for the HTTP path: one snapshot per read, run on GRDB's reader queues.
extension LogStoreTests {
    /// Reads that block (a slow disk, simulated) occupy GRDB's reader threads, not Swift's
    /// cooperative pool (one thread per core), which stays free for every other task.
    func testSlowAsyncReadsLeaveTheCooperativePoolFree() async throws {
        let store = try open()
        try store.append(try batch(store, statements: 3), sign: sign)
        let poolWidth = ProcessInfo.processInfo.activeProcessorCount
        let start = ContinuousClock.now
        async let reads: Void = withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0...poolWidth { group.addTask { () async throws -> Void in _ = try await store.read { _ -> Int32 in usleep(1_500_000) } } }
            try await group.waitForAll()
        }
        try await Task.sleep(for: .milliseconds(100))  // the reads are under way
        await Task.detached { }.value  // needs a free thread of the pool
        let waited = start.duration(to: .now)
        XCTAssertLessThan(waited, .milliseconds(1000), "a task waited \(waited) for a thread held by a blocking read")
        try await reads
    }

    func testASnapshotAnswersAsTheBlockingReadsDo() async throws {
        let store = try open()
        try store.append(try batch(store, statements: 300), sign: sign)
        let size = store.size
        let tile = Tile(level: 0, index: 1, width: Int(size % 256))
        let (snapshotSize, bundle, hashes, proof, leafHash) = try await store.read { snapshot in
            (snapshot.size, try snapshot.entryBundle(tile), try snapshot.tile(tile),
             try snapshot.inclusionProof(index: 7, size: size), try snapshot.leafHash(at: 7))
        }
        XCTAssertEqual(snapshotSize, size)
        XCTAssertEqual(bundle, try store.entryBundle(tile))
        XCTAssertEqual(hashes, try store.tile(tile))
        XCTAssertEqual(proof, try store.inclusionProof(index: 7, size: size))
        XCTAssertEqual(leafHash, try store.leafHash(at: 7))
        try proof.verify(leafHash: leafHash, root: try store.treeHash(size: size))
        // Beyond the snapshot's size: nothing, and no proof.
        let beyond = try await store.read { try $0.tile(Tile(level: 0, index: 2, width: 1)) }
        XCTAssertNil(beyond)
        do {
            _ = try await store.read { try $0.inclusionProof(index: 0, size: size + 1) }
            XCTFail("a proof for a tree larger than the log")
        } catch let error as StoreError {
            XCTAssertEqual(error, .notFound("tree size \(size + 1)"))
        }
    }
}
