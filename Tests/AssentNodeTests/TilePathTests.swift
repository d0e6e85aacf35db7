import AssentCore
import XCTest

/// tlog-tiles gives each tile one path; a node serves it under that path only.
final class TilePathTests: XCTestCase {
    func testOnlyTheCanonicalSpellingOfATilePathIsServed() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        _ = try await node.post("/v1/statements", Fixtures.preference(1).canonicalBytes)
        let size = node.node.store.size
        for path in ["/tile/0/000.p/\(size)", "/tile/entries/000.p/\(size)"] {
            let reply = try await node.get(path)
            XCTAssertEqual(reply.status, 200, path)
        }
        for path in ["//tile/0/000.p/\(size)", "/tile/0/000.p/\(size)/", "/tile/0/x000/000.p/\(size)", "/tile//0/000.p/\(size)",
                     "/tile/0/000.p/0\(size)", "/tile/00/000.p/\(size)", "//tile/entries/000.p/\(size)", "/tile/entries/000.p/\(size)/",
                     "/tile/entries/x000/000.p/\(size)", "/tile/0/%30%30%30.p/\(size)"] {
            let reply = try await node.get(path)
            XCTAssertTrue([400, 404].contains(reply.status), "\(path): \(reply.status)")
            XCTAssertEqual(reply.headers["content-type"], "application/problem+json", path)
        }
        try await node.stop()
    }
}
