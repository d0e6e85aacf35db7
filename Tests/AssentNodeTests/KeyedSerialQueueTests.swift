@testable import AssentNode
import Synchronization
import XCTest

/// One log's witness requests take turns, in arrival order; different logs' do not wait for each other.
final class KeyedSerialQueueTests: XCTestCase {
    /// What ran, shared by the tasks.
    final class Tally: Sendable {
        struct State {
            var running = [String: Int]()
            var most = [String: Int]()
            var order = [Int]()
        }
        let state = Mutex(State())

        func enter(_ key: String) {
            state.withLock { s in
                s.running[key, default: 0] += 1
                s.most[key] = max(s.most[key] ?? 0, s.running[key] ?? 0)
                s.most["all"] = max(s.most["all"] ?? 0, s.running.values.reduce(0, +))
            }
        }
        func leave(_ key: String) { state.withLock { $0.running[key, default: 0] -= 1 } }
        func most(_ key: String) -> Int? { state.withLock { $0.most[key] } }
        func ran(_ i: Int) { state.withLock { $0.order.append(i) } }
        var order: [Int] { state.withLock { $0.order } }
    }

    func testWorkUnderOneKeyNeverOverlapsAndUnderTwoKeysDoes() async throws {
        let queue = KeyedSerialQueue()
        let tally = Tally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                let key = i % 2 == 0 ? "a.example/log" : "b.example/log"
                group.addTask { @Sendable in
                    try await queue.run(key) {
                        tally.enter(key)
                        try await Task.sleep(for: .milliseconds(5))
                        tally.leave(key)
                    }
                }
            }
            try await group.waitForAll()
        }
        XCTAssertEqual(tally.most("a.example/log"), 1)
        XCTAssertEqual(tally.most("b.example/log"), 1)
        XCTAssertEqual(tally.most("all"), 2, "two logs' requests ran side by side")
        XCTAssertEqual(queue.held, 0)
    }

    func testTurnsComeInArrivalOrderAndAThrowingTurnPassesItOn() async throws {
        let queue = KeyedSerialQueue()
        let tally = Tally()
        let gate = AsyncStream<Void>.makeStream()
        let stream = gate.stream
        // The first turn holds the key until the others have queued.
        let first = Task { @Sendable in
            await queue.run("k") {
                for await _ in stream { break }
                tally.ran(0)
            }
        }
        while queue.held == 0 { await Task.yield() }
        var later = [Task<Void, Error>]()
        for i in 1...5 {
            later.append(Task { @Sendable in
                try await queue.run("k") {
                    tally.ran(i)
                    if i == 2 { throw CancellationError() }
                }
            })
            // Each has queued before the next is started.
            try await Task.sleep(for: .milliseconds(20))
        }
        gate.continuation.yield()
        await first.value
        for (i, task) in later.enumerated() {
            do {
                try await task.value
                XCTAssertNotEqual(i, 1, "turn 2 threw")
            } catch {
                XCTAssertEqual(i, 1)
            }
        }
        XCTAssertEqual(tally.order, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(queue.held, 0)
    }
}
