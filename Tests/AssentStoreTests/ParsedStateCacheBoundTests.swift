@testable import AssentCore
@testable import AssentStore
import XCTest

/// The parsed-state cache bounded in estimated bytes, not only in entries: a mandate naming
/// 1,000 works costs a thousand times an enrollment, so a count alone let a node's cache grow
/// to hundreds of megabytes (docs/benchmarks.md "Node memory and past T").
final class ParsedStateCacheBoundTests: StoreTestCase {
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))

    func testGenerationsTurnOverWhenTheirBytesAreFullNotOnlyTheirCount() {
        let cache = TwoGenerationCache<Int, Int>(capacity: 1_000, byteCapacity: 1_000)
        for i in 0..<100 {
            cache.insert(i, for: i, cost: 300)
            // Three of 300 bytes fill a generation's 1,000: at most 3 + 3 entries held.
            XCTAssertLessThanOrEqual(cache.bytes, 2_000, "after \(i + 1) inserts")
            XCTAssertLessThanOrEqual(cache.stats.count, 6)
        }
        XCTAssertEqual(cache.value(99), 99)
        XCTAssertNil(cache.value(0))
        // A hit in the previous generation (96–98; 99 began the current one) moves back into the current one.
        XCTAssertEqual(cache.value(97), 97)
        XCTAssertLessThanOrEqual(cache.bytes, 2_000)
        // An entry larger than a generation is clamped to it: it evicts, and is still kept.
        cache.insert(-1, for: -1, cost: 50_000)
        XCTAssertEqual(cache.value(-1), -1)
        XCTAssertLessThanOrEqual(cache.bytes, 2_000)
        // The count bound still holds for cheap entries.
        let counted = TwoGenerationCache<Int, Int>(capacity: 10, byteCapacity: 1 << 30)
        for i in 0..<100 { counted.insert(i, for: i, cost: 1) }
        XCTAssertLessThanOrEqual(counted.stats.count, 20)
    }

    /// Ten mandates of 1,000 works each, every work asked once through a cache whose bound holds
    /// about two of them: the cache stays under its bound, and the answers are those of an
    /// unbounded cache.
    func testLargeMandatesStayWithinTheByteBoundAndAnswersDoNotChange() throws {
        let store = try open()
        var statements = [SignedStatement.sign(.enrollment(Enrollment(by: operatorKey.publicKey, issued: t0, party: author.publicKey, role: .creator)),
                                               with: operatorKey)]
        var works = [WorkID]()
        for m in 0..<10 {
            let named = try (0..<Mandate.maxWorks).map { try WorkID(parsing: "local:gema.de/W\(10_000_000 + m * Mandate.maxWorks + $0)") }
            works += named
            statements.append(.sign(.mandate(Mandate(by: operatorKey.publicKey, issued: t0, party: author.publicKey, works: named, role: .author)),
                                    with: operatorKey))
        }
        // The author refuses mining on one work of each mandate.
        for m in 0..<10 {
            statements.append(.sign(.preference(Preference(by: author.publicKey, issued: t0, work: works[m * Mandate.maxWorks + 7], usage: ["tdm": false])),
                                    with: author))
        }
        _ = try append(statements, to: store)

        let bound = 40_000
        let small = ParsedStateCache(byteCapacity: bound)
        let large = ParsedStateCache(byteCapacity: 1 << 30)
        // Every 97th work: each mandate is asked about many times, in turn.
        let asked = stride(from: 0, to: works.count, by: 97).map { works[$0] } + (0..<10).map { works[$0 * Mandate.maxWorks + 7] }
        for w in asked {
            let query = Resolution.Query(work: w, at: t0)
            let a = try store.readBlocking { try $0.workState(query, operators: [operatorKey.publicKey], cache: small) }
            let b = try store.readBlocking { try $0.workState(query, operators: [operatorKey.publicKey], cache: large) }
            XCTAssertEqual(CanonicalJSON.encode(a.json(log: origin)), CanonicalJSON.encode(b.json(log: origin)), "\(w)")
            XCTAssertLessThanOrEqual(small.bytes, bound, "after \(w)")
        }
        XCTAssertEqual(try store.readBlocking { try $0.workState(Resolution.Query(work: works[7], at: t0), operators: [operatorKey.publicKey], cache: small) }
            .decision[.tdm], .disallowed)
        // The unbounded cache holds all ten mandates at about 9.4 KB each (8 bytes a work and
        // their fields; about 120 KB each when kept parsed in full with a set of their works).
        XCTAssertGreaterThan(large.bytes, 10 * 9_000)
        XCTAssertLessThan(large.bytes, 10 * 12_000)
    }

    /// A cached mandate keeps its works as hashes: it answers "names W" for each of its 1,000
    /// works and no other, keeps every other field, and is estimated at under 10 KB.
    func testACachedMandateKeepsItsFieldsAndAnswersForItsWorksOnly() throws {
        let named = try (0..<Mandate.maxWorks).map { try WorkID(parsing: "local:gema.de/W\(20_000_000 + $0)") }
        let others = try (0..<5_000).map { try WorkID(parsing: "local:gema.de/W\(30_000_000 + $0)") }
            + [try WorkID(parsing: "local:apra.com.au/W20000000"), try WorkID(parsing: "isrc:USRC17607839")]
        let mandate = Mandate(by: operatorKey.publicKey, issued: t0, party: author.publicKey, works: named, role: .steward, labels: ["TK-SS", "TK-NC"])
        let signed = SignedStatement.sign(.mandate(mandate), with: operatorKey)
        let entry = ParsedStateCache.Entry(signed, leafHash: SHA256.hash([1]), time: t0)
        for w in named { XCTAssertEqual(entry.mandateWorks?.contains(w), true, "\(w)") }
        for w in others { XCTAssertEqual(entry.mandateWorks?.contains(w), false, "\(w)") }
        guard case let .mandate(kept) = entry.statement else { return XCTFail("not kept as a mandate: \(entry.statement)") }
        var expected = mandate
        expected.works = []
        XCTAssertEqual(kept, expected)
        XCTAssertEqual(entry.hash, signed.hash)
        XCTAssertLessThan(entry.estimatedBytes, 10_000)
        XCTAssertGreaterThan(entry.estimatedBytes, 8 * Mandate.maxWorks)
        // A preference is kept whole, estimated from its canonical size.
        let preference = SignedStatement.sign(.preference(Preference(by: author.publicKey, issued: t0, work: named[0], usage: ["tdm": false])), with: author)
        let plain = ParsedStateCache.Entry(preference, leafHash: SHA256.hash([2]), time: t0)
        XCTAssertEqual(plain.statement, preference.statement)
        XCTAssertNil(plain.mandateWorks)
        XCTAssertEqual(plain.estimatedBytes, ParsedStateCache.statementSlot + preference.canonicalBytes.count)
        // A slot is the key and the entry as stored, at a load of 3/4: over 300 bytes on 64-bit
        // platforms (the review measured 288 bytes of key and entry).
        XCTAssertGreaterThan(ParsedStateCache.statementSlot, 300)
    }
}
