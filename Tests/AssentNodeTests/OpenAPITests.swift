import AssentNode
import Foundation
import Logging
import XCTest

/// docs/openapi.yaml describes every /v1 route the server registers, and nothing else.
final class OpenAPITests: XCTestCase {
    func documentedRoutes() throws -> Set<String> {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml").path
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
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

    func testEveryV1RouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-openapi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let node = try Node(config: NodeConfig(origin: "o.example/log", listen: "127.0.0.1:0", dataDirectory: directory.path),
                            logger: Logger(label: "openapi"))
        let registered = Set(node.router().routes.map { "\($0.method.rawValue) \($0.path)" }.filter { $0.contains(" /v1/") })
        let documented = try documentedRoutes()
        XCTAssertFalse(documented.isEmpty)
        XCTAssertEqual(registered, documented)
    }
}
