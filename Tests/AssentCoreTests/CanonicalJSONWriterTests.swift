@testable import AssentCore
import AssentTestSupport
import XCTest

/// The bytes written directly (`CanonicalJSONWriter`: state-map records, bulk-check reply
/// lines) are exactly the canonical encoding of the `JSONValue` the same value gives, over
/// random values that reach every member, escape and list length.
final class CanonicalJSONWriterTests: XCTestCase {
    typealias RNG = SplitMix64

    /// Strings that need every kind of escape RFC 8785 §3.2.2.2 has, and some that need none.
    static let awkward = ["", "plain", "quote\"d", "back\\slash", "tab\there", "nl\nx", "\u{01}ctl\u{1F}", "é", "\u{10348}", "\u{FFFF}\u{E000}", "/"]

    func string(_ rng: inout RNG) -> String {
        Self.awkward.randomElement(using: &rng)! + (Bool.random(using: &rng) ? Self.awkward.randomElement(using: &rng)! : "")
    }

    func key(_ rng: inout RNG) -> PublicKey {
        try! SigningKey(seed: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }).publicKey
    }

    func hash(_ rng: inout RNG) -> Hash { Hash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })! }

    func work(_ rng: inout RNG) throws -> WorkID {
        // Local catalogue ids keep most characters as written, so JSON escapes them: a quote, a
        // backslash, percent-encoded UTF-8.
        let ids = ["iswc:T0345246801", "local:gema.de/W10000042", "local:gema.de/a\"b\\c", "local:x/é-ü", "doi:10.1000/182",
                   "url:https://example.com/a?b=c"]
        return try WorkID(parsing: ids.randomElement(using: &rng)!)
    }

    func index(_ rng: inout RNG) -> UInt64 {
        // Leaf indexes reach 2^53 − 1, the most a record may hold.
        let edge: UInt64 = [0, 1, 9, 10, 255, 1 << 32, UInt64(JSONValue.maxInteger)].randomElement(using: &rng)!
        return min(edge + UInt64.random(in: 0...1000, using: &rng), UInt64(JSONValue.maxInteger))
    }

    func stamp(_ rng: inout RNG) -> MapRecordStamp {
        MapRecordStamp(version: [1, 2, 9, 10, UInt32.max].randomElement(using: &rng)!, index: index(&rng),
                       time: Timestamp(milliseconds: Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &rng)))
    }

    func ref(_ rng: inout RNG) -> MapLeafReference { MapLeafReference(index: index(&rng), hash: hash(&rng)) }

    func record(_ rng: inout RNG) throws -> MapRecord {
        let n = [0, 1, 2, 5].randomElement(using: &rng)!
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            let mandates = (0..<n).map { _ in
                WorkRecord.MandateEntry(by: key(&rng), party: key(&rng), role: Mandate.Role.allCases.randomElement(using: &rng)!,
                                        labels: (0..<Int.random(in: 0...3, using: &rng)).map { _ in string(&rng) },
                                        active: Bool.random(using: &rng), ref: ref(&rng))
            }
            return .work(try WorkRecord(stamp: stamp(&rng), work: work(&rng), mandates: mandates))
        case 1:
            var audiences = [Audience.everyone, Audience("licensee:example-ai.com")!, Audience("licensee:b.example")!]
            audiences.shuffle(using: &rng)
            let preferences = audiences.prefix(min(n, 3)).map { DeclarationRecord.PreferenceEntry(audience: $0, ref: ref(&rng)) }
            return .declaration(try DeclarationRecord(stamp: stamp(&rng), work: work(&rng), declarant: key(&rng), preferences: preferences))
        default:
            let enrollments = (0..<n).map { _ in
                PartyRecord.EnrollmentEntry(by: key(&rng), role: Enrollment.Role.allCases.randomElement(using: &rng)!,
                                            active: Bool.random(using: &rng), ref: ref(&rng))
            }
            return .party(try PartyRecord(stamp: stamp(&rng), party: key(&rng), enrollments: enrollments))
        }
    }

    func testRecordBytesAreTheCanonicalEncodingOfTheirJSON() throws {
        var rng = RNG(state: 11)
        for i in 0..<3000 {
            let r = try record(&rng)
            let expected = CanonicalJSON.encode(r.json)
            XCTAssertEqual(r.canonicalBytes, expected, "record \(i): \(String(decoding: expected, as: UTF8.self))")
            XCTAssertEqual(r.value, SHA256.hash(expected))
        }
    }

    func testIntegersAreWrittenAsStringWritesThem() {
        var rng = RNG(state: 12)
        let edges: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, JSONValue.maxInteger, -JSONValue.maxInteger, .max, .min, .max - 1, .min + 1]
        for n in edges + (0..<5000).map({ _ in Int64(bitPattern: rng.next()) >> Int.random(in: 0...63, using: &rng) }) {
            var out = [UInt8]()
            CanonicalJSON.writeInteger(n, into: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), String(n))
        }
    }

    func testCompactDecisionLinesAreTheCanonicalEncodingOfTheirJSON() throws {
        var rng = RNG(state: 13)
        var w = CanonicalJSONWriter()
        let values: [Decision.Value] = [.allowed, .disallowed, .unknown]
        for i in 0..<3000 {
            var d = CompactDecision(work: try work(&rng))
            for c in d.values.indices { d.values[c] = values.randomElement(using: &rng)! }
            for _ in 0..<Int.random(in: 0...6, using: &rng) { d.insertRef(UInt64.random(in: 0...20, using: &rng) * (Bool.random(using: &rng) ? 1 : 1 << 40)) }
            if Bool.random(using: &rng) { d.unverifiedNotRead = Int.random(in: 1...100_000, using: &rng) }
            // Lines follow one another in one writer, as a chunk of a reply is written.
            w.removeAll()
            if i % 2 == 1 { w.value(["line": 1]); w.endLine() }
            let before = w.bytes.count
            d.writeJSON(&w)
            w.endLine()
            XCTAssertEqual(Array(w.bytes[before...]), CanonicalJSON.encode(d.json) + [0x0A], "decision \(i)")
            XCTAssertEqual(d.refs, d.refs.sorted(), "refs are kept sorted")
            XCTAssertEqual(Set(d.refs).count, d.refs.count, "and without repeats")
        }
    }
}

/// `Timestamp.rfc3339` written as bytes (`appendRFC3339`) is what the string formatter it
/// replaced printed, for every `Int64`; and `fourDigitYears` is exactly the range that reads back.
final class TimestampBytesTests: XCTestCase {
    /// The former formatter: each field `String(v)` padded with zeros on the left.
    static func formerRFC3339(_ t: Timestamp) -> String {
        var (totalSeconds, millis) = t.milliseconds.quotientAndRemainder(dividingBy: 1000)
        if millis < 0 {
            totalSeconds -= 1
            millis += 1000
        }
        let days = totalSeconds >= 0 ? totalSeconds / 86400 : (totalSeconds - 86399) / 86400
        let secondOfDay = totalSeconds - days * 86400
        let (y, m, d) = Timestamp.civilFromDays(days)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }

    func testTimesAreWrittenAsTheFormerFormatterWroteThem() {
        var rng = SplitMix64(state: 14)
        let range = Timestamp.fourDigitYears
        let edges: [Int64] = [0, -1, 1, .min, .max, range.lowerBound, range.lowerBound - 1, range.upperBound, range.upperBound + 1,
                              -62_135_596_800_000, 951_782_400_000, 4_107_542_399_999]
        let random = (0..<20_000).map { i in
            i % 2 == 0 ? Int64.random(in: range.lowerBound - 1_000_000...range.upperBound + 1_000_000, using: &rng)
                       : Int64(bitPattern: rng.next()) >> Int.random(in: 0...40, using: &rng)
        }
        for ms in edges + random {
            let t = Timestamp(milliseconds: ms)
            XCTAssertEqual(t.rfc3339, Self.formerRFC3339(t), "\(ms) ms")
            XCTAssertEqual(range.contains(ms), Timestamp(rfc3339: t.rfc3339) == t, "\(ms) ms")
        }
    }
}
