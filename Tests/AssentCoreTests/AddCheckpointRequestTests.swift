import AssentCore
import XCTest

/// The tlog-witness v1.0.0 add-checkpoint body: one spelling, hostile input refused with the line.
final class AddCheckpointRequestTests: XCTestCase {
    let log = try! NoteSigner(name: "example.com/behind-the-sofa", key: SigningKey(seed: [UInt8](repeating: 7, count: 32)))
    let leaves = TreeFixtures.leafHashes(20)

    func note(size: Int) throws -> String {
        try Checkpoint(origin: log.name, size: UInt64(size), root: MerkleTree.rootHash(leafHashes: Array(leaves[..<size]))).sign(with: log).serialized
    }

    func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testTheSpecsShapeParses() throws {
        let proof = try ConsistencyProof.generate(oldSize: 5, newSize: 13, reader: InMemoryHashReader(leafHashes: leaves))
        let text = "old 5\n" + proof.hashes.map { $0.base64 + "\n" }.joined() + "\n" + (try note(size: 13))
        let request = try AddCheckpointRequest(body: body(text))
        XCTAssertEqual(request.oldSize, 5)
        XCTAssertEqual(request.proof, proof.hashes)
        XCTAssertEqual(request.checkpoint.size, 13)
        XCTAssertEqual(request.noteText, try note(size: 13))
        XCTAssertEqual(request.body, body(text))
        // old 0, no proof lines: the empty line follows the old line at once.
        let first = try AddCheckpointRequest(body: body("old 0\n\n" + (try note(size: 3))))
        XCTAssertEqual(first.oldSize, 0)
        XCTAssertEqual(first.proof, [])
    }

    func testEveryDeviationIsRefusedWithItsLine() throws {
        let n = try note(size: 3)
        let h = leaves[0].base64
        let cases: [(String, String)] = [
            ("", "line 1: no empty line before the checkpoint"),
            ("old 1", "line 1: line does not end in a newline"),
            ("\n" + n, "line 1: expected \"old <size>\", found an empty line"),
            ("old 01\n\n" + n, "line 1: old size is not a decimal without leading zeros"),
            ("old -1\n\n" + n, "line 1: old size is not a decimal"),
            ("old +1\n\n" + n, "line 1: old size is not a decimal"),
            ("old 18446744073709551616\n\n" + n, "line 1: old size is not a decimal"),
            ("old  1\n\n" + n, "line 1: old size is not a decimal"),
            ("old 1 \n\n" + n, "line 1: old size is not a decimal"),
            ("Old 1\n\n" + n, "line 1: expected \"old <size>\""),
            ("old 1\r\n\r\n" + n, "line 1: old size is not a decimal"),
            ("old 1\n" + h + "\n" + n, "line 3: consistency proof line is not base64 of 32 bytes"),
            ("old 1\n" + h.dropLast() + "\n\n" + n, "line 2: consistency proof line is not base64 of 32 bytes"),
            ("old 1\n" + h + " \n\n" + n, "line 2: consistency proof line is not base64 of 32 bytes"),
            ("old 1\n" + String(repeating: h + "\n", count: 64) + "\n" + n, "line 65: more than 63 consistency proof lines"),
            ("old 1\n\nnot a note\n", "add-checkpoint checkpoint: malformed signed note"),
            ("old 1\n\n" + n.replacingOccurrences(of: "\n3\n", with: "\n03\n"), "add-checkpoint checkpoint: bad checkpoint: size \"03\""),
            ("old 1\n\n" + n.replacingOccurrences(of: "— ", with: "- "), "add-checkpoint checkpoint: malformed signed note"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try AddCheckpointRequest(body: body(text)), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text.debugDescription): \(error)")
            }
        }
        // 63 proof lines are allowed (the spec's bound), 64 are not.
        XCTAssertEqual(try AddCheckpointRequest(body: body("old 1\n" + String(repeating: h + "\n", count: 63) + "\n" + n)).proof.count, 63)
        // Bytes that are not UTF-8 in the note are refused, not replaced.
        XCTAssertThrowsError(try AddCheckpointRequest(body: body("old 1\n\n") + [0xF0, 0x90, 0x80] + body(n))) { error in
            XCTAssertTrue("\(error)".contains("line 3: checkpoint note is not UTF-8"), "\(error)")
        }
    }

    func testABodyOverTheLimitIsRefusedBeforeParsing() throws {
        let big = Array(repeating: UInt8(ascii: "a"), count: AddCheckpointRequest.maxBytes + 1)
        XCTAssertThrowsError(try AddCheckpointRequest(body: big)) { error in
            XCTAssertEqual(error as? AddCheckpointRequestError, .tooLarge(bytes: AddCheckpointRequest.maxBytes + 1, limit: AddCheckpointRequest.maxBytes))
        }
    }

    /// Random cuts, flips, insertions and duplications of a valid body: each is parsed or refused
    /// with an `AddCheckpointRequestError`, never a trap; one that parses is exactly the body it says.
    func testMutatedBodiesNeverTrap() throws {
        let proof = try ConsistencyProof.generate(oldSize: 6, newSize: 17, reader: InMemoryHashReader(leafHashes: leaves))
        let valid = AddCheckpointRequest.bodyText(old: 6, proof: proof.hashes, note: try note(size: 17))
        var rng = SystemRandomNumberGenerator()
        var parsed = 0, refused = 0
        let interesting: [UInt8] = [0x0A, 0x20, 0x30, 0x2B, 0x2F, 0x3D, 0x00, 0xE2, 0x80, 0x94, 0xFF]
        for _ in 0..<20_000 {
            var bytes = Array(valid.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                guard !bytes.isEmpty else { break }
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: bytes[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                case 1: bytes.remove(at: i)
                case 2: bytes.insert(interesting.randomElement(using: &rng) ?? 0x0A, at: i)
                case 3: bytes = Array(bytes[..<i])
                default:
                    let line = Array(bytes[i..<min(bytes.count, i + 45)])
                    bytes.insert(contentsOf: line, at: i)
                }
            }
            // The parser throws only AddCheckpointRequestError (typed throws): a refusal, never a trap.
            switch Result(catching: { () throws(AddCheckpointRequestError) in try AddCheckpointRequest(body: bytes) }) {
            case let .success(request):
                XCTAssertEqual(request.body, bytes)
                parsed += 1
            case .failure:
                refused += 1
            }
        }
        XCTAssertEqual(parsed + refused, 20_000)
        XCTAssertGreaterThan(refused, 10_000)
    }
}

extension AddCheckpointRequest {
    static func bodyText(old: UInt64, proof: [Hash], note: String) -> String {
        "old \(old)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note
    }
}
