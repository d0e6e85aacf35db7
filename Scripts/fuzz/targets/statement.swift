// SignedStatement(bytes:) as a node reads a submission (canonical) and as a tool reads a file
// (any JSON). Whatever is accepted must round-trip through its canonical bytes.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] { Samples.statements.map(\.canonicalBytes) }

    static func run(_ input: [UInt8]) {
        for canonical in [true, false] {
            do {
                let s = try SignedStatement(bytes: input, requireCanonical: canonical)
                if canonical { require(s.canonicalBytes == input, "accepted canonical bytes are not kept as they are") }
                require((try? SignedStatement(bytes: s.canonicalBytes)) == s, "canonical bytes of an accepted statement are refused")
                _ = s.json
            } catch {
                describe(error)
            }
        }
    }
}
