@testable import AssentCore
import XCTest

/// Which leaf changes which record (docs/state-map.md §4), replayed from real signed statements:
/// new versions where a statement is the latest for its identity, none where it is older or an
/// erasure, and epoch roots that match the map of the expected records or name the epoch.
final class MapUpdateTests: XCTestCase {
    static let op = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))
    static let alice = try! SigningKey(seed: [UInt8](repeating: 7, count: 32))
    static let w1 = try! WorkID(parsingNormalized: "iswc:T0345246801")
    static let w2 = try! WorkID(parsingNormalized: "isrc:USRC17607839")
    static let licensee = Audience("licensee:example-ai.com")!
    static func t(_ s: Int) -> Timestamp { Timestamp(milliseconds: Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!.milliseconds + Int64(s) * 1000) }

    /// The statements of the story, in log order, with an epoch after index 6 and after index 10.
    static let statements: [Statement?] = {
        let (op, alice) = (MapUpdateTests.op.publicKey, MapUpdateTests.alice.publicKey)
        let enroll = Statement.enrollment(Enrollment(by: op, issued: t(1), party: alice, role: .creator))
        let firstPreference = SignedStatement.sign(.preference(Preference(by: alice, issued: t(3), work: w1, usage: ["train-ai": false])), with: MapUpdateTests.alice)
        return [
            enroll,                                                                                               // 0: party v1
            .mandate(Mandate(by: op, issued: t(2), party: alice, works: [w1, w2, w1], role: .author)),            // 1: w1 v1, w2 v1
            firstPreference.statement,                                                                            // 2: decl v1
            .preference(Preference(by: alice, issued: t(4), work: w1, audience: licensee, usage: ["train-ai": true])), // 3: decl v2
            .preference(Preference(by: alice, issued: t(0), work: w1, usage: ["train-ai": true])),                // 4: older than 2: nothing
            .enrollment(Enrollment(by: op, issued: t(0), party: alice, role: .creator, active: false)),           // 5: older than 0: nothing
            .erasure(Erasure(by: alice, issued: t(5), erases: firstPreference.hash)),                             // 6: nothing
            nil,                                                                                                  // 7: epoch
            .mandate(Mandate(by: op, issued: t(8), party: alice, works: [w1], role: .author, active: false)),     // 8: w1 v2 (revoked)
            .mandate(Mandate(by: op, issued: t(7), party: alice, works: [w1], role: .author)),                    // 9: older than 8: nothing
            .enrollment(Enrollment(by: op, issued: t(9), party: alice, role: .creator, active: false)),           // 10: party v2
            nil,                                                                                                  // 11: epoch
        ]
    }()

    static func signed(_ s: Statement) -> SignedStatement {
        switch s {
        case .preference, .erasure: .sign(s, with: alice)
        case .enrollment, .mandate: .sign(s, with: op)
        }
    }

    /// The log's leaves, with `roots` as the two epochs' map roots.
    static func leaves(roots: [Hash]) throws -> [LogLeaf] {
        var out = [LogLeaf]()
        var prev = Hash.zero
        var epochs = roots[...]
        for (i, s) in statements.enumerated() {
            let content: LogLeaf.Content = if let s { .statement(signed(s)) } else { .epoch(mapRoot: epochs.removeFirst(), size: UInt64(i)) }
            let leaf = try LogLeaf(index: UInt64(i), origin: "example.com/log", prev: prev, time: t(100 + i), content: content)
            out.append(leaf)
            prev = leaf.leafHash
        }
        return out
    }

    /// The records the story must make, written out by hand from docs/state-map.md §4.
    static func expectedRecords(_ leaves: [LogLeaf]) throws -> [[MapRecord]] {
        let (op, alice) = (MapUpdateTests.op.publicKey, MapUpdateTests.alice.publicKey)
        func ref(_ i: Int) -> MapLeafReference { MapLeafReference(leaves[i]) }
        func stamp(_ v: UInt32, _ i: Int) -> MapRecordStamp { MapRecordStamp(version: v, index: UInt64(i), time: t(100 + i)) }
        let first: [MapRecord] = [
            .party(try PartyRecord(stamp: stamp(1, 0), party: alice, enrollments: [.init(by: op, role: .creator, active: true, ref: ref(0))])),
            .work(try WorkRecord(stamp: stamp(1, 1), work: w1, mandates: [.init(by: op, party: alice, role: .author, labels: [], active: true, ref: ref(1))])),
            .work(try WorkRecord(stamp: stamp(1, 1), work: w2, mandates: [.init(by: op, party: alice, role: .author, labels: [], active: true, ref: ref(1))])),
            .declaration(try DeclarationRecord(stamp: stamp(1, 2), work: w1, declarant: alice, preferences: [.init(audience: .everyone, ref: ref(2))])),
            .declaration(try DeclarationRecord(stamp: stamp(2, 3), work: w1, declarant: alice, preferences: [
                .init(audience: .everyone, ref: ref(2)), .init(audience: licensee, ref: ref(3)),
            ])),
        ]
        let second: [MapRecord] = [
            .work(try WorkRecord(stamp: stamp(2, 8), work: w1, mandates: [.init(by: op, party: alice, role: .author, labels: [], active: false, ref: ref(8))])),
            .party(try PartyRecord(stamp: stamp(2, 10), party: alice, enrollments: [.init(by: op, role: .creator, active: false, ref: ref(10))])),
        ]
        return [first, second]
    }

    /// The log with epoch roots computed from the hand-written records (not by MapUpdate).
    static func story() throws -> (leaves: [LogLeaf], records: [[MapRecord]], roots: [Hash]) {
        // Records reference leaf hashes, and each leaf's hash depends on the epoch leaves before
        // it (through `prev`): the first epoch's root fixes leaves 8–10, and no record
        // references a leaf after the second epoch.
        var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
        let first = try tree.insert(expectedRecords(leaves(roots: [.zero, .zero]))[0].map(\.entry))
        let records = try expectedRecords(leaves(roots: [first, .zero]))
        let roots = [first, try tree.insert(records[1].map(\.entry))]
        return (try leaves(roots: roots), records, roots)
    }

    func testEachBatchMakesExactlyTheExpectedVersions() throws {
        let (leaves, expected, _) = try Self.story()
        var replay = MapReplay()
        var update = MapUpdate(source: MapReplay.State())
        for leaf in leaves[0..<7] { try update.apply(leaf) }
        XCTAssertEqual(update.records, expected[0])
        for leaf in leaves { try replay.append(leaf) }
        XCTAssertEqual(replay.epochs, 2)
        XCTAssertEqual(replay.latestRecord(.work(Self.w1)), expected[1][0])
        XCTAssertEqual(replay.latestRecord(.party(Self.alice.publicKey)), expected[1][1])
        XCTAssertEqual(replay.latestRecord(.work(Self.w2))?.stamp.version, 1)
        XCTAssertEqual(replay.latestRecord(.declaration(work: Self.w1, declarant: Self.alice.publicKey))?.stamp.version, 2)
    }

    func testReplayingTheLeavesGivesEveryEpochsRoot() throws {
        let (leaves, _, roots) = try Self.story()
        var replay = MapReplay()
        for leaf in leaves { try replay.append(leaf) }
        XCTAssertEqual(replay.tree.root, roots[1])
        XCTAssertNotEqual(roots[0], roots[1])
    }

    func testAnEpochWithAnotherRootIsNamed() throws {
        let (_, _, roots) = try Self.story()
        let leaves = try Self.leaves(roots: [roots[0], roots[0]])
        var replay = MapReplay()
        for leaf in leaves.prefix(11) { try replay.append(leaf) }
        XCTAssertThrowsError(try replay.append(leaves[11])) {
            XCTAssertEqual($0 as? MapReplayError, .rootMismatch(epoch: 11, logged: roots[0], computed: roots[1]))
            XCTAssertTrue("\($0)".hasPrefix("epoch leaf 11: "), "\($0)")
        }
    }

    func testStatementOrderIsIssuedThenStatementHash() {
        let a = MapUpdate.StatementOrder(issued: Self.t(1), hash: SHA256.hash([2]))
        let b = MapUpdate.StatementOrder(issued: Self.t(1), hash: SHA256.hash([1]))
        XCTAssertEqual(a < b, SHA256.hash([2]) < SHA256.hash([1]))
        XCTAssertLessThan(MapUpdate.StatementOrder(issued: Self.t(0), hash: SHA256.hash([255])), b)
    }
}
