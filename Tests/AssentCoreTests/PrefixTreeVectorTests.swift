@testable import AssentCore
import AssentTestSupport
import Foundation
import XCTest

/// The prefix-tree vectors of PROTOCOL §5 (Fixtures/prefix-tree, made from the protocol text
/// alone by another implementation): every case gives its root whatever the insertion order and
/// batching, and the key derivations give the published keys.
final class PrefixTreeVectorTests: XCTestCase {
    struct Vectors: Decodable {
        struct Case: Decodable {
            struct Entry: Decodable { let key: String, value: String }
            let name: String
            let entries: [Entry]
            let root: String
        }
        let cases: [Case]
        let keys: [String: String]
    }

    static let vectors: Vectors = {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/prefix-tree/roots.json")
        return try! JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }()

    static func hash(_ hex: String) -> Hash { Hash(bytes: [UInt8](hex: hex)!)! }

    static func entries(_ c: Vectors.Case) -> [PrefixTreeEntry] {
        c.entries.map { PrefixTreeEntry(key: Self.hash($0.key), value: Self.hash($0.value)) }
    }

    /// The orders and batchings each case is built in: one batch sorted, reversed and shuffled;
    /// one key at a time; random batch sizes.
    static func orders(_ entries: [PrefixTreeEntry], seed: UInt64) -> [(String, [[PrefixTreeEntry]])] {
        var rng = SplitMix64(state: seed)
        let shuffled = entries.shuffled(using: &rng)
        var batches = [[PrefixTreeEntry]]()
        var rest = entries.shuffled(using: &rng)[...]
        while !rest.isEmpty {
            let n = Int.random(in: 1...max(1, rest.count / 3 + 1), using: &rng)
            batches.append(Array(rest.prefix(n)))
            rest = rest.dropFirst(n)
        }
        return [
            ("one batch, sorted", [entries.sorted { $0.key < $1.key }]),
            ("one batch, reversed", [entries.sorted { $0.key < $1.key }.reversed()]),
            ("one batch, shuffled", [shuffled]),
            ("one key at a time", shuffled.map { [$0] }),
            ("random batches", batches),
        ]
    }

    func testEveryCaseGivesItsRootInAnyOrderAndBatching() throws {
        XCTAssertEqual(Self.vectors.cases.count, 6)
        for (n, c) in Self.vectors.cases.enumerated() {
            for (how, batches) in Self.orders(Self.entries(c), seed: UInt64(n + 1)) {
                var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
                for batch in batches { try tree.insert(batch) }
                XCTAssertEqual(try tree.root().hex, c.root, "\(c.name), \(how)")
            }
        }
    }

    func testEveryEntryOfEveryCaseHasAProofThatVerifiesAgainstTheVectorRoot() throws {
        for c in Self.vectors.cases {
            var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
            try tree.insert(Self.entries(c))
            let root = Self.hash(c.root)
            for e in Self.entries(c) {
                XCTAssertNoThrow(try tree.prove(e.key).verifyMembership(key: e.key, value: e.value, root: root), c.name)
            }
        }
    }

    func testKeyDerivationsGiveThePublishedKeys() throws {
        let work = try WorkID(parsingNormalized: "iswc:T0345246801")
        let bytes = [UInt8](0..<32)
        let keys = Self.vectors.keys
        XCTAssertEqual(keys.count, 4)
        XCTAssertEqual(MapKey.work(work, version: 1).hex, keys["workKey(iswc:T0345246801, 1)"])
        XCTAssertEqual(MapKey.work(work, version: 2).hex, keys["workKey(iswc:T0345246801, 2)"])
        XCTAssertEqual(MapKey.declaration(work: work, declarantBytes: bytes, version: 1).hex,
                       keys["declarationKey(iswc:T0345246801, bytes 0..31, 1)"])
        XCTAssertEqual(MapKey.party(bytes: bytes, version: 1).hex, keys["partyKey(bytes 0..31, 1)"])
    }

    func testPublicKeyFormsOfTheDerivationsUseTheRawKeyBytes() throws {
        let key = try SigningKey(seed: [UInt8](repeating: 7, count: 32)).publicKey
        let work = try WorkID(parsingNormalized: "iswc:T0345246801")
        XCTAssertEqual(MapKey.party(key, version: 3),
                       SHA256.hash(Array("assent/party\n".utf8) + key.bytes + [0x0A, 0, 0, 0, 3]))
        XCTAssertEqual(MapKey.declaration(work: work, declarant: key, version: 0x0102_0304),
                       SHA256.hash(Array("assent/decl\niswc:T0345246801\n".utf8) + key.bytes + [0x0A, 1, 2, 3, 4]))
        XCTAssertNotEqual(MapKey.work(work, version: 1), MapSubject.party(key).key(version: 1))
    }
}
