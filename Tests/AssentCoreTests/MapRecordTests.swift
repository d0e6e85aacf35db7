@testable import AssentCore
import XCTest

/// The state-map records of PROTOCOL §5: their exact canonical bytes, their map key and value,
/// and a strict reader that refuses anything another writer could spell differently.
final class MapRecordTests: XCTestCase {
    static let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32)).publicKey
    static let party = try! SigningKey(seed: [UInt8](repeating: 7, count: 32)).publicKey
    static let other = try! SigningKey(seed: [UInt8](repeating: 5, count: 32)).publicKey
    static let work = try! WorkID(parsingNormalized: "iswc:T0345246801")
    static let time = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    static let ref = MapLeafReference(index: 41, hash: SHA256.hash(Array("leaf 41".utf8)))

    static let workRecord = try! WorkRecord(
        stamp: MapRecordStamp(version: 2, index: 42, time: time), work: work,
        mandates: [
            .init(by: operatorKey, party: party, role: .steward, labels: ["TK-SS", "BC-P"], active: true, ref: ref),
            .init(by: operatorKey, party: other, role: .author, labels: [], active: false, ref: MapLeafReference(index: 7, hash: SHA256.hash([7]))),
        ])
    static let declarationRecord = try! DeclarationRecord(
        stamp: MapRecordStamp(version: 1, index: 42, time: time), work: work, declarant: party,
        preferences: [.init(audience: Audience("licensee:example-ai.com")!, ref: ref), .init(audience: .everyone, ref: ref)])
    static let partyRecord = try! PartyRecord(
        stamp: MapRecordStamp(version: 3, index: 42, time: time), party: party,
        enrollments: [.init(by: operatorKey, role: .creator, active: false, ref: ref)])

    static let records: [MapRecord] = [.work(workRecord), .declaration(declarationRecord), .party(partyRecord)]

    func testAWorkRecordHasExactlyTheseCanonicalBytes() {
        let r = MapRecord.work(Self.workRecord)
        let ref41 = #"{"hash":"\#(Self.ref.hash.base64)","index":41}"#
        let ref7 = #"{"hash":"\#(SHA256.hash([7]).base64)","index":7}"#
        // Mandates sorted by (operator, party, role) bytes: the `other` key sorts before `party` here.
        let mandates = [(Self.other, #"[]"#, ref7, "author", "revoked"), (Self.party, #"["TK-SS","BC-P"]"#, ref41, "steward", "active")]
            .sorted { $0.0.bytes.lexicographicallyPrecedes($1.0.bytes) }
            .map { #"{"by":"\#(Self.operatorKey.base64)","labels":\#($0.1),"party":"\#($0.0.base64)","ref":\#($0.2),"role":"\#($0.3)","status":"\#($0.4)"}"# }
        let expected = #"{"index":42,"mandates":[\#(mandates.joined(separator: ","))],"record":"work","time":"2026-11-21T10:00:00.000Z","version":2,"work":"iswc:T0345246801"}"#
        XCTAssertEqual(String(decoding: r.canonicalBytes, as: UTF8.self), expected)
        XCTAssertEqual(r.value, SHA256.hash(Array(expected.utf8)))
        XCTAssertEqual(r.key, MapKey.work(Self.work, version: 2))
        XCTAssertEqual(r.entry, PrefixTreeEntry(key: r.key, value: r.value))
    }

    func testDeclarationAndPartyRecordsHaveTheseCanonicalBytes() {
        let ref = #"{"hash":"\#(Self.ref.hash.base64)","index":41}"#
        XCTAssertEqual(String(decoding: MapRecord.declaration(Self.declarationRecord).canonicalBytes, as: UTF8.self),
                       #"{"by":"\#(Self.party.base64)","index":42,"preferences":[{"audience":"*","ref":\#(ref)},{"audience":"licensee:example-ai.com","ref":\#(ref)}],"record":"declaration","time":"2026-11-21T10:00:00.000Z","version":1,"work":"iswc:T0345246801"}"#)
        XCTAssertEqual(String(decoding: MapRecord.party(Self.partyRecord).canonicalBytes, as: UTF8.self),
                       #"{"enrollments":[{"by":"\#(Self.operatorKey.base64)","ref":\#(ref),"role":"creator","status":"revoked"}],"index":42,"party":"\#(Self.party.base64)","record":"party","time":"2026-11-21T10:00:00.000Z","version":3}"#)
        XCTAssertEqual(MapRecord.declaration(Self.declarationRecord).key, MapKey.declaration(work: Self.work, declarant: Self.party, version: 1))
        XCTAssertEqual(MapRecord.party(Self.partyRecord).key, MapKey.party(Self.party, version: 3))
    }

    func testRecordsReadBackToThemselves() throws {
        for r in Self.records {
            XCTAssertEqual(try MapRecord(bytes: r.canonicalBytes), r)
        }
    }

    func testTwoItemsWithOneIdentityAreRefusedWhenMade() {
        XCTAssertThrowsError(try DeclarationRecord(
            stamp: MapRecordStamp(version: 1, index: 1, time: Self.time), work: Self.work, declarant: Self.party,
            preferences: [.init(audience: .everyone, ref: Self.ref), .init(audience: .everyone, ref: MapLeafReference(index: 2, hash: .zero))]
        )) { XCTAssertEqual($0 as? MapRecordError, .unordered(record: "declaration", list: "preferences", index: 1)) }
        XCTAssertThrowsError(try PartyRecord(stamp: MapRecordStamp(version: 0, index: 1, time: Self.time), party: Self.party, enrollments: [])) {
            XCTAssertTrue("\($0)".contains("version 0"), "\($0)")
        }
        XCTAssertThrowsError(try PartyRecord(stamp: MapRecordStamp(version: 1, index: 1 << 53, time: Self.time), party: Self.party, enrollments: [])) {
            XCTAssertTrue("\($0)".contains("beyond 2^53"), "\($0)")
        }
        XCTAssertThrowsError(try PartyRecord(stamp: MapRecordStamp(version: 1, index: 1, time: Timestamp(milliseconds: .max)), party: Self.party, enrollments: []))
    }

    /// Each edit of a valid record's text that the reader must refuse, with words from its message.
    func testTheReaderRefusesEveryOtherSpelling() throws {
        let work = String(decoding: MapRecord.work(Self.workRecord).canonicalBytes, as: UTF8.self)
        let decl = String(decoding: MapRecord.declaration(Self.declarationRecord).canonicalBytes, as: UTF8.self)
        let party = String(decoding: MapRecord.party(Self.partyRecord).canonicalBytes, as: UTF8.self)
        let cases: [(String, String, String)] = [
            (work, #""record":"work""#, #""record":"works""#),            // unknown kind
            (work, #""version":2"#, #""version":0"#),                     // versions count from 1
            (work, #""version":2"#, #""version":4294967296"#),            // beyond uint32
            (work, #""index":42"#, #""index":-1"#),
            (work, #""time":"2026-11-21T10:00:00.000Z""#, #""time":"2026-11-21T10:00:00Z""#),
            (work, #""work":"iswc:T0345246801""#, #""work":"iswc:T-034.524.680-1""#),  // not normalized
            (work, #""role":"steward""#, #""role":"owner""#),
            (work, #""status":"active""#, #""status":"Active""#),
            (work, #""labels":["TK-SS","BC-P"]"#, #""labels":["TK-SS","XX"]"#),
            (work, #","version":2"#, #","version":2,"zzz":1"#),           // unknown member
            (work, #""index":41}"#, #""index":41,"x":1}"#),               // unknown member of a ref
            (decl, #""audience":"*""#, #""audience":"licensee:zzz""#),    // out of order
            (decl, #""audience":"*""#, #""audience":"everyone""#),
            (party, #""status":"revoked""#, #""status":"gone""#),
            (party, #""role":"creator""#, #""role":"author""#),           // a mandate role, not an enrollment role
            (party, #""enrollments":["#, #""enrollmentz":["#),
        ]
        for (text, from, to) in cases {
            let edited = text.replacingOccurrences(of: from, with: to)
            XCTAssertNotEqual(edited, text, "edit \(to) did not apply")
            XCTAssertThrowsError(try MapRecord(bytes: Array(edited.utf8)), to) { XCTAssertFalse("\($0)".isEmpty) }
        }
        // Not canonical: white space, or members out of order.
        XCTAssertThrowsError(try MapRecord(bytes: Array((work + " ").utf8)))
        XCTAssertThrowsError(try MapRecord(bytes: [UInt8](repeating: 0x20, count: MapRecord.maxBytes + 1))) {
            XCTAssertEqual($0 as? MapRecordError, .tooLarge(bytes: MapRecord.maxBytes + 1, limit: MapRecord.maxBytes))
        }
    }

    func testAnItemsErrorNamesTheListAndPosition() {
        let decl = String(decoding: MapRecord.declaration(Self.declarationRecord).canonicalBytes, as: UTF8.self)
        let edited = decl.replacingOccurrences(of: #""audience":"licensee:example-ai.com""#, with: #""audience":"licensee:EXAMPLE""#)
        XCTAssertThrowsError(try MapRecord(bytes: Array(edited.utf8))) {
            XCTAssertEqual("\($0)", #"declaration record: preferences[1]: field "audience": "licensee:EXAMPLE" is not * or licensee:<id>"#)
        }
    }
}
