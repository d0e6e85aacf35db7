import AssentCore
import Foundation
import XCTest

/// The public RFC 6962 proof vectors of transparency-dev/merkle (Fixtures/merkle, Apache-2.0):
/// every `wantErr: false` case must verify and every `wantErr: true` case must be refused.
final class MerkleVectorTests: XCTestCase {
    static let root = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/merkle")

    func files(under folder: String) throws -> [URL] {
        let base = Self.root.appendingPathComponent(folder)
        let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)!
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }

    func load(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func u64(_ any: Any?) -> UInt64 { (any as! NSNumber).uint64Value }

    func bytes(_ any: Any?) -> [UInt8] { Base64.decode((any as? String) ?? "") ?? [0xFF] }

    func proofHashes(_ any: Any?) -> [Hash]? {
        guard let list = any as? [String] else { return [] }
        var out = [Hash]()
        for item in list {
            guard let h = Hash(base64: item) else { return nil }
            out.append(h)
        }
        return out
    }

    func testAllInclusionVectors() throws {
        let cases = try files(under: "inclusion")
        var accepted = 0, refused = 0
        for url in cases {
            let v = try load(url)
            let wantErr = v["wantErr"] as! Bool
            let ok: Bool = {
                guard let proof = proofHashes(v["proof"]), let leaf = Hash(bytes: bytes(v["leafHash"])),
                      let root = Hash(bytes: bytes(v["root"])) else { return false }
                let p = InclusionProof(index: u64(v["leafIdx"]), size: u64(v["treeSize"]), hashes: proof)
                return (try? p.verify(leafHash: leaf, root: root)) != nil
            }()
            XCTAssertEqual(ok, !wantErr, "\(url.path): \(v["desc"] ?? "")")
            if ok { accepted += 1 } else { refused += 1 }
        }
        XCTAssertEqual(cases.count, 98)
        XCTAssertGreaterThan(accepted, 0)
        XCTAssertGreaterThan(refused, 0)
    }

    func testAllConsistencyVectors() throws {
        let cases = try files(under: "consistency")
        for url in cases {
            let v = try load(url)
            let wantErr = v["wantErr"] as! Bool
            let ok: Bool = {
                guard let proof = proofHashes(v["proof"]) else { return false }
                return (try? ConsistencyProof.verify(
                    oldSize: u64(v["size1"]), newSize: u64(v["size2"]),
                    oldRoot: bytes(v["root1"]), newRoot: bytes(v["root2"]), proof: proof)) != nil
            }()
            XCTAssertEqual(ok, !wantErr, "\(url.path): \(v["desc"] ?? "")")
        }
        XCTAssertEqual(cases.count, 98)
    }
}
