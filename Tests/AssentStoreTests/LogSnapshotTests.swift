import AssentCore
import AssentStore
import Dispatch
import Foundation
import XCTest

/// Reads for the HTTP path: one snapshot per read, run on GRDB's reader queues.
extension LogStoreTests {
    /// Reads that block (a slow disk, simulated by a gate) occupy GRDB's reader threads, not
    /// Swift's cooperative pool (one thread per core), which stays free for every other task.
    /// No clock decides the outcome: the reads hold until the test opens the gate, and a
    /// watchdog thread opens it after 20 s only so that a regression fails instead of hanging.
    func testSlowAsyncReadsLeaveTheCooperativePoolFree() async throws {
        let store = try open()
        try store.append(try batch(store, statements: 3), sign: sign)
        let poolWidth = ProcessInfo.processInfo.activeProcessorCount
        // More blocked reads than the pool has threads; GRDB runs at most five readers at once,
        // so beyond four cores this test could not tell a regression apart, and says so.
        let blocked = poolWidth + 1
        guard blocked <= 5 else { throw XCTSkip("\(poolWidth) cores: needs more than GRDB's five concurrent readers to fill the pool") }
        let started = DispatchSemaphore(value: 0)
        let gate = Gate()
        async let reads: Void = withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<blocked {
                group.addTask { () async throws -> Void in
                    _ = try await store.read { _ -> Int32 in
                        started.signal()
                        gate.wait()
                        return 0
                    }
                }
            }
            try await group.waitForAll()
        }
        let watchdog = Thread { if !gate.wait(seconds: 20) { gate.open(byWatchdog: true) } }
        watchdog.start()
        // Wait for the reads to be under way, on a thread of Dispatch's, not of the pool.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                // Bounded like the gate: a read that fails before it starts must not hang the test.
                for _ in 0..<blocked { _ = started.wait(timeout: .now() + 20) }
                done.resume()
            }
        }
        await Task.detached { }.value  // needs a free thread of the pool
        gate.open(byWatchdog: false)
        try await reads
        XCTAssertFalse(gate.openedByWatchdog, "a task found no free thread of the pool while \(blocked) reads were blocked")
    }

    /// A one-shot gate that blocking reads wait at.
    final class Gate: @unchecked Sendable {
        private let condition = NSCondition()
        private var isOpen = false
        private(set) var openedByWatchdog = false

        func wait() {
            condition.lock()
            while !isOpen { condition.wait() }
            condition.unlock()
        }

        /// Waits at most `seconds`; true when the gate opened.
        func wait(seconds: Double) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            let deadline = Date(timeIntervalSinceNow: seconds)
            while !isOpen { if !condition.wait(until: deadline) { return isOpen } }
            return true
        }

        func open(byWatchdog: Bool) {
            condition.lock()
            if !isOpen {
                isOpen = true
                openedByWatchdog = byWatchdog
            }
            condition.broadcast()
            condition.unlock()
        }
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
