import AssentCore
import XCTest

/// `LogLeaf(storedBytes:)`, for leaves a store verified before storing them, skips the
/// statement's signature and nothing else.
final class StoredLeafTests: XCTestCase {
    let key = try! SigningKey(seed: [UInt8](repeating: 5, count: 32))

    func leaf(_ signed: SignedStatement) throws -> LogLeaf {
        try LogLeaf(index: 0, origin: "o.example/log", prev: .zero, time: Timestamp(milliseconds: 1_795_000_000_000), content: .statement(signed))
    }

    func preference() throws -> SignedStatement {
        .sign(.preference(Preference(by: key.publicKey, issued: Timestamp(milliseconds: 1_795_000_000_000),
                                     work: try WorkID(parsing: "iswc:T0345246801"), usage: ["tdm": false])), with: key)
    }

    func testAStoredLeafParsesToTheSameLeafWithoutCheckingItsSignature() throws {
        let good = try leaf(try preference())
        XCTAssertEqual(try LogLeaf(storedBytes: good.bytes), try LogLeaf(bytes: good.bytes))
        // The same leaf with one bit of the signature flipped: refused from outside, read back from a store.
        let text = String(decoding: good.bytes, as: UTF8.self)
        let sig = try XCTUnwrap(text.range(of: #""sig":""#)).upperBound
        var bytes = Array(text.utf8)
        let at = text.utf8.distance(from: text.utf8.startIndex, to: sig)
        bytes[at] = bytes[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        XCTAssertThrowsError(try LogLeaf(bytes: bytes)) { XCTAssertTrue("\($0)".contains("signature"), "\($0)") }
        XCTAssertEqual(try LogLeaf(storedBytes: bytes).statement?.statement, good.statement?.statement)
    }

    func testEveryOtherRuleStillHolds() throws {
        let good = try leaf(try preference())
        let text = String(decoding: good.bytes, as: UTF8.self)
        for broken in [text.replacingOccurrences(of: "iswc:T0345246801", with: "iswc:T0345246802"),  // a bad check digit
                       text.replacingOccurrences(of: #""v":1"#, with: #""v":2"#),
                       text.replacingOccurrences(of: ",", with: ", ")] {  // not canonical
            XCTAssertThrowsError(try LogLeaf(storedBytes: Array(broken.utf8)), broken)
        }
    }
}
