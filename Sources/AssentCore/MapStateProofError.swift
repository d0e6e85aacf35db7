/// Why a "state at T" proof (PROTOCOL §5) could not be read or does not hold.
public enum MapStateProofError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    /// A record in the proof describes another subject than the one the proof is about.
    case wrongSubject(version: UInt32, expected: MapSubject, found: MapSubject)
    /// A record has another version than its place in the proof calls for.
    case wrongVersion(expected: UInt32, found: UInt32)
    /// The state record was made after T, so it cannot be the state at T.
    case stateAfterT(version: UInt32, time: Timestamp, at: Timestamp)
    /// The next version exists and was made at or before T, so the state record is not the latest.
    case nextNotAfterT(version: UInt32, time: Timestamp, at: Timestamp)
    /// The subject already has 2^32 − 1 versions: no next version can be shown absent.
    case versionOverflow
    /// The map proof for one version fails.
    case proof(version: UInt32, PrefixTreeProofError)

    public var description: String {
        switch self {
        case let .malformed(why): "not a state proof: \(why)"
        case let .wrongSubject(version, expected, found): "state proof for \(expected): the record of version \(version) is about \(found)"
        case let .wrongVersion(expected, found): "state proof: expected the record of version \(expected), found version \(found)"
        case let .stateAfterT(version, time, at): "state proof: version \(version) was made at \(time), after \(at)"
        case let .nextNotAfterT(version, time, at):
            "state proof: version \(version) was made at \(time), not after \(at), so the state at \(at) is not the version before it"
        case .versionOverflow: "state proof: the subject has the largest version there is"
        case let .proof(version, e): "state proof: version \(version): \(e)"
        }
    }
}
