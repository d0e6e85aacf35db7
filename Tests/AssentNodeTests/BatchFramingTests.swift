import AssentCore
@testable import AssentNode
import AssentTestSupport
import XCTest

/// A batch body is framed into its statements before any of them is parsed (`BatchBody`).
/// Hostile framing must never crash the node, and a body that is a JSON array must be framed
/// into exactly its elements. The fast companion of Scripts/fuzz/targets/batch.swift.
final class BatchFramingTests: XCTestCase {
    /// Bodies built from the tokens framing can trip on (brackets inside strings, escaped quotes,
    /// stray closers, empty elements, white space), by a fixed-seed generator.
    func testRandomBodiesAreFramedWithinBoundsAndJSONArraysIntoTheirElements() {
        let tokens = ["[", "]", "{", "}", "\"", "\\", ",", " ", "\n", ":", "1", "a", #""]""#, #""\"""#, #""[{,""#, #"{"k":[1,"}"]}"#, "[]", "{}"]
            .map { Array($0.utf8) }
        var rng = SplitMix64(state: 42)
        func next(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }
        var arrays = 0
        for _ in 0..<20000 {
            var body = [UInt8(ascii: "[")]
            for _ in 0..<next(12) { body += tokens[next(tokens.count)] }
            if next(4) > 0 { body.append(UInt8(ascii: "]")) }
            let ranges = BatchBody.elementRanges(body)
            var end = 0
            for range in ranges ?? [] {
                XCTAssertTrue(range.lowerBound >= end && range.upperBound <= body.count && !range.isEmpty, "\(range) in \(body)")
                end = range.upperBound
            }
            guard case let .array(elements)? = try? CanonicalJSON.parse(body) else { continue }
            arrays += 1
            XCTAssertEqual(ranges?.count, elements.count, String(decoding: body, as: UTF8.self))
            for (range, element) in zip(ranges ?? [], elements) {
                XCTAssertEqual(try? CanonicalJSON.parse(Array(body[range])), element, String(decoding: body, as: UTF8.self))
            }
        }
        // The generator must reach valid arrays often enough for the second property to mean something.
        XCTAssertGreaterThan(arrays, 500)
    }
}
