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

    public init(origin: String, society: String? = nil, listen: String, dataDirectory: String) {
        self.origin = origin
        self.society = society
        self.listen = listen
        self.dataDirectory = dataDirectory
    }

    enum CodingKeys: String, CodingKey {
        case origin, society, listen, dataDirectory, batchSize, batchIntervalMilliseconds, epochIntervalSeconds
        case clockWindowPastSeconds, clockWindowFutureSeconds, maxQueued, openDeclarations
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        origin = try c.decode(String.self, forKey: .origin)
        society = try c.decodeIfPresent(String.self, forKey: .society)
        listen = try c.decode(String.self, forKey: .listen)
        dataDirectory = try c.decode(String.self, forKey: .dataDirectory)
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? 1000
        batchIntervalMilliseconds = try c.decodeIfPresent(Int.self, forKey: .batchIntervalMilliseconds) ?? 25
        epochIntervalSeconds = try c.decodeIfPresent(Int.self, forKey: .epochIntervalSeconds) ?? 60
        clockWindowPastSeconds = try c.decodeIfPresent(Int.self, forKey: .clockWindowPastSeconds) ?? 86_400
        clockWindowFutureSeconds = try c.decodeIfPresent(Int.self, forKey: .clockWindowFutureSeconds) ?? 300
        maxQueued = try c.decodeIfPresent(Int.self, forKey: .maxQueued) ?? 20_000
        openDeclarations = try c.decodeIfPresent(OpenDeclarationLimiter.Policy.self, forKey: .openDeclarations) ?? .init()
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
        _ = try clockWindow()
        guard (1...1_000_000).contains(maxQueued) else { throw ConfigError("maxQueued must be 1...1000000") }
        try openDeclarations.validate()
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
