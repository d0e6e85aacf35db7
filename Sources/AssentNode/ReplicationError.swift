import AssentCore

/// Why the replicator could not bring a mirror to a peer's checkpoint. Each names the peer's
/// origin, and where it applies the path or the leaf that failed.
public enum ReplicationError: Error, Sendable, CustomStringConvertible {
    /// The origin is not a peer of this node's federation.
    case unknownOrigin(String)
    /// The peer did not answer (or not with 200) at `url`.
    case unreachable(origin: String, String)
    /// The work was not done within the caller's deadline (it goes on in the background).
    case deadline(origin: String, Duration)
    /// The peer's checkpoint note does not verify with the log's key of the federation file.
    case badCheckpoint(origin: String, String)
    /// What the peer served does not match its signed tree or breaks a rule of the log: a hash
    /// tile, an entry bundle, a leaf. Nothing of it was stored.
    case verification(origin: String, String)
    /// The peer signed a checkpoint that conflicts with one the mirror holds: the evidence, as
    /// recorded. The mirror is kept as it was and the peer is no longer followed.
    case inconsistent(Evidence)
    /// The peer's checkpoint conflicts with the mirror, but not with a note the mirror kept (the
    /// leaves of a catch-up chunk, authenticated against an earlier note it did not store), so
    /// there is no pair of notes to keep as evidence. The peer is no longer followed.
    case conflictWithoutEvidence(origin: String, String)
    /// The peer is no longer followed since it signed conflicting checkpoints.
    case stopped(origin: String, String)
    /// Storing the mirror failed.
    case store(origin: String, String)

    public var description: String {
        switch self {
        case let .unknownOrigin(origin): "\"\(origin)\" is not a peer log of this node's federation"
        case let .unreachable(origin, why): "peer \(origin) unreachable: \(why)"
        case let .deadline(origin, d): "peer \(origin): not replicated within \(d) (replication goes on)"
        case let .badCheckpoint(origin, why): "peer \(origin): checkpoint rejected: \(why)"
        case let .verification(origin, why): "peer \(origin): \(why)"
        case let .inconsistent(evidence): "peer \(evidence.origin) signed conflicting checkpoints: \(Replicator.summary(evidence))"
        case let .conflictWithoutEvidence(origin, why): "peer \(origin): \(why)"
        case let .stopped(origin, why): "peer \(origin) is no longer followed: \(why)"
        case let .store(origin, why): "mirror of \(origin): \(why)"
        }
    }
}
