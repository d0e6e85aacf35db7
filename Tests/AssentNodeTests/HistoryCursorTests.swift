import AssentCore
import AssentTestSupport
import Foundation
import Hummingbird
import NIOCore
import XCTest

/// `assent history` follows the node's `next` until there is none (docs/federation.md "History
/// across logs"). A hostile or broken node that names as next a page already read, the same
/// or two in turn, must not keep it asking for ever: the verb refuses any cursor seen before in
/// the run. A stand-in node on loopback answers each work's pages by a script, ending the
/// script after `pageLimit` pages so that a verb without the refusal ends too (and fails here).
final class HistoryCursorTests: XCTestCase {
    static let pageLimit = 12

    /// A node's history route that answers the work `local:example.org/<name>` with no changes
    /// and, as next, `script[name]`'s value for the page's number (0 the first); it records the
    /// `from` of each request ("" for none).
    final class ScriptedNode: Sendable {
        let server = LoopbackServer()
        let asked = LockedBox<[String: [String]]>([:])
        var base: String { "http://127.0.0.1:\(server.port)" }

        func start(_ script: [String: @Sendable (Int) -> JSONValue?]) async throws {
            let router = Router()
            router.get("/healthz") { _, _ in "ok" }
            router.get("/v1/works/:work/history") { [asked] request, _ -> Response in
                let path = request.uri.path
                guard let name = script.keys.first(where: { path.hasSuffix("%2F\($0)/history") || path.hasSuffix("/\($0)/history") }),
                      let next = script[name] else { return Response(status: .notFound) }
                var log = asked.value
                log[name, default: []].append(request.uri.queryParameters.get("from") ?? "")
                asked.value = log
                let page = log[name, default: []].count - 1
                var reply: [JSONKey: JSONValue] = ["log": "loop.assent.example/log", "work": .string("local:example.org/\(name)"), "changes": []]
                if page + 1 < HistoryCursorTests.pageLimit, let cursor = next(page) { reply["next"] = cursor }
                var bytes = [UInt8]()
                CanonicalJSON.write(.object(reply), into: &bytes)
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
            try await server.start(router, label: "scripted-node", logLevel: .critical)
        }

        func stop() async { try? await server.stop() }
    }

    func testHistoryRefusesANextCursorAlreadyReadInTheRunNotOnlyTheOneJustRead() async throws {
        let node = ScriptedNode()
        try await node.start([
            // Two cursors in turn: a, b, a, …
            "alternating": { .string($0 % 2 == 0 ? "cursor-a" : "cursor-b") },
            // A leaf index and a cursor in turn: 5, x, 5, … (a leaf index "grows" from a cursor).
            "mixed": { $0 % 2 == 0 ? .integer(5) : .string("x") },
            // Distinct cursors, then none: followed to the end.
            "distinct": { $0 < 3 ? .string("cursor-\($0)") : nil },
        ])
        let cli = AssentCLI()
        defer { cli.remove() }
        for (name, again, froms) in [("alternating", "cursor-a", ["", "cursor-a", "cursor-b"]), ("mixed", "5", ["", "5", "x"])] {
            let (status, output) = try await cli.runDetached(["history", "local:example.org/\(name)", "--node", node.base])
            XCTAssertNotEqual(status, 0, "\(name): \(output)")
            XCTAssertTrue(output.contains("already read in this run (\"\(again)\", after 3 pages)"), "\(name): \(output)")
            XCTAssertEqual(node.asked.value[name], froms, "\(name): the pages asked for, in order")
        }
        let (status, output) = try await cli.runDetached(["history", "local:example.org/distinct", "--node", node.base])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(node.asked.value["distinct"], ["", "cursor-0", "cursor-1", "cursor-2"])
        await node.stop()
    }

    /// A node that names a new page every time (here until the script's `pageLimit`, standing in
    /// for ever) is read for at most `--max-pages` pages, then refused with what to do.
    func testHistoryStopsAfterMaxPagesWhenTheNodeKeepsInventingPages() async throws {
        let node = ScriptedNode()
        try await node.start(["endless": { .string("cursor-\($0)-" + String(repeating: "x", count: 2_000)) }])
        let cli = AssentCLI()
        defer { cli.remove() }
        let (status, output) = try await cli.runDetached(["history", "local:example.org/endless", "--node", node.base, "--max-pages", "5"])
        XCTAssertNotEqual(status, 0, output)
        XCTAssertTrue(output.contains("the history goes on after 5 pages, the most --max-pages allows"), output)
        XCTAssertEqual(node.asked.value["endless"]?.count, 5, "pages asked for")
        let refused = try await cli.runDetached(["history", "local:example.org/endless", "--node", node.base, "--max-pages", "0"])
        XCTAssertNotEqual(refused.status, 0, refused.output)
        XCTAssertTrue(refused.output.contains("--max-pages must be at least 1"), refused.output)
        await node.stop()
    }
}
