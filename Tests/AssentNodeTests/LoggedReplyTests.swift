import AssentCore
@testable import AssentNode
import AssentTestSupport
import XCTest

/// A submission reply's entries are written straight into bytes (`Node.Logged.write`): they
/// must be exactly the canonical JSON of the same value, for any receipt.
final class LoggedReplyTests: XCTestCase {
    /// The reply entry as a value, the form `CanonicalJSON.encode` turns into the reference bytes.
    func reference(_ logged: Node.Logged, _ witnessed: Node.Witnessed?) -> JSONValue {
        var members: [JSONKey: JSONValue] = [
            "index": .integer(Int64(logged.receipt.index)), "statementHash": .string(logged.statementHash.base64),
            "receipt": .string(logged.receipt.text),
        ]
        if let witnessed {
            members["witnessed"] = ["cosignatures": .integer(Int64(witnessed.cosignatures)), "quorum": .integer(Int64(witnessed.quorum)),
                                    "belowQuorum": .bool(witnessed.belowQuorum)]
        }
        return .object(members)
    }

    func testEntriesAreTheCanonicalJSONOfTheirValueForRandomReceipts() throws {
        var random = SplitMix64(state: 0x5EED_0007)
        func hash() -> Hash { Hash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) })! }
        // Checkpoint texts with what JSON must escape (quote, backslash, controls) and what it
        // must not (the em dash of signature lines, other non-ASCII).
        let pieces = ["example.org/log\n", "12345\n", "\u{2014} key AbC+/=\n", "\"quoted\"", "back\\slash", "tab\there",
                      "\u{01}\u{1F}", "caf\u{E9} \u{1F600}", "\r\n", ""]
        for round in 0..<300 {
            let proof = (0..<Int.random(in: 0...30, using: &random)).map { _ in hash() }
            let checkpoint = (0..<Int.random(in: 1...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let index = round % 3 == 0 ? UInt64.random(in: 0...(1 << 53 - 1), using: &random) : UInt64.random(in: 0...10_000, using: &random)
            let receipt = Receipt(index: index, prev: hash(), time: Timestamp(milliseconds: Int64.random(in: 0...4_102_444_800_000, using: &random)),
                                  proof: proof, checkpoint: checkpoint)
            let logged = Node.Logged(statementHash: hash(), receipt: receipt)
            let witnessed: Node.Witnessed? = round % 2 == 0 ? nil : Node.Witnessed(cosignatures: Int.random(in: 0...5, using: &random), quorum: Int.random(in: 0...5, using: &random))
            var writer = CanonicalJSONWriter()
            logged.write(into: &writer, witnessed: witnessed)
            XCTAssertEqual(writer.bytes, CanonicalJSON.encode(reference(logged, witnessed)), "round \(round)")
            // The receipt inside parses back to the receipt written.
            let parsed = try CanonicalJSON.parse(writer.bytes, requireCanonical: true)
            XCTAssertEqual(try Receipt(text: try XCTUnwrap(parsed["receipt"]?.stringValue)).proof, proof, "round \(round)")
        }
    }

    /// The text written as bytes is the text: the receipt's own lines, in order.
    func testReceiptTextBytesAreItsLines() throws {
        let a = try XCTUnwrap(Hash(bytes: [UInt8](repeating: 1, count: 32)))
        let b = try XCTUnwrap(Hash(bytes: [UInt8](repeating: 2, count: 32)))
        let receipt = Receipt(index: 41, prev: a, time: Timestamp(milliseconds: 1_700_000_000_123), proof: [a, b],
                              checkpoint: "example.org/log\n2\nAQ==\n\n\u{2014} example.org/log AAAA\n")
        XCTAssertEqual(receipt.text, """
            c2sp.org/tlog-proof@v1
            extra \(Base64.encode(Array(#"{"prev":"\#(a.base64)","time":"2023-11-14T22:13:20.123Z"}"#.utf8)))
            index 41
            \(a.base64)
            \(b.base64)

            example.org/log
            2
            AQ==

            \u{2014} example.org/log AAAA

            """)
        XCTAssertEqual(Array(receipt.text.utf8), receipt.textBytes)
    }
}
