import AssentCore
import XCTest

/// JSON member names are compared by their bytes (PROTOCOL §2, RFC 8785): "é" written as
/// U+00E9 and as "e" + U+0301 are two names, which `String ==` would take for one.
final class JSONKeyTests: XCTestCase {
    let composed = "caf\u{E9}"
    let decomposed = "cafe\u{301}"

    func testCanonicallyEquivalentNamesAreTwoMembers() throws {
        let text = "{\"\(composed)\":1,\"\(decomposed)\":2}"
        let value = try CanonicalJSON.parse(text)
        XCTAssertEqual(value.objectValue?.count, 2)
        XCTAssertEqual(value[JSONKey(composed)], .integer(1))
        XCTAssertEqual(value[JSONKey(decomposed)], .integer(2))
    }

    func testCanonicallyEquivalentNamesSortByUTF16CodeUnitsAndReencodeCanonically() throws {
        // "cafe" + U+0301 sorts before "caf" + U+00E9: 0x0065 < 0x00E9 at the fourth code unit.
        let value = try CanonicalJSON.parse("{\"\(composed)\":1,\"\(decomposed)\":2}")
        let canonical = "{\"\(decomposed)\":2,\"\(composed)\":1}"
        XCTAssertEqual(value.canonicalString, canonical)
        XCTAssertEqual(try CanonicalJSON.parse(canonical, requireCanonical: true), value)
        XCTAssertThrowsError(try CanonicalJSON.parse("{\"\(composed)\":1,\"\(decomposed)\":2}", requireCanonical: true)) {
            guard case .notCanonical? = ($0 as? CanonicalJSONError)?.reason else { return XCTFail("\($0)") }
        }
    }

    func testNamesWithTheSameBytesAreStillDuplicates() {
        XCTAssertThrowsError(try CanonicalJSON.parse("{\"\(composed)\":1,\"\(composed)\":2}")) {
            XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .duplicateKey(composed))
        }
    }

    func testKeysAndStringsCompareAndHashByBytes() {
        XCTAssertNotEqual(JSONKey(composed), JSONKey(decomposed))
        XCTAssertEqual(Set([JSONKey(composed), JSONKey(decomposed)]).count, 2)
        XCTAssertEqual(JSONKey(composed), JSONKey("caf\u{E9}"))
        XCTAssertNotEqual(JSONValue.string(composed), JSONValue.string(decomposed))
        XCTAssertEqual(Set([JSONValue.string(composed), .string(decomposed)]).count, 2)
        // U+212A KELVIN SIGN is canonically equivalent to "K".
        XCTAssertNotEqual(JSONKey("\u{212A}"), JSONKey("K"))
    }

    func testObjectLiteralsStillWriteNamesAsStrings() {
        let value: JSONValue = ["type": "preference", "v": 1]
        XCTAssertEqual(value.canonicalString, #"{"type":"preference","v":1}"#)
        XCTAssertEqual(value["type"], .string("preference"))
    }
}
