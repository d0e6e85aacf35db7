import AssentCore
import AssentNode
import Foundation
import Logging
import XCTest

/// docs/openapi.yaml describes every /v1 route the server registers, and nothing else; its
/// examples, the statement reference's examples and the node's real replies all validate
/// against its schemas.
final class OpenAPITests: XCTestCase {
    static let path = StatementReference.repositoryRoot.appendingPathComponent("docs/openapi.yaml").path

    func documentedRoutes() throws -> Set<String> {
        let lines = try String(contentsOfFile: OpenAPITests.path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var routes = Set<String>()
        var current: String?
        for line in lines {
            if line.hasPrefix("  /") && line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
            } else if let path = current, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "delete", "patch"].contains(method) { routes.insert("\(method.uppercased()) \(path)") }
            } else if !line.hasPrefix(" ") && !line.isEmpty {
                current = nil
            }
        }
        return routes
    }

    /// Hummingbird writes a captured segment `:name` or `{name}`; OpenAPI writes `{name}`.
    static func openAPIPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }

    func testEveryV1RouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-openapi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let node = try Node(config: NodeConfig(origin: "o.example/log", listen: "127.0.0.1:0", dataDirectory: directory.path),
                            logger: Logger(label: "openapi"))
        defer { node.close() }
        let registered = Set(node.router().routes.map { "\($0.method.rawValue) \(OpenAPITests.openAPIPath($0.path.description))" }
            .filter { $0.contains(" /v1/") })
        let documented = try documentedRoutes().filter { $0.contains(" /v1/") }
        XCTAssertFalse(documented.isEmpty)
        XCTAssertEqual(registered, documented)
    }

    func validator() throws -> SchemaValidator {
        try SchemaValidator(yaml: String(contentsOfFile: OpenAPITests.path, encoding: .utf8))
    }

    /// Every `example` in the document, at a media type beside its `schema` or inside a schema, is valid.
    func testTheDocumentsExamplesValidate() throws {
        let v = try validator()
        var checked = 0
        func walk(_ node: Any, _ path: String) throws {
            if let map = node as? [String: Any] {
                if let example = map["example"] {
                    // A media type object's example is for its `schema`; a schema's is for itself.
                    let schema = (map["schema"] as? [String: Any]) ?? (map["type"] != nil || map["properties"] != nil ? map : nil)
                    if let schema, let instance = Instance(any: example) {
                        XCTAssertEqual(try v.errors(instance, schema), [], "openapi.yaml \(path)")
                        checked += 1
                    }
                }
                for (k, value) in map { try walk(value, "\(path)/\(k)") }
            } else if let list = node as? [Any] {
                for (i, value) in list.enumerated() { try walk(value, "\(path)/\(i)") }
            }
        }
        try walk(v.document, "")
        XCTAssertGreaterThanOrEqual(checked, 8)
    }

    /// The statement reference's accepted examples are valid `SignedStatement`s, and its
    /// refused ones that break a rule the schema can state are invalid: the two documents agree.
    func testTheStatementReferenceExamplesValidate() throws {
        let v = try validator()
        let schema = try v.resolve("#/components/schemas/SignedStatement")
        let key = try SigningKey.generate()
        var checked = 0
        for example in try StatementReference().examples where example.isAccepted && !example.isRaw {
            let text = try StatementReference.substitute(example.text, now: Timestamp(milliseconds: 1_795_000_000_000),
                                                         operatorKey: key.publicKey, hashes: [:].withDefault(SHA256.hash([1])))
            let submission = try StatementReference.submission(example, substituted: text, signers: [key])
            guard let instance = Instance(json: submission.body) else { return XCTFail("docs/statements.md:\(example.line) is not JSON") }
            XCTAssertEqual(try v.errors(instance, schema), [], "docs/statements.md:\(example.line)")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 10)
    }

    /// The validator refuses what it should: a guard against a validator that accepts anything.
    func testTheValidatorRefusesBrokenStatements() throws {
        let v = try validator()
        let schema = try v.resolve("#/components/schemas/SignedStatement")
        let good = #"{"sig":"\#(String(repeating: "A", count: 86))==","statement":{"audience":"*","by":"kE2eCnXEt0mRmLjR5JjZx2yDuHk7y9j9A7XU7y3Xq8M=","issued":"2026-11-21T10:00:00.000Z","type":"preference","usage":{"train-ai":"n"},"work":"iswc:T0345246801"}}"#
        XCTAssertEqual(try v.errors(try XCTUnwrap(Instance(json: Array(good.utf8))), schema), [])
        for (broken, why) in [(#""train-ai":"n""#, #""train-ai":"no""#), (#""type":"preference""#, #""type":"licence""#),
                              (#""work":"iswc:T0345246801""#, #""work":"iswc:T-034.524.680-1""#),
                              (#""audience":"*""#, #""audience":"*","labels":["TK-SS"]"#),
                              (#""issued":"2026-11-21T10:00:00.000Z""#, #""issued":"2026-11-21T10:00:00Z""#)] {
            let text = good.replacingOccurrences(of: broken, with: why)
            XCTAssertNotEqual(try v.errors(try XCTUnwrap(Instance(json: Array(text.utf8))), schema), [], why)
        }
    }

    /// The node's real replies on every documented route validate against the documented
    /// response schema for their status.
    func testTheNodesRepliesValidate() async throws {
        let v = try validator()
        func schema(_ path: String, _ method: String, _ status: Int) throws -> [String: Any] {
            try v.responseSchema(path: path, method: method, status: status)
        }
        func check(_ reply: TestNode.Reply, _ path: String, _ method: String = "get", file: StaticString = #filePath, line: UInt = #line) throws {
            let s = try schema(path, method, reply.status)
            let instance: Instance = reply.headers["content-type"]?.hasPrefix("text/plain") == true ? .string(reply.text) : try XCTUnwrap(Instance(json: reply.body))
            XCTAssertEqual(try v.errors(instance, s), [], "\(method.uppercased()) \(path) \(reply.status): \(reply.text)", file: file, line: line)
        }
        let replies = Replies()
        try await InProcessNode.run { node in
            replies.add(try await node.get("/v1/node"), "/v1/node")
            let first = Fixtures.preference(1)
            replies.add(try await node.post("/v1/statements", first.canonicalBytes), "/v1/statements", "post")
            let batch = "[" + [Fixtures.preference(2), Fixtures.preference(3, issued: Timestamp(milliseconds: 0))]
                .map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
            let batchReply = try await node.post("/v1/statements", Array(batch.utf8))
            XCTAssertEqual(batchReply.json["refused"], .integer(1))
            replies.add(batchReply, "/v1/statements", "post")
            replies.add(try await node.post("/v1/statements", Array(#"{"sig":1}"#.utf8)), "/v1/statements", "post")
            let size = node.node.store.size
            replies.add(try await node.get("/v1/proof/inclusion?index=1&size=\(size)"), "/v1/proof/inclusion")
            replies.add(try await node.get("/v1/proof/inclusion?index=\(size)&size=\(size)"), "/v1/proof/inclusion")
            replies.add(try await node.get("/v1/proof/consistency?old=1&new=\(size)"), "/v1/proof/consistency")
            replies.add(try await node.get("/v1/proof/consistency?old=x&new=1"), "/v1/proof/consistency")
            replies.add(try await node.get("/checkpoint"), "/checkpoint")
            replies.add(try await node.get("/healthz"), "/healthz")
            replies.add(try await node.send("/v1/node", method: .post, body: nil), "/v1/node")
        }
        let all = replies.all
        XCTAssertEqual(all.count, 11)
        XCTAssertEqual(Set(all.map { $0.0.status }), [200, 400, 404, 405])
        for (reply, path, method) in all { try check(reply, path, method) }
    }
}

/// Replies collected inside a node's run, checked after it.
final class Replies: @unchecked Sendable {
    private let lock = NSLock()
    private var replies = [(TestNode.Reply, String, String)]()
    func add(_ reply: TestNode.Reply, _ path: String, _ method: String = "get") { lock.withLock { replies.append((reply, path, method)) } }
    var all: [(TestNode.Reply, String, String)] { lock.withLock { replies } }
}

extension Dictionary where Key == String, Value == Hash {
    /// Every `{{hash:…}}` of an example read on its own resolves to `hash`.
    func withDefault(_ hash: Hash) -> [String: Hash] {
        var out = self
        for id in (try? StatementReference().examples.compactMap(\.id)) ?? [] { out[id] = hash }
        return out
    }
}
