// LogLeaf(bytes:) as an auditor or a mirror reads entries, then the chain checks a replay
// makes (starting a log at this leaf, and continuing after it). An accepted leaf must be
// rebuilt byte for byte from its fields.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] { Samples.leaves.map(\.bytes) }

    static func run(_ input: [UInt8]) {
        let leaf: LogLeaf
        do { leaf = try LogLeaf(bytes: input) } catch {
            describe(error)
            return
        }
        require(leaf.bytes == input, "leaf does not keep its bytes")
        do {
            let rebuilt = try LogLeaf(index: leaf.index, origin: leaf.origin, prev: leaf.prev, time: leaf.time, content: leaf.content)
            require(rebuilt.bytes == input, "leaf rebuilt from its fields has other bytes")
        } catch {
            require(false, "leaf cannot be rebuilt from its fields: \(error)")
        }
        var fresh = ChainVerifier(origin: Samples.origin)
        do { try fresh.append(leaf) } catch { describe(error) }
        var continuing = ChainVerifier(origin: leaf.origin, continuingAfter: leaf)
        do { try continuing.append(leaf) } catch { describe(error) }
    }
}
