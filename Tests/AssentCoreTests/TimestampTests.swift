import AssentCore
import XCTest

final class TimestampTests: XCTestCase {
    func testRoundTripsTheProtocolExample() {
        let t = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")
        XCTAssertEqual(t?.milliseconds, 1_795_255_200_000)
        XCTAssertEqual(t?.rfc3339, "2026-11-21T10:00:00.000Z")
    }

    func testLeapDayAndEpoch() {
        XCTAssertEqual(Timestamp(milliseconds: 0).rfc3339, "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(Timestamp(rfc3339: "2024-02-29T23:59:59.999Z")?.rfc3339, "2024-02-29T23:59:59.999Z")
        XCTAssertNil(Timestamp(rfc3339: "2026-02-29T00:00:00.000Z"))
    }

    func testOnlyOneSpellingIsAccepted() {
        for bad in ["2026-11-21T10:00:00Z", "2026-11-21T10:00:00.000+00:00", "2026-11-21 10:00:00.000Z",
                    "2026-11-21T10:00:00.0000Z", "2026-13-01T00:00:00.000Z", "2026-11-21T24:00:00.000Z"] {
            XCTAssertNil(Timestamp(rfc3339: bad), bad)
        }
    }
}
