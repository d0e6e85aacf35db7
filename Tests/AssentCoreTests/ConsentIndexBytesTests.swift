@testable import AssentCore
import XCTest

/// The consent index's own byte count (`ConsentIndex.bytesHeld`), which a node logs at open to
/// say where its memory goes: it counts every work's facts and the tables' room, so it grows
/// with the works held and is at least their facts' bytes.
final class ConsentIndexBytesTests: XCTestCase {
    func testTheByteCountGrowsWithTheWorksAndCoversTheirFacts() throws {
        let op = try SigningKey(seed: [UInt8](repeating: 1, count: 32)).publicKey
        let party = try SigningKey(seed: [UInt8](repeating: 2, count: 32)).publicKey
        var index = ConsentIndex()
        let empty = index.bytesHeld
        func add(_ range: Range<Int>) throws {
            for i in range {
                let mandate = RecordInputs.MandateInput(by: op, party: party, index: UInt64(i), role: .author, active: true,
                                                        restricting: false, nonCommercial: false)
                XCTAssertTrue(index.apply(storedWork: "local:gema.de/W\(i)", party: nil, .work([mandate, mandate])))
            }
        }
        try add(0..<1_000)
        let thousand = index.bytesHeld
        try add(1_000..<10_000)
        let tenThousand = index.bytesHeld
        XCTAssertEqual(index.workCount, 10_000)
        let factBytes = 2 * MemoryLayout<ConsentIndex.Fact>.stride
        // Each work: two facts, its array's header, and its slot (key and reference).
        XCTAssertGreaterThanOrEqual(thousand - empty, 1_000 * (factBytes + 32 + 40))
        XCTAssertGreaterThanOrEqual(tenThousand - empty, 10_000 * (factBytes + 32 + 40))
        // Not wildly over: tables at most about 4 slots a work (doubling, 3/4 load), plus the arrays.
        XCTAssertLessThan(tenThousand - empty, 10_000 * (factBytes + 48 + 4 * 41))
    }
}
