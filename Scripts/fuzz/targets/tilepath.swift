// Tile.parse(path:) on what a client puts in a URL after the node's root. Whatever it accepts is
// the one spelling tlog-tiles defines: the tile must give back the same path.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        ["tile/0/000", "tile/1/x001/x234/067", "tile/entries/x018/x446/x744/x073/x709/x551/615", "tile/63/x001/x234/067.p/255",
         "tile/entries/005.p/1"].map(Samples.bytes)
    }

    static func run(_ input: [UInt8]) {
        let path = text(input)
        do {
            let (tile, isEntries) = try Tile.parse(path: path)
            require((isEntries ? tile.entriesPath : tile.path) == path, "\(path) is not the one spelling of \(tile)")
        } catch {
            describe(error)
        }
    }
}
