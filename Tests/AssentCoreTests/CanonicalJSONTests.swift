import AssentCore
import AssentTestSupport
import XCTest

final class CanonicalJSONTests: XCTestCase {
    func canonical(_ text: String) throws -> String { try CanonicalJSON.parse(text).canonicalString }

    func testKeysAreSortedAndWhiteSpaceRemoved() throws {
        XCTAssertEqual(try canonical(#"{ "b": 1, "a": [true, false, "x"] }"#), #"{"a":[true,false,"x"],"b":1}"#)
    }

    /// RFC 8785 §3.2.3 sorts by UTF-16 code units: U+10000 (surrogates D800 DC00) sorts before U+FB01,
    /// although its UTF-8 bytes (F0...) sort after U+FB01's (EF...).
    func testKeysSortByUTF16CodeUnitsNotBytes() throws {
        let value: JSONValue = .object(["\u{FB01}": 1, "\u{10000}": 2, "a": 3])
        XCTAssertEqual(value.canonicalString, "{\"a\":3,\"\u{10000}\":2,\"\u{FB01}\":1}")
        XCTAssertNoThrow(try CanonicalJSON.parse(value.canonicalString, requireCanonical: true))
    }

    func testStringEscapesFollowRFC8785() throws {
        let value: JSONValue = .string("\"\\\u{08}\u{09}\u{0A}\u{0C}\u{0D}\u{01}\u{1F}/\u{7F}é\u{2028}😀")
        XCTAssertEqual(value.canonicalString, "\"\\\"\\\\\\b\\t\\n\\f\\r\\u0001\\u001f/\u{7F}é\u{2028}😀\"")
        XCTAssertEqual(try CanonicalJSON.parse(value.canonicalString, requireCanonical: true), value)
    }

    func testUnicodeEscapesAndSurrogatePairsDecode() throws {
        XCTAssertEqual(try CanonicalJSON.parse(#""\u00e9\ud83d\ude00\/""#), .string("é😀/"))
    }

    func testLoneSurrogatesAreRefused() {
        XCTAssertThrowsError(try CanonicalJSON.parse(#""\ud800""#)) { XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .loneSurrogate) }
        XCTAssertThrowsError(try CanonicalJSON.parse(#""\udc00x""#)) { XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .loneSurrogate) }
    }

    func testFloatsAreRefusedEvenWhenIntegral() {
        for text in ["1.0", "1e3", "-0.5", "[2E1]", #"{"a":1.5}"#] {
            XCTAssertThrowsError(try CanonicalJSON.parse(text), text) { XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .floatNotAllowed) }
        }
    }

    func testNullIsRefused() {
        XCTAssertThrowsError(try CanonicalJSON.parse(#"{"a":null}"#)) { XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .nullNotAllowed) }
    }

    func testDuplicateKeysAreRefusedAndNamed() {
        XCTAssertThrowsError(try CanonicalJSON.parse(#"{"a":1,"a":2}"#)) { error in
            let e = error as! CanonicalJSONError
            XCTAssertEqual(e.reason, .duplicateKey("a"))
            XCTAssertEqual(e.offset, 7)
            XCTAssertTrue(e.description.contains("duplicate key \"a\""))
        }
    }

    /// Canonical mode (what a node parses statements with) skips the duplicate look-up while
    /// names are in order, yet a repeated name is still a duplicate, next to its first
    /// occurrence or not: outside the profile (`malformed-json`), not merely `not-canonical`.
    func testDuplicateKeysAreDuplicatesInCanonicalModeToo() {
        for (text, offset) in [(#"{"a":1,"a":2}"#, 7), (#"{"a":1,"b":2,"a":3}"#, 13), (#"{"a":{"x":1,"y":2,"x":3}}"#, 18)] {
            XCTAssertThrowsError(try CanonicalJSON.parse(text, requireCanonical: true), text) { error in
                let e = error as! CanonicalJSONError
                XCTAssertEqual(e.reason, .duplicateKey(text.contains("x") ? "x" : "a"), text)
                XCTAssertEqual(e.offset, offset, text)
            }
        }
        // Out of order without a repeat is still only not canonical.
        XCTAssertThrowsError(try CanonicalJSON.parse(#"{"a":1,"c":2,"b":3}"#, requireCanonical: true)) {
            guard case .notCanonical? = ($0 as? CanonicalJSONError)?.reason else { return XCTFail("\($0)") }
        }
    }

    func testIntegersAreLimitedToTheSafeRange() throws {
        XCTAssertEqual(try CanonicalJSON.parse("9007199254740991"), .integer(9_007_199_254_740_991))
        XCTAssertEqual(try CanonicalJSON.parse("-9007199254740991"), .integer(-9_007_199_254_740_991))
        XCTAssertThrowsError(try CanonicalJSON.parse("9007199254740992"))
        XCTAssertThrowsError(try CanonicalJSON.parse("01"))
    }

    func testCanonicalCheckNamesWhatIsNotCanonical() {
        let cases: [(String, Int)] = [
            (#"{"b":1,"a":2}"#, 7),       // key order
            (#"{"a": 1}"#, 5),             // white space
            (#"["\u0041"]"#, 2),           // needless \u escape
            (#"["\u000a"]"#, 2),           // \n has a short form
            (#"["\u001F"]"#, 2),           // upper-case hex
            (#"["\/"]"#, 2),               // escaped slash
            ("-0", 0),
            (" 1", 0),
        ]
        for (text, offset) in cases {
            XCTAssertThrowsError(try CanonicalJSON.parse(text, requireCanonical: true), text) { error in
                let e = error as! CanonicalJSONError
                guard case .notCanonical = e.reason else { return XCTFail("\(text): \(e)") }
                XCTAssertEqual(e.offset, offset, text)
            }
            XCTAssertNoThrow(try CanonicalJSON.parse(text), text)
        }
    }

    func testCanonicalInputIsAcceptedAsIs() throws {
        let text = #"{"a":{"b":[1,-2,"\u001f"],"c":true},"d":""}"#
        XCTAssertEqual(try CanonicalJSON.parse(text, requireCanonical: true).canonicalString, text)
    }

    /// Strings without escapes take the parser's fast path (ASCII decoded as it is, other bytes
    /// validated as UTF-8): random byte strings, ASCII only and mixed with bytes of 0x80 and up,
    /// parse exactly to the string of their bytes, or are refused as invalid UTF-8 when they are.
    func testUnescapedStringsParseToTheirBytesOrAreRefused() {
        var rng = SplitMix64(state: 31)
        let ascii = (0x20...0x7E).map(UInt8.init).filter { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        let utf8 = Array("é€𝄞ü".utf8)
        for round in 0..<4000 {
            let count = Int(rng.next() % 24)
            var body = [UInt8]()
            for _ in 0..<count {
                switch (round % 3, rng.next() % 8) {
                case (0, _), (_, 0...4): body.append(ascii[Int(rng.next() % UInt64(ascii.count))])
                case (1, _): body.append(utf8[Int(rng.next() % UInt64(utf8.count))])
                default: body.append(UInt8(0x80 + rng.next() % 0x80))
                }
            }
            let text = [UInt8(ascii: "\"")] + body + [UInt8(ascii: "\"")]
            if let expected = String(validating: body, as: UTF8.self) {
                XCTAssertEqual(try CanonicalJSON.parse(text), .string(expected), "\(body)")
                XCTAssertEqual(Array(expected.utf8), body)
            } else {
                XCTAssertThrowsError(try CanonicalJSON.parse(text), "\(body)") {
                    XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .invalidUTF8, "\(body)")
                }
            }
        }
    }

    func testInvalidUTF8AndControlCharactersAreRefused() {
        XCTAssertThrowsError(try CanonicalJSON.parse([0x22, 0xC3, 0x28, 0x22])) { XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .invalidUTF8) }
        XCTAssertThrowsError(try CanonicalJSON.parse("\"a\u{01}\"")) { XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .controlCharacterInString) }
    }

    func testTrailingDataAndTruncationAreRefused() {
        XCTAssertThrowsError(try CanonicalJSON.parse("{} {}")) { XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .trailingData) }
        XCTAssertThrowsError(try CanonicalJSON.parse(#"{"a":"#)) { XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .unexpectedEnd) }
    }

    func testDeepNestingIsRefused() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        XCTAssertThrowsError(try CanonicalJSON.parse(deep)) { XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .tooDeep) }
    }
}
