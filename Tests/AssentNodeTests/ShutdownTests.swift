import AssentCore
import AssentNode
import AssentStore
import Foundation
import XCTest

final class ShutdownTests: XCTestCase {
    /// Graceful shutdown while submissions are in flight: every submission either got a
    /// receipt or a refusal, and every receipt's statement is in the log after a restart.
    func testGracefulShutdownLogsEverythingItAcknowledged() async throws {
        // The clock stands still: nothing is written until the test moves it or the node stops.
        let clock = ManualClock(now: .now)
        let node = TestNode(clock: clock) { $0.batchIntervalMilliseconds = 200 }
        try await node.start()
        defer { node.remove() }
        // Eight requests (the shared client's connections per host) of five statements each.
        let statements = (0..<40).map { Fixtures.preference(5000 + $0) }
        let batches = stride(from: 0, to: statements.count, by: 5).map { Array(statements[$0..<($0 + 5)]) }
        let results = await withTaskGroup(of: [(SignedStatement, Receipt)].self) { group in
            for batch in batches {
                group.addTask {
                    let body = Array(("[" + batch.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]").utf8)
                    guard let reply = try? await node.post("/v1/statements", body), reply.status == 200,
                          let items = reply.json["results"]?.arrayValue else { return [] }
                    return zip(batch, items).compactMap { statement, item in
                        item["receipt"]?.stringValue.flatMap { try? Receipt(text: $0) }.map { (statement, $0) }
                    }
                }
            }
            // Every request is in the sequencer's queue, waiting for a batch interval that never passes.
            for await queued in node.node.sequencer.queueLengths where queued == statements.count { break }
            // Stop while they wait; the server drains its requests, so the interval must pass for them.
            await node.triggerStop()
            clock.advance(by: .milliseconds(200))
            var receipts = [(SignedStatement, Receipt)]()
            for await r in group { receipts += r }
            return receipts
        }
        try await node.stopped()
        XCTAssertEqual(results.count, statements.count, "every request in flight when the node stopped got its receipt")
        try await node.start()
        for (statement, receipt) in results {
            let leaf = try LogLeaf(bytes: try XCTUnwrap(try node.node.store.leafBytes(at: receipt.index)))
            XCTAssertEqual(leaf.statement, statement)
            try receipt.verify(statement: statement, logKey: node.logKey)
        }
        try await node.stop()
    }

    /// A node stopped and started again serves the log it had and continues it.
    func testNodeRestartsFromItsDatabaseAndContinuesTheLog() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        let a = Fixtures.preference(60), b = Fixtures.preference(61)
        let first = try await node.post("/v1/statements", a.canonicalBytes).receipt().verify(statement: a, logKey: node.logKey)
        try await node.stop()
        try await node.start()
        let second = try await node.post("/v1/statements", b.canonicalBytes).receipt().verify(statement: b, logKey: node.logKey)
        XCTAssertGreaterThan(second.leaf.index, first.leaf.index)
        let con = try node.node.store.consistencyProof(oldSize: first.checkpoint.size, newSize: second.checkpoint.size)
        XCTAssertNoThrow(try con.verify(oldRoot: first.checkpoint.root, newRoot: second.checkpoint.root))
        try await node.stop()
    }
}
