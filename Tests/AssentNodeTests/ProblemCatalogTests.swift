import AssentCore
@testable import AssentNode
import AssentStore
import Foundation
import XCTest

/// The problem reasons the node gives are exactly those docs/protocol.md lists, each with the
/// status the doc says, and the rare ones are produced here where no other test reaches them.
final class ProblemCatalogTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Rows of the problem table in docs/protocol.md §8: `| \`reason\`[, \`reason\`] | status[, status] | when |`.
    func documentedReasons() throws -> [String: String] {
        let doc = try String(contentsOf: Self.repository.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        var reasons = [String: String]()
        for line in doc.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            let names = cells[0].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            let statuses = cells[1].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " ()")) }
            for (i, name) in names.enumerated() { reasons[name] = statuses[min(i, statuses.count - 1)] }
        }
        return reasons
    }

    func testEveryReasonIsDocumentedWithItsStatusAndNothingElseIs() throws {
        let documented = try documentedReasons()
        XCTAssertEqual(Set(documented.keys), Set(Problem.Reason.allCases.map(\.rawValue)))
        for reason in Problem.Reason.allCases {
            XCTAssertEqual(documented[reason.rawValue], String(reason.status), reason.rawValue)
        }
    }

    /// A statement logged at an index whose leaf cannot be read back: the batch is durable, so
    /// the answer is `receipt-unavailable` naming the index, never `not-logged`.
    func testAReceiptThatCannotBeBuiltSaysTheStatementIsLogged() async throws {
        try await InProcessNode.run { node in
            await node.waitForSize(1)
            let store = node.node.store
            let (checkpoint, note) = try XCTUnwrap(store.latestCheckpoint)
            let results = try store.readBlocking {
                Sequencer.receipts(for: [.earlier(index: checkpoint.size + 5)], size: checkpoint.size, note: note, snapshot: $0)
            }
            guard case let .failure(problem) = results[0] else { return XCTFail("a receipt for a leaf that is not there") }
            XCTAssertEqual(problem.reason, .receiptUnavailable)
            XCTAssertEqual(problem.status, 500)
            XCTAssertTrue(problem.detail.contains("logged at index \(checkpoint.size + 5)"), problem.detail)
        }
    }

    /// A statement that reaches the sequencer after it began to stop is refused, not dropped.
    func testStatementsOfferedToAStoppingSequencerAreRefusedShuttingDown() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        let sequencer = node.node.sequencer
        await node.triggerStop()
        try await node.stopped()
        let results = await sequencer.submit([Fixtures.preference(1)])
        guard case let .failure(problem) = results[0] else { return XCTFail("a stopped sequencer logged a statement") }
        XCTAssertEqual(problem.reason, .shuttingDown)
        XCTAssertEqual(problem.retryAfter, 5)
    }
}
