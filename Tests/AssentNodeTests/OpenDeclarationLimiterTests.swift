import AssentCore
@testable import AssentNode
import NIOCore
import XCTest

/// The token buckets and daily quota of open declarations, with time passed in.
final class OpenDeclarationLimiterTests: XCTestCase {
    let t0 = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    func key(_ n: UInt8) -> PublicKey { try! SigningKey(seed: [UInt8](repeating: n, count: 32)).publicKey }
    func at(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: t0.milliseconds + ms) }

    func policy(_ change: (inout OpenDeclarationLimiter.Policy) -> Void) -> OpenDeclarationLimiter.Policy {
        var p = OpenDeclarationLimiter.Policy()
        p.enabled = true
        change(&p)
        return p
    }

    func testAnIPv6ClientIsCountedByItsSlash64() throws {
        func key(_ ip: String) throws -> String { NodeRequestContext.clientKey(for: try SocketAddress(ipAddress: ip, port: 4000)) }
        XCTAssertEqual(try key("2001:db8:1:2::1"), "2001:db8:1:2::/64")
        XCTAssertEqual(try key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64")  // same subscriber
        XCTAssertNotEqual(try key("2001:db8:1:3::1"), try key("2001:db8:1:2::1"))
        XCTAssertEqual(try key("192.0.2.7"), "192.0.2.7")
        XCTAssertEqual(try key("::ffff:192.0.2.7"), "192.0.2.7")  // IPv4-mapped: the IPv4 client
        XCTAssertEqual(NodeRequestContext.clientKey(for: nil), "local")
    }

    func testABurstIsTakenThenTokensComeBackAtTheRate() {
        let limiter = OpenDeclarationLimiter(policy: policy { $0.perKeyBurst = 3; $0.perKeyPerMinute = 30 })
        for _ in 0..<3 { XCTAssertNil(limiter.charge(key: key(1), client: "a", now: t0)) }
        XCTAssertEqual(limiter.charge(key: key(1), client: "a", now: t0)?.retryAfter, 2, "30 a minute: one every 2 s")
        XCTAssertNotNil(limiter.charge(key: key(1), client: "a", now: at(1999)))
        XCTAssertNil(limiter.charge(key: key(1), client: "a", now: at(2000)))
        // A refusal costs nothing: the bucket is not drained by asking.
        XCTAssertNil(limiter.charge(key: key(1), client: "a", now: at(4000)))
    }

    func testABucketLastSeenLongAgoDoesNotOverflow() {
        let limiter = OpenDeclarationLimiter(policy: policy { $0.perClientPerMinute = 100_000_000; $0.perClientBurst = 1 })
        XCTAssertNil(limiter.charge(key: key(6), client: "a", now: Timestamp(milliseconds: 0)))
        // Decades later (a clock that jumped from 1970): the bucket is simply full again.
        XCTAssertNil(limiter.charge(key: key(7), client: "a", now: t0))
    }

    func testTheDailyQuotaEndsAtMidnightUTC() {
        let limiter = OpenDeclarationLimiter(policy: policy { $0.dailyQuotaPerKey = 2; $0.perKeyBurst = 100 })
        XCTAssertNil(limiter.charge(key: key(2), client: "a", now: t0))
        XCTAssertNil(limiter.charge(key: key(2), client: "a", now: t0))
        let refused = limiter.charge(key: key(2), client: "a", now: t0)
        XCTAssertEqual(refused?.retryAfter, 14 * 3600, "10:00 UTC: 14 hours to midnight")
        XCTAssertTrue(refused?.reason.contains("daily quota") ?? false)
        XCTAssertNil(limiter.charge(key: key(2), client: "a", now: at(14 * 3_600_000)))
    }

    func testMemoryIsBoundedAndRefilledBucketsMakeRoom() {
        let limiter = OpenDeclarationLimiter(policy: policy { $0.maxTracked = 2; $0.perKeyBurst = 1; $0.perKeyPerMinute = 60 })
        XCTAssertNil(limiter.charge(key: key(3), client: "a", now: t0))
        XCTAssertNil(limiter.charge(key: key(4), client: "b", now: t0))
        XCTAssertNotNil(limiter.charge(key: key(5), client: "a", now: t0), "the table is full and nobody has refilled")
        XCTAssertLessThanOrEqual(limiter.tracked.keys, 2)
        // The daily table is bounded too: a third key waits for the next UTC day, when both
        // buckets have long refilled (they carry no information) and make room.
        XCTAssertNotNil(limiter.charge(key: key(5), client: "a", now: at(1000)))
        XCTAssertNil(limiter.charge(key: key(5), client: "a", now: at(14 * 3_600_000)))
        XCTAssertLessThanOrEqual(limiter.tracked.keys, 2)
    }
}
