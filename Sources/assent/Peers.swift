import ArgumentParser
import AssentCore
import Foundation

/// `assent peers`: how a node replicates each peer log of its federation (`GET /v1/peers`).
struct Peers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how a node mirrors its peers' logs: sizes, last success or error, state.",
        discussion: """
            One line a peer: its origin, the leaves the node has mirrored (verified and stored), the size of
            the peer's latest checkpoint it verified, its state (starting, syncing, following,
            failing, stopped) and its last success or error. --json prints the node's reply.
            """)

    @OptionGroup var options: ReadNodeOptions

    func run() async throws {
        let (bytes, reply) = try await options.get("/v1/peers")
        if options.json {
            print(String(decoding: bytes, as: UTF8.self))
            return
        }
        print(Peers.table(reply))
    }

    /// The reply as a table, a peer a line.
    static func table(_ reply: JSONValue) -> String {
        let peers = reply["peers"]?.arrayValue ?? []
        guard !peers.isEmpty else { return "no peers: this node has no federation file, or its federation lists no other log" }
        func text(_ value: JSONValue?) -> String {
            switch value {
            case let .string(s)?: s
            case let .integer(n)?: String(n)
            default: "-"
            }
        }
        let header = ["ORIGIN", "MIRRORED", "PEER", "STATE", "LAST SUCCESS", "LAST ERROR"]
        let rows = peers.map { p in
            [text(p["origin"]), text(p["mirroredSize"]), text(p["peerSize"]), text(p["state"]), text(p["lastSuccess"]),
             p["lastError"].map { String(text($0).prefix(100)) } ?? "-"]
        }
        let widths = (0..<header.count).map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { c, cell in c == row.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
