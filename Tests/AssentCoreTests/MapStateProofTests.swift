@testable import AssentCore
import AssentTestSupport
import XCTest

/// "The state at T" of PROTOCOL §5: record v* with time ≤ T, and v*+1 absent or made after T,
/// proven against the latest map root, at every kind of T: before the first version, at and
/// between versions, after the last, and for a subject the map has never seen.
final class MapStateProofTests: XCTestCase {
    static let work = MapRecordTests.work
    static let times = ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"].map { Timestamp(rfc3339: $0)! }

    /// Three versions of a work record (one mandate each, at leaves 10, 20, 30) among other keys.
    static func versions() throws -> [MapRecord] {
        try times.enumerated().map { i, t in
            .work(try WorkRecord(stamp: MapRecordStamp(version: UInt32(i + 1), index: UInt64(10 * (i + 1)), time: t), work: work, mandates: [
                .init(by: MapRecordTests.operatorKey, party: MapRecordTests.party, role: .author, labels: [], active: i != 1,
                      ref: MapLeafReference(index: UInt64(10 * (i + 1) - 1), hash: SHA256.hash([UInt8(i)]))),
            ]))
        }
    }

    static func tree(_ records: [MapRecord]) throws -> PrefixTree<InMemoryPrefixTreeStorage> {
        var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
        var rng = SplitMix64(state: 31)
        try tree.insert(PrefixTreeTests.randomEntries(200, &rng))
        for r in records { try tree.insert([r.entry]) }
        return tree
    }

    func state(at text: String, _ records: [MapRecord], subject: MapSubject = .work(work)) throws -> (MapStateProof, Hash) {
        let tree = try Self.tree(records)
        let proof = try MapStateProof.make(subject: subject, at: Timestamp(rfc3339: text)!, tree: tree) { v in
            v >= 1 && Int(v) <= records.count ? records[Int(v) - 1] : nil
        }
        return (proof, try tree.root())
    }

    func testTheStateAtEachTimeIsTheLatestVersionMadeByThen() throws {
        let records = try Self.versions()
        let expected: [(String, UInt32?)] = [
            ("2025-12-31T23:59:59.999Z", nil), ("2026-01-01T00:00:00.000Z", 1), ("2026-01-15T00:00:00.000Z", 1),
            ("2026-02-01T00:00:00.000Z", 2), ("2026-02-28T23:59:59.999Z", 2), ("2026-03-01T00:00:00.000Z", 3), ("2030-01-01T00:00:00.000Z", 3),
        ]
        for (at, version) in expected {
            let (proof, root) = try state(at: at, records)
            XCTAssertEqual(try proof.verify(root: root)?.stamp.version, version, at)
            XCTAssertEqual(proof.current?.record.stamp.version, version, at)
            switch proof.next {
            case .absent: XCTAssertEqual(version, 3, at)
            case let .later(step): XCTAssertEqual(step.record.stamp.version, (version ?? 0) + 1, at)
            }
            XCTAssertEqual(try MapStateProof(jsonBytes: proof.json.canonicalBytes), proof, at)
        }
    }

    func testASubjectTheMapNeverSawHasNoStateAndProvesIt() throws {
        let (proof, root) = try state(at: "2030-01-01T00:00:00.000Z", [], subject: .party(MapRecordTests.other))
        XCTAssertNil(proof.current)
        XCTAssertNil(try proof.verify(root: root))
    }

    func testAnOlderVersionCannotPassAsTheStateWhenANewerOneWasMadeByT() throws {
        let records = try Self.versions()
        let tree = try Self.tree(records)
        let at = Timestamp(rfc3339: "2026-02-15T00:00:00.000Z")!
        let stale = MapStateProof(
            subject: .work(Self.work), at: at, current: .init(record: records[0], proof: try tree.prove(records[0].key)),
            next: .later(.init(record: records[1], proof: try tree.prove(records[1].key))))
        XCTAssertThrowsError(try stale.verify(root: tree.root())) {
            XCTAssertEqual($0 as? MapStateProofError, .nextNotAfterT(version: 2, time: Self.times[1], at: at))
        }
        // Claiming v2 is absent fails too: the map holds it.
        let hidden = MapStateProof(
            subject: .work(Self.work), at: at, current: .init(record: records[0], proof: try tree.prove(records[0].key)),
            next: .absent(try tree.prove(records[1].key)))
        XCTAssertThrowsError(try hidden.verify(root: tree.root())) {
            XCTAssertEqual($0 as? MapStateProofError, .proof(version: 2, .keyPresent(records[1].key)))
        }
    }

    func testARecordOfAnotherSubjectOrVersionOrMadeAfterTIsRefused() throws {
        let records = try Self.versions()
        let (proof, root) = try state(at: "2026-02-15T00:00:00.000Z", records)
        guard let current = proof.current else { return XCTFail("no state") }
        let otherSubject = MapStateProof(subject: .work(try WorkID(parsingNormalized: "isrc:USRC17607839")), at: proof.at, current: current, next: proof.next)
        XCTAssertThrowsError(try otherSubject.verify(root: root)) {
            guard case .wrongSubject(version: 2, _, _)? = $0 as? MapStateProofError else { return XCTFail("\($0)") }
        }
        let early = MapStateProof(subject: proof.subject, at: Self.times[0], current: current, next: proof.next)
        XCTAssertThrowsError(try early.verify(root: root)) {
            XCTAssertEqual($0 as? MapStateProofError, .stateAfterT(version: 2, time: Self.times[1], at: Self.times[0]))
        }
        if case let .later(step) = proof.next {
            let skipped = MapStateProof(subject: proof.subject, at: proof.at, current: nil, next: .later(step))
            XCTAssertThrowsError(try skipped.verify(root: root)) { XCTAssertEqual($0 as? MapStateProofError, .wrongVersion(expected: 1, found: 3)) }
        } else { XCTFail("expected a later version 3") }
    }

    func testAnyChangedByteOfAStateProofsJSONIsRefusedOrFailsToVerify() throws {
        let records = try Self.versions()
        let (proof, root) = try state(at: "2026-02-15T00:00:00.000Z", records)
        let bytes = proof.json.canonicalBytes
        var readable = 0
        for i in stride(from: 0, to: bytes.count, by: 3) {
            var damaged = bytes
            damaged[i] ^= 0x01
            // An edit of T itself may still state a truth (the state at another time); every
            // other edit must be caught.
            guard let changed = try? MapStateProof(jsonBytes: damaged), changed.at == proof.at else { continue }
            readable += 1
            XCTAssertThrowsError(try changed.verify(root: root), "byte \(i): \(String(decoding: damaged, as: UTF8.self))")
        }
        XCTAssertGreaterThan(readable, 10, "some edits must parse, so that verification is what refuses them")
    }
}
