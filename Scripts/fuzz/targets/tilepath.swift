// Tile.parseIndexAndWidth on the path elements after tile/<L>/ or tile/entries/ (what the node's
// read path parses from a URL). Whatever it accepts is the one canonical spelling: a tile must
// give back the same path, and its width must be one a Tile can have.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        ["000", "x001/x234/067", "x018/x446/x744/x073/x709/x551/615", "x001/x234/067.p/255", "005.p/1"].map(Samples.bytes)
    }

    static func run(_ input: [UInt8]) {
        let path = text(input)
        guard let (index, width) = Tile.parseIndexAndWidth(path.split(separator: "/", omittingEmptySubsequences: false)) else { return }
        require((1...Tile.fullWidth).contains(width), "width \(width) out of range")
        let tile = Tile(level: 0, index: index, width: width)
        require(tile.entriesPath == "tile/entries/" + path, "\(path) is not the canonical spelling of \(tile.entriesPath)")
    }
}
