import AssentCore
import Testing

/// Timestamps (PROTOCOL §1): RFC 3339 UTC with exactly three fraction digits, one spelling only.
/// (Swift Testing, beside the XCTest suites.)
struct TimestampTests {
    @Test func roundTripsTheProtocolExample() {
        let t = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")
        #expect(t?.milliseconds == 1_795_255_200_000)
        #expect(t?.rfc3339 == "2026-11-21T10:00:00.000Z")
    }

    @Test func leapDayAndEpoch() {
        #expect(Timestamp(milliseconds: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(rfc3339: "2024-02-29T23:59:59.999Z")?.rfc3339 == "2024-02-29T23:59:59.999Z")
        #expect(Timestamp(rfc3339: "2026-02-29T00:00:00.000Z") == nil)
    }

    @Test(arguments: ["2026-11-21T10:00:00Z", "2026-11-21T10:00:00.000+00:00", "2026-11-21 10:00:00.000Z",
                      "2026-11-21T10:00:00.0000Z", "2026-13-01T00:00:00.000Z", "2026-11-21T24:00:00.000Z"])
    func onlyOneSpellingIsAccepted(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func timesBeforeTheEpochFormatCorrectly() {
        #expect(Timestamp(milliseconds: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(rfc3339: "1969-12-31T23:59:59.999Z")?.milliseconds == -1)
    }
}
