import AssentCore

/// What the replicator knows of one peer, as `GET /v1/peers` and `assent peers` show it.
public struct PeerStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Not replicated yet since the node started.
        case starting
        /// A replication is under way.
        case syncing
        /// The mirror holds the peer's latest checkpoint the replicator saw.
        case following
        /// The last replication failed; it is retried with backoff.
        case failing
        /// The peer signed conflicting checkpoints: no longer followed (the reason).
        case stopped(String)

        public var name: String {
            switch self {
            case .starting: "starting"
            case .syncing: "syncing"
            case .following: "following"
            case .failing: "failing"
            case .stopped: "stopped"
            }
        }
    }

    public let origin: String
    public let url: String
    /// Leaves the mirror holds, all verified.
    public var mirroredSize: UInt64
    /// Leaves authenticated, verified and replayed, stored or waiting for the writer: ahead of
    /// `mirroredSize` by at most the chunk being stored and the one after it during a catch-up
    /// (docs/federation.md "Progress").
    public var verifiedSize: UInt64
    /// The size of the latest checkpoint of the peer's the replicator verified; nil before the first.
    public var peerSize: UInt64?
    public var lastSuccess: Timestamp?
    public var lastError: String?
    public var lastErrorAt: Timestamp?
    /// Failures since the last success.
    public var failures = 0
    public var state = State.starting

    public init(origin: String, url: String, mirroredSize: UInt64) {
        self.origin = origin
        self.url = url
        self.mirroredSize = mirroredSize
        verifiedSize = mirroredSize
    }

    /// The entry of `GET /v1/peers` (docs/openapi.yaml, `Peer`); absent members are unknown.
    public var json: JSONValue {
        // Sizes beyond 2^53 − 1 (a hostile peer's claim) are shown as that bound (PROTOCOL §1).
        func size(_ n: UInt64) -> JSONValue { .integer(Int64(min(n, UInt64(JSONValue.maxInteger)))) }
        var o: [JSONKey: JSONValue] = [
            "origin": .string(origin), "url": .string(url), "state": .string(state.name),
            "mirroredSize": size(mirroredSize), "verifiedSize": size(max(verifiedSize, mirroredSize)), "failures": .integer(Int64(failures)),
        ]
        if let peerSize { o["peerSize"] = size(peerSize) }
        if let lastSuccess { o["lastSuccess"] = .string(lastSuccess.rfc3339) }
        if let lastError { o["lastError"] = .string(lastError) }
        if let lastErrorAt { o["lastErrorAt"] = .string(lastErrorAt.rfc3339) }
        if case let .stopped(why) = state { o["stoppedBecause"] = .string(why) }
        return .object(o)
    }
}
