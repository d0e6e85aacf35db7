// BatchBody.elementRanges on a submission body (Sources/AssentNode/BatchBody.swift, compiled in).
// Ranges must lie inside the body, in order and non-empty; when the body is a JSON array,
// they must be exactly its elements.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        let statements = Samples.statements.map(\.canonicalBytes)
        return [Samples.bytes("[") + statements.joined(separator: Samples.bytes(" ,\n")) + Samples.bytes("]"),
                Samples.bytes(#"[ {"a":"]\"}"} , [1,[2]] ,"x" ]"#), Samples.bytes("[]")] + statements
    }

    static func run(_ input: [UInt8]) {
        let ranges = BatchBody.elementRanges(input)
        var end = 0
        for range in ranges ?? [] {
            require(range.lowerBound >= end && range.upperBound <= input.count && !range.isEmpty, "range \(range) is out of order or bounds")
            end = range.upperBound
            do { _ = try SignedStatement(bytes: Array(input[range])) } catch { describe(error) }
        }
        if case let .array(elements)? = try? CanonicalJSON.parse(input) {
            require(ranges?.count == elements.count, "a JSON array of \(elements.count) elements is framed as \(ranges?.count ?? -1)")
            for (range, element) in zip(ranges ?? [], elements) {
                require((try? CanonicalJSON.parse(Array(input[range]))) == element, "range \(range) is not its element")
            }
        }
    }
}
