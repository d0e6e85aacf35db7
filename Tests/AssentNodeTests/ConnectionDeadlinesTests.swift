@testable import AssentNode
import NIOCore
import XCTest

/// Which deadline holds a connection, driven by made-up instants (no clock, no sleep).
final class ConnectionDeadlinesTests: XCTestCase {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    func at(_ ms: Int64) -> NIODeadline { t0 + .milliseconds(ms) }

    func make() -> ConnectionDeadlines {
        ConnectionDeadlines(idle: .seconds(60), header: .seconds(10), body: .seconds(30), openedAt: t0)
    }

    func testANewConnectionIsIdleUntilItsFirstByte() {
        let d = make()
        XCTAssertEqual(d.next?.kind, .idle)
        XCTAssertEqual(d.next?.deadline, at(60_000))
    }

    func testAHeadHasTheHeaderTimeFromItsFirstByteNotFromEachByte() {
        var d = make()
        d.bytesReceived(at: at(5_000))
        d.bytesReceived(at: at(9_000))  // a trickled head does not move its deadline
        XCTAssertEqual(d.next?.kind, .header)
        XCTAssertEqual(d.next?.deadline, at(15_000))
    }

    func testABodyHasTheBodyTimeFromTheEndOfItsHeadHoweverSteadilyItComes() {
        var d = make()
        d.bytesReceived(at: at(1_000))
        d.headReceived(at: at(1_200))
        for ms in stride(from: Int64(2_000), to: 40_000, by: 1_000) { d.bytesReceived(at: at(ms)) }  // one byte a second
        XCTAssertTrue(d.receivingBody)
        XCTAssertEqual(d.next?.kind, .body)
        XCTAssertEqual(d.next?.deadline, at(31_200))
    }

    func testNoDeadlineWhileTheNodeOwesAResponse() {
        var d = make()
        d.headReceived(at: at(100))
        d.bodyEnded()
        XCTAssertNil(d.next)
        // Bytes of a next (pipelined) request while the node works do not start a clock either.
        d.bytesReceived(at: at(200))
        XCTAssertNil(d.next)
    }

    func testAfterTheResponseTheConnectionIsIdleAgain() {
        var d = make()
        d.headReceived(at: at(100))
        d.bodyEnded()
        d.responseEnded(at: at(700))
        XCTAssertEqual(d.next?.kind, .idle)
        XCTAssertEqual(d.next?.deadline, at(60_700))
    }

    func testAHeadStartedDuringAResponseIsTimedFromTheResponsesEnd() {
        var d = make()
        d.headReceived(at: at(100))
        d.bodyEnded()
        d.bytesReceived(at: at(200))
        d.responseEnded(at: at(20_000))
        XCTAssertEqual(d.next?.kind, .header)
        XCTAssertEqual(d.next?.deadline, at(30_000))
    }

    func testPipelinedRequestsEachOweAResponse() {
        var d = make()
        d.headReceived(at: at(100))
        d.bodyEnded()
        d.headReceived(at: at(110))
        d.bodyEnded()
        d.responseEnded(at: at(500))
        XCTAssertNil(d.next, "one response still owed")
        d.responseEnded(at: at(600))
        XCTAssertEqual(d.next?.deadline, at(60_600))
    }

    func testAResponseWithNoRequestDoesNotUnderflow() {
        var d = make()
        d.responseEnded(at: at(100))  // the 503 to a connection over the cap
        XCTAssertEqual(d.owed, 0)
        XCTAssertEqual(d.next?.kind, .idle)
    }
}
