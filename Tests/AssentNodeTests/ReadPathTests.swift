import AssentCore
@testable import AssentNode
import XCTest

/// The tlog-tiles read path, in process: content coding of entry bundles.
final class ReadPathTests: XCTestCase {
    func testAFullBundleIsGzippedOnceAndEveryClientGetsTheCodingItAskedFor() async throws {
        try await InProcessNode.run { node in
            let statements = (0..<256).map { Fixtures.preference(2000 + $0) }
            let body = "[" + statements.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
            let reply = try await node.post("/v1/statements", Array(body.utf8))
            XCTAssertEqual(reply.json["accepted"], 256)
            let path = "/" + Tile(level: 0, index: 0).entriesPath
            XCTAssertNil(node.node.bundles.cached(0))
            let plain = try await node.get(path)
            XCTAssertNil(plain.headers["content-encoding"], "no Accept-Encoding: no coding")
            XCTAssertEqual(try EntryBundle.decode(plain.body).count, 256)

            let first = try await node.get(path, headers: [("Accept-Encoding", "gzip")])
            XCTAssertEqual(first.headers["content-encoding"], "gzip")
            XCTAssertEqual(first.headers["vary"], "Accept-Encoding")
            XCTAssertEqual(try gunzip(first.body), plain.body)
            XCTAssertEqual(node.node.bundles.cached(0), first.body, "kept after the first request")
            let second = try await node.get(path, headers: [("Accept-Encoding", "x-gzip")])
            XCTAssertEqual(second.body, first.body)

            for refusal in ["gzip;q=0", "gzip;q=0, *", "br", "identity"] {
                let reply = try await node.get(path, headers: [("Accept-Encoding", refusal)])
                XCTAssertNil(reply.headers["content-encoding"], refusal)
                XCTAssertEqual(reply.body, plain.body, refusal)
            }
        }
    }
}
