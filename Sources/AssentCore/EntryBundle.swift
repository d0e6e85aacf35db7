/// Entry bundles: each entry a big-endian uint16 length, then the entry (tlog-tiles §"Log entries").
public enum EntryBundle {
    public static let maxEntrySize = 65_535
    /// The largest bundle a full tile's worth of entries can make: 256 × (2 + 65,535) bytes.
    /// A reader may refuse anything larger, compressed or not.
    public static let maxBundleSize = Tile.fullWidth * (2 + maxEntrySize)

    public static func encode(_ entries: [[UInt8]]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(entries.reduce(0) { $0 + 2 + $1.count })
        for entry in entries {
            precondition(entry.count <= maxEntrySize, "entry of \(entry.count) bytes does not fit a uint16 length")
            out.append(UInt8(entry.count >> 8))
            out.append(UInt8(entry.count & 0xFF))
            out.append(contentsOf: entry)
        }
        return out
    }

    public static func decode(_ bundle: [UInt8]) throws(TileError) -> [[UInt8]] {
        var entries = [[UInt8]]()
        var i = 0
        while i < bundle.count {
            guard i + 2 <= bundle.count else { throw .truncatedBundle(offset: i) }
            let length = Int(bundle[i]) << 8 | Int(bundle[i + 1])
            i += 2
            guard i + length <= bundle.count else { throw .truncatedBundle(offset: i - 2) }
            entries.append(Array(bundle[i..<(i + length)]))
            i += length
        }
        return entries
    }
}
