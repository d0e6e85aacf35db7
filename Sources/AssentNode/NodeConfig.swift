import AssentCore
import Foundation

/// A node's configuration file (Nodes/<society>.json). Relative paths are resolved
/// against the directory of the configuration file.
public struct NodeConfig: Codable, Sendable {
    /// The log's origin: checkpoint origin line and log key name (tlog-checkpoint).
    public var origin: String
    /// The society that runs the node, for humans.
    public var society: String?
    /// host:port to listen on, e.g. 127.0.0.1:7001.
    public var listen: String
    /// Where the database and the keys live. Never inside the repository's tracked files.
    public var dataDirectory: String
    /// The federation file (PROTOCOL §9, docs/federation.md); nil: the node runs alone, with no
    /// peers and no witnesses, trusting only its own operator key.
    public var federation: String?
    /// How long, after a checkpoint is signed, the sequencer waits for the federation's
    /// witnesses' cosignatures before it publishes with those that came (docs/federation.md).
    public var witnessTimeoutMilliseconds: Int = 2000
    /// Statements per batch before the sequencer writes without waiting for the interval.
    public var batchSize: Int = 1000
    /// How long the sequencer lets a batch fill, in milliseconds.
    public var batchIntervalMilliseconds: Int = 25
    /// The longest an idle node goes without an epoch leaf (PROTOCOL §4: at most 60 s).
    public var epochIntervalSeconds: Int = 60
    /// How far in the past a statement's `issued` may be.
    public var clockWindowPastSeconds: Int = 86_400
    /// How far in the future a statement's `issued` may be.
    public var clockWindowFutureSeconds: Int = 300
    /// Statements waiting for the sequencer, at most; beyond that submitters get 503 and Retry-After.
    public var maxQueued: Int = 20_000
    /// Whether and how fast preferences from keys this node's log does not enroll are taken (PROTOCOL §3).
    public var openDeclarations = OpenDeclarationLimiter.Policy()
    /// The disclosed fields `GET /v1/statements/{hash}` serves (docs/node.md "Disclosures"):
    /// `/conditions/credit` (the credit line, meant for AI developers), `/note`, `/name`, `/ids`
    /// (every id). The others are kept and checked but not served; the reply names them.
    public var publicDisclosures: [String] = ["/conditions/credit"]
    public static let disclosableFields: Set<String> = ["/name", "/ids", "/conditions/credit", "/note"]

    // Limits of the HTTP server (docs/node.md, "Limits").

    /// The largest request body, in bytes. A larger one is refused with `too-large` (413)
    /// before it is read when it declares its length, and when it passes this size otherwise.
    /// 8 MiB holds a batch of 1,000 typical statements, not 1,000 maximal ones (63 KiB each).
    public var maxBodyBytes: Int = 8 * 1024 * 1024
    /// Open connections at most; one more is answered 503 `busy` and closed.
    public var maxConnections: Int = 4096
    /// How long a connection may sit with no request before it is closed (keep-alive).
    public var idleTimeoutSeconds: Double = 60
    /// How long a request's head may take from its first byte to its last.
    public var headerTimeoutSeconds: Double = 10
    /// How long a request's body may take from the end of its head to its last byte.
    public var bodyTimeoutSeconds: Double = 60
    /// Requests with a large body (over `Limits.largeBodyBytes`, or of unknown length) handled
    /// at once; one more is answered 503 `busy` with `Retry-After`.
    public var maxConcurrentLargeBodies: Int = 4
    /// Memory for gzip-encoded full entry bundles kept to serve again, in bytes.
    public var bundleCacheBytes: Int = 64 * 1024 * 1024

    public init(origin: String, society: String? = nil, listen: String, dataDirectory: String) {
        self.origin = origin
        self.society = society
        self.listen = listen
        self.dataDirectory = dataDirectory
    }

    enum CodingKeys: String, CodingKey {
        case origin, society, listen, dataDirectory, batchSize, batchIntervalMilliseconds, epochIntervalSeconds
        case clockWindowPastSeconds, clockWindowFutureSeconds, maxQueued, openDeclarations
        case maxBodyBytes, maxConnections, idleTimeoutSeconds, headerTimeoutSeconds, bodyTimeoutSeconds
        case maxConcurrentLargeBodies, bundleCacheBytes, publicDisclosures, federation, witnessTimeoutMilliseconds
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(origin: try c.decode(String.self, forKey: .origin), society: try c.decodeIfPresent(String.self, forKey: .society),
                  listen: try c.decode(String.self, forKey: .listen), dataDirectory: try c.decode(String.self, forKey: .dataDirectory))
        // Absent keys keep the defaults declared above.
        func read<T: Decodable>(_ key: CodingKeys, into field: inout T) throws {
            if let value = try c.decodeIfPresent(T.self, forKey: key) { field = value }
        }
        try read(.batchSize, into: &batchSize)
        try read(.batchIntervalMilliseconds, into: &batchIntervalMilliseconds)
        try read(.epochIntervalSeconds, into: &epochIntervalSeconds)
        try read(.clockWindowPastSeconds, into: &clockWindowPastSeconds)
        try read(.clockWindowFutureSeconds, into: &clockWindowFutureSeconds)
        try read(.maxBodyBytes, into: &maxBodyBytes)
        try read(.maxConnections, into: &maxConnections)
        try read(.idleTimeoutSeconds, into: &idleTimeoutSeconds)
        try read(.headerTimeoutSeconds, into: &headerTimeoutSeconds)
        try read(.bodyTimeoutSeconds, into: &bodyTimeoutSeconds)
        try read(.maxConcurrentLargeBodies, into: &maxConcurrentLargeBodies)
        try read(.bundleCacheBytes, into: &bundleCacheBytes)
        try read(.maxQueued, into: &maxQueued)
        try read(.openDeclarations, into: &openDeclarations)
        try read(.publicDisclosures, into: &publicDisclosures)
        federation = try c.decodeIfPresent(String.self, forKey: .federation)
        try read(.witnessTimeoutMilliseconds, into: &witnessTimeoutMilliseconds)
    }

    /// Whether a disclosure of `field` (a JSON Pointer: `/ids/3` is one of `/ids`) is served.
    public func servesDisclosure(of field: String) -> Bool {
        let listed = field.hasPrefix("/ids/") ? "/ids" : field
        return publicDisclosures.contains(listed)
    }

    /// Reads and checks a configuration file.
    public static func load(path: String) throws -> NodeConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("cannot read \(path)") }
        var config: NodeConfig
        do {
            config = try JSONDecoder().decode(NodeConfig.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ConfigError("\(path): missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ConfigError("\(path): wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw ConfigError("\(path): not valid JSON: \(error)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        if !config.dataDirectory.hasPrefix("/") {
            config.dataDirectory = base.appendingPathComponent(config.dataDirectory).standardizedFileURL.path
        }
        if let federation = config.federation, !federation.hasPrefix("/") {
            config.federation = base.appendingPathComponent(federation).standardizedFileURL.path
        }
        try config.validate()
        return config
    }

    public func validate() throws {
        guard !origin.isEmpty, !origin.contains(" "), !origin.contains("+") else {
            throw ConfigError("origin \"\(origin)\" must be non-empty with no spaces or '+'")
        }
        _ = try listenAddress()
        guard (1...1000).contains(batchSize) else { throw ConfigError("batchSize must be 1...1000") }
        guard (1...10_000).contains(batchIntervalMilliseconds) else { throw ConfigError("batchIntervalMilliseconds must be 1...10000") }
        guard (1...60).contains(epochIntervalSeconds) else { throw ConfigError("epochIntervalSeconds must be 1...60 (PROTOCOL §4)") }
        guard (64 * 1024...64 * 1024 * 1024).contains(maxBodyBytes) else {
            throw ConfigError("maxBodyBytes must be 65536...67108864 (at least one statement of 63 KiB fits)")
        }
        guard (1...1_000_000).contains(maxConnections) else { throw ConfigError("maxConnections must be 1...1000000") }
        for (name, seconds) in [("idleTimeoutSeconds", idleTimeoutSeconds), ("headerTimeoutSeconds", headerTimeoutSeconds),
                                ("bodyTimeoutSeconds", bodyTimeoutSeconds)] {
            guard seconds.isFinite, seconds > 0, seconds <= 3600 else { throw ConfigError("\(name) must be more than 0 and at most 3600") }
        }
        guard (1...1000).contains(maxConcurrentLargeBodies) else { throw ConfigError("maxConcurrentLargeBodies must be 1...1000") }
        guard (1...600_000).contains(witnessTimeoutMilliseconds) else { throw ConfigError("witnessTimeoutMilliseconds must be 1...600000") }
        if let federation, federation.isEmpty { throw ConfigError("federation must be the path of a federation file, or absent") }
        guard bundleCacheBytes >= 0 else { throw ConfigError("bundleCacheBytes must not be negative") }
        _ = try clockWindow()
        guard (1...1_000_000).contains(maxQueued) else { throw ConfigError("maxQueued must be 1...1000000") }
        try openDeclarations.validate()
        for field in publicDisclosures where !NodeConfig.disclosableFields.contains(field) {
            throw ConfigError("publicDisclosures: \"\(field.prefix(80))\" is not a disclosed field; use \(NodeConfig.disclosableFields.sorted().joined(separator: ", "))")
        }
    }

    /// The clock window as the intake rules take it; refuses windows beyond what they allow.
    public func clockWindow() throws -> Admission.ClockWindow {
        let (past, o1) = Int64(clockWindowPastSeconds).multipliedReportingOverflow(by: 1000)
        let (future, o2) = Int64(clockWindowFutureSeconds).multipliedReportingOverflow(by: 1000)
        guard !o1, !o2 else { throw ConfigError("the clock window must be 1 s to 10 years into the past and 0 to 1 day into the future") }
        do { return try Admission.ClockWindow(pastMilliseconds: past, futureMilliseconds: future) } catch { throw ConfigError("\(error)") }
    }

    public func listenAddress() throws -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigError("listen \"\(listen)\" must be host:port")
        }
        return (String(listen[..<colon]), port)
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
