import AssentCore
import XCTest

/// Leaves mutated a byte at a time (replaced, inserted, deleted), parsed without the signature
/// check so that the parser, not Ed25519, is what refuses them: any mutant the parser accepts
/// must be the canonical encoding of what it parsed to, and its statement's bytes the canonical
/// encoding of its `entry`. The statement's bytes are cut from the leaf (`LogLeaf.entryBytes`),
/// so a spelling the canonical check let through would become a statement's hash and signed body.
final class LeafMutationTests: XCTestCase {
    func testEveryAcceptedMutantIsCanonicalAndItsStatementBytesAreItsEntrysCanonicalBytes() throws {
        let key = try SigningKey(seed: [UInt8](repeating: 5, count: 32))
        let t0 = try XCTUnwrap(Timestamp(rfc3339: "2026-11-21T10:00:00.000Z"))
        let works = try (0..<3).map { try WorkID(parsing: "local:gema.de/w\($0)") }
        let mandate = SignedStatement.sign(.mandate(Mandate(by: key.publicKey, issued: t0, party: key.publicKey, works: works,
                                                            role: .author)), with: key)
        let leaf = try LogLeaf(index: 12, origin: "example.com/l\u{e9}g \"x\"", prev: SHA256.hash([1]), time: t0, content: .statement(mandate))
        // Bytes that change a spelling without breaking the grammar: white space, escapes, digits,
        // quotes, letters of the hex digits and of the keys.
        let alphabet = Array(#" \"\/u0123456789abcdefABCDEF-+.e,:{}[]nrtx"#.utf8)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(n))
        }
        var accepted = 0
        for _ in 0..<15_000 {
            var bytes = leaf.bytes
            for _ in 0..<(1 + next(2)) {
                let at = next(bytes.count)
                switch next(3) {
                case 0: bytes[at] = alphabet[next(alphabet.count)]
                case 1: bytes.insert(alphabet[next(alphabet.count)], at: at)
                default: bytes.remove(at: at)
                }
            }
            guard bytes != leaf.bytes, let parsed = try? LogLeaf(storedBytes: bytes) else { continue }
            accepted += 1
            let value = try CanonicalJSON.parse(bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertTrue(CanonicalJSON.encode(value) == bytes, "accepted, not canonical: \(text)")
            if let s = parsed.statement {
                XCTAssertTrue(s.canonicalBytes == CanonicalJSON.encode(try XCTUnwrap(value["entry"])), "statement bytes not canonical(entry): \(text)")
            }
        }
        // Mutants that stay canonical (a digit of a key, a letter of a base64 string) are
        // accepted: at this seed about a tenth, so the assertions above were reached.
        XCTAssertGreaterThan(accepted, 500)
    }
}
