import AssentCore
import Foundation

/// What `GET /v1/node` says about a node: who it is and the limits a client must respect.
///
/// It is informational. A client learns which log keys and operator keys to trust from the
/// federation file (PROTOCOL §5), never from the node it is checking: a node that lied here
/// would be believed by anyone who trusted this route.
public struct NodeInfo: Encodable, Sendable, Equatable {
    /// The software's version, as this route reports it.
    public static let softwareVersion = "0.1.0-dev"

    public struct Limits: Encodable, Sendable, Equatable {
        /// Statements in one `POST /v1/statements` array, at most.
        public var maxBatch: Int
        /// The largest request body, in bytes.
        public var maxBodyBytes: Int
        /// The largest signed statement (canonical bytes), so that its leaf fits 65,535 bytes.
        public var maxStatementBytes: Int
        /// The largest submission: a statement with the disclosures beside it (canonical bytes).
        public var maxSubmissionBytes: Int
        /// How far `issued` may lie before and after the node's clock.
        public var clockWindowPastSeconds: Int
        public var clockWindowFutureSeconds: Int
        /// Statements waiting for the sequencer at most; beyond that `503 queue-full`.
        public var maxQueued: Int
        /// Large request bodies (over 256 KiB, or chunked) handled at once; beyond that `503 busy`.
        public var maxConcurrentLargeBodies: Int
    }

    /// The open-declaration policy (PROTOCOL §3): whether preferences from keys this node's log
    /// does not enroll are taken, and their rate limits and daily quota.
    public struct OpenDeclarations: Encodable, Sendable, Equatable {
        public var enabled: Bool
        public var perKeyPerMinute: Int
        public var perKeyBurst: Int
        public var perClientPerMinute: Int
        public var perClientBurst: Int
        public var dailyQuotaPerKey: Int
    }

    public var origin: String
    public var society: String?
    /// The log's note verifier key (`<origin>+<key id>+<base64>`), which signs checkpoints.
    public var logKey: String
    /// Base64 Ed25519 public keys that may sign enrollments and mandates here (`by`).
    public var operatorKeys: [String]
    /// The verifier key of this node's witness (tlog-cosignature type 0x04) when the node is in a
    /// federation; null for a node alone, which witnesses nobody.
    public var witnessKey: String?
    public var software: String
    public var version: String
    public var limits: Limits
    public var openDeclarations: OpenDeclarations
    /// A sentence saying where trust comes from, so that nobody mistakes this reply for it.
    public var trust: String

    static let trustSentence = "Informational only: trust the log key and operator keys that the federation file lists, not this reply."

    public init(config: NodeConfig, keys: NodeKeys, operators: [PublicKey]) {
        origin = config.origin
        society = config.society
        logKey = keys.log.verifierKey.description
        operatorKeys = operators.sorted().map(\.base64)
        // A node witnesses its peers once it is in a federation (docs/federation.md).
        witnessKey = config.federation == nil ? nil : keys.witness.verifierKey.description
        software = "assent"
        version = NodeInfo.softwareVersion
        limits = Limits(maxBatch: Node.maxBatch, maxBodyBytes: config.maxBodyBytes, maxStatementBytes: SignedStatement.maxSize,
                        maxSubmissionBytes: Submission.maxSize,
                        clockWindowPastSeconds: config.clockWindowPastSeconds, clockWindowFutureSeconds: config.clockWindowFutureSeconds,
                        maxQueued: config.maxQueued, maxConcurrentLargeBodies: config.maxConcurrentLargeBodies)
        let p = config.openDeclarations
        openDeclarations = OpenDeclarations(enabled: p.enabled, perKeyPerMinute: p.perKeyPerMinute, perKeyBurst: p.perKeyBurst,
                                            perClientPerMinute: p.perClientPerMinute, perClientBurst: p.perClientBurst,
                                            dailyQuotaPerKey: p.dailyQuotaPerKey)
        trust = NodeInfo.trustSentence
    }

    enum CodingKeys: String, CodingKey {
        case origin, society, logKey, operatorKeys, witnessKey, software, version, limits, openDeclarations, trust
    }

    /// Absent values are written as `null`, not left out: a client sees every member the
    /// schema names (docs/openapi.yaml, `NodeInfo`).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(origin, forKey: .origin)
        try c.encode(society, forKey: .society)
        try c.encode(logKey, forKey: .logKey)
        try c.encode(operatorKeys, forKey: .operatorKeys)
        try c.encode(witnessKey, forKey: .witnessKey)
        try c.encode(software, forKey: .software)
        try c.encode(version, forKey: .version)
        try c.encode(limits, forKey: .limits)
        try c.encode(openDeclarations, forKey: .openDeclarations)
        try c.encode(trust, forKey: .trust)
    }

    /// The reply body: JSON with sorted keys (it contains `null`, which Assent's canonical JSON
    /// profile does not have, so it is encoded by Foundation rather than `CanonicalJSON`).
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}
