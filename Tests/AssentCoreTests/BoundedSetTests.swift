@testable import AssentCore
import XCTest

final class BoundedSetTests: XCTestCase {
    func testItNeverHoldsMoreThanItsCapacityAndRemembersWhatItHolds() {
        let set = BoundedSet<Int>(capacity: 3)
        for n in 0..<3 { set.insert(n) }
        XCTAssertEqual(set.count, 3)
        XCTAssertTrue((0..<3).allSatisfy(set.contains))
        set.insert(1)  // already a member: no room needed
        XCTAssertEqual(set.count, 3)
        set.insert(3)  // full: starts again
        XCTAssertEqual(set.count, 1)
        XCTAssertTrue(set.contains(3))
        XCTAssertFalse(set.contains(0))
    }

    func testConcurrentUseKeepsTheBound() async {
        let set = BoundedSet<Int>(capacity: 100)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask { for n in 0..<1000 { set.insert(t * 1000 + n); _ = set.contains(n) } }
            }
        }
        XCTAssertLessThanOrEqual(set.count, 100)
        XCTAssertGreaterThan(set.count, 0)
    }
}
