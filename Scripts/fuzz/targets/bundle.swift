// EntryBundle.decode on what a server serves at tile/entries/...; decoding then encoding must
// give the bundle back, and each entry is read as a leaf.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] { [Samples.bundle, EntryBundle.encode([[], [0x7B, 0x7D]])] }

    static func run(_ input: [UInt8]) {
        let entries: [[UInt8]]
        do { entries = try EntryBundle.decode(input) } catch {
            describe(error)
            return
        }
        require(EntryBundle.encode(entries) == input, "bundle does not re-encode to itself")
        for entry in entries.prefix(4) {
            do { _ = try LogLeaf(bytes: entry) } catch { describe(error) }
        }
    }
}
