/// C2SP tlog-tiles: tile coordinates, paths, and which tiles a tree size implies.
///
/// The n-th tile at level l holds, for i in 0..<256, MTH(D[(n·256 + i)·256^l : (n·256 + i + 1)·256^l]).
/// A partial tile holds the first `width` of those (1...255).
public struct Tile: Hashable, Sendable, CustomStringConvertible {
    public static let height = 8
    public static let fullWidth = 256

    public let level: Int
    public let index: UInt64
    /// 1...256; 256 is a full tile.
    public let width: Int

    public init(level: Int, index: UInt64, width: Int = Tile.fullWidth) {
        precondition((0...63).contains(level) && (1...Tile.fullWidth).contains(width))
        self.level = level
        self.index = index
        self.width = width
    }

    public var isPartial: Bool { width < Tile.fullWidth }

    /// `tile/<L>/<N>[.p/<W>]`, with N in `x001/x234/067` form.
    public var path: String { "tile/\(level)/\(Tile.encodeIndex(index))\(isPartial ? ".p/\(width)" : "")" }
    /// The entry bundle's path for a level-0 tile: `tile/entries/<N>[.p/<W>]`.
    public var entriesPath: String { "tile/entries/\(Tile.encodeIndex(index))\(isPartial ? ".p/\(width)" : "")" }
    public var description: String { path }

    /// Index 1234067 → `x001/x234/067`: zero-padded 3-digit elements, all but the last prefixed by `x`.
    public static func encodeIndex(_ n: UInt64) -> String {
        var groups = [UInt64]()
        var rest = n
        repeat {
            groups.append(rest % 1000)
            rest /= 1000
        } while rest > 0
        func pad(_ g: UInt64) -> String {
            let s = String(g)
            return String(repeating: "0", count: 3 - s.count) + s
        }
        return groups.reversed().enumerated().map { i, g in (i == groups.count - 1 ? "" : "x") + pad(g) }.joined(separator: "/")
    }

    /// Parses the path elements after `tile/<L>/` or `tile/entries/`: `x001/x234/067[.p/<W>]`.
    /// Refuses anything that is not the one canonical spelling.
    public static func parseIndexAndWidth(_ elements: [Substring]) -> (index: UInt64, width: Int)? {
        var parts = elements
        var width = Tile.fullWidth
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p") {
            guard let w = Int(parts[parts.count - 1]), (1..<Tile.fullWidth).contains(w), String(w) == parts[parts.count - 1] else {
                return nil
            }
            width = w
            parts.removeLast()
            parts[parts.count - 1] = parts[parts.count - 1].dropLast(2)
        }
        guard !parts.isEmpty else { return nil }
        var index: UInt64 = 0
        for (i, part) in parts.enumerated() {
            var digits = part
            if i < parts.count - 1 {
                guard digits.first == "x" else { return nil }
                digits = digits.dropFirst()
            }
            guard digits.utf8.count == 3, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let group = UInt64(digits) else { return nil }
            let (m, overflow) = index.multipliedReportingOverflow(by: 1000)
            let (sum, carry) = m.addingReportingOverflow(group)
            guard !overflow, !carry else { return nil }
            index = sum
        }
        return (index, width)
    }

    /// Every tile, full or partial, that a tree of `size` leaves is served as (tlog-tiles §"Partial Tiles").
    public static func tiles(forTreeSize size: UInt64) -> [Tile] {
        var tiles = [Tile]()
        var level = 0
        var n = size
        while n > 0 {
            let full = n / 256
            for i in 0..<full { tiles.append(Tile(level: level, index: i)) }
            let partial = Int(n % 256)
            if partial > 0 { tiles.append(Tile(level: level, index: full, width: partial)) }
            n /= 256
            level += 1
        }
        return tiles
    }
}

/// Entry bundles: each entry a big-endian uint16 length, then the entry (tlog-tiles §"Log entries").
public enum EntryBundle {
    public static let maxEntrySize = 65_535

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

public enum TileError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncatedBundle(offset: Int)
    case badTileSize(tile: String, bytes: Int)

    public var description: String {
        switch self {
        case let .truncatedBundle(offset): "entry bundle is truncated at byte \(offset)"
        case let .badTileSize(tile, bytes): "tile \(tile) has \(bytes) bytes, not a whole number of the hashes it should hold"
        }
    }
}

/// Reads subtree hashes out of tiles, so a store or a client holding tiles can
/// produce any root or proof (the approach of golang.org/x/mod/sumdb/tlog).
///
/// `readTile(level, index)` returns the tile's hashes as stored: at least as many as needed.
/// Each tile is read once per reader and its eight inner levels are hashed once, so the many
/// proofs of one batch of receipts cost a few tile reads, not one per proof step. A reader
/// is meant to be short-lived (one request or one batch): it does not see later appends.
public final class TileHashReader: SubtreeHashReader {
    private let readTile: (Int, UInt64) throws -> [UInt8]
    private var expanded: [TileKey: [[Hash]]] = [:]
    private var ranges: [ClosedRange<UInt64>: Hash] = [:]

    public func rememberedRangeHash(start: UInt64, end: UInt64) -> Hash? { ranges[start...end] }
    public func rememberRangeHash(_ hash: Hash, start: UInt64, end: UInt64) { ranges[start...end] = hash }

    private struct TileKey: Hashable {
        let level: Int
        let index: UInt64
    }

    public init(readTile: @escaping (Int, UInt64) throws -> [UInt8]) {
        self.readTile = readTile
    }

    public func subtreeHash(level h: Int, index k: UInt64) throws -> Hash {
        // A subtree of height h is the node at height h % 8 inside a tile at level h / 8.
        let tileLevel = h / Tile.height
        let within = h % Tile.height
        let first = k << UInt64(within)
        let tileIndex = first / UInt64(Tile.fullWidth)
        let offset = Int(first % UInt64(Tile.fullWidth)) >> within
        let levels = try innerLevels(level: tileLevel, index: tileIndex)
        guard within < levels.count, offset < levels[within].count else { throw MerkleError.hashNotStored(level: h, index: k) }
        return levels[within][offset]
    }

    /// The tile's hashes (inner level 0) and the complete subtrees above them (levels 1...7).
    private func innerLevels(level: Int, index: UInt64) throws -> [[Hash]] {
        let key = TileKey(level: level, index: index)
        if let levels = expanded[key] { return levels }
        let bytes = try readTile(level, index)
        guard bytes.count % 32 == 0 else { throw TileError.badTileSize(tile: Tile(level: level, index: index).path, bytes: bytes.count) }
        var levels = [(0..<(bytes.count / 32)).map { Hash(unchecked: Array(bytes[($0 * 32)..<($0 * 32 + 32)])) }]
        while levels.count < Tile.height, levels.last!.count >= 2 {
            let below = levels.last!
            levels.append((0..<(below.count / 2)).map { MerkleTree.nodeHash(below[2 * $0], below[2 * $0 + 1]) })
        }
        expanded[key] = levels
        return levels
    }
}
