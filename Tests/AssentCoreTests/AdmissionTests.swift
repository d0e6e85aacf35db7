import AssentCore
import XCTest

/// The intake rules of PROTOCOL §3, as the node and replayers apply them.
final class AdmissionTests: XCTestCase {
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 90, count: 32))
    let party = try! SigningKey(seed: [UInt8](repeating: 91, count: 32))
    let now = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!

    func admission(past: Int64 = 86_400_000, future: Int64 = 300_000) throws -> Admission {
        Admission(window: try .init(pastMilliseconds: past, futureMilliseconds: future), operators: [operatorKey.publicKey])
    }

    func preference(issued: Timestamp, by key: SigningKey? = nil) -> Statement {
        .preference(Preference(by: (key ?? party).publicKey, issued: issued, work: try! WorkID(parsing: "iswc:T0345246801"), usage: ["train-ai": false]))
    }

    func testTheClockWindowIncludesItsBoundsAndRefusesBeyond() throws {
        let a = try admission()
        let at = { (ms: Int64) in Timestamp(milliseconds: self.now.milliseconds + ms) }
        XCTAssertNoThrow(try a.check(preference(issued: at(-86_400_000)), now: now, isEnrolled: { _ in true }))
        XCTAssertNoThrow(try a.check(preference(issued: at(300_000)), now: now, isEnrolled: { _ in true }))
        XCTAssertThrowsError(try a.check(preference(issued: at(-86_400_001)), now: now, isEnrolled: { _ in true })) {
            guard case .stale = $0 as? AdmissionError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try a.check(preference(issued: at(300_001)), now: now, isEnrolled: { _ in true })) {
            guard case .future = $0 as? AdmissionError else { return XCTFail("\($0)") }
        }
    }

    func testWindowsBeyondTheLimitsAreRefusedAndExtremeClocksDoNotOverflow() throws {
        XCTAssertThrowsError(try Admission.ClockWindow(pastMilliseconds: .max, futureMilliseconds: 0))
        XCTAssertThrowsError(try Admission.ClockWindow(pastMilliseconds: 0, futureMilliseconds: 0))
        XCTAssertThrowsError(try Admission.ClockWindow(pastMilliseconds: 1000, futureMilliseconds: -1))
        let a = try admission(past: Admission.ClockWindow.maxPast, future: Admission.ClockWindow.maxFuture)
        // A clock at either end of Int64 must give an answer, not a trap.
        XCTAssertThrowsError(try a.check(preference(issued: now), now: Timestamp(milliseconds: .max), isEnrolled: { _ in true }))
        XCTAssertThrowsError(try a.check(preference(issued: now), now: Timestamp(milliseconds: .min), isEnrolled: { _ in true }))
    }

    func testOnlyOperatorsEnrollAndMandate() throws {
        let a = try admission()
        let byOperator = Statement.enrollment(Enrollment(by: operatorKey.publicKey, issued: now, party: party.publicKey, role: .creator))
        XCTAssertEqual(try a.check(byOperator, now: now, isEnrolled: { _ in false }), .operator)
        let byParty = Statement.mandate(Mandate(by: party.publicKey, issued: now, party: party.publicKey,
                                                works: [try WorkID(parsing: "iswc:T0345246801")], role: .author))
        XCTAssertThrowsError(try a.check(byParty, now: now, isEnrolled: { _ in true })) {
            XCTAssertEqual($0 as? AdmissionError, .notOperator(kind: .mandate, by: party.publicKey))
        }
    }

    func testPreferencesAreEnrolledOrOpenDeclarations() throws {
        let a = try admission()
        XCTAssertEqual(try a.check(preference(issued: now), now: now, isEnrolled: { $0 == self.party.publicKey }), .enrolled)
        XCTAssertEqual(try a.check(preference(issued: now), now: now, isEnrolled: { _ in false }), .openDeclaration)
    }
}
