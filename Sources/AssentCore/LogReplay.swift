/// Replays a log leaf by leaf and checks every rule a leaf must meet given the leaves before it
/// (PROTOCOL §3–5): one implementation for `assent audit` (`LogAudit`) and the replicator that
/// mirrors a peer, so both judge a log alike (ARCHITECTURE.md, "replay").
///
/// Per leaf:
/// - its form (canonical JSON, known fields, epoch size = index) and its statement's signature,
///   when given as bytes (`append(bytes:)`); a `LogLeaf` handed to `append(_:)` must have been
///   parsed with `LogLeaf(bytes:)`, which verifies the signature (a caller may parse on several
///   cores and feed the leaves in order);
/// - origin, index, the `prev` chain and times that never decrease (`ChainVerifier`);
/// - the intake rules the log's sequencer had to apply (`Admission`), at the leaf's time: the
///   statement's `issued` within the widest clock window a node may configure (a node's own
///   window is its policy and is not published), and, when the operator keys are given,
///   enrollments and mandates signed by one of them;
/// - each statement once: the hash of a statement already in the log is refused (a node
///   answers a statement submitted again with its receipt and never logs it twice, docs/protocol.md
///   "Identity"; a mirror's store could not hold it twice either);
/// - the erasure rule: an erasure names a statement earlier in the log that carries
///   commitments, is signed by one who may erase it (`Admission.checkErasure`), and names a
///   statement no other erasure erased before (docs/protocol.md "Erasure"). With the
///   operator keys not given they are inferred (the keys that sign the log's enrollments and
///   mandates), so an erasure only an operator key may make is judged at `finish()`;
/// - optionally, every epoch leaf's state-map root (`MapReplay`). The replicator leaves this to
///   the mirror store, which recomputes every epoch's map root on append, rather than hold the
///   whole map twice.
///
/// Memory: the chain head, and for the erasure rule what it needs of each statement seen since
/// the last `forgetStatements(before:)`; earlier statements are asked of `earlierStatement`.
public struct LogReplay {
    /// Finds a statement logged before the leaves this replay holds (a mirror's store): nil if
    /// the log has no statement of that hash.
    public typealias EarlierStatement = (Hash) throws -> Admission.ErasureTarget?
    /// Finds the erasure that erased a statement logged before the leaves this replay holds: nil
    /// if none did.
    public typealias EarlierErasure = (Hash) throws -> Hash?

    public let origin: String
    /// The log's operator keys as given; nil: inferred from the log.
    public let operators: Set<PublicKey>?
    public private(set) var chain: ChainVerifier
    private var map: MapReplay?
    private let admission: Admission
    private let earlierStatement: EarlierStatement?
    private let earlierErasure: EarlierErasure?
    /// Erased statement → the erasure and its leaf, for erasures since the last `forgetStatements`.
    private var erased: [Hash: (index: UInt64, erasure: Hash)] = [:]
    private var targets: [Hash: (index: UInt64, target: Admission.ErasureTarget)] = [:]
    /// The keys that signed the log's enrollments and mandates (only kept with `operators` nil).
    public private(set) var inferredOperators = Set<PublicKey>()
    private var byOperator: [(index: UInt64, erasure: Erasure, target: Admission.ErasureTarget)] = []
    public private(set) var statements = 0
    public private(set) var epochs = 0
    /// The index of the latest epoch leaf, nil before the first.
    public private(set) var latestEpoch: UInt64?

    /// A replay from leaf 0 (`continuingAfter` nil), or after `continuingAfter`, a leaf that was
    /// replayed before (a mirror resuming). `replayMap` recomputes the state map (only from leaf
    /// 0: the map of a prefix is not at hand).
    public init(origin: String, operators: Set<PublicKey>?, replayMap: Bool, continuingAfter last: LogLeaf? = nil,
                earlierStatement: EarlierStatement? = nil, earlierErasure: EarlierErasure? = nil) {
        self.origin = origin
        self.operators = operators
        chain = last.map { ChainVerifier(origin: origin, continuingAfter: $0) } ?? ChainVerifier(origin: origin)
        map = replayMap && last == nil ? MapReplay() : nil
        admission = Admission(window: .widest, operators: operators ?? [])
        self.earlierStatement = earlierStatement
        self.earlierErasure = earlierErasure
        latestEpoch = last.flatMap { $0.isEpoch ? $0.index : nil }
    }

    /// The index the next leaf must have.
    public var nextIndex: UInt64 { chain.nextIndex }
    /// Keys of the recomputed state map (0 without map replay).
    public var mapKeys: Int { map?.tree.count ?? 0 }

    /// Parses the next leaf from bytes read from outside (signature verified) and replays it.
    @discardableResult
    public mutating func append(bytes: [UInt8]) throws(LogReplayError) -> LogLeaf {
        let leaf: LogLeaf
        do { leaf = try LogLeaf(bytes: bytes) } catch { throw LogReplayError(index: chain.nextIndex, .leaf, "\(error)") }
        try append(leaf)
        return leaf
    }

    /// Replays the next leaf, parsed with `LogLeaf(bytes:)`. Returns its leaf hash.
    @discardableResult
    public mutating func append(_ leaf: LogLeaf) throws(LogReplayError) -> Hash {
        let position = chain.nextIndex
        let hash: Hash
        do {
            hash = try chain.append(leaf)
            if let s = leaf.statement { try check(s, leaf: leaf) } else {
                epochs += 1
                latestEpoch = leaf.index
            }
        } catch let error as LogReplayError { throw error } catch { throw LogReplayError(index: position, .leaf, "\(error)") }
        // The state map from the leaves alone: each epoch leaf's root must be the root of the
        // map after every leaf before it (docs/state-map.md §4–5).
        if map != nil {
            do { try map?.append(leaf) } catch { throw LogReplayError(index: position, .stateMap, "\(error)") }
        }
        return hash
    }

    private mutating func check(_ s: SignedStatement, leaf: LogLeaf) throws {
        statements += 1
        // A node never logs a statement twice (docs/protocol.md "Identity").
        if let first = targets[s.hash] {
            throw StatementError.badField("statement", "\(s.hash) is already in the log at leaf \(first.index): a node logs each statement once")
        }
        if try earlierStatement?(s.hash) != nil {
            throw StatementError.badField("statement", "\(s.hash) is already in the log at an earlier leaf: a node logs each statement once")
        }
        // PROTOCOL §3 at the leaf's time: standing (enrolled or not) is the node's policy, not a rule of the log.
        do { _ = try admission.check(s.statement, now: leaf.time, isEnrolled: { _ in false }) } catch {
            guard case .notOperator = error, operators == nil else { throw error }
        }
        switch s.statement {
        case .enrollment, .mandate:
            if operators == nil { inferredOperators.insert(s.statement.by) }
        case let .erasure(e):
            guard let target = try targets[e.erases]?.target ?? earlierStatement?(e.erases) else {
                throw StatementError.badField("erases", "names statement \(e.erases), which is not earlier in the log")
            }
            do { try Admission.checkErasure(e, of: target, operators: operators ?? []) } catch {
                // Not the declarant nor the party: only an operator key may; known at the end.
                guard case .notEraser = error, operators == nil else { throw error }
                byOperator.append((leaf.index, e, target))
            }
            // docs/protocol.md "Erasure": a statement another erasure already erased is refused.
            if let first = try erased[e.erases]?.erasure ?? earlierErasure?(e.erases) {
                throw StatementError.badField("erases", "names statement \(e.erases), which erasure \(first) already erased")
            }
            erased[e.erases] = (leaf.index, s.hash)
        case .preference: break
        }
        targets[s.hash] = (leaf.index, Admission.ErasureTarget(s.statement))
    }

    /// Forgets what the erasure rule kept of the statements before leaf `index`: from now on
    /// they are asked of `earlierStatement` (which must know them: a mirror, once it stored them).
    /// So are the erasures before it (`earlierErasure`).
    public mutating func forgetStatements(before index: UInt64) {
        targets = targets.filter { $0.value.index >= index }
        erased = erased.filter { $0.value.index >= index }
    }

    /// The checks that need the whole log: with inferred operator keys, each erasure that only
    /// an operator key could make must be signed by one of them.
    public func finish() throws(LogReplayError) {
        for (index, erasure, target) in byOperator {
            do { try Admission.checkErasure(erasure, of: target, operators: inferredOperators) } catch {
                throw LogReplayError(index: index, .leaf, "\(error); the operator keys were inferred from the log (those that signed its enrollments and mandates: \(inferredOperators.map(\.base64).sorted().joined(separator: ", "))), and \(erasure.by.base64) is not one of them. If it is the log's operator key (a rotated key), give it with --operator")
            }
        }
    }
}

/// A leaf that breaks a rule of the log, by index.
public struct LogReplayError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The leaf itself, its place in the chain, or a rule its statement breaks.
        case leaf
        /// An epoch leaf's map root differs from the map the leaves before it give.
        case stateMap
    }

    public let index: UInt64
    public let kind: Kind
    public let reason: String

    public init(index: UInt64, _ kind: Kind, _ reason: String) {
        self.index = index
        self.kind = kind
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .leaf: "leaf \(index): \(reason)"
        case .stateMap: "state map: \(reason)"
        }
    }
}
