@testable import AssentCore
import XCTest

/// Hostile state-map input never crashes a reader or a verifier: proofs (bytes and JSON),
/// records and state proofs are fed thousands of mutations of valid ones from a fixed seed (the
/// mutations of HostileInputTests), and whatever is accepted must round-trip and, checked
/// against the real root, either verify the truth or fail with an error that renders.
final class MapHostileInputTests: XCTestCase {

    /// Feeds `count` mutations of `seeds` (and the seeds) to `body`; returns how many it accepted.
    @discardableResult
    func feed(_ seeds: [[UInt8]], count: Int, seed: UInt64, _ body: ([UInt8]) throws -> Void) -> Int {
        HostileInputTests.feed(seeds, count: count, seed: seed, body)
    }

    static let tree = PrefixTreeProofTests.tree
    static let keys = PrefixTreeProofTests.entries.prefix(4).map(\.key) + PrefixTreeProofTests.absent.prefix(4)

    func testMutatedProofBytesNeverCrashAndNeverProveAFalseValue() throws {
        let root = try Self.tree.root()
        let seeds = try Self.keys.map { try Self.tree.prove($0).bytes } + [[0, 1, 0], [1, 0xFF, 0xFF], [0, 0, 0]]
        let accepted = feed(seeds, count: 3000, seed: 41) { input in
            let proof = try PrefixTreeProof(bytes: input)
            XCTAssertEqual(proof.bytes, input)
            let key = Self.keys[input.count % Self.keys.count]
            if let value = try? proof.verify(key: key, root: root) {
                XCTAssertEqual(value, try Self.tree.value(for: key), "a mutated proof proved a value the tree does not hold")
            }
        }
        XCTAssertGreaterThanOrEqual(accepted, Self.keys.count + 1)
    }

    func testMutatedProofJSONNeverCrashes() throws {
        let root = try Self.tree.root()
        let seeds = try Self.keys.map { try Self.tree.prove($0).json.canonicalBytes }
        let accepted = feed(seeds, count: 2000, seed: 42) { input in
            let proof = try PrefixTreeProof(jsonBytes: input)
            XCTAssertEqual(proof.json.canonicalBytes, input)
            for key in Self.keys {
                if let value = try? proof.verify(key: key, root: root) { XCTAssertEqual(value, try Self.tree.value(for: key)) }
            }
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }

    func testMutatedRecordsNeverCrashAndAcceptedOnesReencodeToThemselves() {
        let seeds = MapRecordTests.records.map(\.canonicalBytes)
        let accepted = feed(seeds, count: 3000, seed: 43) { input in
            let record = try MapRecord(bytes: input)
            XCTAssertEqual(record.canonicalBytes, input)
            _ = record.key
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }

    func testMutatedStateProofsNeverCrash() throws {
        let records = try MapStateProofTests.versions()
        let tree = try MapStateProofTests.tree(records)
        let root = try tree.root()
        let seeds = try ["2025-06-01T00:00:00.000Z", "2026-02-15T00:00:00.000Z", "2031-01-01T00:00:00.000Z"].map { at in
            try MapStateProof.make(subject: .work(MapStateProofTests.work), at: Timestamp(rfc3339: at)!, tree: tree) { v in
                v >= 1 && Int(v) <= records.count ? records[Int(v) - 1] : nil
            }.json.canonicalBytes
        }
        let accepted = feed(seeds, count: 1500, seed: 44) { input in
            let proof = try MapStateProof(jsonBytes: input)
            XCTAssertEqual(proof.json.canonicalBytes, input)
            if let state = try? proof.verify(root: root) {
                // Whatever verifies is the truth at its T (no state for a subject the map never saw).
                let truth = proof.subject == .work(MapStateProofTests.work) ? records.last { $0.stamp.time <= proof.at } : nil
                XCTAssertEqual(state, truth)
            }
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }
}
