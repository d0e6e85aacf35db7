/// C2SP tlog-tiles: tile coordinates, paths, and which tiles a tree size implies.
///
/// The n-th tile at level l holds, for i in 0..<256, MTH(D[(n·256 + i)·256^l : (n·256 + i + 1)·256^l]).
/// A partial tile holds the first `width` of those (1...255).
public struct Tile: Hashable, Sendable, CustomStringConvertible {
    public static let height = 8
    public static let fullWidth = 256
    /// tlog-tiles §"Merkle Tree": `<L>` is between 0 and 63.
    public static let levels = 0...63

    public let level: Int
    public let index: UInt64
    /// 1...256; 256 is a full tile.
    public let width: Int

    public init(level: Int, index: UInt64, width: Int = Tile.fullWidth) {
        precondition(Tile.levels.contains(level) && (1...Tile.fullWidth).contains(width))
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

    /// Parses `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` (no leading `/`) in the one
    /// spelling tlog-tiles defines: `<L>` and `<W>` decimal without leading zeros, `<N>` in
    /// 3-digit groups, all but the last prefixed by `x`, and no leading zero group (1 is `001`,
    /// never `x000/001`), since `encodeIndex` writes each index one way. Anything else,
    /// including an empty element from `//` or a trailing `/`, is refused: a cache or a mirror
    /// keyed by path must never see one tile under two names.
    public static func parse(path: some StringProtocol) throws(TileError) -> (tile: Tile, isEntries: Bool) {
        let text = String(path)
        func bad(_ why: String) -> TileError { .badPath(path: text, why) }
        var elements = text.split(separator: "/", omittingEmptySubsequences: false)
        guard elements.count >= 3, elements[0] == "tile" else { throw bad("expected tile/<L>/<N> or tile/entries/<N>") }
        if let empty = elements.firstIndex(where: \.isEmpty) {
            throw bad("empty path element at position \(empty + 1) (a doubled or trailing \"/\")")
        }
        let isEntries = elements[1] == "entries"
        var level = 0
        if !isEntries {
            guard let l = Int(elements[1]), Tile.levels.contains(l), String(l) == elements[1] else {
                throw bad("level \"\(elements[1])\" is not a decimal in 0...63 without leading zeros")
            }
            level = l
        }
        elements.removeFirst(2)
        var width = Tile.fullWidth
        if elements.count >= 2, elements[elements.count - 2].hasSuffix(".p") {
            let w = elements[elements.count - 1]
            guard let n = Int(w), (1..<Tile.fullWidth).contains(n), String(n) == w else {
                throw bad("partial width \"\(w)\" is not a decimal in 1...255 without leading zeros")
            }
            width = n
            elements.removeLast()
            elements[elements.count - 1] = elements[elements.count - 1].dropLast(2)
        }
        var index: UInt64 = 0
        for (i, element) in elements.enumerated() {
            var digits = element
            let last = i == elements.count - 1
            if !last {
                guard digits.first == "x" else { throw bad("index element \"\(element)\" must start with \"x\": only the last one does not") }
                digits = digits.dropFirst()
            }
            guard digits.utf8.count == 3, let group = UInt64(digits), digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw bad("index element \"\(element)\" is not three decimal digits")
            }
            guard i > 0 || last || group > 0 else { throw bad("index starts with the zero group \"\(element)\"") }
            let (shifted, overflow) = index.multipliedReportingOverflow(by: 1000)
            let (sum, carry) = shifted.addingReportingOverflow(group)
            guard !overflow, !carry else { throw bad("index does not fit in 64 bits") }
            index = sum
        }
        let tile = Tile(level: level, index: index, width: width)
        // Belt and braces: whatever the checks above let through must be the spelling we write.
        let canonical = isEntries ? tile.entriesPath : tile.path
        guard canonical == text else { throw bad("the canonical spelling is \(canonical)") }
        return (tile, isEntries)
    }

    /// The tile at `level` and `index` as a tree of `size` leaves has it: full, or partial
    /// with the width that size implies. Nil when the tree has no hash in it yet.
    public static func at(level: Int, index: UInt64, treeSize size: UInt64) -> Tile? {
        guard Tile.levels.contains(level) else { return nil }
        // Hashes stored at this level: one per complete subtree of 256^level leaves.
        let hashes = size >> (8 * UInt64(level))
        let fullTiles = hashes / 256
        if index < fullTiles { return Tile(level: level, index: index) }
        let rest = Int(hashes % 256)
        guard index == fullTiles, rest > 0 else { return nil }
        return Tile(level: level, index: index, width: rest)
    }

    /// The level-0 tiles (entry bundles) of a tree of `size` leaves, in order, made as they are
    /// read. A size read from a checkpoint is outside input: a log can sign any number, and a
    /// reader must not build anything in proportion to it before the leaves arrive.
    public static func entryTiles(forTreeSize size: UInt64) -> some Sequence<Tile> {
        let full = size / 256
        let partial = Int(size % 256)
        return sequence(state: UInt64(0)) { i -> Tile? in
            guard i < full || (i == full && partial > 0) else { return nil }
            defer { i += 1 }
            return i < full ? Tile(level: 0, index: i) : Tile(level: 0, index: full, width: partial)
        }
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

    /// The partial tiles of a tree of `size` leaves, lowest level first: the tree's right
    /// edge. Together they hold exactly the complete subtrees the size decomposes into, so
    /// they alone give the root (see `TileEdge`).
    public static func partialTiles(forTreeSize size: UInt64) -> [Tile] {
        var tiles = [Tile]()
        var level = 0
        var n = size
        while n > 0 {
            if n % 256 > 0 { tiles.append(Tile(level: level, index: n / 256, width: Int(n % 256))) }
            n /= 256
            level += 1
        }
        return tiles
    }

    /// Where the complete subtree of 2^`height` leaves starting at leaf `index`·2^`height` is
    /// stored: the node at `within` levels above the hashes of tile (`level`, `tile`), at
    /// `offset` among that inner level's nodes, computed from the hashes at positions
    /// `offset`·2^`within` ..< (`offset` + 1)·2^`within`.
    public static func locate(height: Int, index: UInt64) -> (level: Int, tile: UInt64, within: Int, offset: Int) {
        let level = height / Tile.height
        let within = height % Tile.height
        // The subtree's first hash at this tile level.
        let first = index << UInt64(within)
        return (level, first / UInt64(Tile.fullWidth), within, Int(first % UInt64(Tile.fullWidth)) >> within)
    }

    /// The tile's hashes (inner level 0) and the complete subtrees above them (levels 1...7):
    /// a tile stands for the whole subtree of height 8 over its hashes (tlog-tiles §"Merkle Tree").
    /// `bytes` must be a whole number of hashes.
    public static func innerLevels(_ bytes: [UInt8]) -> [[Hash]] {
        var levels = [(0..<(bytes.count / Hash.byteCount)).map { Hash(unchecked: bytes[($0 * 32)..<($0 * 32 + 32)]) }]
        while levels.count < Tile.height, let below = levels.last, below.count >= 2 {
            levels.append((0..<(below.count / 2)).map { MerkleTree.nodeHash(below[2 * $0], below[2 * $0 + 1]) })
        }
        return levels
    }

    /// The root of a full tile's subtree from its inner levels: the hash its parent tile holds.
    static func rootOfFull(_ levels: [[Hash]]) -> Hash? {
        guard levels.count == Tile.height, let top = levels.last, top.count == 2 else { return nil }
        return MerkleTree.nodeHash(top[0], top[1])
    }
}
