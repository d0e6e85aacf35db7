import AssentCore
import AssentNode
import AssentStore
import Foundation
import XCTest

final class ShutdownTests: XCTestCase {
    /// Graceful shutdown while submissions are in flight: every submission either got a
    /// receipt or a refusal, and every receipt's statement is in the log after a restart.
    func testGracefulShutdownLogsEverythingItAcknowledged() async throws {
        let node = TestNode { $0.batchIntervalMilliseconds = 200 }
        try await node.start()
        defer { node.remove() }
        let results = await withTaskGroup(of: Receipt?.self) { group in
            for n in 0..<40 {
                // Requests still queued in the client when the server stops fail to connect;
                // the client retries until its timeout, so keep that short.
                group.addTask {
                    guard let reply = try? await node.post("/v1/statements", Fixtures.preference(5000 + n).canonicalBytes, timeout: .seconds(3)),
                          reply.status == 200 else { return nil }
                    return try? Receipt(json: reply.json)
                }
            }
            // Let the requests arrive and queue behind the 200 ms batch interval, then stop.
            try? await Task.sleep(for: .milliseconds(100))
            try? await node.stop()
            var receipts = [Receipt?]()
            for await r in group { receipts.append(r) }
            return receipts
        }
        let receipts = results.compactMap { $0 }
        XCTAssertGreaterThan(receipts.count, 0)
        try await node.start()
        for receipt in receipts {
            let leaf = try LogLeaf(bytes: try XCTUnwrap(try node.node.store.leafBytes(at: receipt.index)))
            XCTAssertEqual(leaf.statement?.hash, receipt.statementHash)
            try receipt.verify(logKey: node.logKey)
        }
        try await node.stop()
    }

    /// A node stopped and started again serves the log it had and continues it.
    func testNodeRestartsFromItsDatabaseAndContinuesTheLog() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        let first = try Receipt(json: try await node.post("/v1/statements", Fixtures.preference(60).canonicalBytes).json)
        try await node.stop()
        try await node.start()
        let second = try Receipt(json: try await node.post("/v1/statements", Fixtures.preference(61).canonicalBytes).json)
        XCTAssertGreaterThan(second.index, first.index)
        try second.verify(logKey: node.logKey)
        let con = try node.node.store.consistencyProof(oldSize: first.proof.size, newSize: second.proof.size)
        let firstCheckpoint = try Checkpoint(text: try SignedNote(parsing: first.checkpoint).text)
        let secondCheckpoint = try Checkpoint(text: try SignedNote(parsing: second.checkpoint).text)
        XCTAssertNoThrow(try con.verify(oldRoot: firstCheckpoint.root, newRoot: secondCheckpoint.root))
        try await node.stop()
    }
}
