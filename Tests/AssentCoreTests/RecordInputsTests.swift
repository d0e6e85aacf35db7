@testable import AssentCore
import XCTest

/// The resolution inputs stored beside each record version (docs/state-map.md "Resolution
/// inputs"): their exact bytes, read back to themselves, and a reader that refuses anything
/// the writer would not write, with the reason.
final class RecordInputsTests: XCTestCase {
    typealias Fixture = MapRecordTests
    static let grant = Preference(by: Fixture.party, issued: Fixture.time, work: Fixture.work, audience: Audience("licensee:example-ai.com")!,
                                  usage: ["train-genai": true, "search": false], conditions: Conditions(purpose: .research),
                                  expires: Timestamp(rfc3339: "2027-01-01T00:00:00.000Z")!)
    static let refusal = Preference(by: Fixture.party, issued: Fixture.time, work: Fixture.work, usage: ["train-ai": false])

    static var inputs: [RecordInputs] {
        [RecordInputs(.work(Fixture.workRecord))!,
         RecordInputs(.declaration(Fixture.declarationRecord), preferences: [.init(refusal), .init(grant)])!,
         RecordInputs(.party(Fixture.partyRecord))!]
    }

    func testAWorkRecordsInputsAreItsMandatesInOrderWithTheirLabelsEffects() throws {
        guard case let .work(mandates) = RecordInputs(.work(Fixture.workRecord)) else { return XCTFail("not a work's inputs") }
        XCTAssertEqual(mandates.map(\.index), Fixture.workRecord.mandates.map(\.ref.index))
        let steward = try XCTUnwrap(mandates.first { $0.role == .steward })
        // TK-SS refuses every use; BC-P is no effect; the steward's mandate is active.
        XCTAssertEqual([steward.active, steward.restricting, steward.nonCommercial], [true, true, false])
        let author = try XCTUnwrap(mandates.first { $0.role == .author })
        XCTAssertEqual([author.active, author.restricting, author.nonCommercial], [false, false, false])
    }

    func testTheBytesOfAPartysInputsAreKindCountThenEachOperatorAndStatus() {
        let bytes = RecordInputs(.party(Fixture.partyRecord))!.bytes
        XCTAssertEqual(bytes, [3, 0, 0, 0, 1] + Fixture.operatorKey.bytes + [0])
    }

    func testTheBytesOfADeclarationsInputsSpellEachPreferencesFacts() {
        let bytes = RecordInputs.declaration([.init(audience: Audience("licensee:a.b")!, index: 0x0102,
                                                    facts: ConsentIndex.PreferenceFacts(Self.grant))]).bytes
        // train-genai `y`, search `n`, after inheritance within the statement (train-genai is under
        // train-ai, which is under tdm: neither is implied upwards).
        let facts = ConsentIndex.PreferenceFacts(Self.grant)
        XCTAssertEqual(bytes[0..<5], [2, 0, 0, 0, 1])
        XCTAssertEqual(Array(bytes[5..<13]), [0, 0, 0, 0, 0, 0, 1, 2])
        XCTAssertEqual(Array(bytes[13..<21]), withUnsafeBytes(of: Timestamp(rfc3339: "2027-01-01T00:00:00.000Z")!.milliseconds.bigEndian, Array.init))
        XCTAssertEqual(Array(bytes[21..<23]), [UInt8(facts.values >> 8), UInt8(facts.values & 0xFF)])
        XCTAssertEqual(bytes[23], 3, "research")
        XCTAssertEqual(Array(bytes[24...]), [0, 12] + Array("licensee:a.b".utf8))
    }

    func testInputsReadBackToThemselves() throws {
        for inputs in Self.inputs {
            XCTAssertEqual(try RecordInputs(bytes: inputs.bytes), inputs)
        }
        XCTAssertEqual(try RecordInputs(bytes: RecordInputs.work([]).bytes), .work([]))
    }

    func testADeclarationWithoutTheFactsOfEachEntryHasNoInputs() {
        XCTAssertNil(RecordInputs(.declaration(Fixture.declarationRecord), preferences: [.init(Self.grant)]))
    }

    func testEveryCutAndEveryExtraByteIsRefused() {
        for inputs in Self.inputs {
            let bytes = inputs.bytes
            for cut in 0..<bytes.count {
                XCTAssertThrowsError(try RecordInputs(bytes: bytes[0..<cut]), "cut at \(cut)")
            }
            XCTAssertThrowsError(try RecordInputs(bytes: bytes + [0])) { error in
                XCTAssertEqual(error as? RecordInputs.DecodingError, .trailingBytes(at: bytes.count))
            }
        }
    }

    func testCodesTheWriterNeverWritesAreRefusedWithTheEntry() throws {
        let work = RecordInputs(.work(Fixture.workRecord))!.bytes
        let declaration = Self.inputs[1].bytes
        let party = Self.inputs[2].bytes
        func refused(_ bytes: [UInt8], _ edits: [(at: Int, value: UInt8)]) -> RecordInputs.DecodingError? {
            var b = bytes
            for e in edits { b[e.at] = e.value }
            do { _ = try RecordInputs(bytes: b) } catch { return error }
            return nil
        }
        XCTAssertEqual(refused(work, [(0, 4)]), .badKind(4))
        XCTAssertEqual(refused(work, [(5 + 72, 3)]), .badField(entry: 0, "role code 3"))
        XCTAssertEqual(refused(work, [(5 + 73, 8)]), .badField(entry: 0, "mandate flags 8"))
        // The first mandate is the author's (the fixture's keys sort so): no label flags for it.
        XCTAssertEqual(refused(work, [(5 + 73, 2)]), .badField(entry: 0, "label flags on a author's mandate"))
        XCTAssertEqual(refused(work, [(5 + 74 + 73, 9)]), .badField(entry: 1, "mandate flags 9"))
        XCTAssertEqual(refused(declaration, [(5 + 18, 4)]), .badField(entry: 0, "purpose code 4"))
        XCTAssertEqual(refused(declaration, [(5 + 16, 0), (5 + 17, 3)]), .badField(entry: 0, "category values 3"))
        XCTAssertEqual(refused(declaration, [(5 + 16, 0x80), (5 + 17, 0)]), .badField(entry: 0, "category values 32768"))
        XCTAssertEqual(refused(declaration, [(5 + 21, UInt8(ascii: "x"))]), .badField(entry: 0, "an audience that is neither * nor licensee:<id>"))
        XCTAssertEqual(refused(party, [(5 + 32, 2)]), .badField(entry: 0, "active flag 2"))
        // A count the bytes cannot hold is refused before anything is reserved for it.
        XCTAssertEqual(refused(party, [(1, 0xFF)]), .truncated(at: party.count))
    }

    /// A decision over inputs numbers its keys for itself (in a list, then hashed past eight
    /// keys); with many declarants it must still be the index's decision over the same records.
    func testADecisionFromInputsWithManyKeysIsTheIndexsOverTheSameRecords() throws {
        let keys = try (0..<14).map { try SigningKey(seed: [UInt8](repeating: UInt8(100 + $0), count: 32)).publicKey }
        let op = keys[0], mandated = Array(keys[1...3]), strangers = Array(keys[4...])
        let work = Fixture.work
        let mandates = mandated.enumerated().map { i, p in
            RecordInputs.MandateInput(by: op, party: p, index: UInt64(i), role: i == 2 ? .steward : .author, active: i != 1,
                                      restricting: false, nonCommercial: i == 2)
        }
        let declarations = (mandated + strangers).enumerated().map { i, d in
            let p = Preference(by: d, issued: Fixture.time, work: work, usage: [UsageCategory.allCases[i % 5].rawValue: i % 3 == 0])
            return (declarant: d, preferences: [RecordInputs.PreferenceInput(audience: .everyone, index: UInt64(10 + i), facts: .init(p))])
        }
        var index = ConsentIndex()
        index.apply(.work(work), .work(mandates))
        for d in declarations { index.apply(.declaration(work: work, declarant: d.declarant), .declaration(d.preferences)) }
        for p in mandated { index.apply(.party(p), .party([.init(by: op, active: true)])) }
        var decided = 0
        for count in [false, true] {
            for purpose in [Purpose.commercial, .research] {
                let q = Resolution.Query(work: work, at: Fixture.time, purpose: purpose, countUnverified: count)
                let expected = try XCTUnwrap(index.decide(q, operators: index.operatorNumbers([op]), unverifiedLimit: 100))
                let got = ConsentIndex.decide(q, mandates: mandates, declarations: declarations, operators: [op]) { party in
                    mandated.contains(party) ? [.init(by: op, active: true)] : []
                }
                XCTAssertEqual(got, expected, "count \(count) \(purpose)")
                decided += got.values.filter { $0 != .unknown }.count
            }
        }
        XCTAssertGreaterThan(decided, 5)
    }
}
