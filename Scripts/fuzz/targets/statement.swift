// SignedStatement(bytes:) as a tool reads a file (any JSON), and Submission(bytes:) as a node
// reads a submission (canonical, disclosures checked against their commitments). Whatever is
// accepted must round-trip through its canonical bytes.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] { Samples.statements.map(\.canonicalBytes) + Samples.submissions.map(\.canonicalBytes) }

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
            do {
                let s = try Submission(bytes: input, requireCanonical: canonical)
                // An empty "disclosures" list is dropped from the canonical bytes; anything else is kept as it came.
                if canonical { require(s.canonicalBytes == input || s.disclosures.isEmpty, "accepted canonical submission bytes are not kept as they are") }
                require((try? Submission(bytes: s.canonicalBytes)) == s, "canonical bytes of an accepted submission are refused")
            } catch {
                describe(error)
            }
        }
    }
}
