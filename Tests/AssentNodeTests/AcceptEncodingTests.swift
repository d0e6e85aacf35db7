@testable import AssentNode
import XCTest

/// RFC 9110 §12.5.3: which `Accept-Encoding` fields get gzip.
final class AcceptEncodingTests: XCTestCase {
    func testGzipIsSentOnlyWhenAcceptableAndPreferred() {
        let table: [(field: [String], gzip: Bool, why: String)] = [
            ([], false, "no field: no coding unasked"),
            ([""], false, "an empty field asks for no coding"),
            (["gzip"], true, "gzip listed"),
            (["GZip"], true, "coding names are case-insensitive"),
            (["x-gzip"], true, "x-gzip is gzip (RFC 9110 §8.4.1.3)"),
            (["gzip;q=0"], false, "q=0 means not acceptable"),
            (["gzip; q=0.000"], false, "q=0.000 is still 0"),
            (["gzip;Q=0"], false, "the q parameter name is case-insensitive"),
            (["gzip;q=0.001"], true, "any weight above 0 is acceptable, and identity unlisted is the last choice"),
            (["gzip;q=0.5, *"], false, "* weighs identity at 1, above gzip"),
            (["gzip;q=0.5, *;q=0.5"], true, "equal weights: gzip"),
            (["*"], true, "* covers gzip"),
            (["gzip;q=0, *"], false, "gzip named with q=0 is not covered by *"),
            (["*;q=0"], false, "* with q=0 excludes gzip"),
            (["deflate, br"], false, "gzip neither listed nor covered"),
            (["gzip;q=0.5, identity"], false, "identity (q=1) weighs more"),
            (["gzip, identity;q=0.5"], true, "gzip weighs more"),
            (["identity;q=0, gzip;q=0.1"], true, "identity refused, gzip acceptable"),
            (["gzip;q=1.5"], false, "q above 1 is malformed: the element is ignored"),
            (["gzip;q=0.1234"], false, "more than three decimals is malformed"),
            (["gzip;q=abc"], false, "a non-numeric q is malformed"),
            (["gzip;"], false, "an empty parameter is malformed"),
            (["br;q=1, gzip ; q=0.8 "], true, "whitespace around ; and the value"),
            (["br", "gzip"], true, "the list may be split across field lines"),
            (["gzip;level=9"], true, "parameters other than q do not weigh"),
            (["x-gzip;q=0, gzip"], true, "the higher weight of gzip and its alias counts"),
            ([",, gzip ,"], true, "empty list elements are allowed"),
        ]
        for row in table {
            XCTAssertEqual(AcceptEncoding(row.field).prefersGzip, row.gzip, "\(row.field): \(row.why)")
        }
    }

    func testQValuesFollowTheGrammar() {
        let valid: [(String, Double)] = [("0", 0), ("1", 1), ("0.5", 0.5), ("0.25", 0.25), ("0.125", 0.125), ("1.000", 1), ("1.", 1), ("0.", 0)]
        for (text, value) in valid { XCTAssertEqual(AcceptEncoding.qvalue(Substring(text)), value, text) }
        for text in ["", "2", "1.001", "0.0000", "-0", ".5", "0,5", "1e0", " 1"] {
            XCTAssertNil(AcceptEncoding.qvalue(Substring(text)), text)
        }
    }
}
