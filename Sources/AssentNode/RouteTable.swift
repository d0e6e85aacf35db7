import Hummingbird
import Synchronization

/// The node's routes as a table of paths and methods, to tell "no such path" (404) from "not
/// with this method" (405 with `Allow`, RFC 9110 §15.5.6): Hummingbird's router answers both 404.
final class RouteTable: Sendable {
    private let routes = Mutex<[(path: RouterPath, method: HTTPRequest.Method)]>([])

    func set(_ routes: [(RouterPath, HTTPRequest.Method)]) {
        self.routes.withLock { $0 = routes.map { (path: $0.0, method: $0.1) } }
    }

    /// The methods some route answers on `path`, in a stable order.
    @Sendable func allowedMethods(_ path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let methods = routes.withLock { $0.filter { RouteTable.matches($0.path, segments) }.map(\.method) }
        return Array(Set(methods)).sorted { $0.rawValue < $1.rawValue }
    }

    /// Matches as Hummingbird's trie does for the patterns the node uses: literal segments,
    /// single-segment captures and wildcards, and a trailing `**` for one or more segments.
    static func matches(_ pattern: RouterPath, _ segments: [Substring]) -> Bool {
        for (i, element) in pattern.components.enumerated() {
            if element.description == "**" { return segments.count > i }
            guard i < segments.count, element ~= segments[i] else { return false }
        }
        return segments.count == pattern.components.count
    }
}
