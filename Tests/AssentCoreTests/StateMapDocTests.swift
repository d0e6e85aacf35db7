@testable import AssentCore
import Foundation
import XCTest

/// docs/state-map.md's worked example is this code's output: the test rebuilds the example
/// (records, keys, values, every node, the root, two proofs) and requires the page to hold it
/// byte for byte, so the page cannot drift from the implementation.
final class StateMapDocTests: XCTestCase {
    static let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/state-map.md")

    /// The example: operator O enrolls party P (leaf 0), mandates P as author of W (leaf 1),
    /// P states a preference on W (leaf 2), O revokes the mandate (leaf 3); leaf 4 is the epoch.
    static func example() throws -> String {
        let o = try SigningKey(seed: [UInt8](repeating: 9, count: 32)).publicKey
        let p = try SigningKey(seed: [UInt8](repeating: 7, count: 32)).publicKey
        let w = try WorkID(parsingNormalized: "iswc:T0345246801")
        func time(_ i: Int) -> Timestamp { Timestamp(milliseconds: Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!.milliseconds + Int64(i) * 1000) }
        // Stand-ins for the leaf hashes of leaves 0–3 (in a real log, their RFC 6962 leaf hashes).
        func ref(_ i: UInt64) -> MapLeafReference { MapLeafReference(index: i, hash: SHA256.hash(Array("leaf \(i)".utf8))) }
        let records: [(String, MapRecord)] = [
            ("party P, version 1 (leaf 0: O enrolls P as creator)", .party(try PartyRecord(
                stamp: MapRecordStamp(version: 1, index: 0, time: time(0)), party: p,
                enrollments: [.init(by: o, role: .creator, active: true, ref: ref(0))]))),
            ("work W, version 1 (leaf 1: O mandates P as author of W)", .work(try WorkRecord(
                stamp: MapRecordStamp(version: 1, index: 1, time: time(1)), work: w,
                mandates: [.init(by: o, party: p, role: .author, labels: [], active: true, ref: ref(1))]))),
            ("declarations of P on W, version 1 (leaf 2: P's preference for everyone)", .declaration(try DeclarationRecord(
                stamp: MapRecordStamp(version: 1, index: 2, time: time(2)), work: w, declarant: p,
                preferences: [.init(audience: .everyone, ref: ref(2))]))),
            ("work W, version 2 (leaf 3: O revokes the mandate)", .work(try WorkRecord(
                stamp: MapRecordStamp(version: 2, index: 3, time: time(3)), work: w,
                mandates: [.init(by: o, party: p, role: .author, labels: [], active: false, ref: ref(3))]))),
        ]
        var out = "O (operator) = \(o.base64)\nP (party)    = \(p.base64)\nW (work)     = \(w)\n"
        out += "stand-in leaf hashes: leaf i = SHA-256(\"leaf i\"), e.g. leaf 0 = \(ref(0).hash.hex)\n"
        var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
        for (name, record) in records {
            out += "\n\(name)\n  key    \(record.key.hex)\n  record \(String(decoding: record.canonicalBytes, as: UTF8.self))\n  value  \(record.value.hex)\n"
        }
        try tree.insert(records.map(\.1.entry))
        out += "\nnodes (path from the root: bits of the key, 0 = left; hash = SHA-256 of the 65 bytes shown)\n"
        let nodes = tree.storage.nodes.sorted { ($0.key.depth, $0.key.prefix) < ($1.key.depth, $1.key.prefix) }
        for (position, node) in nodes {
            let path = position.depth == 0 ? "(root)" : position.description
            switch node {
            case let .leaf(key, value): out += "  \(path) leaf   02 \(key.hex) \(value.hex)\n"
            case let .parent(left, right): out += "  \(path) parent 03 \(left.hex) \(right.hex)\n"
            }
            out += "  \(String(repeating: " ", count: path.count)) hash   \(node.hash.hex)\n"
        }
        let root = try tree.root()
        out += "\nmap root \(root.hex)\n  (base64, as in the epoch leaf: \(root.base64))\n"
        let present = records[3].1.key, absent = MapKey.work(w, version: 3)
        out += "\nproof that work W version 2 is present (bytes, hex)\n  \(try tree.prove(present).bytes.hexString)\n"
        out += "proof that work W version 3 is absent (bytes, hex; key \(absent.hex))\n  \(try tree.prove(absent).bytes.hexString)\n"
        out += "same, JSON\n  \(String(decoding: try tree.prove(absent).json.canonicalBytes, as: UTF8.self))\n"
        return out
    }

    func testThePageHoldsTheWorkedExampleExactly() throws {
        let text = try String(contentsOf: Self.page, encoding: .utf8)
        let expected = try Self.example()
        guard let start = text.range(of: "<!-- example:begin -->\n```text\n"), let end = text.range(of: "```\n<!-- example:end -->") else {
            return XCTFail("docs/state-map.md has no example block; it should read:\n\(expected)")
        }
        XCTAssertEqual(String(text[start.upperBound..<end.lowerBound]), expected, "docs/state-map.md's example differs; it should read:\n\(expected)")
    }

    func testTheExampleProofsVerify() throws {
        // The example's two proofs, read back from the page's hex, verify against its root.
        let lines = try Self.example().split(separator: "\n").map(String.init)
        let root = try XCTUnwrap(lines.first { $0.hasPrefix("map root ") }.flatMap { Hash(bytes: [UInt8](hex: $0.dropFirst(9)) ?? []) })
        let w = try WorkID(parsingNormalized: "iswc:T0345246801")
        let presentHex = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("proof that work W version 2") }.map { lines[$0 + 1].trimmingCharacters(in: .whitespaces) })
        let absentHex = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("proof that work W version 3") }.map { lines[$0 + 1].trimmingCharacters(in: .whitespaces) })
        XCTAssertNotNil(try PrefixTreeProof(bytes: XCTUnwrap([UInt8](hex: presentHex))).verify(key: MapKey.work(w, version: 2), root: root))
        XCTAssertNoThrow(try PrefixTreeProof(bytes: XCTUnwrap([UInt8](hex: absentHex))).verifyNonMembership(key: MapKey.work(w, version: 3), root: root))
    }
}
